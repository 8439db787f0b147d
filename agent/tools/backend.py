"""The tool backend seam: a Protocol a deployment can point at its own APIs, and the default
implementation on the project database (SQLAlchemy; SQLite by default, Postgres by URL).

Every method takes the tenant and only ever sees that tenant's rows.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from agent.tools.models import TABLES, Charge, Customer, Dispute, Escalation, Refund
from agent.tools.schemas import ChargeOut, CustomerOut, DisputeOut, EscalationOut, RefundOut
from deskpilot.db import create_tables, get_engine, session_scope
from deskpilot.exceptions import NotFoundError, UserInputError


class ToolBackend(Protocol):
    def lookup_customer(
        self, tenant: str, *, customer_id: str | None = None, email: str | None = None
    ) -> CustomerOut | None: ...
    def list_charges(self, tenant: str, customer_id: str, limit: int = 5) -> list[ChargeOut]: ...
    def get_charge(self, tenant: str, charge_id: str) -> ChargeOut | None: ...
    def get_dispute(self, tenant: str, dispute_id: str) -> DisputeOut | None: ...
    def create_refund(
        self, tenant: str, charge_id: str, *, amount: int | None, reason: str, idempotency_key: str
    ) -> RefundOut: ...
    def escalate_to_human(
        self,
        tenant: str,
        *,
        thread_id: str | None,
        summary: str,
        reason: str,
        queue: str | None,
        priority: str | None,
    ) -> EscalationOut: ...


def _charge(row: Charge) -> ChargeOut:
    return ChargeOut(
        id=row.id,
        customer_id=row.customer_id,
        amount=row.amount,
        currency=row.currency,
        status=row.status,
        description=row.description,
        amount_refunded=row.amount_refunded,
        created_at=row.created_at.isoformat() if row.created_at else None,
    )


def _refund(row: Refund, *, replayed: bool = False) -> RefundOut:
    return RefundOut(
        id=row.id,
        charge_id=row.charge_id,
        amount=row.amount,
        currency=row.currency,
        status=row.status,
        idempotency_key=row.idempotency_key,
        replayed=replayed,
    )


class SqlToolBackend:
    """Default backend on the project database; creates its tables on first use."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine or get_engine()
        create_tables(self.engine, *TABLES)

    def is_empty(self, tenant: str) -> bool:
        with session_scope(self.engine) as s:
            return not s.scalar(select(func.count()).select_from(Customer).where(Customer.tenant == tenant))

    def lookup_customer(
        self, tenant: str, *, customer_id: str | None = None, email: str | None = None
    ) -> CustomerOut | None:
        stmt = select(Customer).where(Customer.tenant == tenant)
        if customer_id:
            stmt = stmt.where(Customer.id == customer_id)
        elif email:
            stmt = stmt.where(func.lower(Customer.email) == email.lower())
        else:
            return None
        with session_scope(self.engine) as s:
            row = s.scalars(stmt.limit(1)).first()
            return (
                CustomerOut(id=row.id, email=row.email, name=row.name, country=row.country) if row else None
            )

    def list_charges(self, tenant: str, customer_id: str, limit: int = 5) -> list[ChargeOut]:
        stmt = (
            select(Charge)
            .where(Charge.tenant == tenant, Charge.customer_id == customer_id)
            .order_by(Charge.created_at.desc(), Charge.id)
            .limit(limit)
        )
        with session_scope(self.engine) as s:
            return [_charge(r) for r in s.scalars(stmt)]

    def get_charge(self, tenant: str, charge_id: str) -> ChargeOut | None:
        with session_scope(self.engine) as s:
            row = s.get(Charge, (tenant, charge_id))
            return _charge(row) if row else None

    def get_dispute(self, tenant: str, dispute_id: str) -> DisputeOut | None:
        with session_scope(self.engine) as s:
            row = s.get(Dispute, (tenant, dispute_id))
            if row is None:
                return None
            return DisputeOut(
                id=row.id,
                charge_id=row.charge_id,
                amount=row.amount,
                currency=row.currency,
                status=row.status,
                reason=row.reason,
                evidence_due_by=row.evidence_due_by,
            )

    def create_refund(
        self, tenant: str, charge_id: str, *, amount: int | None, reason: str, idempotency_key: str
    ) -> RefundOut:
        """Refund once per idempotency key: a replay returns the first refund unchanged."""
        try:
            with session_scope(self.engine) as s:
                existing = s.scalars(
                    select(Refund).where(Refund.tenant == tenant, Refund.idempotency_key == idempotency_key)
                ).first()
                if existing is not None:
                    return _refund(existing, replayed=True)
                charge = s.get(Charge, (tenant, charge_id), with_for_update=True)
                if charge is None:
                    raise NotFoundError(f"no charge {charge_id}")
                refundable = charge.amount - charge.amount_refunded if charge.status == "succeeded" else 0
                value = refundable if amount is None else amount
                if value <= 0 or value > refundable:
                    raise UserInputError(f"charge {charge_id} has {refundable} refundable, asked {value}")
                row = Refund(
                    tenant=tenant,
                    id=f"re_{uuid.uuid4().hex[:14]}",
                    charge_id=charge_id,
                    amount=value,
                    currency=charge.currency,
                    status="succeeded",
                    reason=reason,
                    idempotency_key=idempotency_key,
                )
                charge.amount_refunded += value
                s.add(row)
                s.flush()
                return _refund(row)
        except IntegrityError:  # a concurrent request with the same key won the race
            with session_scope(self.engine) as s:
                row = s.scalars(
                    select(Refund).where(Refund.tenant == tenant, Refund.idempotency_key == idempotency_key)
                ).one()
                return _refund(row, replayed=True)

    def escalate_to_human(
        self,
        tenant: str,
        *,
        thread_id: str | None,
        summary: str,
        reason: str,
        queue: str | None,
        priority: str | None,
    ) -> EscalationOut:
        row = Escalation(
            tenant=tenant,
            id=f"esc_{uuid.uuid4().hex[:12]}",
            thread_id=thread_id,
            reason=reason,
            summary=summary,
            queue=queue,
            priority=priority,
        )
        with session_scope(self.engine) as s:
            s.add(row)
        return EscalationOut(id=row.id, queue=queue, priority=priority)

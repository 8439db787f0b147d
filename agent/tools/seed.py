"""Seed the tool tables from a JSON file (the Acme sample, examples/acme/seed.json, by default).

The default ships as package data (``agent/tools/data/acme_seed.json``, a link to the sample's
file in a checkout, a copy in a wheel) and is located through ``importlib.resources``.

Format: ``{"customers": [...], "charges": [...], "refunds": [...], "disputes": [...]}``; field
names follow the tables, with a few tolerated aliases (``customer`` for ``customer_id``,
``amount_cents`` for ``amount``, ``charge`` for ``charge_id``). Rows already present are kept.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from agent.tools.models import TABLES, Charge, Customer, Dispute, Refund
from deskpilot.db import Base, create_tables, get_engine, session_scope
from deskpilot.exceptions import UserInputError

# a filesystem path: the package is installed unzipped (a checkout, an editable install or a wheel)
DEFAULT_SEED = Path(str(resources.files("agent.tools") / "data" / "acme_seed.json"))
ALIASES = {
    "customer": "customer_id",
    "amount_cents": "amount",
    "charge": "charge_id",
    "created": "created_at",
}
MODELS: dict[str, type[Base]] = {
    "customers": Customer,
    "charges": Charge,
    "refunds": Refund,
    "disputes": Dispute,
}


def _row(model: type[Base], raw: dict[str, Any], tenant: str) -> Base:
    columns = {c.name for c in model.__table__.columns}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        key = ALIASES.get(key, key)
        if key not in columns or key == "tenant":
            continue
        if key == "created_at" and isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif key == "created_at" and isinstance(value, int | float):
            value = datetime.fromtimestamp(value)
        if key in {"amount", "amount_refunded"} and isinstance(value, float):
            value = round(value * 100) if not value.is_integer() else int(value)
        values[key] = value
    if "id" not in values:
        raise UserInputError(f"seed row without id in {model.__tablename__}: {raw}")
    return model(tenant=tenant, **values)


def seed_from_file(
    path: Path | str = DEFAULT_SEED, tenant: str = "default", engine: Engine | None = None
) -> dict[str, int]:
    """Insert the file's rows for ``tenant``; returns counts of rows added per table."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UserInputError(f"cannot read seed file {path}: {exc}") from exc
    engine = engine or get_engine()
    create_tables(engine, *TABLES)
    added: dict[str, int] = {}
    with session_scope(engine) as s:
        for table, model in MODELS.items():
            count = 0
            for raw in data.get(table) or []:
                row = _row(model, raw, tenant)
                if s.get(model, (tenant, row.id)) is None:  # type: ignore[attr-defined]
                    s.add(row)
                    count += 1
            added[table] = count
            s.flush()
        # a charge's refunded amount is at least what its seeded refunds add up to
        totals = dict(
            s.execute(
                select(Refund.charge_id, func.sum(Refund.amount))
                .where(Refund.tenant == tenant, Refund.status == "succeeded")
                .group_by(Refund.charge_id)
            ).all()
        )
        for charge_id, total in totals.items():
            charge = s.get(Charge, (tenant, charge_id))
            if charge is not None and charge.amount_refunded < total:
                charge.amount_refunded = int(total)
    return added

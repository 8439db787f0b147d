"""Typed tool arguments and results; each tool declares a permission (read / money / escalate)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Permission = Literal["read", "money", "escalate"]
ID = r"^[A-Za-z0-9_]{3,64}$"


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchDocsArgs(_Args):
    query: str = Field(min_length=1, max_length=1000, description="what to look up in the help center")


class LookupCustomerArgs(_Args):
    customer_id: str | None = Field(default=None, pattern=r"^cus_[A-Za-z0-9]+$")
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

    @model_validator(mode="after")
    def _one_key(self) -> LookupCustomerArgs:
        if not (self.customer_id or self.email):
            raise ValueError("give customer_id or email")
        return self


class ListChargesArgs(_Args):
    customer_id: str = Field(pattern=r"^cus_[A-Za-z0-9]+$")
    limit: int = Field(default=5, ge=1, le=20)


class GetChargeArgs(_Args):
    charge_id: str = Field(pattern=r"^ch_[A-Za-z0-9]+$")


class GetDisputeArgs(_Args):
    dispute_id: str = Field(pattern=r"^dp_[A-Za-z0-9]+$")


class CreateRefundArgs(_Args):
    charge_id: str = Field(pattern=r"^ch_[A-Za-z0-9]+$")
    amount: int | None = Field(default=None, gt=0, description="minor units; default: the refundable rest")
    reason: str = Field(default="requested_by_customer", max_length=200)


class EscalateArgs(_Args):
    summary: str = Field(min_length=1, max_length=2000)
    reason: str = Field(default="customer_request", max_length=64)


class CustomerOut(BaseModel):
    id: str
    email: str
    name: str
    country: str | None = None


class ChargeOut(BaseModel):
    id: str
    customer_id: str
    amount: int
    currency: str
    status: str
    description: str = ""
    amount_refunded: int = 0
    created_at: str | None = None

    @property
    def refundable(self) -> int:
        return max(0, self.amount - self.amount_refunded) if self.status == "succeeded" else 0


class RefundOut(BaseModel):
    id: str
    charge_id: str
    amount: int
    currency: str
    status: str
    idempotency_key: str | None = None
    replayed: bool = False


class DisputeOut(BaseModel):
    id: str
    charge_id: str
    amount: int
    currency: str
    status: str
    reason: str = ""
    evidence_due_by: str | None = None


class EscalationOut(BaseModel):
    id: str
    queue: str | None = None
    priority: str | None = None

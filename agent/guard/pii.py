"""PII redaction before any LLM call.

Emails, card numbers (Luhn-checked), IBANs (mod-97 checked), phone numbers and API keys or
secrets are replaced by typed placeholders like ``[EMAIL_1]``. Originals are returned only
for the kinds a tool needs (emails, to look a customer up); the caller decides where they go.
Object ids such as ``ch_...``, ``cus_...`` and ``dp_...`` are not PII and are kept.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

EMAIL_RE = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
SECRET_RE = re.compile(
    r"\b(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{8,}\b"
    r"|\b(?:sk|api|key|token|secret)[-_][A-Za-z0-9]{20,}\b"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}\b"
    r"|\bwhsec_[A-Za-z0-9+/=]{16,}"
    r"|(?i:\b(?:password|passwd|pwd|api[_ -]?key|access[_ -]?key|key|token|secret|auth)\s*[:=]\s*\S{6,})"
)
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
CARD_RE = re.compile(r"(?<![\w])(?:\d[ -]?){12,18}\d(?![\w])")
PHONE_RE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){1,5}"  # international: +CC ...
    r"|\(\d{2,4}\)[ .-]?\d{3,4}[ .-]?\d{3,4}"  # (415) 555-0199, (020) 7946 0958
    r"|0\d{2,4}[ .-]\d{3,4}(?:[ .-]?\d{3,4})?"  # national with trunk 0: 020 7946 0321
    r"|\d{3}[.-]\d{3}[.-]\d{4}"  # NANP 415.555.0175
    r")(?![\w])"
)

# the order matters: secrets and emails first so their digits are not taken for cards/phones
KINDS = ("SECRET", "EMAIL", "IBAN", "CARD", "PHONE")
KEEP_ORIGINAL = frozenset({"EMAIL"})


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(raw: str) -> bool:
    iban = raw.replace(" ", "")
    if not 15 <= len(iban) <= 34:
        return False
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def _is_card(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    # issuer numbers never start with 0; a run of one digit (0000 0000 ...) is a placeholder
    return 13 <= len(digits) <= 19 and digits[0] != "0" and len(set(digits)) > 1 and luhn_ok(digits)


def _is_phone(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return 8 <= len(digits) <= 15 and len(set(digits)) > 2


CHECKS = {
    "SECRET": (SECRET_RE, None),
    "EMAIL": (EMAIL_RE, None),
    "IBAN": (IBAN_RE, iban_ok),
    "CARD": (CARD_RE, _is_card),
    "PHONE": (PHONE_RE, _is_phone),
}


class Redaction(BaseModel):
    text: str
    kinds: list[str] = Field(default_factory=list, description="kinds found, e.g. ['EMAIL', 'CARD']")
    kept: dict[str, str] = Field(
        default_factory=dict, description="placeholder → original, tool-needed kinds only"
    )


def redact(text: str) -> Redaction:
    counters: dict[str, int] = {}
    kinds: list[str] = []
    kept: dict[str, str] = {}
    seen: dict[str, str] = {}
    for kind in KINDS:
        pattern, validator = CHECKS[kind]

        def repl(match: re.Match[str], kind: str = kind, validator: Any = validator) -> str:
            value = match.group(0)
            if value.startswith("[") or (validator is not None and not validator(value)):
                return value
            if value in seen:
                return seen[value]
            counters[kind] = counters.get(kind, 0) + 1
            placeholder = f"[{kind}_{counters[kind]}]"
            seen[value] = placeholder
            if kind not in kinds:
                kinds.append(kind)
            if kind in KEEP_ORIGINAL:
                kept[placeholder] = value
            return placeholder

        text = pattern.sub(repl, text)
    return Redaction(text=text, kinds=kinds, kept=kept)


ID_RES = {
    "charge_ids": re.compile(r"\bch_[A-Za-z0-9]{3,}\b"),
    "customer_ids": re.compile(r"\bcus_[A-Za-z0-9]{3,}\b"),
    "dispute_ids": re.compile(r"\bdp_[A-Za-z0-9]{3,}\b"),
    "refund_ids": re.compile(r"\bre_[A-Za-z0-9]{3,}\b"),
}


def extract_entities(redaction: Redaction) -> dict[str, list[str]]:
    """Object ids found in the (redacted) text, plus original emails for customer lookup."""
    out: dict[str, list[str]] = {}
    for key, pattern in ID_RES.items():
        found = list(dict.fromkeys(pattern.findall(redaction.text)))
        if found:
            out[key] = found
    emails = [v for k, v in redaction.kept.items() if k.startswith("[EMAIL_")]
    if emails:
        out["emails"] = emails
    return out


def stored_entities(redaction: Redaction) -> dict[str, list[str]]:
    """``extract_entities`` for graph state, which is checkpointed: emails as their placeholders.

    The originals (``redaction.kept``) travel beside the state for the one run that needs them
    (``AgentService`` passes them in the run's config, which is never stored); the tools node
    puts them back into a tool's arguments at call time.
    """
    out = extract_entities(redaction)
    if "emails" in out:
        out["emails"] = [k for k in redaction.kept if k.startswith("[EMAIL_")]
    return out

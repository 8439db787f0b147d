"""Input guards: PII redaction and prompt-injection heuristics (no model needed)."""

from agent.guard.injection import InjectionVerdict, check_injection, strip_instructions
from agent.guard.pii import Redaction, extract_entities, redact

__all__ = [
    "InjectionVerdict",
    "Redaction",
    "check_injection",
    "extract_entities",
    "redact",
    "strip_instructions",
]

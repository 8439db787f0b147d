"""Regex heuristics for prompt injection, run on the text and on a normalised copy.

Normalisation undoes cheap obfuscation: NFKC (full-width and stylised letters), zero-width and
control characters, spaced or dotted letters (``i g n o r e``), and common leetspeak.
Patterns cover English plus a few common phrasings in French, Spanish, German and Portuguese.
"""

from __future__ import annotations

import re
import unicodedata

_I = re.I | re.S
PATTERNS: dict[str, re.Pattern[str]] = {
    "ignore_instructions": re.compile(
        r"\b(ignore|disregard|forget|override|bypass|skip|drop)\b.{0,40}\b(instructions?|rules|prompts?|"
        r"guidelines|polic(y|ies)|directives?|restrictions|guardrails|safety)\b",
        _I,
    ),
    "ignore_foreign": re.compile(
        r"\b(ignore[zr]?|oublie[zr]?|ignora|ignorar|olvida|vergiss|ignoriere|esque[cç]a)\b.{0,40}"
        r"\b(instructions?|instrucciones|instru[cç][oõ]es|anweisungen|r[eè]gles|reglas|regeln|regras)\b",
        _I,
    ),
    "system_prompt": re.compile(
        r"\b(system|hidden|initial|original|secret|developer)\s+(prompt|instructions?|message|rules)\b"
        r"|\b(prompt|instructions?)\s+(syst[eè]me|del sistema|des systems)\b"
        r"|\b(repeat|print|output|show|reveal)\b.{0,30}\b(text|words|everything)\s+(above|before)\b",
        _I,
    ),
    "role_play": re.compile(
        r"\b(you are now|from now on,? you|pretend (to be|you are)|act as (an?|the|my)?\s*(\w+\s){0,2}(ai|assistant|admin\w*|developer|dan|system|root|hacker|"
        r"unfiltered|unrestricted|jailbroken|model|chatbot|gpt)\b"
        r"|roleplay as|you are no longer)",
        _I,
    ),
    "jailbreak": re.compile(
        r"\b(jailbr[eo]a?k|developer mode|dev mode|god mode|DAN mode|do anything now|unfiltered|"
        r"no (restrictions|limits|filters)|maintenance mode|admin mode|debug mode)\b",
        _I,
    ),
    "exfiltrate": re.compile(
        r"\b(reveal|print|show|dump|list|export|give me|send)\b.{0,30}\b(all|every|other|full)\b.{0,20}"
        r"\b(customers?|cards?|card numbers|api keys?|secrets?|passwords?|accounts?|users?)\b",
        _I,
    ),
    "mass_action": re.compile(
        r"\b(refund|cancel|delete|transfer|approve)\b.{0,20}\b(all|every)\b.{0,30}"
        r"\b(charges?|payments?|transactions?|accounts?|customers?|disputes?|orders?)\b",
        _I,
    ),
    "new_instructions": re.compile(
        r"\b(new|updated|real|actual) (instructions?|task|rules)\s*:|\b(note|message) to (the )?(ai|assistant|llm|bot)\b",
        _I,
    ),
    "assistant_tag": re.compile(
        r"(<\|?(im_start|system|endoftext)\|?>|\[/?INST\]|###\s*(system|instruction)|^\s*system\s*:)",
        re.I | re.M,
    ),
}

_INVISIBLE = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E, *range(0xE0000, 0xE0080)])
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_SPACED = re.compile(r"\b(?:\w[ .\-_*]){3,}\w\b")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), text)
    return text


def _deleet(text: str) -> str:
    # only words that mix letters and leet digits: amounts and ids stay as they are
    return re.sub(
        r"\b(?=\w*[a-z])(?=\w*[0-9@$])[\w@$]+\b", lambda m: m.group(0).translate(_LEET), text, flags=re.I
    )


def _variants(text: str) -> list[str]:
    variants = [text]
    norm = normalise(text)
    for extra in (norm, _deleet(norm)):
        if extra not in variants:
            variants.append(extra)
    return variants


def heuristic_hits(text: str) -> list[str]:
    """Names of the patterns that match ``text`` or its de-obfuscated form."""
    variants = _variants(text)
    return [name for name, pattern in PATTERNS.items() if any(pattern.search(v) for v in variants)]


# A product question uses attack words in their product sense ("How do I override the default
# RBAC policy?", "Can I ignore the SSL warning?", "What is the system prompt of Lightspeed?"):
# short, asked as a question, and aimed at nothing the assistant was told (no "you/your", no
# "previous/above" instructions, no "AI/assistant"). Such a message is not refused on the
# product-word patterns nor on similarity alone; tag and foreign-language patterns still apply.
HARD_PATTERNS = frozenset({"ignore_foreign", "new_instructions", "assistant_tag"})
PRODUCT_QUESTION_MAX_WORDS = 40
_QUESTION = re.compile(
    r"^\s*(how|what|why|when|where|who|which|can|could|do|does|did|is|are|should|would|will|may|if|"
    r"i want to|i need to|i'?m trying to)\b",
    re.I,
)
_AIMED_AT_MODEL = re.compile(
    r"\b(you|your|yours|yourself|u|ur|assistant|chatbot|bot|ai|gpt|chatgpt|dan|previous|prior|above|earlier|"
    r"preceding|below|conversation|this chat)\b",
    re.I,
)


_OPENERS = ("how", "what", "whats", "why", "when", "where", "which", "could", "should", "would")


def _one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by at most one insertion, deletion, substitution or transposition."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) <= 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _opens_like_a_question(text: str) -> bool:
    """A question opener, misspelt by one letter included ("wat does …", "howw do i …", "wht is …"):
    a third of the RHDH questions carry typos, and "wat does technolgy preview mean?" sat closer to
    a garbled known attack than to any benign request."""
    if _QUESTION.match(text):
        return True
    first = re.sub(r"[^a-z]", "", (text.split() or [""])[0].lower())
    return len(first) >= 3 and any(_one_edit(first, w) for w in _OPENERS)


def product_question(text: str) -> bool:
    """A short question that names nothing about the assistant or its instructions."""
    if len(text.split()) > PRODUCT_QUESTION_MAX_WORDS:
        return False
    variants = _variants(text)
    return any(_opens_like_a_question(v) for v in variants) and not any(
        _AIMED_AT_MODEL.search(v) for v in variants
    )


# Passages (the KB) use the same words in their product sense ("You can override the default
# system prompt", "Select Plugin and Permission from the drop-downs in the Add permission
# policies section"): a passage sentence is stripped on a soft pattern only when it also points at
# the model's own instructions or role; role play, jailbreak and the hard patterns always count.
PASSAGE_ALWAYS = HARD_PATTERNS | {"role_play", "jailbreak"}
_PASSAGE_AIMED = re.compile(
    r"\b(previous|prior|above|earlier|preceding|assistant|chatbot|ai|bot|gpt|chatgpt|you are now|from now on|"
    r"your\s+(\w+\s+){0,2}(instructions?|rules|guidelines|prompts?|programming))\b"
    # or an order that opens the sentence ("Ignore the rules and ...", "List all customers ...")
    r"|^\W*(please\s+)?(ignore|disregard|forget|override|bypass|skip|drop|reveal|print|show|dump|list|export|"
    r"give me|send|refund|cancel|delete|transfer|approve|output|repeat)\b",
    re.I,
)


def passage_hits(text: str) -> list[str]:
    """:func:`heuristic_hits` for a passage sentence (see ``PASSAGE_ALWAYS``)."""
    hits = heuristic_hits(text)
    if not hits or any(_PASSAGE_AIMED.search(v) for v in _variants(text)):
        return hits
    return [h for h in hits if h in PASSAGE_ALWAYS]


def message_hits(text: str) -> list[str]:
    """:func:`heuristic_hits` for a user message: a product question keeps only the hard patterns."""
    hits = heuristic_hits(text)
    if hits and product_question(text):
        return [h for h in hits if h in HARD_PATTERNS]
    return hits

"""Block-aware passage units: what an answer may quote from a passage.

A passage (Markdown-like chunk text) is read as blocks: headings, paragraphs (hard-wrapped lines
joined), list items / numbered steps / ``term:: text`` definitions, table rows, code. Each prose
sentence is a unit; a sentence that introduces a block (ends with ":", says "following"/"as
follows", or stands right before a table) is one unit *with* that block, bounded to
``MAX_ITEMS`` items / ``MAX_CHARS`` characters (the cut is said). Headings (``#`` lines,
``A > B`` paths, ``[NOTE]``, short lines without final punctuation) are never units, and no
unit ends with a colon it does not follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_ITEMS = 8
MAX_CHARS = 600
MAX_CODE_LINES = 14
DEFINITIONS = "defs"  # a list block's extra field: every entry is a "term:: text" definition

_HEADING = re.compile(r"^\s*#{1,6}\s")
_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)")
_DELIM = re.compile(r"^\s*(----|====|\.\.\.\.)\s*$")
_LABEL = re.compile(r"^\s*\[[A-Z][A-Za-z ]*\]\s*$")
_ITEM = re.compile(r"^\s*([*+-]|\d+[.)])\s+(.*)$")
_DEFINITION = re.compile(r"^\s*([^:|]{2,80}?)::\s+(.+)$")
_ROW = re.compile(r"^\s*\|.*\|\s*$")
_RULE = re.compile(r"^\s*\|?[\s:|-]*-{2,}[\s:|-]*\|?\s*$")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[`])")
_INLINE_MD = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")
_LEAD = re.compile(r"(:\s*$)|\bfollowing\b|\bas follows\b", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


@dataclass(frozen=True)
class Unit:
    """One quotable piece of a passage: a sentence, optionally with the block it introduces."""

    lead: str
    items: tuple[str, ...] = ()
    ordered: bool = False
    code: str = ""
    lang: str = ""
    more: int = 0  # block entries left out by the bound

    @property
    def has_block(self) -> bool:
        return bool(self.items or self.code)

    @property
    def plain(self) -> str:
        """Text for embedding and word checks (no markup)."""
        parts = [self.lead, *self.items]
        if self.code:
            parts.append(self.code)
        return " ".join(p for p in parts if p)

    def render(self, marker: str) -> str:
        """Markdown answer text; ``marker`` (e.g. "[1]") goes before the lead's final mark."""
        body = self.lead.rstrip()
        end = body[-1] if body[-1:] in (".", "!", "?", ":") else "."
        body = body.rstrip(".!?:").rstrip()
        if self.has_block:
            end = ":"
        text = f"{body} {marker}{end}" if body else ""
        if self.items:
            items = [x for x in self.items if x.strip()]  # an empty bullet is not shown
            lines = [f"{i}. {x}" if self.ordered else f"- {x}" for i, x in enumerate(items, start=1)]
            if self.more:
                lines.append(f"- … ({self.more} more in the cited passage)")
            text += "\n" + "\n".join(lines)
        if self.code:
            fence = f"```{self.lang}\n{self.code}\n"
            if self.more:
                fence += "…\n"
            text += f"\n{fence}```"
        return text


def clean(text: str) -> str:
    """A line without bold/italic markers and surplus spaces (code spans are kept)."""
    return re.sub(r"\s+", " ", _INLINE_MD.sub("", text)).strip()


def is_heading(text: str) -> bool:
    """A heading or label rather than a sentence: ``#`` lines, ``A > B`` paths, ``[NOTE]``,
    or a short line (<= 8 words) without final punctuation."""
    t = text.strip()
    if not t or _HEADING.match(t) or _LABEL.match(t) or " > " in t:
        return True
    if t.endswith((".", "!", "?", ":", ";")):
        return False
    return len(_WORD.findall(t)) <= 8


def introduces(sentence: str) -> bool:
    return bool(_LEAD.search(sentence))


def _table_item(cells: list[str]) -> str:
    cells = [clean(c) for c in cells]
    cells = [c for c in cells if c]
    if len(cells) < 2:
        return cells[0] if cells else ""
    return f"{cells[0]}: {'; '.join(cells[1:])}"


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


_Block = tuple[str, list[str], str]


def _blocks(text: str) -> list[_Block]:
    """(kind, entries, extra): kind heading|para|list|olist|table|code; extra = code language, or
    an olist's first number ("1"; "3" when a procedure resumes after a note or remark)."""
    lines = text.splitlines()
    out: list[_Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if not s:
            i += 1
            continue
        fence, delim = _FENCE.match(line), _DELIM.match(line)
        if fence or delim:
            marker = fence.group(1) if fence else s
            j = i + 1
            while j < len(lines) and lines[j].strip() != marker and not lines[j].strip().startswith(marker):
                j += 1
            body = lines[i + 1 : j]
            if delim and out and out[-1][0] == "label":  # [NOTE] ---- prose ----
                out[-1] = ("para", body, "note")
            else:
                out.append(("code", body, fence.group(2) if fence else ""))
            i = j + 1
            continue
        if _HEADING.match(line):
            out.append(("heading", [s], ""))
        elif _LABEL.match(line):
            out.append(("label", [s], ""))
        elif _ROW.match(line):
            rows = []
            while i < len(lines) and _ROW.match(lines[i]):
                if not _RULE.match(lines[i]):
                    rows.append(lines[i])
                i += 1
            out.append(("table", rows, ""))
            continue
        elif (m := _ITEM.match(line)) or _DEFINITION.match(line):
            kind = "olist" if m and m.group(1)[0].isdigit() else "list"
            first = m.group(1).rstrip(".)") if kind == "olist" and m else ""  # "3": a procedure resumed
            items: list[str] = []
            defs = 0  # entries written "term:: text" (a definition list)
            while i < len(lines) and lines[i].strip():
                m2, d2 = _ITEM.match(lines[i]), _DEFINITION.match(lines[i])
                defs += bool(d2 and not m2)
                if m2:
                    items.append(m2.group(2))
                elif d2:
                    items.append(f"{d2.group(1).strip()}: {d2.group(2).strip()}")
                elif items and not (
                    _FENCE.match(lines[i]) or _HEADING.match(lines[i]) or _ROW.match(lines[i])
                ):
                    if not (
                        _caption(lines, i) or (is_heading(lines[i]) and items[-1].rstrip().endswith(":"))
                    ):
                        items[-1] += " " + lines[i].strip()  # continuation line (not a caption)
                else:
                    break
                i += 1
            out.append((kind, items, DEFINITIONS if kind == "list" and defs == len(items) else first))
            continue
        elif _caption(lines, i):
            pass  # "dynamic-plugins.yaml fragment" above a code block: a caption, not text
        elif out and out[-1][0] == "para" and i > 0 and lines[i - 1].strip() and _wrapped(lines[i - 1], s):
            out[-1][1][-1] += " " + s  # a hard-wrapped line continues the sentence above
        else:
            out.append(("para", [s], ""))
        i += 1
    return out


def _caption(lines: list[str], i: int) -> bool:
    """A short label line between an introducing line ("…:") and a code block."""
    rest = [x.strip() for x in lines[i + 1 : i + 3]] + ["", ""]
    above = bool(_FENCE.match(rest[0])) or (not rest[0] and bool(_FENCE.match(rest[1])))
    return above and is_heading(lines[i]) and i > 0 and lines[i - 1].strip().endswith(":")


def _wrapped(previous: str, line: str) -> bool:
    prev = previous.strip()
    prose = bool(prev) and not (_ITEM.match(previous) or _HEADING.match(previous) or _ROW.match(previous))
    return prose and not prev.endswith((".", "!", "?", ":", ";")) and line[:1].islower()


def _bounded_items(entries: list[str]) -> tuple[tuple[str, ...], int]:
    kept: list[str] = []
    for e in entries:
        if len(kept) >= MAX_ITEMS or (kept and sum(map(len, kept)) + len(e) > MAX_CHARS):
            break
        kept.append(e if len(e) <= MAX_CHARS else e[: MAX_CHARS - 1].rstrip() + "…")
    return tuple(kept), len(entries) - len(kept)


def _block_unit(lead: str, kind: str, entries: list[str], lang: str) -> Unit:
    if kind == "code":
        body = [x.rstrip() for x in entries]
        kept = body[:MAX_CODE_LINES]
        while len("\n".join(kept)) > MAX_CHARS and len(kept) > 1:
            kept.pop()
        return Unit(lead=lead, code="\n".join(kept), lang=lang, more=len(body) - len(kept))
    if kind == "table":
        rows = [_cells(r) for r in entries]
        body_rows = rows[1:] if len(rows) > 1 else rows  # the first row is the header
        items, more = _bounded_items([x for x in (_table_item(r) for r in body_rows) if x])
        return Unit(lead=lead, items=items, more=more)
    items, more = _bounded_items([_item_text(e) for e in entries])
    return Unit(lead=lead, items=items, ordered=kind == "olist", more=more)


def _sentence_ok(sentence: str) -> bool:
    return (
        not is_heading(sentence) and not sentence.rstrip().endswith(":") and len(_WORD.findall(sentence)) >= 3
    )


def _item_text(item: str) -> str:
    """A block entry as shown in a list: a trailing "For example:"-style sentence that
    introduced something left out is dropped (no entry ends with a dangling colon)."""
    parts = [x for x in _SENT.split(clean(item)) if x]
    while len(parts) > 1 and parts[-1].rstrip().endswith(":"):
        parts.pop()
    text = " ".join(parts)
    return text[:-1].rstrip() + "." if text.endswith(":") else text


def _introduced(blocks: list[_Block], b: int) -> _Block | None:
    """The block introduced by the end of block ``b``: the next list/table/code; a list of
    steps runs on over the code blocks between its steps (a one-line command is kept inline)."""
    if b + 1 >= len(blocks) or blocks[b + 1][0] not in ("list", "olist", "table", "code"):
        return None
    kind, entries, lang = blocks[b + 1]
    if kind not in ("list", "olist"):
        return blocks[b + 1]
    items = [_item_text(e) for e in entries]
    for nkind, nentries, _ in blocks[b + 2 :]:
        if nkind == kind:
            items += [_item_text(e) for e in nentries]
        elif nkind == "code" and items:
            code = [x.strip() for x in nentries if x.strip()]
            if len(code) == 1 and len(code[0]) <= 160:
                items[-1] = f"{items[-1].rstrip('.')}: `{code[0]}`"
        else:
            break
    return kind, items, lang


def passage_units(text: str) -> list[Unit]:
    """The passage's units in reading order (see the module docstring)."""
    blocks = _blocks(text)
    units: list[Unit] = []
    for b, (kind, entries, _lang) in enumerate(blocks):
        nxt = _introduced(blocks, b)
        if kind == "para":
            sentences = [clean(x) for e in entries for x in _SENT.split(e.strip()) if x.strip()]
            for k, sentence in enumerate(sentences):
                last = k == len(sentences) - 1
                leads = nxt is not None and (introduces(sentence) or nxt[0] == "table")
                if last and nxt is not None and leads and not is_heading(sentence):
                    units.append(_block_unit(sentence, *nxt))
                    continue
                if _sentence_ok(sentence):
                    units.append(Unit(lead=sentence))
        elif kind in ("list", "olist"):
            for e, item in enumerate(entries):
                # a definition ("term:: text") stays one unit: its term with all of its text
                sentences = (
                    [clean(item)] if _lang == DEFINITIONS else [x for x in _SENT.split(clean(item)) if x]
                )
                for k, sentence in enumerate(sentences):
                    final = e == len(entries) - 1 and k == len(sentences) - 1
                    if final and nxt is not None and nxt[0] == "code" and introduces(sentence):
                        units.append(_block_unit(sentence, *nxt))  # a step with its command
                    elif _sentence_ok(sentence):
                        units.append(Unit(lead=sentence))
        elif kind == "table":
            units.extend(Unit(lead=row) for row in _row_sentences(entries))
    return units


def passage_blocks(text: str) -> list[_Block]:
    """The passage's blocks (kind, entries, code language), as :func:`passage_units` reads them."""
    return _blocks(text)


def sentences_of(entry: str, *, listed: bool = False) -> list[str]:
    """A block entry's sentences, cleaned exactly as :func:`passage_units` makes unit leads."""
    if listed:
        return [x for x in _SENT.split(clean(entry)) if x]
    return [clean(x) for x in _SENT.split(entry.strip()) if x.strip()]


def _row_sentences(rows: list[str]) -> list[str]:
    """Each data row as a sentence naming its columns: "SEPA Direct Debit — Typical time: 2–4 days."."""
    cells = [[clean(c) for c in _cells(r)] for r in rows]
    if len(cells) < 2:
        return []
    head, out = cells[0], []
    for row in cells[1:]:
        if len(row) < 2 or not row[0]:
            continue
        pairs = "; ".join(f"{h}: {c}" if h else c for h, c in zip(head[1:], row[1:], strict=False) if c)
        out.append(f"{row[0]} — {pairs}".rstrip(".") + ".")
    return out

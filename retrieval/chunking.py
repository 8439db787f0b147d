"""Structure-aware chunking of Markdown-like text.

The text is cut into blocks (headings, fenced/delimited code, lists, paragraphs), grouped by
heading into sections that carry their heading path, and packed greedily into chunks. A block
is only split when it alone exceeds the budget (lists by item, code by line, prose by
sentence, then by word). The budget counts the text the embedder actually sees
(:func:`embed_text`: heading path + chunk text) in word-piece tokens including the special
tokens, so nothing is ever truncated by the embedder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from retrieval.models import Chunk

TokenCounter = Callable[[str], int]

MAX_TOKENS = 256  # MiniLM's window, special tokens included
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_DELIM = re.compile(r"^(----|====|\.\.\.\.)\s*$")
_LIST = re.compile(r"^\s*([*+-]|\d+[.)])\s+")
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+")


@lru_cache(maxsize=1)
def wordpiece_counter() -> TokenCounter:
    """Token counter from the bundled MiniLM tokenizer (no model weights loaded)."""
    from tokenizers import Tokenizer  # the fast tokenizer alone: no transformers import

    from deskpilot.settings import infrastructure
    from retrieval.embedder import bundled_model_path

    path = infrastructure().embedding_model_path or bundled_model_path()
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()

    def count(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=True).ids)

    def count_many(texts: list[str]) -> list[int]:
        return [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=True)]

    count.many = count_many  # type: ignore[attr-defined]
    return count


def _line_additive(text: str, count: TokenCounter) -> TokenCounter:
    """A counter that tokenizes each distinct line of ``text`` once (one batch call when the
    counter offers ``.many``) and sums over lines: counts are additive over newline joins."""
    lines = sorted(set(text.splitlines()))
    many = getattr(count, "many", None)
    cache = dict(zip(lines, many(lines) if many else [count(x) for x in lines], strict=True))

    def fast(t: str) -> int:
        total = 2
        for line in t.split("\n"):
            n = cache.get(line)
            if n is None:
                n = cache[line] = count(line)
            total += n - 2
        return total

    return fast


def embed_text(title: str, heading: str, text: str) -> str:
    """What the embedder sees for a chunk: its heading path (or title) then the text."""
    prefix = heading or title
    if title and heading and not heading.startswith(title):
        prefix = f"{title} > {heading}"
    return f"{prefix}\n{text}" if prefix else text


@dataclass
class _Section:
    path: list[str]
    heading_line: str = ""
    blocks: list[str] = field(default_factory=list)


def _blocks(text: str) -> list[tuple[str, str]]:
    """Split into (kind, text) blocks; kind in heading|code|list|para."""
    lines = text.splitlines()
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        fence = _FENCE.match(line)
        delim = _DELIM.match(line)
        if fence or delim:
            marker = fence.group(1) if fence else line.strip()
            j = i + 1
            while j < len(lines) and not (lines[j].strip().startswith(marker) and lines[j].strip() == marker):
                if fence and lines[j].strip().startswith(marker):
                    break
                j += 1
            block = lines[i : j + 1]
            # a delimited block belongs with a preceding one-line label such as "[NOTE]"
            if out and out[-1][0] == "para" and re.fullmatch(r"\[[A-Z]+\]", out[-1][1].strip()):
                block = [out.pop()[1], *block]
            out.append(("code", "\n".join(block)))
            i = j + 1
            continue
        if _HEADING.match(line):
            out.append(("heading", line))
            i += 1
            continue
        kind = "list" if _LIST.match(line) else "para"
        j = i + 1
        while (
            j < len(lines)
            and lines[j].strip()
            and not (_HEADING.match(lines[j]) or _FENCE.match(lines[j]) or _DELIM.match(lines[j]))
        ):
            if kind == "para" and _LIST.match(lines[j]):
                break
            j += 1
        out.append((kind, "\n".join(lines[i:j])))
        i = j
    return out


def _sections(text: str) -> list[_Section]:
    sections = [_Section(path=[])]
    for kind, block in _blocks(text):
        if kind == "heading":
            m = _HEADING.match(block)
            assert m is not None
            level, title = len(m.group(1)), m.group(2).strip()
            parent = sections[-1].path[: level - 1]
            sections.append(
                _Section(path=[*parent, *[""] * (level - 1 - len(parent)), title], heading_line=block)
            )
        else:
            sections[-1].blocks.append(block)
    return [s for s in sections if s.blocks]


def _split_block(block: str, budget: int, count: TokenCounter) -> list[str]:
    """Split one over-long block into pieces that each fit ``budget`` tokens."""
    if count(block) <= budget:
        return [block]
    for splitter in (
        lambda b: re.split(r"\n(?=\s*(?:[*+-]|\d+[.)])\s)", b),  # list items
        lambda b: b.split("\n"),  # lines
        lambda b: _SENTENCE.split(b),  # sentences
    ):
        parts = [p for p in splitter(block) if p.strip()]
        if len(parts) > 1:
            return _pack(parts, budget, count, sep="\n")
    words = block.split()
    if len(words) > 1:
        mid = len(words) // 2
        return _split_block(" ".join(words[:mid]), budget, count) + _split_block(
            " ".join(words[mid:]), budget, count
        )
    return [block[: max(1, len(block) // 2)], block[max(1, len(block) // 2) :]]


def _pack(parts: list[str], budget: int, count: TokenCounter, *, sep: str) -> list[str]:
    """Greedy packing. Word-piece counts are additive over whitespace joins (the BERT
    pre-tokenizer splits on whitespace), so each piece is counted once: n(a+b) = n(a)+n(b)-2."""
    out: list[str] = []
    cur, cur_n = "", 0
    for part in parts:
        for piece in _split_block(part, budget, count):
            n = count(piece)
            if cur and cur_n + n - 2 > budget:
                out.append(cur)
                cur, cur_n = piece, n
            elif cur:
                cur, cur_n = f"{cur}{sep}{piece}", cur_n + n - 2
            else:
                cur, cur_n = piece, n
    if cur:
        out.append(cur)
    return out


def chunk_text(
    text: str,
    *,
    title: str = "",
    count: TokenCounter | None = None,
    max_tokens: int = MAX_TOKENS,
) -> list[Chunk]:
    """Chunks of ``text``; ``count`` defaults to the bundled word-piece tokenizer."""
    count = _line_additive(text, count or wordpiece_counter())
    chunks: list[Chunk] = []
    for section in _sections(text):
        heading = " > ".join(p for p in section.path if p)
        overhead = count(embed_text(title, heading, "")) - count("")  # prefix tokens
        budget = max(16, max_tokens - overhead)
        blocks = [section.heading_line, *section.blocks] if section.heading_line else section.blocks
        for piece in _pack(blocks, budget, count, sep="\n\n"):
            while count(embed_text(title, heading, piece)) > max_tokens:  # safety net, not expected
                piece = piece[: int(len(piece) * 0.9)]
            if piece.strip() and piece.strip() != section.heading_line.strip():
                chunks.append(Chunk(text=piece, heading=heading, chunk_index=len(chunks)))
    return chunks

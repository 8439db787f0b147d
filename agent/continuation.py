"""A passage cut by the chunker in the middle of its procedure gets the rest of its section.

Chunks hold at most 256 word pieces, so a task's lead sentence and prerequisites often end one
chunk and its numbered steps (or the configuration block a step introduces: "add the following
to the app-config.yaml file:") start the next. :func:`continued` appends the following chunk of
the same document to a hit when it is the same section (same heading path) and the cut falls
inside a structure: the hit ends with an introducing line ("…:") or the next chunk starts with a
step, a list item or a code block. The joined text is what is quoted *and* cited (one passage).

:func:`widened` (``RunConfig.agent_answer_scope`` "section", ``agent.readout``) widens a hit to its
whole section instead, cut or not: the chunks of the same document and heading path around it,
the following ones first, up to ``SECTION_CHARS`` characters. Reference answers are written from
sections, not from 256-token slices: on the RHDH tuning split the top hit's chunk holds 0.56 of
the reference's key facts and its section 0.78.
"""

from __future__ import annotations

import re
from typing import Any

_STRUCTURE = re.compile(r"^\s*(?:[*+-]\s|\d+[.)]\s|```|~~~|----|\|)")


def _cut_inside(text: str, following: str) -> bool:
    last = next((x.strip() for x in reversed(text.splitlines()) if x.strip()), "")
    first = next((x for x in following.splitlines() if x.strip()), "")
    return last.endswith(":") or bool(_STRUCTURE.match(first)) or bool(_STRUCTURE.match(last))


def next_chunks(collection: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """hit id → {"id", "text", "heading"} of the chunk after it in its document ({} when the
    index cannot say, e.g. a search function that is not backed by the index)."""
    return {hid: near[1] for hid, near in nearby_chunks(collection, ids, (1,)).items() if 1 in near}


def nearby_chunks(
    collection: str, ids: list[str], offsets: tuple[int, ...]
) -> dict[str, dict[int, dict[str, Any]]]:
    """hit id → {offset: {"id", "text", "heading"}} of the chunks ``offsets`` away from it in its
    document (missing ones left out; {} when the index cannot say)."""
    from retrieval import index

    if not ids:
        return {}
    try:
        client = index.get_client()
        points = client.retrieve(
            collection, ids=ids, with_payload=["tenant", "root", "source", "chunk_index"], with_vectors=False
        )
        wanted: dict[str, tuple[str, int]] = {}  # neighbour id -> (hit id, offset)
        for p in points:
            pl = p.payload or {}
            if "chunk_index" not in pl:
                continue
            for off in offsets:
                at = int(pl["chunk_index"]) + off
                if at >= 0:
                    key = (str(pl.get("tenant", "")), str(pl.get("root", "")), str(pl.get("source", "")))
                    wanted[index.point_id(*key, at)] = (str(p.id), off)
        found = client.retrieve(
            collection, ids=list(wanted), with_payload=["text", "heading"], with_vectors=False
        )
    except Exception:
        return {}
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for p in found:
        pl = p.payload or {}
        hid, off = wanted[str(p.id)]
        out.setdefault(hid, {})[off] = {
            "id": str(p.id),
            "text": str(pl.get("text") or ""),
            "heading": str(pl.get("heading") or ""),
        }
    return out


def _body(text: str) -> str:
    """A chunk's text without its section heading line (repeated at the top of a later chunk)."""
    return "\n".join(text.lstrip().splitlines()[1:]) if text.lstrip().startswith("#") else text


SECTION_CHARS = 4000  # a hit widened to its section holds at most this many characters
SECTION_REACH = 4  # chunks looked at on each side of a hit when widening it to its section


def widened(hits: list[dict[str, Any]], collection: str, max_chars: int) -> list[dict[str, Any]]:
    """``hits`` each widened to its section: the neighbouring chunks with the same heading path,
    contiguous, following ones first, while the text stays within ``max_chars``."""
    ids = [str(h["id"]) for h in hits if h.get("id") and "+" not in str(h["id"])]
    offsets = tuple(o for r in range(1, SECTION_REACH + 1) for o in (r, -r))
    near = nearby_chunks(collection, ids, offsets)
    out = []
    for hit in hits:
        chunks = near.get(str(hit.get("id")), {})
        before: list[dict[str, Any]] = []
        after: list[dict[str, Any]] = []
        size = len(hit["text"])
        open_ = {1: True, -1: True}
        for off in offsets:
            side = 1 if off > 0 else -1
            nb = chunks.get(off)
            if not open_[side] or nb is None or nb["heading"] != hit.get("heading") or not nb["text"].strip():
                open_[side] = False
                continue
            text = _body(nb["text"]) if side > 0 else nb["text"]
            if size + len(text) > max_chars:
                open_[side] = False
                continue
            (after if side > 0 else before).append({**nb, "text": text})
            size += len(text)
        if before or after:
            parts = [*reversed(before), {"id": hit["id"], "text": hit["text"]}, *after]
            hit = {
                **hit,
                "id": "+".join(str(p["id"]) for p in parts),
                "text": "\n\n".join(p["text"].strip() for p in parts if p["text"].strip()),
            }
        out.append(hit)
    return out


def continued(hits: list[dict[str, Any]], collection: str) -> list[dict[str, Any]]:
    """``hits`` where each one cut inside its procedure carries the rest of its section."""
    following = next_chunks(
        collection, [str(h["id"]) for h in hits if h.get("id") and "+" not in str(h["id"])]
    )
    out = []
    for hit in hits:
        nxt = following.get(str(hit.get("id")))
        if nxt and nxt["heading"] == hit.get("heading") and nxt["text"].strip():
            rest = nxt["text"]
            if rest.lstrip().startswith("#"):  # the section heading repeated
                rest = "\n".join(rest.lstrip().splitlines()[1:])
            if _cut_inside(hit["text"], rest):
                hit = {
                    **hit,
                    "id": f"{hit['id']}+{nxt['id']}",
                    "text": f"{hit['text'].rstrip()}\n\n{rest.strip()}",
                }
        out.append(hit)
    return out

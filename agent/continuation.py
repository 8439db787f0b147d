"""A passage cut by the chunker in the middle of its procedure gets the rest of its section.

Chunks hold at most 256 word pieces, so a task's lead sentence and prerequisites often end one
chunk and its numbered steps (or the configuration block a step introduces: "add the following
to the app-config.yaml file:") start the next. :func:`continued` appends the following chunk of
the same document to a hit when it is the same section (same heading path) and the cut falls
inside a structure: the hit ends with an introducing line ("…:") or the next chunk starts with a
step, a list item or a code block. The joined text is what is quoted *and* cited (one passage).
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
    from retrieval import index

    if not ids:
        return {}
    try:
        client = index.get_client()
        points = client.retrieve(
            collection, ids=ids, with_payload=["tenant", "root", "source", "chunk_index"], with_vectors=False
        )
        following = {}
        for p in points:
            pl = p.payload or {}
            if "chunk_index" not in pl:
                continue
            nid = index.point_id(
                str(pl.get("tenant", "")),
                str(pl.get("root", "")),
                str(pl.get("source", "")),
                int(pl["chunk_index"]) + 1,
            )
            following[nid] = str(p.id)
        found = client.retrieve(
            collection, ids=list(following), with_payload=["text", "heading"], with_vectors=False
        )
    except Exception:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for p in found:
        pl = p.payload or {}
        out[following[str(p.id)]] = {
            "id": str(p.id),
            "text": str(pl.get("text") or ""),
            "heading": str(pl.get("heading") or ""),
        }
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

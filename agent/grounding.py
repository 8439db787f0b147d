"""Grounding: is a sentence supported by the passage it cites?

Support = embedding cosine between the sentence and the best unit of the cited passage (its
sentences and the whole passage), AND lexical overlap (share of the sentence's content words
found in the passage). Both thresholds live in settings. The same units give the retrieval
evidence score used to abstain, and the extractive fallback (question-relevant passage
sentences, cited by construction).
"""

from __future__ import annotations

import copy
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel

from agent.guard.heuristics import heuristic_hits
from agent.units import Unit, passage_units

CITE_RE = re.compile(r"\[(\d{1,2})\]")
_MOVE_CITES = re.compile(r"([.!?])\s*((?:\[\d{1,2}\]\s*)+)")
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_MD = re.compile(r"^\s*(?:[#>*+-]+|\d+[.)])\s*|[*_`]+")
_BLOCK_LINE = re.compile(r"^(?:[*+-]|\d+[.)]|\|)\s")
_TOKEN = re.compile(r"[a-z0-9]+")
_STOPWORDS_TEXT = (
    "a an the and or but if of to in on at by for with from as is are was were be been being it its "
    "this that these those you your we our they their i me my he she his her them do does did can "
    "could should would will shall may might must not no yes so than then there here what which who "
    "whom when where why how all any each also into about over after before more most other some such "
    "only own same too very just up down out off"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def content_tokens(text: str) -> set[str]:
    return {t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())}


def cited(sentence: str) -> list[int]:
    return [int(n) for n in CITE_RE.findall(sentence)]


def strip_cites(sentence: str) -> str:
    return re.sub(r"\s+([.!?,;:])", r"\1", CITE_RE.sub("", sentence)).strip()


def split_sentences(text: str) -> list[str]:
    """Sentences of an answer or of model output; a citation after the full stop stays with its
    sentence, and list items / table rows / a fenced code block stay with the sentence that
    introduces them (one answer unit)."""
    text = _MOVE_CITES.sub(lambda m: " " + m.group(2).strip() + m.group(1) + " ", text)
    out: list[str] = []
    fence = False
    for line in text.split("\n"):
        s = line.strip()
        opens = s.startswith(("```", "~~~"))
        if fence or (out and (opens or _BLOCK_LINE.match(s))):
            out[-1] += "\n" + line.rstrip()
            fence = fence != opens
            continue
        if opens:
            fence = True
            out.append(line.rstrip())
            continue
        out.extend(x.strip() for x in _SPLIT.split(s) if x and x.strip())
    return [x.strip() for x in out if x.strip()]


def passage_sentences(text: str) -> list[str]:
    """The passage's lines split into sentences, list markers and emphasis removed (headings
    included: they are retrieval evidence, never answer text — see ``answer_units``)."""
    out: list[str] = []
    for line in text.splitlines():
        line = _MD.sub("", line).strip()
        if line:
            out.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip())
    return out


_Entry = tuple[list[str], np.ndarray, list[Unit], np.ndarray]


def _key(hit: dict[str, Any]) -> str:
    return str(hit.get("id") or hash(hit["text"]))


class Support(BaseModel):
    cosine: float
    lexical: float
    supported: bool
    weighted_lexical: float | None = None  # IDF-weighted share of the words found, when weights given


def _texts(sents: list[str], units: list[Unit], text: str) -> list[str]:
    """What :meth:`Grounder.prepare` embeds for one passage, in its order."""
    known = set(sents)
    return [*sents, text, *(u.plain for u in units if u.plain not in known)]


def passage_texts(text: str) -> list[str]:
    """Every text the grounding check embeds for a passage (to embed them ahead: ``agent.warm``)."""
    return _texts(passage_sentences(text), passage_units(text), text)


class Grounder:
    """Embeds passage units once (LRU by chunk id) and scores sentences against them."""

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray],
        *,
        min_cosine: float,
        min_lexical: float,
        cache_size: int = 2048,
    ) -> None:
        self.embed = embed
        self.min_cosine = min_cosine
        self.min_lexical = min_lexical
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._size = cache_size
        self._lock = threading.Lock()

    def tuned(self, *, min_cosine: float, min_lexical: float) -> Grounder:
        """The same grounder (shared embeddings cache and lock) at other thresholds."""
        view = copy.copy(self)
        view.min_cosine, view.min_lexical = min_cosine, min_lexical
        return view

    def _entry(self, hit: dict[str, Any]) -> _Entry:
        key = _key(hit)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        self.prepare([hit])
        with self._lock:
            return self._cache[key]

    def units(self, hit: dict[str, Any]) -> tuple[list[str], np.ndarray]:
        """The passage's line sentences and their vectors (last row: the whole passage)."""
        entry = self._entry(hit)
        return entry[0], entry[1]

    def answer_units(self, hit: dict[str, Any]) -> tuple[list[Unit], np.ndarray]:
        """The passage's block-aware answer units (``agent.units``) and their vectors."""
        entry = self._entry(hit)
        return entry[2], entry[3]

    def prepare(self, hits: list[dict[str, Any]]) -> None:
        """Embed all missing passages in one batch (cheaper than one call per passage); a unit
        whose text is one of the line sentences reuses that sentence's vector."""
        with self._lock:
            missing = list({_key(h): h for h in hits if _key(h) not in self._cache}.values())
        if not missing:
            return
        per = [(passage_sentences(h["text"]), passage_units(h["text"])) for h in missing]
        flat: list[str] = []
        for (sents, units), h in zip(per, missing, strict=True):
            flat += _texts(sents, units, h["text"])
        vectors = self.embed(flat) if flat else np.zeros((0, 1), dtype=np.float32)
        i = 0
        with self._lock:
            for (sents, units), h in zip(per, missing, strict=True):
                n = len(sents) + 1
                own = vectors[i : i + n]
                i += n
                index = {t: k for k, t in enumerate(sents)}
                rows = []
                for u in units:
                    if u.plain in index:
                        rows.append(own[index[u.plain]])
                    else:
                        rows.append(vectors[i])
                        i += 1
                unit_vecs = np.stack(rows) if rows else np.zeros((0, own.shape[1]), dtype=own.dtype)
                self._cache[_key(h)] = (sents, own, units, unit_vecs)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)

    def evidence(self, question: str, hits: list[dict[str, Any]]) -> float:
        """Best cosine between the question and any unit of the hits (0 when there are none)."""
        if not hits:
            return 0.0
        self.prepare(hits)
        q = self.embed([question])[0]
        return max(float(np.max(self.units(h)[1] @ q)) for h in hits)

    def support(
        self,
        sentence: str,
        hit: dict[str, Any],
        vector: np.ndarray | None = None,
        weight: Callable[[str], float] | None = None,
    ) -> Support:
        """Supported = close in meaning to a unit of the passage AND most of its words are in the
        passage; with ``weight`` (IDF) also most of its *rare* words, so a sentence that pads a
        claim the passage lacks ("the CEO's personal email is ...") with common words fails."""
        plain = strip_cites(sentence)
        words = content_tokens(plain)
        if not words:
            return Support(cosine=0.0, lexical=0.0, supported=False)
        _, vectors = self.units(hit)
        v = vector if vector is not None else self.embed([plain])[0]
        cosine = float(np.max(vectors @ v))
        found = words & content_tokens(hit["text"])
        lexical = len(found) / len(words)
        ok = cosine >= self.min_cosine and lexical >= self.min_lexical
        weighted = None
        if weight is not None:
            total = sum(weight(t) for t in words)
            weighted = sum(weight(t) for t in found) / total if total > 0 else lexical
            ok = ok and weighted >= self.min_lexical
        return Support(
            cosine=round(cosine, 4),
            lexical=round(lexical, 4),
            supported=ok,
            weighted_lexical=None if weighted is None else round(weighted, 4),
        )

    def best_support(
        self,
        sentence: str,
        hits: list[dict[str, Any]],
        vector: np.ndarray | None = None,
        weight: Callable[[str], float] | None = None,
    ) -> tuple[int | None, Support | None]:
        """Check the cited passage first, then the others; (1-based index, support) of the first
        passage that supports the sentence, or (None, best attempt)."""
        plain = strip_cites(sentence)
        if not content_tokens(plain) or not hits:
            return None, None
        v = vector if vector is not None else self.embed([plain])[0]
        order = [n for n in cited(sentence) if 1 <= n <= len(hits)]
        order += [n for n in range(1, len(hits) + 1) if n not in order]
        best: Support | None = None
        for n in order:
            s = self.support(sentence, hits[n - 1], v, weight)
            if s.supported:
                return n, s
            if best is None or s.cosine > best.cosine:
                best = s
        return None, best

    def focus(self, question: str, hit: dict[str, Any], *, max_sentences: int) -> str:
        """The passage cut to its ``max_sentences`` most question-relevant sentences (original
        order): a short prompt keeps time-to-first-token low and the tiny model on topic."""
        sentences, vectors = self.units(hit)
        if len(sentences) <= max_sentences:
            return str(hit["text"])
        q = self.embed([question])[0]
        scores = vectors[: len(sentences)] @ q
        keep = sorted(np.argsort(-scores)[:max_sentences].tolist())
        return " ".join(sentences[i] for i in keep)

    def extractive(
        self, question: str, hits: list[dict[str, Any]], *, max_sentences: int = 2
    ) -> list[tuple[str, int]]:
        """The passage sentences most similar to the question: [(sentence, 1-based passage index)].
        Sentences only (never a heading, never a lead without its block); ``agent.compose``
        chooses whole answer units, blocks included."""
        self.prepare(hits)
        q = self.embed([question])[0]
        qwords = content_tokens(question)
        scored: list[tuple[float, str, int]] = []
        for n, hit in enumerate(hits, start=1):
            units, vectors = self.answer_units(hit)
            for unit, vec in zip(units, vectors, strict=True):
                words = content_tokens(unit.lead)
                if unit.has_block or len(words) < 3 or heuristic_hits(unit.lead):
                    continue
                overlap = len(words & qwords) / max(1, len(qwords))
                scored.append((float(vec @ q) + 0.2 * overlap - 0.02 * (n - 1), unit.lead, n))
        scored.sort(key=lambda t: -t[0])
        picked: list[tuple[str, int]] = []
        for _, sentence, n in scored:
            if all(sentence != p for p, _ in picked):
                picked.append((sentence, n))
            if len(picked) >= max_sentences:
                break
        return picked

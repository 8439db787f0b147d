"""A persistent text → vector cache (SQLite, one file per data dir), keyed by embedding model.

The grounding check embeds every sentence and answer unit of each retrieved passage; before this
cache that was most of an answer's time to first token (the in-memory LRU starts empty in every
process and a new question mostly retrieves passages not seen yet). Passages are embedded once —
at ingest (``agent.warm``) or the first time they are retrieved — and read back afterwards, across
processes (serve, worker, eval). Keys are the SHA-256 of the model name and the text, so a changed
text or another model (a new backend, a fine-tuned checkpoint) is simply a miss.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER NOT NULL, v BLOB NOT NULL)"
_CHUNK = 500  # SQLite's bound-parameter limit is far above this


class VectorCache:
    """Thread-safe; several processes may share the file (WAL, busy timeout, insert-or-ignore)."""

    def __init__(self, path: Path, model: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.model = model
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10.0)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            self._db.commit()

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model}\0{text}".encode()).hexdigest()

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors of ``texts`` (by text; misses are absent)."""
        keys = {self.key(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        items = list(keys)
        with self._lock:
            for i in range(0, len(items), _CHUNK):
                part = items[i : i + _CHUNK]
                marks = ",".join("?" * len(part))
                for k, dim, blob in self._db.execute(
                    f"SELECT key, dim, v FROM vectors WHERE key IN ({marks})", part
                ):
                    found[keys[k]] = np.frombuffer(blob, dtype=np.float32, count=dim)
        return found

    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [
            (self.key(t), int(v.shape[0]), np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._lock:
            self._db.executemany("INSERT OR IGNORE INTO vectors (key, dim, v) VALUES (?, ?, ?)", rows)
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


class CachedEmbed:
    """``embed`` behind a :class:`VectorCache`: only texts never seen are embedded (once each).

    ``cache`` may be a factory: the cache (and the model name its keys need, which may load the
    model) is opened on the first call, so building the service stays cheap.
    """

    def __init__(
        self, embed: Callable[[list[str]], np.ndarray], cache: VectorCache | Callable[[], VectorCache]
    ) -> None:
        self.embed = embed
        self._cache = cache
        self._open_lock = threading.Lock()
        self.embedded = 0  # texts this process had to embed (the rest came from the cache)

    @property
    def cache(self) -> VectorCache:
        if not isinstance(self._cache, VectorCache):
            with self._open_lock:
                if not isinstance(self._cache, VectorCache):
                    self._cache = self._cache()
        return self._cache

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return self.embed(texts)
        known = self.cache.get_many(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            fresh = np.asarray(self.embed(missing), dtype=np.float32)
            self.cache.put_many(missing, fresh)
            known.update(zip(missing, fresh, strict=True))
            self.embedded += len(missing)
        return np.stack([known[t] for t in texts])

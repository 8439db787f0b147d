"""Per-(collection, tenant) statistics built from the tenant's chunks, rebuilt on change.

The spelling vocabulary (:mod:`retrieval.spelling`) and the agent's document frequencies
(:mod:`agent.evidence`) scroll every chunk once to build; this keeps one copy per tenant,
keyed by :func:`retrieval.index.content_version`, builds each key once even when requests
arrive together, and keeps at most ``max_entries`` tenants (least recently used dropped).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class CollectionCache(Generic[T]):
    def __init__(self, build: Callable[[str, str], T], *, max_entries: int = 64) -> None:
        self._build = build
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, str], tuple[Any, T]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}

    def get(self, collection: str, tenant: str) -> T:
        from retrieval import index

        key = (collection, tenant)
        version = index.content_version(collection, tenant)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == version:
                self._entries.move_to_end(key)
                return hit[1]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one build per key; concurrent callers wait for it
            with self._lock:
                hit = self._entries.get(key)
                if hit is not None and hit[0] == version:
                    return hit[1]
            value = self._build(collection, tenant)
            with self._lock:
                self._entries[key] = (version, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self._max:
                    old, _ = self._entries.popitem(last=False)
                    self._key_locks.pop(old, None)
            return value

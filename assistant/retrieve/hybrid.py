"""Hybrid retrieval: dense chunks (Chroma), dense sentences and lexical (BM25) fused by
reciprocal rank, all read from one view of the index pinned to its version."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.index.embedding import Embedder
from assistant.index.snapshot import LexicalIndex, Retrieved, make_stemmer
from assistant.index.store import ChromaStore
from assistant.index.view import IndexView
from assistant.query.plan import QueryPlan, read_question
from assistant.types import Chunk, Hit

# The constant of reciprocal rank fusion (Cormack et al. 2009 use 60, for fusing many long
# runs). Here three short lists are fused and their first places matter most: on the realistic
# dev split k=3 retrieved best (hit@5 0.900 at 60 -> 0.950, MRR 0.702 -> 0.744; test 0.919 ->
# 0.952, public 1.000 at both; docs/evaluation.md, round 2).
RRF_K = 3


class HybridRetriever:
    """Dense and lexical candidates, fused with reciprocal rank fusion."""

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        k: int,
        candidates: int = 20,
    ) -> None:
        if k <= 0:
            raise ValueError(f"k must be positive, got {k}")
        self.store = store
        self.embedder = embedder
        self.k = k
        self.candidates = max(candidates, k)
        self._stemmer = make_stemmer()
        self._lexical: LexicalIndex | None = None
        self._lock = threading.Lock()

    def lexical(self, view: IndexView | None = None) -> LexicalIndex:
        """The BM25 index for a version of the store (the committed one unless a view is
        given), rebuilt only when the version changed. Reading the committed version is one
        small read, so an ingest by this or any other process is seen by the next question."""
        if view is None:
            with self.store.view() as pinned:
                return self.lexical(pinned)
        with self._lock:
            if self._lexical is None or self._lexical.version < view.version:
                self._lexical = LexicalIndex.build(view, self._stemmer)
            if self._lexical.version == view.version:
                return self._lexical
        return LexicalIndex.build(view, self._stemmer)  # an older version, still pinned

    def search(
        self,
        plan: QueryPlan,
        k: int | None = None,
        doc_ids: Sequence[str] | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Hit]:
        """Top-k chunks for a plan; see `retrieve`."""
        return self.retrieve(plan, k, doc_ids, timings).hits

    def retrieve(
        self,
        plan: QueryPlan,
        k: int | None = None,
        doc_ids: Sequence[str] | None = None,
        timings: dict[str, float] | None = None,
    ) -> Retrieved:
        """Top-k chunks for a plan: for the query and each part of a
        multi-part question, dense chunks, dense sentences and BM25, fused by reciprocal
        rank so every part finds its passage; with the view of the index they came from, so
        answering reads the same version even when a write commits meanwhile."""
        k = k or self.k
        clock = _Clock(timings)
        if plan.vector is None:
            plan = plan.with_vectors(self.embedder)
        asked = [plan.vector, *(p.vector for p in plan.parts)] if plan.multipart else [plan.vector]
        vectors = [v for v in asked if v is not None]
        clock.lap("embed_ms")
        with self.store.view() as view:  # one version for both sides
            dense = view.query_many(vectors, self.candidates, doc_ids)
            clock.lap("dense_ms")
            lexical = self.lexical(view)
        dense += [lexical.search_sentences(v, self.candidates, doc_ids) for v in vectors]
        sparse = [lexical.search(q, self.candidates, doc_ids) for q in plan.texts]
        clock.lap("lexical_ms")
        hits = fuse(dense, sparse, k)
        clock.lap("fusion_ms")
        return Retrieved(hits, lexical)


Ranked = list[tuple[Chunk, float]]


def fuse(dense: Sequence[Ranked], lexical: Sequence[Ranked], k: int) -> list[Hit]:
    """Reciprocal rank fusion of ranked lists of chunks (dense and lexical, per query)."""
    chunks: dict[str, Chunk] = {}
    fused: dict[str, float] = {}
    dense_scores: dict[str, float] = {}
    lexical_scores: dict[str, float] = {}
    for lists, scores in ((dense, dense_scores), (lexical, lexical_scores)):
        for ranked in lists:
            for rank, (chunk, score) in enumerate(ranked, start=1):
                chunks[chunk.id] = chunk
                scores[chunk.id] = max(score, scores.get(chunk.id, score))
                fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank)
    order = sorted(fused, key=lambda cid: -fused[cid])[:k]
    return [
        Hit(chunks[cid], fused[cid], rank, dense_scores.get(cid), lexical_scores.get(cid))
        for rank, cid in enumerate(order, start=1)
    ]


class _Clock:
    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[name] = self.timings.get(name, 0.0) + (now - self.last) * 1000
        self.last = now


class LangChainRetriever(BaseRetriever):
    """The hybrid retriever behind LangChain's retriever interface."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    hybrid: HybridRetriever
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        plan = read_question(query, query)
        return [hit_to_document(h) for h in self.hybrid.search(plan, self.k)]


def hit_to_document(hit: Hit) -> Document:
    c = hit.chunk
    return Document(
        page_content=c.text,
        id=c.id,
        metadata={
            "chunk_id": c.id,
            "doc_id": c.doc_id,
            "title": c.title,
            "date": c.date,
            "section": c.section,
            "page": c.page,
            "start": c.start,
            "end": c.end,
            "score": hit.score,
            "rank": hit.rank,
        },
    )

"""One version of the index: `IndexView` reads it (chunks, sentence vectors, documents,
queries), `Transaction` writes the next one, which no reader sees until it is committed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from assistant.index.schema import (
    KINDS,
    NEVER,
    UNIT_VECTOR,
    chunk_from,
    chunk_meta,
    doc_filter,
    doc_meta,
    doc_record,
    utc_now,
)
from assistant.types import Chunk, DocRecord

# --- reading one version -----------------------------------------------------------------


class IndexView:
    """One committed version of the index, read-only: what one question reads from."""

    def __init__(self, version: int, collections: dict[str, Any] | None, filtered: bool) -> None:
        """collections: chunks, sentences and docs (None: the empty index); filtered: records
        of other versions share the collections (server), so every read filters on version."""
        self.version = version
        self._c = collections
        self._visible: dict[str, Any] | None = (
            {"$and": [{"v_from": {"$lte": version}}, {"v_to": {"$gt": version}}]}
            if filtered
            else None
        )

    def _where(self, *more: dict[str, Any] | None) -> dict[str, Any] | None:
        parts = [w for w in (self._visible, *more) if w]
        if not parts:
            return None
        flat = [p for w in parts for p in w.get("$and", [w])]
        return flat[0] if len(flat) == 1 else {"$and": flat}

    def documents(self) -> dict[str, DocRecord]:
        if self._c is None:
            return {}
        got = self._c["docs"].get(where=self._where(), include=["metadatas"])
        records = (doc_record(m) for m in got["metadatas"] or [])
        return {r.doc_id: r for r in records}

    def chunk_count(self) -> int:
        if self._c is None:
            return 0
        if self._visible is None:
            return int(self._c["chunks"].count())
        return len(self._c["chunks"].get(where=self._visible, include=[])["ids"])

    def query_many(
        self, vectors: Sequence[np.ndarray], n: int, doc_ids: Sequence[str] | None = None
    ) -> list[list[tuple[Chunk, float]]]:
        """Nearest chunks for each vector, in one call to Chroma, with cosine similarity."""
        count = 0 if self._c is None else int(self._c["chunks"].count())
        if self._c is None or count == 0 or not vectors:
            return [[] for _ in vectors]
        got = self._c["chunks"].query(
            query_embeddings=list(vectors),
            n_results=min(n, count),
            where=self._where(doc_filter(doc_ids)),
            include=["documents", "metadatas", "distances"],
        )
        return [
            [
                (chunk_from(text, meta), 1.0 - float(dist))
                for text, meta, dist in zip(texts, metas, dists, strict=True)
            ]
            for texts, metas, dists in zip(
                got["documents"], got["metadatas"], got["distances"], strict=True
            )
        ]

    def iter_chunks(self, page: int = 5000) -> Iterator[Chunk]:
        if self._c is None:
            return
        offset = 0
        while True:
            got = self._c["chunks"].get(
                where=self._where(), include=["documents", "metadatas"], limit=page, offset=offset
            )
            for text, meta in zip(got["documents"], got["metadatas"], strict=True):
                yield chunk_from(text, meta)
            if len(got["ids"]) < page:
                return
            offset += page

    def sentence_vectors(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """Sentence embeddings of the given chunks: chunk id -> (sentences x dim) array."""
        ids = list(dict.fromkeys(chunk_ids))
        if not ids or self._c is None:
            return {}
        got = self._c["sentences"].get(
            where=self._where({"chunk_id": {"$in": ids}}), include=["metadatas", "embeddings"]
        )
        rows: dict[str, list[tuple[int, Any]]] = {}
        for meta, vec in zip(got["metadatas"], got["embeddings"], strict=True):
            rows.setdefault(str(meta["chunk_id"]), []).append((int(meta["i"]), vec))
        return {
            cid: np.asarray([v for _, v in sorted(r, key=lambda x: x[0])], dtype=np.float32)
            for cid, r in rows.items()
        }


# --- writing the next version ------------------------------------------------------------


class Transaction:
    """The one writer's changes towards `version`; readers see none of them until commit.
    `private`: the collections are the writer's own copy (embedded), so records are deleted
    outright; otherwise (server) a removal sets v_to and the records stay for readers of older
    versions until they are collected."""

    def __init__(
        self, version: int, collections: dict[str, Any], batch_size: int, private: bool
    ) -> None:
        self.version = version
        self.batch_size = max(1, batch_size)
        self.private = private
        self._c = collections
        self._latest = {"v_to": NEVER}

    def mark_pending(self, docs: Sequence[tuple[str, str, str]]) -> None:
        """(doc id, title, date) of documents about to be written, before their chunks."""
        self._put_docs([DocRecord(d, title, date, "", 0, utc_now()) for d, title, date in docs])

    def finish_documents(self, records: Sequence[DocRecord]) -> None:
        self._put_docs(records)

    def delete_document(self, doc_id: str) -> None:
        where = {"$and": [{"doc_id": doc_id}, self._latest]}
        for kind in KINDS:
            if self.private:
                self._c[kind].delete(where=where)
                continue
            ids = self._c[kind].get(where=where, include=[])["ids"]
            for i in range(0, len(ids), self.batch_size):
                part = ids[i : i + self.batch_size]
                self._c[kind].update(ids=part, metadatas=[{"v_to": self.version}] * len(part))

    def add_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        metas = [{**chunk_meta(c), **self._stamp()} for c in chunks]
        for i in range(0, len(chunks), self.batch_size):
            part = slice(i, i + self.batch_size)
            self._c["chunks"].upsert(
                ids=[f"{c.id}@{self.version}" for c in chunks[part]],
                embeddings=vectors[part],
                documents=[c.text for c in chunks[part]],
                metadatas=metas[part],
            )

    def add_sentences(self, rows: Sequence[tuple[Chunk, int]], vectors: np.ndarray) -> None:
        """rows: (chunk, index of the sentence within the chunk), aligned with vectors."""
        for i in range(0, len(rows), self.batch_size):
            part = rows[i : i + self.batch_size]
            self._c["sentences"].upsert(
                ids=[f"{c.id}/{j}@{self.version}" for c, j in part],
                embeddings=vectors[i : i + self.batch_size],
                metadatas=[
                    {"doc_id": c.doc_id, "chunk_id": c.id, "i": j, **self._stamp()} for c, j in part
                ],
            )

    def _stamp(self) -> dict[str, int]:
        return {"v_from": self.version, "v_to": NEVER}

    def _put_docs(self, records: Sequence[DocRecord]) -> None:
        for i in range(0, len(records), self.batch_size):
            part = records[i : i + self.batch_size]
            self._c["docs"].upsert(
                ids=[f"{r.doc_id}@{self.version}" for r in part],
                embeddings=[UNIT_VECTOR] * len(part),
                metadatas=[{**doc_meta(r), **self._stamp()} for r in part],
            )

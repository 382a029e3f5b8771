"""The only module that imports chromadb: embedded or server, upsert/delete/query by document.

Three collections share one name prefix:
- `<name>_chunks`: one record per chunk, its embedding, text and metadata;
- `<name>_sentences`: one record per sentence of a chunk, its embedding (for answering);
- `<name>_docs`: one record per document (hash, title, date, chunk count, state) plus the
  `__index__` record whose version grows with every change (readers rebuild caches on it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from assistant.types import Chunk, DocRecord, Sentence

_VERSION_ID = "__index__"
_UNIT = [1.0]  # docs records carry no meaning in their vector; Chroma needs one


class StoreError(RuntimeError):
    """The index could not be reached or read; the message says what to do."""


@dataclass(frozen=True)
class StoreConfig:
    collection: str
    index_dir: Path | None = None  # embedded when set
    host: str | None = None  # server when set
    port: int = 8000
    ssl: bool = False
    token: str | None = None


def open_client(config: StoreConfig) -> Any:
    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if config.host:
            headers = {"Authorization": f"Bearer {config.token}"} if config.token else None
            return chromadb.HttpClient(
                host=config.host,
                port=config.port,
                ssl=config.ssl,
                headers=headers,
                settings=settings,
            )
        assert config.index_dir is not None
        config.index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(config.index_dir), settings=settings)
    except Exception as exc:
        where = f"{config.host}:{config.port}" if config.host else str(config.index_dir)
        raise StoreError(
            f"cannot open the Chroma index at {where} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}); check ASSISTANT_CHROMA_HOST/"
            "ASSISTANT_INDEX_DIR"
        ) from exc


class ChromaStore:
    def __init__(self, client: Any, name: str, max_batch: int | None = None) -> None:
        """max_batch caps the records per Chroma call below the client's own limit."""
        self._client = client
        self.name = name
        limit = int(client.get_max_batch_size())
        self.batch_size = max(1, min(limit, max_batch) if max_batch else limit)
        self._chunks = self._collection(f"{name}_chunks")
        self._sentences = self._collection(f"{name}_sentences")
        self._docs = self._collection(f"{name}_docs")

    @classmethod
    def open(cls, config: StoreConfig) -> ChromaStore:
        return cls(open_client(config), config.collection)

    def _collection(self, name: str) -> Any:
        return self._client.get_or_create_collection(
            name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )

    # --- documents -------------------------------------------------------------------
    def documents(self) -> dict[str, DocRecord]:
        got = self._docs.get(include=["metadatas"])
        records = {}
        for doc_id, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
            if doc_id != _VERSION_ID:
                records[doc_id] = _record(doc_id, meta)
        return records

    def version(self) -> int:
        got = self._docs.get(ids=[_VERSION_ID], include=["metadatas"])
        metas = got["metadatas"] or []
        return int(metas[0]["version"]) if metas else 0

    def mark_pending(self, doc_id: str, title: str, date: str) -> None:
        """Written before a document's chunks: a crash leaves a record that the next sync
        sees as unfinished (sha256 empty), so no chunk is ever left without a record."""
        self._put_doc(DocRecord(doc_id, title, date, "", 0, utc_now()))

    def finish_document(self, record: DocRecord) -> None:
        self._put_doc(record)

    def delete_document(self, doc_id: str) -> None:
        where = {"doc_id": doc_id}
        self._chunks.delete(where=where)
        self._sentences.delete(where=where)
        self._docs.delete(ids=[doc_id])

    def bump_version(self) -> int:
        version = self.version() + 1
        self._docs.upsert(
            ids=[_VERSION_ID],
            embeddings=[_UNIT],
            metadatas=[{"version": version, "updated_at": utc_now()}],
        )
        return version

    def _put_doc(self, r: DocRecord) -> None:
        meta = {
            "title": r.title,
            "date": r.date,
            "sha256": r.sha256,
            "chunks": r.chunks,
            "indexed_at": r.indexed_at,
        }
        self._docs.upsert(ids=[r.doc_id], embeddings=[_UNIT], metadatas=[meta])

    # --- chunks and sentences --------------------------------------------------------
    def add_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        metas = [_chunk_meta(c) for c in chunks]
        for i in range(0, len(chunks), self.batch_size):
            part = slice(i, i + self.batch_size)
            self._chunks.upsert(
                ids=[c.id for c in chunks[part]],
                embeddings=vectors[part],
                documents=[c.text for c in chunks[part]],
                metadatas=metas[part],
            )

    def add_sentences(self, rows: Sequence[tuple[Chunk, int]], vectors: np.ndarray) -> None:
        """rows: (chunk, index of the sentence within the chunk), aligned with vectors."""
        for i in range(0, len(rows), self.batch_size):
            part = rows[i : i + self.batch_size]
            self._sentences.upsert(
                ids=[f"{c.id}/{j}" for c, j in part],
                embeddings=vectors[i : i + self.batch_size],
                metadatas=[{"doc_id": c.doc_id, "chunk_id": c.id, "i": j} for c, j in part],
            )

    def query(
        self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks with cosine similarity (1 - distance)."""
        count = self._chunks.count()
        if count == 0:
            return []
        got = self._chunks.query(
            query_embeddings=[vector],
            n_results=min(n, count),
            where=_doc_filter(doc_ids),
            include=["documents", "metadatas", "distances"],
        )
        rows = zip(
            got["ids"][0],
            got["documents"][0],
            got["metadatas"][0],
            got["distances"][0],
            strict=True,
        )
        return [(_chunk(cid, text, meta), 1.0 - float(dist)) for cid, text, meta, dist in rows]

    def iter_chunks(self, page: int = 5000) -> Iterator[Chunk]:
        offset = 0
        while True:
            got = self._chunks.get(include=["documents", "metadatas"], limit=page, offset=offset)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                yield _chunk(cid, text, meta)
            if len(got["ids"]) < page:
                return
            offset += page

    def chunk_count(self) -> int:
        return int(self._chunks.count())

    def sentence_vectors(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """Sentence embeddings of the given chunks: chunk id -> (sentences x dim) array."""
        ids = list(dict.fromkeys(chunk_ids))
        if not ids:
            return {}
        got = self._sentences.get(
            where={"chunk_id": {"$in": ids}}, include=["metadatas", "embeddings"]
        )
        rows: dict[str, list[tuple[int, Any]]] = {}
        for meta, vec in zip(got["metadatas"], got["embeddings"], strict=True):
            rows.setdefault(str(meta["chunk_id"]), []).append((int(meta["i"]), vec))
        return {
            cid: np.asarray([v for _, v in sorted(r, key=lambda x: x[0])], dtype=np.float32)
            for cid, r in rows.items()
        }

    def reset(self) -> None:
        for name in ("chunks", "sentences", "docs"):
            self._client.delete_collection(f"{self.name}_{name}")
        self._chunks = self._collection(f"{self.name}_chunks")
        self._sentences = self._collection(f"{self.name}_sentences")
        self._docs = self._collection(f"{self.name}_docs")


def _doc_filter(doc_ids: Sequence[str] | None) -> dict[str, Any] | None:
    if not doc_ids:
        return None
    return {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": list(doc_ids)}}


def _chunk_meta(c: Chunk) -> dict[str, Any]:
    return {
        "doc_id": c.doc_id,
        "ordinal": c.ordinal,
        "start": c.start,
        "end": c.end,
        "title": c.title,
        "date": c.date,
        "section": c.section,
        "page": c.page if c.page is not None else -1,
        "sentences": json.dumps([[s.start, s.end] for s in c.sentences]),
    }


def _chunk(cid: str, text: str, meta: dict[str, Any]) -> Chunk:
    start = int(meta["start"])
    spans = json.loads(str(meta["sentences"]))
    sentences = tuple(Sentence(s, e, text[s - start : e - start]) for s, e in spans)
    page = int(meta["page"])
    return Chunk(
        id=cid,
        doc_id=str(meta["doc_id"]),
        ordinal=int(meta["ordinal"]),
        text=text,
        start=start,
        end=int(meta["end"]),
        title=str(meta["title"]),
        date=str(meta["date"]),
        section=str(meta["section"]),
        page=page if page >= 0 else None,
        sentences=sentences,
    )


def _record(doc_id: str, meta: dict[str, Any]) -> DocRecord:
    return DocRecord(
        doc_id,
        str(meta["title"]),
        str(meta["date"]),
        str(meta["sha256"]),
        int(meta["chunks"]),
        str(meta["indexed_at"]),
    )


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")

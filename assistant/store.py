"""The only module that imports chromadb: embedded or server, upsert/delete/query by document.

Three collections share one name prefix:
- `<name>_chunks`: one record per chunk, its embedding, text and metadata;
- `<name>_sentences`: one record per sentence of a chunk, its embedding (for answering);
- `<name>_docs`: one record per document (hash, title, date, chunk count, state) plus the
  `__index__` record whose version grows with every change (readers rebuild caches on it).

Against a Chroma server every call goes through `_Guarded`: connection errors (a restart, a
network blip) are retried with backoff for about five seconds, then raised as a one-line
StoreError; a collection another process dropped and re-created (`ingest --rebuild`) is looked
up again by name.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import chromadb
import httpx
import numpy as np
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import AuthorizationError, ChromaAuthError, NotFoundError

from assistant.types import Chunk, DocRecord
from assistant.units import decode_units, encode_units

_VERSION_ID = "__index__"
_UNIT = [1.0]  # docs records carry no meaning in their vector; Chroma needs one
_RETRY_DELAYS_S = (0.25, 0.5, 1.0, 1.25, 2.0)  # about 5 s of retries, then StoreError
_HTTP_TIMEOUT = httpx.Timeout(60.0, connect=5.0)  # the client's default is no timeout at all


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

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}" if self.host else str(self.index_dir)


def open_client(config: StoreConfig) -> Any:
    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    where = config.where
    try:
        if config.host:
            headers = {"Authorization": f"Bearer {config.token}"} if config.token else None

            def connect() -> Any:
                return chromadb.HttpClient(
                    host=config.host or "",
                    port=config.port,
                    ssl=config.ssl,
                    headers=headers,
                    settings=settings,
                )

            client = _retry(where, connect)
            _set_timeout(client)
            return client
        assert config.index_dir is not None
        config.index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(config.index_dir), settings=settings)
    except StoreError:
        raise
    except Exception as exc:
        check = (
            "ASSISTANT_CHROMA_HOST, ASSISTANT_CHROMA_PORT and ASSISTANT_CHROMA_TOKEN"
            if config.host
            else "ASSISTANT_INDEX_DIR"
        )
        raise StoreError(
            f"cannot open the Chroma index at {where} ({_detail(exc)}); check {check}"
        ) from exc


class ChromaStore:
    def __init__(
        self, client: Any, name: str, max_batch: int | None = None, where: str = "the index"
    ) -> None:
        """max_batch caps the records per Chroma call below the client's own limit; `where`
        names the index in error messages (host:port or folder)."""
        self._client = client
        self.name = name
        self.where = where
        limit = int(_retry(where, client.get_max_batch_size))
        self.batch_size = max(1, min(limit, max_batch) if max_batch else limit)
        self._chunks = self._collection(f"{name}_chunks")
        self._sentences = self._collection(f"{name}_sentences")
        self._docs = self._collection(f"{name}_docs")

    @classmethod
    def open(cls, config: StoreConfig) -> ChromaStore:
        return cls(open_client(config), config.collection, where=config.where)

    def _collection(self, name: str) -> Any:
        def get() -> Any:
            return self._client.get_or_create_collection(
                name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
            )

        return _Guarded(self.where, get)

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

    def mark_pending(self, docs: Sequence[tuple[str, str, str]]) -> None:
        """(doc id, title, date) of documents about to be written, before their chunks: a
        crash leaves records that the next sync sees as unfinished (sha256 empty), so no chunk
        is ever left without a record."""
        self._put_docs([DocRecord(d, title, date, "", 0, utc_now()) for d, title, date in docs])

    def finish_documents(self, records: Sequence[DocRecord]) -> None:
        self._put_docs(records)

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

    def _put_docs(self, records: Sequence[DocRecord]) -> None:
        metas = [
            {
                "title": r.title,
                "date": r.date,
                "sha256": r.sha256,
                "chunks": r.chunks,
                "indexed_at": r.indexed_at,
            }
            for r in records
        ]
        for i in range(0, len(records), self.batch_size):
            part = slice(i, i + self.batch_size)
            self._docs.upsert(
                ids=[r.doc_id for r in records[part]],
                embeddings=[_UNIT] * len(metas[part]),
                metadatas=metas[part],
            )

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
        return self.query_many([vector], n, doc_ids)[0]

    def query_many(
        self, vectors: Sequence[np.ndarray], n: int, doc_ids: Sequence[str] | None = None
    ) -> list[list[tuple[Chunk, float]]]:
        """Nearest chunks for each vector, in one call to Chroma."""
        count = self._chunks.count()
        if count == 0 or not vectors:
            return [[] for _ in vectors]
        got = self._chunks.query(
            query_embeddings=list(vectors),
            n_results=min(n, count),
            where=_doc_filter(doc_ids),
            include=["documents", "metadatas", "distances"],
        )
        return [
            [
                (_chunk(cid, text, meta), 1.0 - float(dist))
                for cid, text, meta, dist in zip(ids, texts, metas, dists, strict=True)
            ]
            for ids, texts, metas, dists in zip(
                got["ids"], got["documents"], got["metadatas"], got["distances"], strict=True
            )
        ]

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
        """Drop and re-create the collections. The version carries on from where it was, so a
        replica that cached version n never mistakes the rebuilt index for the one it had."""
        version = self.version()
        for name in ("chunks", "sentences", "docs"):
            with suppress(NotFoundError):  # already dropped (by another process's rebuild)
                _retry(self.where, self._client.delete_collection, f"{self.name}_{name}")
        self._chunks = self._collection(f"{self.name}_chunks")
        self._sentences = self._collection(f"{self.name}_sentences")
        self._docs = self._collection(f"{self.name}_docs")
        self._docs.upsert(
            ids=[_VERSION_ID],
            embeddings=[_UNIT],
            metadatas=[{"version": version + 1, "updated_at": utc_now()}],
        )


class _Guarded:
    """A Chroma collection whose calls survive a server restart and another process's rebuild:
    every method call goes through `_retry`, and a collection that no longer exists (dropped
    and re-created elsewhere) is fetched again by name and the call made once more."""

    def __init__(self, where: str, get: Callable[[], Any]) -> None:
        self._where = where
        self._get = get
        self._target = _retry(where, get)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return _retry(self._where, getattr(self._target, name), *args, **kwargs)
            except NotFoundError:
                self._target = _retry(self._where, self._get)
                return _retry(self._where, getattr(self._target, name), *args, **kwargs)

        return call


def _retry(where: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs), retried while the server cannot be reached (every call here is a
    read or an idempotent write: upserts and deletes by id). Then one line, as StoreError."""
    for delay in (*_RETRY_DELAYS_S, None):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if _refused(exc):
                raise StoreError(
                    f"the Chroma server at {where} refused the request ({_detail(exc)}); "
                    "check ASSISTANT_CHROMA_TOKEN"
                ) from exc
            if not _unreachable(exc):
                raise
            if delay is None:
                raise StoreError(
                    f"the Chroma server at {where} is not reachable ({_detail(exc)}; retried "
                    f"for {sum(_RETRY_DELAYS_S):.0f} s); check it is running"
                ) from exc
            time.sleep(delay)
    raise AssertionError("unreachable")


def _unreachable(exc: BaseException) -> bool:
    """A connection-level failure (the client hides some inside a ValueError); a read that
    timed out is not retried: the server is up but slow, and waiting more would not help."""
    return any(
        isinstance(e, httpx.TransportError) and not isinstance(e, httpx.ReadTimeout)
        for e in (exc, exc.__cause__, exc.__context__)
    )


_REFUSALS = re.compile(r"\b(401|403)\b|unauthori[sz]ed|forbidden|authori[sz]ation required")


def _refused(exc: BaseException) -> bool:
    """The server (or the proxy in front of it) rejected the credentials. The client raises a
    bare Exception (a ValueError while connecting) with the response body for errors that are
    not Chroma's own."""
    if isinstance(exc, ChromaAuthError | AuthorizationError):
        return True
    plain = type(exc) is Exception or isinstance(exc, ValueError)  # as the client wraps it
    return plain and bool(_REFUSALS.search(str(exc).lower()))


def _detail(exc: BaseException) -> str:
    """The error as one short line: markup stripped, the first line, at most 160 characters."""
    text = " ".join(re.sub(r"<[^>]+>", " ", str(exc)).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _set_timeout(client: Any) -> None:
    """chromadb's HTTP client waits forever by default; a vanished server must not hang a
    replica's request. Reaches into the client's httpx session, skipped if it is not there."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = _HTTP_TIMEOUT


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
        "sentences": encode_units(c.sentences),
    }


def _chunk(cid: str, text: str, meta: dict[str, Any]) -> Chunk:
    start = int(meta["start"])
    sentences = decode_units(str(meta["sentences"]), text, start)
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

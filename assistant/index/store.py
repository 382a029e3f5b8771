"""The only module that imports chromadb: a versioned index that readers in any number of
processes share with one writer (README, Deployment: readers and writers).

A reader asks `view()` for the committed version and reads only it for a whole question; a
writer prepares version N+1 in a `transaction()` that readers cannot see, and publishes it in
one atomic step at commit. Nothing a writer does before that step, or a writer killed half-way,
is ever seen by a reader.

- Embedded (`index/`): each version is its own Chroma folder, `index/v<N>`, never written
  after it is committed; `index/CURRENT` names the committed one and is replaced atomically. A
  writer copies the committed folder (or starts an empty one to rebuild), writes the copy,
  closes it, then replaces CURRENT. Readers hold a shared lock on the folder they read; the
  writer deletes a superseded folder only once no reader holds it. Chroma's embedded engine
  keeps a private in-memory copy of its vector index per process, so readers must never read a
  folder a writer is changing: they re-open on the new folder when CURRENT moves.
- Chroma server: one process serves everyone, so versions live side by side in the same
  collections. Every chunk, sentence and document record carries the version that added it
  (`v_from`) and the one that removed it (`v_to`); a reader of version N filters on
  v_from <= N < v_to. A pointer record (`<name>_pointer`) holds the committed version; a
  commit is one write of it. A rebuild writes a new generation of collections
  (`<name>_g<N>_chunks`...) and the pointer switches to it. Removed records and old
  generations are deleted once no reader can still be on a version that saw them
  (GRACE_S after the commit that removed them).

Every server call goes through `_Guarded`: connection errors (a restart, a network blip) are
retried with backoff for about five seconds, then raised as a one-line StoreError.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import chromadb
import httpx
import numpy as np
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import AuthorizationError, ChromaAuthError, NotFoundError

from assistant.errors import UserError
from assistant.types import Chunk, DocRecord
from assistant.units import decode_units, encode_units

NEVER = 10**15  # v_to of a record no version has removed
GRACE_S = 60.0  # a superseded version stays readable this long after the commit that replaced it
_UNIT = [1.0]  # document and pointer records carry no meaning in their vector; Chroma needs one
_KINDS = ("chunks", "sentences", "docs")
_RETRY_DELAYS_S = (0.25, 0.5, 1.0, 1.25, 2.0)  # about 5 s of retries, then StoreError
_HTTP_TIMEOUT = httpx.Timeout(60.0, connect=5.0)  # the client's default is no timeout at all
_HNSW = {"hnsw": {"space": "cosine"}}
_UUID_DIR = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class StoreError(UserError, RuntimeError):
    """The index could not be reached or read; the message says what to do."""


@dataclass(frozen=True)
class StoreConfig:
    collection: str
    index_dir: Path | None = None  # embedded when set
    host: str | None = None  # server when set
    port: int = 8000
    ssl: bool = False
    token: str | None = None
    grace_s: float = GRACE_S  # server: how long removed records stay for readers still on them

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}" if self.host else str(self.index_dir)


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
        records = (_record(m) for m in got["metadatas"] or [])
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
            where=self._where(_doc_filter(doc_ids)),
            include=["documents", "metadatas", "distances"],
        )
        return [
            [
                (_chunk(text, meta), 1.0 - float(dist))
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
                yield _chunk(text, meta)
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
        for kind in _KINDS:
            if self.private:
                self._c[kind].delete(where=where)
                continue
            ids = self._c[kind].get(where=where, include=[])["ids"]
            for i in range(0, len(ids), self.batch_size):
                part = ids[i : i + self.batch_size]
                self._c[kind].update(ids=part, metadatas=[{"v_to": self.version}] * len(part))

    def add_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        metas = [{**_chunk_meta(c), **self._stamp()} for c in chunks]
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
                embeddings=[_UNIT] * len(part),
                metadatas=[{**_doc_meta(r), **self._stamp()} for r in part],
            )


# --- where versions live ------------------------------------------------------------------


class _Backend(Protocol):
    where: str

    def committed(self) -> int: ...
    def open_view(self, version: int) -> IndexView | None: ...
    def close_view(self, version: int) -> None: ...
    def begin(self, rebuild: bool, batch_size: int | None) -> Transaction: ...
    def commit(self, txn: Transaction) -> None: ...
    def discard(self, txn: Transaction) -> None: ...


class _Embedded:
    """index/CURRENT names the committed folder index/v<N>; see the module docstring."""

    def __init__(self, index_dir: Path, name: str) -> None:
        self.root = index_dir
        self.name = name
        self.where = str(index_dir)
        self._readers: dict[int, tuple[Any, int]] = {}  # version -> (client, lock fd)
        self._writing: Any = None

    def committed(self) -> int:
        try:
            return int((self.root / "CURRENT").read_text(encoding="ascii").strip() or 0)
        except FileNotFoundError:
            return 0
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"cannot read {self.root / 'CURRENT'} ({_detail(exc)}); run `assistant ingest "
                "--rebuild` or check ASSISTANT_INDEX_DIR"
            ) from exc

    def folder(self, version: int) -> Path:
        return self.root / f"v{version}"

    def open_view(self, version: int) -> IndexView | None:
        """A view of version, or None when it was superseded and collected meanwhile."""
        if version == 0:
            return IndexView(0, None, filtered=False)
        folder = self.folder(version)
        try:
            fd = os.open(folder / ".readers", os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # the writer is collecting it
        except BlockingIOError:
            os.close(fd)
            return None
        if not (folder / "chroma.sqlite3").is_file():
            os.close(fd)
            return None
        try:
            client = _persistent(folder)
            collections = {k: _get(client, f"{self.name}_{k}") for k in _KINDS}
        except Exception as exc:
            os.close(fd)
            raise StoreError(
                f"cannot read the index at {folder} ({_detail(exc)}); run `assistant ingest "
                "--rebuild`"
            ) from exc
        self._readers[version] = (client, fd)
        return IndexView(version, collections, filtered=False)

    def close_view(self, version: int) -> None:
        client, fd = self._readers.pop(version, (None, None))
        if client is not None:
            with suppress(Exception):
                client.close()
        if fd is not None:
            os.close(fd)  # releases the shared lock

    def begin(self, rebuild: bool, batch_size: int | None) -> Transaction:
        current = self.committed()
        version = current + 1
        target = self.folder(version)
        shutil.rmtree(target, ignore_errors=True)  # left by a writer that never committed
        target.mkdir(parents=True)
        if current and not rebuild:
            _copy_chroma(self.folder(current), target)
        client = _persistent(target)
        self._writing = client
        collections = {k: _get_or_create(client, f"{self.name}_{k}") for k in _KINDS}
        return Transaction(version, collections, _batch(client, batch_size), private=True)

    def commit(self, txn: Transaction) -> None:
        self._close_writer()
        folder = self.folder(txn.version)
        (folder / ".readers").touch()
        _sync_dir(folder)
        first = self.committed() == 0
        tmp = self.root / "CURRENT.tmp"
        with tmp.open("w", encoding="ascii") as f:
            f.write(f"{txn.version}\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.root / "CURRENT")
        _sync_dir(self.root)
        self._collect(txn.version, legacy=first)

    def discard(self, txn: Transaction) -> None:
        self._close_writer()
        shutil.rmtree(self.folder(txn.version), ignore_errors=True)

    def _close_writer(self) -> None:
        client, self._writing = self._writing, None
        if client is not None:
            client.close()

    def _collect(self, current: int, legacy: bool) -> None:
        """Delete superseded folders that no reader holds (each is tried again at the next
        commit); at the first commit, an index left by an earlier release of the assistant."""
        for path in self.root.glob("v*"):
            if not (path.name[1:].isdigit() and int(path.name[1:]) < current):
                continue
            try:
                fd = os.open(path / ".readers", os.O_RDONLY)
            except FileNotFoundError:
                shutil.rmtree(path, ignore_errors=True)  # never committed
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(path, ignore_errors=True)
            except BlockingIOError:
                pass  # a reader is still on it
            finally:
                os.close(fd)
        if legacy:
            (self.root / "chroma.sqlite3").unlink(missing_ok=True)
            for path in self.root.iterdir():
                if path.is_dir() and _UUID_DIR.match(path.name):
                    shutil.rmtree(path, ignore_errors=True)


class _Server:
    """A pointer record holds the committed version; see the module docstring."""

    def __init__(self, client: Any, name: str, where: str, grace_s: float) -> None:
        self.client = client
        self.name = name
        self.where = where
        self.grace_s = grace_s
        self._pointer = _Guarded(where, lambda: _get_or_create(client, f"{name}_pointer"))
        self._generations: dict[int, dict[str, Any]] = {}
        self._begun: tuple[dict[str, Any], int] = ({}, 0)  # the pointer and generation written to

    def _read_pointer(self) -> dict[str, Any]:
        got = self._pointer.get(ids=["committed"], include=["metadatas"])
        metas = got["metadatas"] or []
        return dict(metas[0]) if metas else {}

    def committed(self) -> int:
        return int(self._read_pointer().get("version", 0))

    def open_view(self, version: int) -> IndexView | None:
        pointer = self._read_pointer()
        if int(pointer.get("version", 0)) != version:
            return None
        if version == 0:
            return IndexView(0, None, filtered=True)
        return IndexView(version, self._collections(int(pointer["generation"])), filtered=True)

    def close_view(self, version: int) -> None:
        pass

    def _collections(self, generation: int, create: bool = False) -> dict[str, Any]:
        if generation not in self._generations:
            client, name = self.client, self.name

            def getter(kind: str) -> Callable[[], Any]:
                full = f"{name}_g{generation}_{kind}"
                return lambda: (_get_or_create if create else _get)(client, full)

            self._generations[generation] = {k: _Guarded(self.where, getter(k)) for k in _KINDS}
        return self._generations[generation]

    def begin(self, rebuild: bool, batch_size: int | None) -> Transaction:
        pointer = self._read_pointer()
        current = int(pointer.get("version", 0))
        version = current + 1
        generation = int(pointer.get("generation", 0))
        if rebuild or not generation:
            generation = version
            self._drop_generation(generation)  # left by a rebuild that never committed
        collections = self._collections(generation, create=True)
        if generation != version:
            _roll_back(collections, current)
        self._begun = (pointer, generation)
        return Transaction(
            version, collections, _batch(self.client, batch_size, self.where), private=False
        )

    def commit(self, txn: Transaction) -> None:
        pointer, generation = self._begun
        now = time.time()
        history = json.loads(str(pointer.get("history", "[]")))
        retired = json.loads(str(pointer.get("retired", "[]")))
        old_generation = int(pointer.get("generation", 0))
        if old_generation and old_generation != generation:
            retired.append([old_generation, txn.version])
        # T: the newest version whose commit is older than the grace period. Records it (or an
        # earlier one) removed can no longer be read by anyone.
        settled = [v for v, at in history if at < now - self.grace_s]
        if settled:
            cutoff = max(settled)
            for collection in self._collections(generation).values():
                collection.delete(where={"v_to": {"$lte": cutoff}})
            for old, _ in [r for r in retired if r[1] <= cutoff]:
                self._drop_generation(old)
            retired = [r for r in retired if r[1] > cutoff]
            history = [h for h in history if h[0] > cutoff]
        if not pointer:
            self._drop_legacy()
        self._drop_strays(keep={generation, *(r[0] for r in retired)})
        history.append([txn.version, now])
        self._pointer.upsert(
            ids=["committed"],
            embeddings=[_UNIT],
            metadatas=[
                {
                    "version": txn.version,
                    "generation": generation,
                    "history": json.dumps(history),
                    "retired": json.dumps(retired),
                    "committed_at": utc_now(),
                }
            ],
        )

    def discard(self, txn: Transaction) -> None:
        """Left as it is: the next writer rolls it back before it starts."""

    def _drop_generation(self, generation: int) -> None:
        self._generations.pop(generation, None)
        for kind in _KINDS:
            with suppress(NotFoundError, ValueError):
                _retry(
                    self.where, self.client.delete_collection, f"{self.name}_g{generation}_{kind}"
                )

    def _drop_strays(self, keep: set[int]) -> None:
        """Generations no pointer names: left by rebuilds that never committed."""
        pattern = re.compile(rf"^{re.escape(self.name)}_g(\d+)_(?:chunks|sentences|docs)$")
        names = [getattr(c, "name", c) for c in _retry(self.where, self.client.list_collections)]
        found = {int(m[1]) for n in names if (m := pattern.match(str(n)))}
        for generation in found - keep:
            self._drop_generation(generation)

    def _drop_legacy(self) -> None:
        """The collections of an earlier release of the assistant (no pointer, no versions)."""
        for kind in _KINDS:
            with suppress(NotFoundError, ValueError):
                _retry(self.where, self.client.delete_collection, f"{self.name}_{kind}")


def _roll_back(collections: dict[str, Any], committed: int) -> None:
    """Undo what a writer that never committed left in the collections: records it added, and
    removals it marked."""
    for collection in collections.values():
        collection.delete(where={"v_from": {"$gt": committed}})
        marked = {"$and": [{"v_to": {"$gt": committed}}, {"v_to": {"$lt": NEVER}}]}
        ids = collection.get(where=marked, include=[])["ids"]
        if ids:
            collection.update(ids=ids, metadatas=[{"v_to": NEVER}] * len(ids))


# --- the store --------------------------------------------------------------------------


@dataclass
class _Open:
    view: IndexView
    users: int = 0


@dataclass
class ChromaStore:
    """The index as readers and the one writer see it. Reads go to the committed version,
    looked up on every call (`view()` pins one for several reads); writes go through
    `transaction()`. Thread-safe."""

    backend: _Backend
    name: str
    batch_size: int | None = None  # records per Chroma call, below the client's own limit
    _open: dict[int, _Open] = field(default_factory=dict)
    _current: int = -1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, config: StoreConfig) -> ChromaStore:
        if config.host:
            client = open_client(config)
            server = _Server(client, config.collection, config.where, config.grace_s)
            return cls(server, config.collection)
        assert config.index_dir is not None
        return cls(_Embedded(config.index_dir, config.collection), config.collection)

    @property
    def where(self) -> str:
        return self.backend.where

    # --- reading ---------------------------------------------------------------------
    @contextmanager
    def view(self) -> Iterator[IndexView]:
        """The committed version, held for the duration of the block: every read in it sees
        that one version, whatever a writer commits meanwhile."""
        entry = self._acquire()
        try:
            yield entry.view
        finally:
            with self._lock:
                entry.users -= 1
                self._close_idle()

    def _acquire(self) -> _Open:
        for _ in range(100):
            version = self.backend.committed()
            with self._lock:
                entry = self._open.get(version)
                if entry is None and (view := self.backend.open_view(version)) is not None:
                    entry = self._open[version] = _Open(view)
                if entry is not None:
                    self._current = max(self._current, version)
                    entry.users += 1
                    self._close_idle()
                    return entry
            time.sleep(0.01)  # superseded while we looked: read the pointer again
        raise StoreError(f"the index at {self.where} kept changing; try again")

    def _close_idle(self) -> None:
        """Close versions older than the newest one seen that no reader is using."""
        for version, entry in list(self._open.items()):
            if version < self._current and entry.users == 0:
                del self._open[version]
                self.backend.close_view(version)

    def version(self) -> int:
        return self.backend.committed()

    def documents(self) -> dict[str, DocRecord]:
        with self.view() as v:
            return v.documents()

    def chunk_count(self) -> int:
        with self.view() as v:
            return v.chunk_count()

    def query(
        self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks with cosine similarity (1 - distance)."""
        return self.query_many([vector], n, doc_ids)[0]

    def query_many(
        self, vectors: Sequence[np.ndarray], n: int, doc_ids: Sequence[str] | None = None
    ) -> list[list[tuple[Chunk, float]]]:
        with self.view() as v:
            return v.query_many(vectors, n, doc_ids)

    def iter_chunks(self) -> Iterator[Chunk]:
        with self.view() as v:
            yield from v.iter_chunks()

    def sentence_vectors(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]:
        with self.view() as v:
            return v.sentence_vectors(chunk_ids)

    # --- writing ---------------------------------------------------------------------
    @contextmanager
    def transaction(self, rebuild: bool = False) -> Iterator[Transaction]:
        """The next version, committed when the block ends normally and discarded if it
        raises. The caller holds the writer's lock (indexing.Indexer): one writer at a time.
        rebuild: start from an empty index instead of the committed one."""
        txn = self.backend.begin(rebuild, self.batch_size)
        try:
            yield txn
        except BaseException:
            self.backend.discard(txn)
            raise
        self.backend.commit(txn)


# --- Chroma clients ----------------------------------------------------------------------


def open_client(config: StoreConfig) -> Any:
    """A client for the Chroma server of config."""
    where = config.where
    headers = {"Authorization": f"Bearer {config.token}"} if config.token else None

    def connect() -> Any:
        return chromadb.HttpClient(
            host=config.host or "",
            port=config.port,
            ssl=config.ssl,
            headers=headers,
            settings=_chroma_settings(),
        )

    try:
        client = _retry(where, connect)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(
            f"cannot open the Chroma index at {where} ({_detail(exc)}); check "
            "ASSISTANT_CHROMA_HOST, ASSISTANT_CHROMA_PORT and ASSISTANT_CHROMA_TOKEN"
        ) from exc
    _set_timeout(client)
    return client


def _chroma_settings() -> ChromaSettings:
    """A new object each time: chromadb's clients write their own fields into it."""
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def _persistent(folder: Path) -> Any:
    try:
        return chromadb.PersistentClient(path=str(folder), settings=_chroma_settings())
    except Exception as exc:
        raise StoreError(
            f"cannot open the Chroma index at {folder} ({_detail(exc)}); check ASSISTANT_INDEX_DIR"
        ) from exc


def _get(client: Any, name: str) -> Any:
    return client.get_collection(name, embedding_function=None)


def _get_or_create(client: Any, name: str) -> Any:
    return client.get_or_create_collection(name, configuration=_HNSW, embedding_function=None)


def _batch(client: Any, wanted: int | None, where: str = "the index") -> int:
    limit = int(_retry(where, client.get_max_batch_size))
    return max(1, min(limit, wanted) if wanted else limit)


def _copy_chroma(source: Path, target: Path) -> None:
    """A consistent copy of a committed Chroma folder: SQLite through its backup API (a
    reader may be writing its bookkeeping row), the vector index files as they are (only a
    writer changes them, and the committed folder has none)."""
    for path in source.iterdir():
        if path.is_dir():
            shutil.copytree(path, target / path.name)
    src = sqlite3.connect(f"file:{source / 'chroma.sqlite3'}?mode=ro", uri=True)
    dst = sqlite3.connect(target / "chroma.sqlite3")
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Guarded:
    """A Chroma server collection whose calls survive a server restart: every method call
    goes through `_retry`. The collection is looked up on first use."""

    def __init__(self, where: str, get: Callable[[], Any]) -> None:
        self._where = where
        self._get = get
        self._target: Any = None

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self._target is None:
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
        "chunk_id": c.id,
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


def _chunk(text: str, meta: dict[str, Any]) -> Chunk:
    start = int(meta["start"])
    sentences = decode_units(str(meta["sentences"]), text, start)
    page = int(meta["page"])
    return Chunk(
        id=str(meta["chunk_id"]),
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


def _doc_meta(r: DocRecord) -> dict[str, Any]:
    return {
        "doc_id": r.doc_id,
        "title": r.title,
        "date": r.date,
        "sha256": r.sha256,
        "chunks": r.chunks,
        "indexed_at": r.indexed_at,
    }


def _record(meta: dict[str, Any]) -> DocRecord:
    return DocRecord(
        str(meta["doc_id"]),
        str(meta["title"]),
        str(meta["date"]),
        str(meta["sha256"]),
        int(meta["chunks"]),
        str(meta["indexed_at"]),
    )


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")

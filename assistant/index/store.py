"""The store (with index/backends, view, clients and schema, the only modules that import
chromadb): a versioned index that readers in any number of
processes share with one writer (docs/deployment.md, Readers and writers).

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

Every server call goes through `Guarded`: connection errors (a restart, a network blip) are
retried with backoff for about five seconds, then raised as a one-line StoreError.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from assistant.index.backends import Backend, Embedded, Server
from assistant.index.clients import StoreConfig, StoreError, open_client
from assistant.index.view import IndexView, Transaction
from assistant.types import Chunk, DocRecord

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

    backend: Backend
    name: str
    batch_size: int | None = None  # records per Chroma call, below the client's own limit
    _open: dict[int, _Open] = field(default_factory=dict)
    _current: int = -1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, config: StoreConfig) -> ChromaStore:
        if config.host:
            client = open_client(config)
            server = Server(client, config.collection, config.where, config.grace_s)
            return cls(server, config.collection)
        assert config.index_dir is not None
        return cls(Embedded(config.index_dir, config.collection), config.collection)

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

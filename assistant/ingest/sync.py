"""Sync corpus/ into the store by content hash, under a lock; add and remove documents.

Every change is one store transaction: readers (this process or any other) keep answering from
the committed version until the new one is complete, then switch to it."""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from assistant.errors import UserError
from assistant.index.embedding import Embedder, Progress
from assistant.index.schema import utc_now
from assistant.index.store import ChromaStore
from assistant.index.view import Transaction
from assistant.ingest.chunking import ChunkingConfig, SentenceSplitter, TokenCounter, chunk_document
from assistant.ingest.files import (
    SIDECAR_SUFFIX,
    SUPPORTED_SUFFIXES,
    CorpusError,
    Parser,
    list_corpus,
    load_files,
    safe_name,
    sidecar_path,
    validate_file,
)
from assistant.types import Chunk, DocRecord, FileError, SourceDoc, SyncReport
from assistant.units import unit_display

Prepared = tuple[SourceDoc, list[Chunk]]
_BATCH_CHUNKS = 256  # documents are embedded and written in groups of about this many chunks


class IndexBusyError(UserError, RuntimeError):
    pass


@dataclass(frozen=True)
class Chunker:
    config: ChunkingConfig
    count: TokenCounter
    split: SentenceSplitter

    def __call__(self, doc: SourceDoc) -> list[Chunk]:
        return chunk_document(doc, self.config, self.count, self.split)


class Indexer:
    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        chunker: Chunker,
        corpus_dir: Path,
        lock_path: Path,
        max_file_bytes: int,
        parse: Parser,
        lock_timeout_s: float = 0.0,
    ) -> None:
        if not corpus_dir.is_dir():
            raise FileNotFoundError(
                f"corpus folder {corpus_dir} does not exist; create it or set ASSISTANT_CORPUS_DIR"
            )
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.corpus_dir = corpus_dir
        self.max_file_bytes = max_file_bytes
        self.parse = parse  # bounded in time and memory (ingest.worker.CachedParser)
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(lock_path))
        self._lock_timeout = lock_timeout_s

    def sync(
        self, rebuild: bool = False, progress: Progress | None = None, wait_s: float = 0.0
    ) -> SyncReport:
        """wait_s: how long to wait for another writer to finish before IndexBusyError."""
        with self._locked(wait_s):
            return self._sync(rebuild, progress)

    def add_files(
        self, paths: Sequence[Path], progress: Progress | None = None
    ) -> tuple[SyncReport, list[FileError]]:
        """Validate each file, copy the good ones into the corpus, then sync. A rejected file
        is never left in the corpus."""
        with self._locked():
            copied: list[Path] = []
            rejected: list[FileError] = []
            for source in paths:
                outcome = self._copy_in(source)
                if isinstance(outcome, FileError):
                    rejected.append(outcome)
                else:
                    copied.append(outcome)
            try:
                return self._sync(False, progress), rejected
            except BaseException:  # not indexed, so not left in the corpus either
                for path in copied:
                    path.unlink(missing_ok=True)
                raise

    def remove(self, doc_id: str) -> bool:
        """Delete a document from the corpus folder and the index; False if unknown."""
        path = self._document_path(doc_id)
        with self._locked():
            known = doc_id in self.store.documents()
            if not known and not (path.is_symlink() or path.is_file()):
                return False
            for p in (path, sidecar_path(path)):
                if p is not None:
                    p.unlink(missing_ok=True)  # a link itself, never what it points to
            if known:
                with self.store.transaction() as txn:
                    txn.delete_document(doc_id)
            return True

    # --- internals -------------------------------------------------------------------
    @contextmanager
    def _locked(self, wait_s: float = 0.0) -> Iterator[None]:
        try:
            self._lock.acquire(timeout=max(wait_s, self._lock_timeout))
        except Timeout:
            raise IndexBusyError(
                "another ingestion is running on this index; wait for it to finish and retry"
            ) from None
        try:
            yield
        finally:
            self._lock.release()

    def _sync(self, rebuild: bool, progress: Progress | None) -> SyncReport:
        started = time.perf_counter()
        files, unreadable = list_corpus(self.corpus_dir, max_bytes=self.max_file_bytes)
        indexed = {} if rebuild else self.store.documents()
        changed = [f for f in files if indexed.get(f.id, _NONE).sha256 != f.sha256]
        todo, failed = load_files(
            changed, self.corpus_dir, max_bytes=self.max_file_bytes, parse=self.parse
        )
        unchanged = {f.id for f in files} - {f.id for f in changed}
        current = unchanged | {d.id for d in todo}
        removed = sorted(set(indexed) - current)
        embedded = 0
        if todo or removed or rebuild:
            with self.store.transaction(rebuild) as txn:
                for doc_id in removed:
                    txn.delete_document(doc_id)
                embedded = self._index(txn, todo, set(indexed), progress)
        return SyncReport(
            added=tuple(d.id for d in todo if d.id not in indexed),
            updated=tuple(d.id for d in todo if d.id in indexed),
            removed=tuple(removed),
            unchanged=tuple(sorted(unchanged)),
            failed=tuple(sorted(unreadable + failed, key=lambda e: e.path)),
            chunks_embedded=embedded,
            seconds=time.perf_counter() - started,
        )

    def _index(
        self,
        txn: Transaction,
        docs: list[SourceDoc],
        indexed: set[str],
        progress: Progress | None,
    ) -> int:
        batches = _batches([(d, self.chunker(d)) for d in docs])
        total = sum(len(c) for _, c in (p for b in batches for p in b))
        done = 0
        if progress and total:
            progress(0, total)
        for batch in batches:
            self._write(txn, batch, indexed)
            done += sum(len(c) for _, c in batch)
            if progress:
                progress(done, total)
        return total

    def _write(self, txn: Transaction, batch: list[Prepared], indexed: set[str]) -> None:
        chunks = [c for _, cs in batch for c in cs]
        unique = list(dict.fromkeys(unit_display(s) for c in chunks for s in c.sentences))
        vecs = self.embedder.encode(unique + [c.in_context for c in chunks])
        sent_vecs, chunk_vecs = vecs[: len(unique)], vecs[len(unique) :]
        where = {t: k for k, t in enumerate(unique)}
        for doc, _ in batch:
            if doc.id in indexed:
                txn.delete_document(doc.id)
        txn.mark_pending([(doc.id, doc.title, doc.date) for doc, _ in batch])
        rows = [(c, i) for c in chunks for i in range(len(c.sentences))]
        keys = [where[unit_display(c.sentences[i])] for c, i in rows]
        txn.add_sentences(rows, sent_vecs[keys])
        txn.add_chunks(chunks, chunk_vecs)
        now = utc_now()
        txn.finish_documents(
            [DocRecord(d.id, d.title, d.date, d.sha256, len(cs), now) for d, cs in batch]
        )

    def _copy_in(self, source: Path) -> Path | FileError:
        """The file's place in the corpus once copied there, or why it was refused."""
        try:
            name = safe_name(source.name)
            dest = self.corpus_dir / name
            if dest.exists():
                raise CorpusError(
                    f"a document named {name} is already in the corpus; remove it first or "
                    "rename the file"
                )
            validate_file(source, max_bytes=self.max_file_bytes, parse=self.parse)
            tmp = dest.with_name(f".{name}.uploading")
            shutil.copyfile(source, tmp)
            os.replace(tmp, dest)
        except CorpusError as exc:
            return FileError(source.name, str(exc).splitlines()[0] if str(exc) else repr(exc))
        except OSError as exc:  # its message would repeat the whole path
            return FileError(source.name, _os_problem(exc))
        return dest

    def _document_path(self, doc_id: str) -> Path:
        """The file of a document id (a path inside the corpus, as `docs list` shows it);
        anything else, a metadata sidecar included, is refused."""
        parts = doc_id.split("/")
        if doc_id.endswith(SIDECAR_SUFFIX):
            document = doc_id[: -len(SIDECAR_SUFFIX)]
            raise DocumentIdError(
                f"{_shown(doc_id)} is a metadata sidecar, not a document; remove "
                f"{_shown(document)} to remove the document and its sidecar"
            )
        plain = all(
            p and not p.startswith(".") and p.isprintable() and len(p.encode()) <= 255
            for p in parts
        )
        suffix = Path(doc_id).suffix.lower()
        # the folder is resolved, not the file: a link in the corpus is removed itself
        path = (self.corpus_dir / doc_id).parent.resolve() / parts[-1]
        corpus = self.corpus_dir.resolve()
        if (
            not plain
            or "\\" in doc_id
            or suffix not in SUPPORTED_SUFFIXES
            or corpus not in path.parents
        ):
            raise DocumentIdError(
                f"{_shown(doc_id)} is not a document id; use one that `assistant docs list` "
                "shows (a file inside the corpus folder)"
            )
        return path


def _os_problem(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "the file name is too long to read; rename the file with a shorter name"
    return f"cannot read the file ({exc.strerror or type(exc).__name__})"


class DocumentIdError(UserError, ValueError):
    """docs remove was given something that is not a document id."""


def _shown(text: str, limit: int = 80) -> str:
    """A user's string in a one-line message: quoted, control characters escaped, cut."""
    quoted = repr(text)
    return quoted if len(quoted) <= limit else quoted[: limit - 4] + "...'"


_NONE = DocRecord("", "", "", "", 0, "")


def _batches(
    items: list[tuple[SourceDoc, list[Chunk]]],
) -> list[list[tuple[SourceDoc, list[Chunk]]]]:
    batches: list[list[tuple[SourceDoc, list[Chunk]]]] = []
    size = _BATCH_CHUNKS
    for item in items:
        if size >= _BATCH_CHUNKS:
            batches.append([])
            size = 0
        batches[-1].append(item)
        size += len(item[1])
    return batches

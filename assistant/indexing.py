"""Sync corpus/ into the store by content hash, under a lock; add and remove documents."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from assistant.chunking import ChunkingConfig, SentenceSplitter, TokenCounter, chunk_document
from assistant.corpus import CorpusError, list_corpus, load_files, safe_name, validate_file
from assistant.embedding import Embedder, Progress
from assistant.parse_worker import ParseLimits, ParseWorker
from assistant.store import ChromaStore, utc_now
from assistant.types import Chunk, DocRecord, FileError, SourceDoc, SyncReport
from assistant.units import unit_display

Prepared = tuple[SourceDoc, list[Chunk]]
_BATCH_CHUNKS = 256  # documents are embedded and written in groups of about this many chunks


class IndexBusyError(RuntimeError):
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
        parse_limits: ParseLimits,
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
        self.parse_limits = parse_limits
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(lock_path))
        self._lock_timeout = lock_timeout_s

    def sync(self, rebuild: bool = False, progress: Progress | None = None) -> SyncReport:
        with self._locked():
            return self._sync(rebuild, progress)

    def add_files(
        self, paths: Sequence[Path], progress: Progress | None = None
    ) -> tuple[SyncReport, list[FileError]]:
        """Validate each file, copy the good ones into the corpus, then sync. A rejected file
        is never left in the corpus."""
        with self._locked():
            with ParseWorker(self.parse_limits) as parse:
                rejected = [e for p in paths if (e := self._copy_in(p, parse)) is not None]
            return self._sync(False, progress), rejected

    def remove(self, doc_id: str) -> bool:
        """Delete a document from the corpus folder and the index; False if unknown."""
        with self._locked():
            path = self._corpus_path(doc_id)
            known = doc_id in self.store.documents()
            if not known and not path.is_file():
                return False
            for p in (path, path.with_name(path.name + ".meta.yaml")):
                p.unlink(missing_ok=True)
            self.store.delete_document(doc_id)
            self.store.bump_version()
            return True

    # --- internals -------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self._lock.acquire(timeout=self._lock_timeout)
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
        if rebuild:
            self.store.reset()
        files, unreadable = list_corpus(self.corpus_dir, max_bytes=self.max_file_bytes)
        indexed = self.store.documents()
        changed = [f for f in files if indexed.get(f.id, _NONE).sha256 != f.sha256]
        with ParseWorker(self.parse_limits) as parse:
            todo, failed = load_files(
                changed, self.corpus_dir, max_bytes=self.max_file_bytes, parse=parse
            )
        unchanged = {f.id for f in files} - {f.id for f in changed}
        current = unchanged | {d.id for d in todo}
        removed = sorted(set(indexed) - current)
        for doc_id in removed:
            self.store.delete_document(doc_id)
        embedded = self._index(todo, set(indexed), progress)
        if todo or removed:
            self.store.bump_version()
        return SyncReport(
            added=tuple(d.id for d in todo if d.id not in indexed),
            updated=tuple(d.id for d in todo if d.id in indexed),
            removed=tuple(removed),
            unchanged=tuple(sorted(unchanged)),
            failed=tuple(sorted(unreadable + failed, key=lambda e: e.path)),
            chunks_embedded=embedded,
            seconds=time.perf_counter() - started,
        )

    def _index(self, docs: list[SourceDoc], indexed: set[str], progress: Progress | None) -> int:
        batches = _batches([(d, self.chunker(d)) for d in docs])
        total = sum(len(c) for _, c in (p for b in batches for p in b))
        done = 0
        if progress and total:
            progress(0, total)
        for batch in batches:
            self._write(batch, indexed)
            done += sum(len(c) for _, c in batch)
            if progress:
                progress(done, total)
        return total

    def _write(self, batch: list[Prepared], indexed: set[str]) -> None:
        chunks = [c for _, cs in batch for c in cs]
        unique = list(dict.fromkeys(unit_display(s) for c in chunks for s in c.sentences))
        sent_vecs = self.embedder.encode(unique)
        where = {t: k for k, t in enumerate(unique)}
        chunk_vecs = _mean_vectors(chunks, sent_vecs, where)
        for doc, _ in batch:
            if doc.id in indexed:
                self.store.delete_document(doc.id)
        self.store.mark_pending([(doc.id, doc.title, doc.date) for doc, _ in batch])
        rows = [(c, i) for c in chunks for i in range(len(c.sentences))]
        self.store.add_chunks(chunks, chunk_vecs)
        keys = [where[unit_display(c.sentences[i])] for c, i in rows]
        self.store.add_sentences(rows, sent_vecs[keys])
        now = utc_now()
        self.store.finish_documents(
            [DocRecord(d.id, d.title, d.date, d.sha256, len(cs), now) for d, cs in batch]
        )

    def _copy_in(self, source: Path, parse: ParseWorker) -> FileError | None:
        try:
            name = safe_name(source.name)
            dest = self.corpus_dir / name
            if dest.exists():
                raise CorpusError(
                    f"a document named {name} is already in the corpus; remove it first or "
                    "rename the file"
                )
            validate_file(source, max_bytes=self.max_file_bytes, parse=parse)
            tmp = dest.with_name(f".{name}.uploading")
            shutil.copyfile(source, tmp)
            os.replace(tmp, dest)
        except (CorpusError, OSError) as exc:
            return FileError(source.name, str(exc).splitlines()[0] if str(exc) else repr(exc))
        return None

    def _corpus_path(self, doc_id: str) -> Path:
        path = (self.corpus_dir / doc_id).resolve()
        if self.corpus_dir.resolve() not in path.parents:
            raise ValueError(f"{doc_id!r} is not a document id inside the corpus")
        return path


_NONE = DocRecord("", "", "", "", 0, "")


def _mean_vectors(chunks: list[Chunk], sent_vecs: np.ndarray, where: dict[str, int]) -> np.ndarray:
    """A chunk's vector is the normalised mean of its sentences' vectors: one encoding pass
    serves both collections, and on the evaluation set it retrieves as well as encoding the
    chunk text (see README, Chunk vectors)."""
    vecs = np.stack(
        [sent_vecs[[where[unit_display(s)] for s in c.sentences]].mean(axis=0) for c in chunks]
    )
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return (vecs / np.maximum(norms, 1e-12)).astype(np.float32)


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

"""build_assistant(settings): the one place objects are constructed and wired."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.base import Answerer
from assistant.answer.composer import ComposerConfig, OfflineComposer
from assistant.answer.reader import Reader, bundled_reader
from assistant.chain import AnswerChain, QuestionError
from assistant.config import Settings
from assistant.documents import DocumentFile, DocumentView, document_file, document_view
from assistant.history import recent
from assistant.index.clients import StoreConfig
from assistant.index.embedding import Embedder, Progress
from assistant.index.store import ChromaStore
from assistant.ingest.aliases import corpus_aliases
from assistant.ingest.chunking import ChunkingConfig, pysbd_splitter, tiktoken_counter
from assistant.ingest.sync import Chunker, Indexer
from assistant.ingest.worker import CachedParser, ParseLimits
from assistant.inputs import check, normalised
from assistant.redact import redact_urls
from assistant.retrieve.hybrid import HybridRetriever
from assistant.types import Answer, DocRecord, FileError, SyncReport, Turn


@dataclass
class Assistant:
    """The assembled assistant: what the CLI, the web app and the evals use."""

    settings: Settings
    store: ChromaStore
    embedder: Embedder
    indexer: Indexer
    retriever: HybridRetriever
    chain: AnswerChain
    parser: CachedParser  # every parse: bounded in time and memory, cached by content hash

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        k: int | None = None,
        doc_ids: Sequence[str] | None = None,
    ) -> Answer:
        return self.chain.ask(_text(question), self._recent(history), k, _doc_ids(doc_ids))

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        k: int | None = None,
        doc_ids: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        return self.chain.stream(_text(question), self._recent(history), k, _doc_ids(doc_ids))

    def answers_offline(self, question: str) -> bool:
        """Whether the offline composer answers this question (no language model called)."""
        return self.chain.answers_offline(question)

    def _recent(self, history: Sequence[Turn]) -> list[Turn]:
        """The turns a question is asked with: the most recent that fit the history limits
        (a history from outside is checked, and refused when over them, by
        history.parse_history first)."""
        turns = [
            Turn(t.role, normalised(t.content, f"Turn {i} of the history", QuestionError))
            for i, t in enumerate(history)
        ]
        return recent(turns, self.settings.history_limits)

    def sync(
        self, rebuild: bool = False, progress: Progress | None = None, wait_s: float = 0.0
    ) -> SyncReport:
        return self.indexer.sync(rebuild, progress, wait_s)

    def add_files(
        self, paths: Sequence[Path], progress: Progress | None = None
    ) -> tuple[SyncReport, list[FileError]]:
        return self.indexer.add_files(paths, progress)

    def remove(self, doc_id: str) -> bool:
        return self.indexer.remove(doc_id)

    def documents(self) -> list[DocRecord]:
        return sorted(self.store.documents().values(), key=lambda r: r.doc_id)

    def document_file(self, doc_id: str) -> DocumentFile:
        """The original file of an indexed document, by id only (DocumentNotFoundError)."""
        return document_file(self.settings.corpus_dir, doc_id, self.store.documents())

    def document(self, doc_id: str) -> DocumentView:
        """An indexed document's text and metadata, for a viewer (DocumentNotFoundError)."""
        indexed = self.store.documents()
        return document_view(
            self.settings.corpus_dir,
            doc_id,
            indexed,
            max_bytes=self.settings.max_file_bytes,
            parse=self.parser,
        )

    @property
    def answerer_name(self) -> str:
        s = self.settings
        if not s.uses_llm:
            return "offline composer"
        return f"LLM {s.llm_model} at {redact_urls(s.llm_base_url or '')}"


def _text(question: object) -> str:
    """The question, if it is text (an API caller can send a number or a list)."""
    if question is None:
        return ""
    if not isinstance(question, str):
        raise QuestionError(f"The question must be text, not a {type(question).__name__}.")
    return normalised(question, "The question", QuestionError)


def _doc_ids(doc_ids: Sequence[str] | None) -> Sequence[str] | None:
    """Document ids as given (they name files, so they are not normalised), if valid text."""
    if doc_ids is None:
        return None
    return [check(d, f"Document id {i}", QuestionError) for i, d in enumerate(doc_ids)]


def store_config(settings: Settings) -> StoreConfig:
    token = settings.chroma_token.get_secret_value() if settings.chroma_token else None
    return StoreConfig(
        collection=settings.collection,
        index_dir=None if settings.chroma_host else settings.index_dir,
        host=settings.chroma_host,
        port=settings.chroma_port,
        ssl=settings.chroma_ssl,
        token=token,
    )


def build_assistant(settings: Settings, embedder: Embedder | None = None) -> Assistant:
    """Wire every part from settings. An embedder may be shared (tests, evals)."""
    store = ChromaStore.open(store_config(settings))
    embedder = embedder or Embedder(settings.embedding_model, settings.embedding_batch_size)
    chunker = Chunker(
        ChunkingConfig(settings.chunk_tokens, settings.chunk_overlap_tokens),
        tiktoken_counter(),
        pysbd_splitter(),
    )
    parser = CachedParser(ParseLimits(settings.parse_timeout_s, settings.parse_memory_mb))
    lock_dir = settings.data_dir if settings.chroma_host else settings.index_dir
    indexer = Indexer(
        store,
        embedder,
        chunker,
        settings.corpus_dir,
        lock_dir / ".ingest.lock",
        settings.max_file_bytes,
        parser,
    )
    retriever = HybridRetriever(store, embedder, settings.k)
    folder = bundled_reader() if settings.reader else None
    composer = OfflineComposer(
        ComposerConfig(
            refusal_threshold=settings.refusal_threshold,
            max_sentences=settings.max_answer_sentences,
            max_list_sentences=settings.max_list_sentences,
            reader_candidates=settings.reader_candidates,
            reader_threshold=settings.reader_threshold,
        ),
        Reader(folder) if folder is not None else None,
    )
    answerer: Answerer = composer
    if settings.uses_llm:
        from assistant.answer.llm import LLMAnswerer

        answerer = LLMAnswerer.from_settings(settings)
    aliases = corpus_aliases(settings.corpus_dir)
    chain = AnswerChain(retriever, answerer, composer, settings.max_question_chars, aliases)
    return Assistant(settings, store, embedder, indexer, retriever, chain, parser)

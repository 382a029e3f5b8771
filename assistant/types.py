"""The data that crosses module boundaries: frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Block:
    """A span of a document's text whose structure says how to read it: a heading, a list
    item, a table row, a FAQ question or answer ... (assistant/units.py names the kinds).
    context is what a reader needs besides the span itself: a list item's lead-in, a table
    row's caption, a FAQ answer's question."""

    start: int
    end: int
    kind: str
    context: str = ""


@dataclass(frozen=True)
class SourceDoc:
    """One document of the corpus, as loaded from disk."""

    id: str  # path inside corpus/, with forward slashes
    path: str  # absolute path on disk
    title: str
    date: str  # ISO date or ""
    text: str
    sha256: str  # of the loaders' version, the file's bytes and its metadata sidecar
    pages: tuple[tuple[int, int, int], ...] = ()  # (page number, start, end) spans in text
    sections: tuple[tuple[int, str], ...] = ()  # (start offset, section path) in text order
    meta: dict[str, str] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()  # structure spans in text order, not overlapping


@dataclass(frozen=True)
class Sentence:
    """An answer unit inside a document: its text is exactly text[start:end] of the document.
    kind says what it is ("sentence", "heading", "list_item", "table_row", "faq_answer" ...;
    see assistant/units.py) and context what it needs besides its text (a lead-in, a table's
    caption, a FAQ question); neither is part of the text a citation quotes."""

    start: int
    end: int
    text: str
    kind: str = "sentence"
    context: str = ""


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one document, sized in tokens."""

    id: str
    doc_id: str
    ordinal: int
    text: str
    start: int  # character span in the document's text
    end: int
    title: str = ""
    date: str = ""
    section: str = ""
    page: int | None = None
    sentences: tuple[Sentence, ...] = ()

    @property
    def in_context(self) -> str:
        """The text preceded by its document's title and section path: what the chunk is
        embedded and BM25-indexed as, so a question's words for where a fact sits count."""
        return " ".join(filter(None, [self.title, self.section, self.text]))


@dataclass(frozen=True)
class Hit:
    """A chunk returned by retrieval, with its fused score and 1-based rank."""

    chunk: Chunk
    score: float
    rank: int
    dense_score: float | None = None
    lexical_score: float | None = None


@dataclass(frozen=True)
class Citation:
    """A numbered source: the verbatim quote inside the cited chunk and its span in the document."""

    n: int
    chunk_id: str
    doc_id: str
    title: str
    date: str
    section: str
    page: int | None
    quote: str
    start: int  # span of the quote in the document's text
    end: int


@dataclass(frozen=True)
class RemovedSentence:
    """A sentence of a draft that is not shown, and why (one line for the user)."""

    sentence: str  # as written, without its citation markers
    reason: str


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    content: str


@dataclass(frozen=True)
class Answer:
    """What every surface (CLI, web, evals) renders and scores."""

    question: str
    query: str
    text: str
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    refused: bool
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per stage
    answerer: str = "offline"
    notice: str = ""  # one line for the user, e.g. the LLM failed and the offline answer is shown
    removed: tuple[RemovedSentence, ...] = ()  # draft sentences not shown, each with its reason
    refusal_reason: str = ""  # the named check that refused (empty when answered)

    @property
    def unsupported(self) -> tuple[str, ...]:
        """The removed sentences' text (what `unsupported` held before reasons were kept)."""
        return tuple(r.sentence for r in self.removed)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["unsupported"] = list(self.unsupported)
        data["hits"] = [
            {
                "chunk_id": h.chunk.id,
                "doc_id": h.chunk.doc_id,
                "title": h.chunk.title,
                "date": h.chunk.date,
                "section": h.chunk.section,
                "page": h.chunk.page,
                "text": h.chunk.text,
                "start": h.chunk.start,
                "end": h.chunk.end,
                "score": h.score,
                "rank": h.rank,
                "dense_score": h.dense_score,
                "lexical_score": h.lexical_score,
            }
            for h in self.hits
        ]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The answer `to_dict` wrote (a hit's chunk comes back without its sentences)."""
        hits = tuple(
            Hit(
                Chunk(
                    id=h["chunk_id"],
                    doc_id=h["doc_id"],
                    ordinal=0,
                    text=h["text"],
                    start=h["start"],
                    end=h["end"],
                    title=h.get("title", ""),
                    date=h.get("date", ""),
                    section=h.get("section", ""),
                    page=h.get("page"),
                ),
                score=h["score"],
                rank=h["rank"],
                dense_score=h.get("dense_score"),
                lexical_score=h.get("lexical_score"),
            )
            for h in data.get("hits", ())
        )
        return cls(
            question=data["question"],
            query=data["query"],
            text=data["text"],
            citations=tuple(Citation(**c) for c in data.get("citations", ())),
            hits=hits,
            refused=bool(data["refused"]),
            timings=dict(data.get("timings", {})),
            answerer=data.get("answerer", "offline"),
            notice=data.get("notice", ""),
            removed=_removed(data),
            refusal_reason=data.get("refusal_reason", ""),
        )


def _removed(data: dict[str, Any]) -> tuple[RemovedSentence, ...]:
    """An answer's removed sentences; one written before reasons were kept has only texts."""
    if "removed" in data:
        return tuple(RemovedSentence(**r) for r in data["removed"])
    return tuple(RemovedSentence(s, "") for s in data.get("unsupported", ()))


@dataclass(frozen=True)
class DocRecord:
    """What the index knows about one document."""

    doc_id: str
    title: str
    date: str
    sha256: str
    chunks: int
    indexed_at: str


@dataclass(frozen=True)
class FileError:
    """A file that could not be loaded, and why, in one line."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class SyncReport:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    failed: tuple[FileError, ...] = ()
    chunks_embedded: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        head = (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged documents; {self.chunks_embedded} chunks embedded"
        )
        tail = f" in {self.seconds:.1f}s"
        if self.failed:
            tail += f"; {len(self.failed)} file(s) failed"
        if not self.changed and not self.failed:
            return f"Index is up to date: nothing to do ({len(self.unchanged)} documents){tail}."
        return head + tail + "."

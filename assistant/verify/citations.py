"""Citation verification: a draft in, what may be shown out. Pure functions, no I/O.

Each sentence is judged against the passages it cites (assistant/verify/judge.py): kept with
the markers that contribute to its support, each pointing at a verbatim quote (a run of
adjacent sentences of its passage, or the document's record), or removed with a reason the
user can read. Honest notes ("the passages do not say ...") are kept without a citation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.types import Chunk, Citation, RemovedSentence, Sentence
from assistant.verify.evidence import Span
from assistant.verify.judge import Context, Judgement, judge
from assistant.verify.record import about_record, document_record, record_citation
from assistant.verify.sentences import (
    MARKER,
    AnswerSentence,
    markers,
    read_answer,
    split_answer,
    strip_markers,
)
from assistant.verify.support import LexicalSupport, SupportScorer
from assistant.verify.terms import all_terms, key_terms

__all__ = [
    "MARKER",
    "Verified",
    "document_record",
    "find_quote",
    "key_terms",
    "markers",
    "split_answer",
    "strip_markers",
    "supports",
    "verify",
]


@dataclass(frozen=True)
class Verified:
    text: str  # answer text with markers renumbered 1..n in order of first use
    citations: tuple[Citation, ...]
    removed: tuple[RemovedSentence, ...]  # sentences not shown, with why
    flagged: bool  # some marker pointed nowhere or did not support its sentence
    notes: tuple[str, ...] = ()  # sentences kept as notes ("the passages do not say ...")

    @property
    def unsupported(self) -> tuple[str, ...]:
        return tuple(r.sentence for r in self.removed)


def verify(
    text: str,
    passages: Sequence[Chunk],
    question: str = "",
    scorer: SupportScorer | None = None,
) -> Verified:
    """Judge every sentence of text against passages ([n] is passages[n-1]); keep the
    supported ones with their contributing markers renumbered, the notes without markers."""
    ctx = Context(tuple(passages), question, scorer or LexicalSupport())
    shown: list[str] = []
    removed: list[RemovedSentence] = []
    notes: list[str] = []
    numbering = _Numbering()
    flagged = False
    for sentence in read_answer(text):
        verdict = _judge(sentence, ctx, numbering)
        flagged = flagged or bool(verdict.dropped)
        if verdict.note:
            notes.append(sentence.claim)
            shown.append(sentence.claim)
        elif verdict.support:
            refs = dict.fromkeys(
                numbering.number(ctx.passages[n - 1], s) for n, s in verdict.support
            )
            shown.append(sentence.claim + "".join(f" [{r}]" for r in refs))
        else:
            removed.append(RemovedSentence(sentence.claim, verdict.reason))
    return Verified(_join(shown), numbering.citations(), tuple(removed), flagged, tuple(notes))


def supports(quote: str, claim: str, record: str = "") -> bool:
    """Every number and name of the claim is in the quote or the document's record."""
    return key_terms(strip_markers(claim)) <= all_terms(quote) | all_terms(record)


def find_quote(claim: str, chunk: Chunk, question: str = "") -> Sentence | None:
    """The run of the chunk's sentences that supports the claim alone, if any."""
    sentence = AnswerSentence(claim, strip_markers(claim), (1,))
    verdict = judge(sentence, Context((chunk,), question))
    if not verdict.support:
        return None
    span = verdict.support[0][1]
    return Sentence(span.start, span.end, span.text)


def _judge(sentence: AnswerSentence, ctx: Context, numbering: _Numbering) -> Judgement:
    """A claim about a cited document's record is supported by the record alone."""
    on_record = [
        n
        for n in sentence.markers
        if 1 <= n <= len(ctx.passages) and about_record(sentence.claim, ctx.passages[n - 1])
    ]
    if on_record:
        chunk = ctx.passages[on_record[0] - 1]
        record = Span(on_record[0] - 1, chunk.start, chunk.start, "", 0, record=True)
        dropped = tuple(n for n in sentence.markers if n != on_record[0])
        return Judgement(sentence, support=((on_record[0], record),), dropped=dropped)
    return judge(sentence, ctx)


class _Numbering:
    """Numbers 1..n in order of first use, one per distinct quote."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, int, int], Citation] = {}

    def number(self, chunk: Chunk, span: Span) -> int:
        key = (chunk.id, span.start, span.end)
        if key not in self._numbers:
            n = len(self._numbers) + 1
            self._numbers[key] = (
                record_citation(n, chunk) if span.record else _citation(n, chunk, span)
            )
        return self._numbers[key].n

    def citations(self) -> tuple[Citation, ...]:
        return tuple(self._numbers.values())


def _citation(n: int, chunk: Chunk, span: Span) -> Citation:
    return Citation(
        n=n,
        chunk_id=chunk.id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        date=chunk.date,
        section=chunk.section,
        page=chunk.page,
        quote=span.text,
        start=span.start,
        end=span.end,
    )


def _join(sentences: list[str]) -> str:
    """Sentences joined by a space; a list keeps its lines."""
    text, previous = "", ""
    for s in sentences:
        sep = "\n" if "\n" in s or "\n" in previous else " "
        text, previous = (f"{text}{sep}{s}" if text else s), s
    return text

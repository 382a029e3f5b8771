"""Judging one answer sentence against the passages it cites: pure functions.

A sentence is supported when the passages it cites, taken together, hold it: each cited
passage offers its best run of adjacent sentences (evidence.spans), every number and name of
the sentence must be in those runs, in the cited documents' records (title and date) or in the
question's own frame (its names and its time), and the runs must state the sentence's meaning
(support.SupportScorer, a lexical floor today). A supported sentence keeps the markers whose
passage contributes (it holds a name or number no other cited passage holds, or it supports
the sentence alone) and loses the others. An
honest note that the passages do not say something is kept, as a note and not a claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.types import Chunk
from assistant.verify.evidence import Span, spans
from assistant.verify.record import whereabouts
from assistant.verify.sentences import AnswerSentence, without_list_numerals
from assistant.verify.support import Claim, LexicalSupport, SupportScorer
from assistant.verify.terms import (
    all_terms,
    content_words,
    frame_terms,
    key_terms,
    offered_terms,
    written_terms,
)

NO_CITATION = "cites no passage"
NO_PASSAGE = "cites a passage it was not given"
INSTRUCTION = "repeats an instruction written inside a document, not a fact it states"
NOT_STATED = "not supported by its sources: the cited passages do not state it"

_NOTE = re.compile(
    r"\b(?:passages?|documents?|sources?|texts?|fact sheet|excerpts?|information provided)\b"
    r"[^.;]{0,120}?\b(?:do|does|did)\s*(?:not|n[o’']t)\s+(?:say|state|mention|specify|give|"
    r"provide|include|contain|indicate|list|name|cover|describe|detail|explain|address|"
    r"identify|report|show|break down|clarify)\b"
    r"|\b(?:is|are|was|were)\s+not\s+(?:mentioned|specified|stated|given|provided|listed|named|"
    r"covered|described|detailed|reported|identified)\s+in\s+the\s+(?:passages?|documents?|"
    r"sources?|texts?|fact sheet)\b"
    r"|\bno (?:information|details?|figures?|mention)\b[^.;]{0,40}\b(?:passages?|documents?|"
    r"sources?|given|provided)\b",
    re.I,
)


@dataclass(frozen=True)
class Context:
    """What every sentence of one answer is judged with."""

    passages: tuple[Chunk, ...]
    question: str = ""
    scorer: SupportScorer = field(default_factory=LexicalSupport)

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.passages]


@dataclass(frozen=True)
class Judgement:
    """The verdict on one sentence: its support (one span per contributing marker, in the
    sentence's order), or why it was removed; a note is kept without support."""

    sentence: AnswerSentence
    support: tuple[tuple[int, Span], ...] = ()  # (marker as written, its quote)
    dropped: tuple[int, ...] = ()  # markers that pointed nowhere or did not contribute
    reason: str = ""  # why it was removed ("" when kept)
    note: bool = False

    @property
    def kept(self) -> bool:
        return bool(self.support) or self.note


def is_note(claim: str) -> bool:
    """Does the sentence say that the passages do not give something?"""
    return bool(_NOTE.search(claim))


def make_claim(text: str, question: str) -> Claim:
    frame = frame_terms(question)
    return Claim(
        text=text,
        terms=frozenset(key_terms(text) - frame),
        words=tuple(dict.fromkeys(content_words(text))),
        frame=frozenset(content_words(question)),
    )


def judge(sentence: AnswerSentence, ctx: Context) -> Judgement:
    """The verdict on one sentence of record-free text (see the module docstring)."""
    given = [n for n in sentence.markers if 1 <= n <= len(ctx.passages)]
    nowhere = tuple(n for n in sentence.markers if n not in given)
    if not sentence.markers or not given:
        if is_note(sentence.claim) and _note_terms_known(sentence.claim, ctx):
            return Judgement(sentence, dropped=nowhere, note=True)
        return Judgement(sentence, dropped=nowhere, reason=NO_PASSAGE if nowhere else NO_CITATION)
    claim = make_claim(without_list_numerals(sentence.claim), ctx.question)
    best = {n: _best_span(claim, ctx, n - 1) for n in given}
    verdict = _support(claim, ctx, best)
    if verdict and is_note(sentence.claim) and _note_terms_known(sentence.claim, ctx):
        return Judgement(sentence, dropped=tuple(sentence.markers), note=True)  # cited or not
    if verdict:
        return Judgement(sentence, dropped=tuple(sentence.markers), reason=verdict)
    keep = _contributors(claim, ctx, best)
    support = tuple((n, best[n][0]) for n in given if n in keep)
    dropped = tuple(n for n in sentence.markers if n not in keep)
    return Judgement(sentence, support=support, dropped=dropped)


# --- support ---------------------------------------------------------------------------
_Best = tuple[Span, frozenset[str]]  # a passage's best span and the claim terms it covers


def _best_span(claim: Claim, ctx: Context, i: int, directives: bool = False) -> _Best:
    chunk = ctx.passages[i]
    record = all_terms(whereabouts(chunk))
    best: _Best | None = None
    best_key: tuple[float, float, int] = (-1.0, -1.0, 0)
    for span in spans(chunk, i, keep_directives=directives):
        covered = offered_terms(claim.terms, all_terms(span.said) | record)
        key = (
            len(covered),
            ctx.scorer.score(claim, [span.said], ctx.texts),
            -span.sentences,
        )
        if key > best_key:
            best, best_key = (span, covered), key
    return best or (Span(i, chunk.start, chunk.start, "", 0), frozenset())


def _support(claim: Claim, ctx: Context, best: dict[int, _Best]) -> str:
    """Why the cited passages together do not support the claim ("" when they do)."""
    reason = _lacks(claim, ctx, best)
    if not reason:
        return ""
    unguarded = {n: _best_span(claim, ctx, n - 1, directives=True) for n in best}
    return INSTRUCTION if not _lacks(claim, ctx, unguarded) else reason


def _lacks(claim: Claim, ctx: Context, best: dict[int, _Best]) -> str:
    covered = frozenset().union(*(c for _, c in best.values()))
    missing = sorted(claim.terms - covered)
    if missing:
        return f"not supported by its sources: {_shown(missing, claim.text)} not in its passages"
    if ctx.scorer.score(claim, [s.said for s, _ in best.values()], ctx.texts) < ctx.scorer.floor:
        return NOT_STATED
    return ""


def _contributors(claim: Claim, ctx: Context, best: dict[int, _Best]) -> set[int]:
    """The markers whose passage adds to the support: it holds a name or number no other
    cited passage holds, or it supports the claim alone."""
    if len(best) == 1:
        return set(best)
    keep: set[int] = set()
    for n, (span, covered) in best.items():
        others = frozenset().union(*(c for m, (_, c) in best.items() if m != n))
        if covered - others or not _lacks(claim, ctx, {n: (span, covered)}):
            keep.add(n)
    if not keep or _lacks(claim, ctx, {n: best[n] for n in keep}):
        keep = {n for n, (_, covered) in best.items() if covered} or set(best)
    return keep


def _note_terms_known(claim: str, ctx: Context) -> bool:
    """A note may name only what the question or some passage names: it states nothing new."""
    known = all_terms(ctx.question).union(*(all_terms(t) for t in ctx.texts))
    terms = frozenset(key_terms(claim))
    return offered_terms(terms, known) == terms


def _shown(terms: list[str], text: str) -> str:
    """The missing terms as the sentence writes them, in its order."""
    found = sorted((m.start(), m.group()) for t, m in written_terms(text) if t in terms)
    return ", ".join(dict.fromkeys(f"“{w}”" for _, w in found)) or ", ".join(terms)

"""The offline composer: extractive answers from the best-supported units of the passages,
each cited, part by part, with dated values from different documents given side by side."""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.answer.base import REFUSAL_TEXT, Draft, OnToken
from assistant.answer.checks import Signals, Verdict, decide, states_type
from assistant.answer.reader import Reader, passage
from assistant.answer.record import record_answer
from assistant.answer.support import (
    PassageTerms,
    answerable_sentence,
    mentioned,
    unmentioned,
)
from assistant.index.snapshot import LexicalIndex, Retrieved
from assistant.query.plan import DATE, MONEY, NUMBER, PERSON, PLACE, Part, QueryPlan
from assistant.query.plan import DEFINITION as DEFINITION_Q
from assistant.rows import row_sentence
from assistant.text.aliases import Aliases
from assistant.text.dates import human_date, month_name
from assistant.text.numbers import quantities
from assistant.types import Chunk, Hit, Sentence, Turn
from assistant.units import (
    DEFINITION,
    HEADING,
    LIST_ITEM,
    TABLE_ROW,
    is_answer_unit,
    row_cells,
    row_subject,
)


@dataclass(frozen=True)
class ComposerConfig:
    refusal_threshold: float = 0.22  # the low_support floor of the hand-made score
    max_sentences: int = 3
    max_list_sentences: int = 6
    dense_weight: float = 0.55
    context_weight: float = 0.5  # a question word found only in a unit's context counts this
    keep_ratio: float = 0.85  # a further unit must score this share of the best one
    typed_runners: int = 3  # runners-up that may lead when the best does not state the type
    typed_ratio: float = 0.75  # ... if they score this share of the best one
    keep_dense: float = 0.8  # ... and be this close in meaning (cosine share of the best's)
    keep_coverage: float = 0.6  # ... and its own text this share of the terms the best's does
    duplicate_cosine: float = 0.9
    type_bonus: float = 0.05
    time_bonus: float = 0.06
    name_bonus: float = 0.1  # for a unit whose text or context names all the question names
    term_bonus: float = 0.15  # for the definition of the very term a what-is question asks
    cell_bonus: float = 0.2  # for a table row naming the question's name in an asked column
    # The reader model (answer/reader.py), when there is one, reads the best candidates of
    # each part against the question: they are ranked by what it reads, and a part is
    # answered only when one of them scores reader_threshold (None: the model's own).
    reader_candidates: int = 10
    reader_threshold: float | None = None
    reader_mix: float = 0.0  # weight of the hand-made score beside the reader's


@dataclass(frozen=True)
class Unit:
    """A candidate answer unit: a sentence (list item, table row ...) of a retrieved chunk."""

    hit_index: int  # 0-based position in hits
    chunk: Chunk
    sentence: Sentence
    vector: np.ndarray = field(compare=False, repr=False)
    terms: frozenset[str] = field(compare=False)
    context_terms: frozenset[str] = field(compare=False)  # title, section, lead-in
    lead_terms: frozenset[str] = field(compare=False)  # its own context: lead-in, term ...

    @property
    def key(self) -> tuple[str, int]:
        return (self.chunk.doc_id, self.sentence.start)

    @property
    def context(self) -> str:
        return " ".join(filter(None, [self.chunk.title, self.chunk.section, unit_context(self)]))


def unit_context(unit: Unit) -> str:
    return unit.sentence.context


@dataclass(frozen=True)
class Scored:
    unit: Unit
    score: float
    dense: float
    coverage: float
    own: float = 0.0  # idf-weighted share of the question's terms other than its names that
    # the unit's own text has: what the question asks of the things it names (1 if none)
    read: float | None = None  # the reader's score, for the candidates it read


@dataclass(frozen=True)
class Explanation:
    """What decided an answer, for `ask --explain` and the eval report."""

    plan: list[str]
    candidates: list[tuple[float, str, str]]  # (score, where, text) best first
    verdict: str


class OfflineComposer:
    """Extractive answers: the best-supported units of the passages, each cited."""

    name = "offline"

    def __init__(self, config: ComposerConfig, reader: Reader | None = None) -> None:
        self.config = config
        self.reader = reader
        self.threshold = 0.0
        if reader is not None:
            given = config.reader_threshold
            self.threshold = reader.threshold if given is None else given

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        from assistant.query import questions

        return questions.condense(question, history)

    def draft(
        self,
        plan: QueryPlan,
        retrieved: Retrieved,
        history: Sequence[Turn] = (),
        on_token: OnToken | None = None,
    ) -> Draft:
        draft, _ = self.compose(plan, retrieved)
        if on_token and not draft.refused:
            on_token(draft.text)
        return draft

    def compose(self, plan: QueryPlan, retrieved: Retrieved) -> tuple[Draft, Explanation]:
        hits, view = retrieved.hits, retrieved.snapshot
        units = candidates(hits, view)
        whole = self._ranked(plan, plan.parts[0] if not plan.multipart else None, units, view)
        if not plan.multipart:
            whole = self._read(plan.parts[0], whole)
        explain = Explanation(plan.describe(), [_candidate(s) for s in whole[:8]], "")
        if plan.record:  # a question about a document: its record answers, or nothing does
            titles = {c.title for c in view.chunks}
            text = record_answer(plan.record, hits, plan.question, titles)
            if text:
                return Draft(text, refused=False), _with(explain, f"record ({plan.record})")
            return _refusal("no_passage"), _with(explain, "no_passage (document record)")
        if not whole:
            return _refusal("no_passage"), _with(explain, "no_passage")
        passages = PassageTerms.of(with_context_texts(hits))
        missing = unmentioned(plan.names, plan.query, passages, plan.aliases)
        if missing and not plan.multipart:  # a multi-part question is checked part by part
            return _refusal("name_not_in_passages"), _with(
                explain, f"name_not_in_passages ({', '.join(missing)})"
            )
        chosen: list[Scored] = []
        verdicts: list[Verdict] = []
        for part in plan.parts:
            ranked = (
                self._read(part, self._ranked(plan, part, units, view)) if plan.multipart else whole
            )
            ranked, verdict = self._typed_first(plan, part, ranked)
            if plan.multipart and unmentioned(part.names, part.text, passages, plan.aliases):
                verdict = Verdict("name_not_in_passages", 0.0, verdict.signals)
            verdicts.append(verdict)
            if not verdict.refused:  # a multi-part question is answered part by part
                chosen += self._pick(plan, part, ranked, chosen)
        if not chosen:
            first = next(v for v in verdicts if v.refused)
            return _refusal(first.reason), _with(explain, _verdict_line(first))
        decided = min(verdicts, key=lambda v: v.probability)
        dated = _dated(plan, chosen)
        text = " ".join(_render(s, dated) for s in (_newest_first(chosen) if dated else chosen))
        return Draft(text, refused=False), _with(explain, _verdict_line(decided))

    # --- scoring -------------------------------------------------------------------------
    def _ranked(
        self, plan: QueryPlan, part: Part | None, units: list[Unit], view: LexicalIndex
    ) -> list[Scored]:
        """Units best first for one part (or the whole question when part is None)."""
        text = part.text if part else plan.query
        vector = part.vector if part is not None and part.vector is not None else plan.vector
        if vector is None or not units:
            return []
        weights = {t: view.idf(t) for t in set(view.terms(text))}
        total = sum(weights.values()) or 1.0
        asked_type = part.answer_type if part else plan.answer_type
        names = [n for n in (part.names if part else plan.names) if not n[0].isdigit()]
        newest = max((u.chunk.date for u in units), default="")
        named = set(view.terms(" ".join(part.names if part else plan.names)))
        topic = {t: v for t, v in weights.items() if t not in named}  # what is asked of them
        c = self.config
        out = []
        for u in units:
            if u.terms <= weights.keys():
                continue  # restates the question ("Ecuador" for "What did Ecuador ...?")
            dense = float(u.vector @ vector)
            in_text = sum(v for t, v in weights.items() if t in u.terms)
            in_context = sum(
                v for t, v in weights.items() if t not in u.terms and t in u.context_terms
            )
            lex = (in_text + c.context_weight * in_context) / total
            coverage = (in_text + in_context) / total
            score = c.dense_weight * dense + (1 - c.dense_weight) * lex - 0.005 * u.hit_index
            if states_type(asked_type, u.sentence.text, plan.question) and asked_type != "other":
                score += c.type_bonus
            score += c.time_bonus * _time_fit(plan, u, newest)
            score += c.name_bonus * _names_fit(names, u, plan.aliases)
            score += c.cell_bonus * _cell_fit(names, weights.keys(), u, view, plan.aliases)
            score += c.cell_bonus * _subject_fit(asked_type, text, weights.keys(), u, view)
            if asked_type == DEFINITION_Q and _defines_asked(u, weights):
                score += c.term_bonus
            out.append(Scored(u, score, dense, coverage, _share(topic, u.terms)))
        return sorted(out, key=lambda s: -s.score)

    def _read(self, part: Part, ranked: list[Scored]) -> list[Scored]:
        """The best candidates ranked by the reader's score (the rest after them, unread)."""
        if self.reader is None or not ranked:
            return ranked
        top = ranked[: self.config.reader_candidates]
        texts = [passage(s.unit.sentence, s.unit.chunk.title, s.unit.chunk.section) for s in top]
        scores = self.reader.score(part.reads or part.text, texts)
        read = [replace(s, read=float(p)) for s, p in zip(top, scores, strict=True)]
        mix = self.config.reader_mix
        read.sort(key=lambda s: -((s.read or 0.0) + mix * s.score))
        return read + ranked[len(top) :]

    def _answers(self, s: Scored) -> bool:
        """The reader says the unit answers (always true without a reader)."""
        return self.reader is None or (s.read is not None and s.read >= self.threshold)

    def _typed_first(
        self, plan: QueryPlan, part: Part, ranked: list[Scored]
    ) -> tuple[list[Scored], Verdict]:
        """The ranking led by the best unit that states the kind of answer asked for: when
        the best one does not ("Safe Mobility Offices are service points ..." for "In which
        countries ...?"), a close runner-up (typed_ratio of its score) that does and passes
        every check leads instead."""
        verdict = self._check(plan, part, ranked[0])
        if verdict.reason != "answer_type_missing":
            return ranked, verdict
        floor = self.config.typed_ratio * ranked[0].score
        for alt in ranked[1 : self.config.typed_runners + 1]:
            if alt.score < floor:
                break
            alt_verdict = self._check(plan, part, alt)
            if not alt_verdict.refused:
                return [alt, *(r for r in ranked if r is not alt)], alt_verdict
        return ranked, verdict

    def _check(self, plan: QueryPlan, part: Part, best: Scored) -> Verdict:
        u = best.unit
        names = [n for n in part.names if not _dated_by(n, u.chunk.date)]
        unit_terms = PassageTerms.of([u.sentence.text, u.context])
        missing = unmentioned(names, part.text, unit_terms, plan.aliases)
        typed = states_type(part.answer_type, best.unit.sentence.text, part.text)
        signals = Signals(
            support=best.score,
            dense=best.dense,
            coverage=best.coverage,
            names=max(0.0, 1.0 - len(missing) / max(len(names), 1)) if missing else 1.0,
            type=1.0 if typed else 0.0,
        )
        if not self._answers(best):
            return Verdict("not_answered", best.read or 0.0, signals)
        return decide(
            signals,
            typed,
            pointed=part.answer_type in (NUMBER, MONEY, PERSON),
            floor=self.config.refusal_threshold,
            p=best.score if best.read is None else best.read,
        )

    def _pick(
        self, plan: QueryPlan, part: Part, ranked: list[Scored], chosen: list[Scored]
    ) -> list[Scored]:
        """The best unit of a part, the one that goes on about it, and close runners-up that
        touch the question (more for a list) and, when it asks for a figure, a date or a
        name, pass its checks too; never a unit already chosen or a near copy."""
        c = self.config
        limit = c.max_list_sentences if plan.wants_list else c.max_sentences
        if plan.multipart:
            limit = max(2, limit // len(plan.parts))
        best = ranked[0]
        picked = [best] if not _taken(best, chosen) else []
        follow = _continuation(best, ranked)
        if follow is not None and not _taken(follow, chosen + picked):
            picked.append(follow)
        for s in ranked[1:]:
            if len(picked) >= limit:
                break
            if s.score < best.score * c.keep_ratio or not self._answers(s):
                continue
            if s.coverage <= 0 or s.own < c.keep_coverage * best.own or _taken(s, chosen + picked):
                continue
            if s.dense < c.keep_dense * best.dense:  # as close in meaning, not only in words
                continue
            if part.answer_type in _TYPED and self._check(plan, part, s).refused:
                continue  # a further unit of a typed answer must answer it on its own
            if all(float(s.unit.vector @ o.unit.vector) < c.duplicate_cosine for o in picked):
                picked.append(s)
        if part.answer_type in (NUMBER, MONEY) or plan.time.named or plan.time.newest:
            picked = _one_per_date_or_newest(plan, picked)
        return _with_sibling_items(picked, ranked, chosen, c.max_list_sentences)


# Answer types a unit states or not (a figure, a date, a name): every unit of such an answer
# must state it, for what the question names.
_TYPED = (NUMBER, MONEY, DATE, PERSON, PLACE)


def candidates(hits: Sequence[Hit], view: LexicalIndex) -> list[Unit]:
    """Every unit of the hits that may answer (not a heading, a label or a fragment), once."""
    seen: set[tuple[str, int]] = set()
    out: list[Unit] = []
    for i, hit in enumerate(hits):
        chunk = hit.chunk
        vecs = view.sentence_vectors(chunk.id)
        if vecs is None or len(vecs) != len(chunk.sentences):
            continue
        terms, contexts = view.unit_terms[chunk.id], view.unit_context_terms[chunk.id]
        around = view.context_terms[chunk.id]  # title and section
        for j, (sent, vec) in enumerate(zip(chunk.sentences, vecs, strict=True)):
            after = chunk.sentences[j + 1] if j + 1 < len(chunk.sentences) else None
            if (chunk.doc_id, sent.start) in seen or not may_answer(sent, after):
                continue
            seen.add((chunk.doc_id, sent.start))
            out.append(Unit(i, chunk, sent, vec, terms[j], around | contexts[j], contexts[j]))
    return out


def may_answer(sentence: Sentence, after: Sentence | None = None) -> bool:
    """An answer unit (not a heading, caption, header row, label, FAQ question, lead-in or
    fragment) that reads as a statement, not a line of the document's record ("date
    2024-05-08": metadata questions are answered from the record itself). A list item may be
    a few words ("Argentina") when it is a leaf: one with items under it (`after` is the next
    unit) is a group's name ("South America"), which answers only as a statement."""
    return (
        is_answer_unit(sentence)
        and answerable_sentence(sentence.text, item=_leaf_item(sentence, after))
        and not _RECORD_LINE.match(sentence.text)
    )


def _leaf_item(sentence: Sentence, after: Sentence | None) -> bool:
    if sentence.kind != LIST_ITEM:
        return False
    return not (
        after is not None
        and after.kind == LIST_ITEM
        and after.context.endswith(f"{sentence.text.strip()}:")
    )


_RECORD_LINE = re.compile(r"^[a-z][\w-]*:?\s+\S+(?:\s+\S+)?\s*$")


def with_context_texts(hits: Sequence[Hit]) -> list[str]:
    return [f"{h.chunk.title} {h.chunk.section} {h.chunk.text}" for h in hits]


def _time_fit(plan: QueryPlan, unit: Unit, newest: str) -> float:
    """1 when the unit's document is of the time the question names (or the newest when it
    asks for the current state), 0 otherwise."""
    date = unit.chunk.date
    if plan.time.newest:
        return 1.0 if date and date == newest else 0.0
    if not plan.time.named:
        return 0.0
    text = unit.sentence.text.lower()
    years_ok = any(y in date or y in text for y in plan.time.years)
    months_ok = any(
        m in text or (date[5:7] and month_name(int(date[5:7])).lower() == m)
        for m in plan.time.months
    )
    return 1.0 if years_ok or months_ok else 0.0


def _defines_asked(unit: Unit, asked: dict[str, float]) -> bool:
    """Is the unit the glossary definition of a term the question names ("What is an
    endorsing country?" and the entry "Endorsing country")?"""
    term = unit.lead_terms
    return unit.sentence.kind == DEFINITION and bool(term) and term <= asked.keys()


def _dated_by(name: str, date: str) -> bool:
    """A month or year of the question that the unit's document date is in: "June", "2023"
    for a document of 2023-06-30 ("How many took part in the meeting in June 2023?")."""
    if not date:
        return False
    month = month_name(int(date[5:7])) if date[5:7].isdigit() else ""
    return name == date[:4] or name.lower() == month.lower()


def _names_fit(names: list[str], unit: Unit, aliases: Aliases) -> float:
    """The share of the question's names the unit's text or context mentions."""
    if not names:
        return 0.0
    terms = PassageTerms.of([unit.sentence.text, unit.context])
    return sum(mentioned(n, terms, aliases) for n in names) / len(names)


def _share(weights: dict[str, float], terms: frozenset[str]) -> float:
    """The idf-weighted share of `weights`' terms found in `terms` (1 when there are none)."""
    total = sum(weights.values())
    return sum(v for t, v in weights.items() if t in terms) / total if total else 1.0


def _cell_fit(
    names: list[str], asked: AbstractSet[str], unit: Unit, view: LexicalIndex, aliases: Aliases
) -> float:
    """1 when a table row has the question's name in a column the question asks about
    ("Lead: United States" for "Which action package does the United States lead?"), not
    only in another one ("Other participants: Haiti, United States")."""
    if unit.sentence.kind != TABLE_ROW or not names:
        return 0.0
    for column, value in row_cells(unit.sentence.text):
        if not view.column_terms.get(column, frozenset()) & asked:
            continue
        if any(mentioned(n, PassageTerms.of([value]), aliases) for n in names):
            return 1.0
    return 0.0


def _subject_fit(
    asked_type: str, question: str, asked: AbstractSet[str], unit: Unit, view: LexicalIndex
) -> float:
    """1 when the question names a table row's subject and asks for one of its other cells:
    "When was the second ministerial held?" and the row "Meeting: Second ministerial; Date:
    23 June 2023; ...", whose first cell's words are all in the question and which has a
    cell of the asked kind (a date here) or a column the question names. The rows of the
    other meetings state a date too, but their subject is not the one asked about."""
    if unit.sentence.kind != TABLE_ROW:
        return 0.0
    subject = row_subject(unit.sentence.text)
    terms = view.subject_terms.get(subject)
    if not terms or not terms <= asked:
        return 0.0
    cells = [(col, val) for col, val in row_cells(unit.sentence.text) if val.strip()]
    after = cells[[val for _, val in cells].index(subject) + 1 :]
    for column, value in after:
        if asked_type in _TYPED and states_type(asked_type, value, question):
            return 1.0
        if view.column_terms.get(column, frozenset()) & asked:
            return 1.0
    return 0.0


def _one_per_date_or_newest(plan: QueryPlan, picked: list[Scored]) -> list[Scored]:
    """For "current" questions keep the newest document's units first."""
    if plan.time.newest:
        return sorted(picked, key=lambda s: s.unit.chunk.date, reverse=True)
    return picked


def _conflicting(chosen: list[Scored]) -> bool:
    """Units from documents of different dates that give different quantities: the answer
    gives each with its date."""
    dated = [s for s in chosen if s.unit.chunk.date and quantities(s.unit.sentence.text)]
    dates = {s.unit.chunk.date for s in dated}
    values = {tuple(quantities(s.unit.sentence.text)) for s in dated}
    return len(dates) > 1 and len(values) > 1


def _dated(plan: QueryPlan, chosen: list[Scored]) -> bool:
    """A how-many question that names no time, answered from documents of different dates
    that give different figures: each figure is given with its document's date."""
    return (
        not plan.multipart
        and plan.answer_type in (NUMBER, MONEY)
        and not plan.time.named
        and _conflicting(chosen)
    )


def _newest_first(chosen: list[Scored]) -> list[Scored]:
    return sorted(chosen, key=lambda s: s.unit.chunk.date or "", reverse=True)


def _render(s: Scored, dated: bool) -> str:
    u = s.unit.sentence  # a table row reads as a sentence, its caption and headers in words
    said = row_sentence(u.text, u.context) if u.kind == TABLE_ROW else _with_term(s.unit)
    text = f"{_as_sentence(said)} [{s.unit.hit_index + 1}]"
    if dated and s.unit.chunk.date:
        return f"As of {human_date(s.unit.chunk.date)}: {text}"
    return text


def _with_term(unit: Unit) -> str:
    """A definition's first sentence with the term it defines, as the glossary shows them
    ("Statelessness: The situation of a person ..."): the term is often what was asked."""
    sentences = unit.chunk.sentences
    at = sentences.index(unit.sentence)
    if unit.sentence.kind == DEFINITION and at and sentences[at - 1].kind == HEADING:
        return f"{unit.sentence.context}: {unit.sentence.text}"
    return unit.sentence.text


def _as_sentence(text: str) -> str:
    """A list item or table cell shown as a sentence of the answer: capitalised and closed
    ("they agree on shared lines of action;" -> "They agree on shared lines of action."), so
    the answer splits into one claim per unit; the citation still quotes the item verbatim."""
    text = text.strip()
    if text[:1].islower():
        text = text[0].upper() + text[1:]
    if text.endswith((";", ",")):
        text = text[:-1].rstrip() + "."
    return text


def _with_sibling_items(
    picked: list[Scored], ranked: list[Scored], chosen: list[Scored], limit: int
) -> list[Scored]:
    """A list item answers with the other items under its lead-in (same chunk, same
    context), in document order, up to `limit` units in all: "they agree on shared lines of
    action;" alone is a third of what the committees do."""
    out = list(picked)
    for s in picked:
        if s.unit.sentence.kind != LIST_ITEM or not s.unit.sentence.context:
            continue
        siblings = sorted(
            (
                r
                for r in ranked
                if r.unit.chunk.id == s.unit.chunk.id
                and r.unit.sentence.kind == LIST_ITEM
                and r.unit.sentence.context == s.unit.sentence.context
            ),
            key=lambda r: r.unit.sentence.start,
        )
        for r in siblings:
            if len(out) >= limit:
                break
            if not _taken(r, chosen + out):
                out.append(r)
    return out


def _taken(s: Scored, chosen: list[Scored]) -> bool:
    return any(o.unit.key == s.unit.key for o in chosen)


_ANAPHOR = re.compile(r"^(?:(?:The|This|These|Those|Such)\s+([a-z]+)|It|Its|They|Their)\b")


def _continuation(first: Scored, ranked: list[Scored]) -> Scored | None:
    """The unit right after `first` when it goes on about the same thing ("The initiative
    aims to ..." after a sentence naming the initiative)."""
    f = first.unit
    after = [
        s
        for s in ranked
        if s.unit.chunk.doc_id == f.chunk.doc_id and s.unit.sentence.start > f.sentence.end
    ]
    nxt = min(after, key=lambda s: s.unit.sentence.start, default=None)
    if nxt is None or nxt.unit.sentence.start - f.sentence.end > 3:
        return None
    m = _ANAPHOR.match(nxt.unit.sentence.text)
    if m is None or (m.group(1) and m.group(1) not in f.sentence.text.lower()):
        return None
    return nxt


def _candidate(s: Scored) -> tuple[float, str, str]:
    where = _where(s.unit) if s.read is None else f"reader {s.read:.2f} {_where(s.unit)}"
    return (s.score, where, s.unit.sentence.text)


def _where(u: Unit) -> str:
    return f"[{u.hit_index + 1}] {u.chunk.doc_id}" + (f" ({u.chunk.date})" if u.chunk.date else "")


def _refusal(reason: str) -> Draft:
    return Draft(REFUSAL_TEXT, refused=True, refusal_reason=reason)


def _with(e: Explanation, verdict: str) -> Explanation:
    return Explanation(e.plan, e.candidates, verdict)


def _verdict_line(v: Verdict) -> str:
    name = v.reason or "answered"
    sig = ""
    if v.signals is not None:
        sig = ", ".join(
            f"{k}={x:.2f}"
            for k, x in zip(
                ("support", "dense", "coverage", "names", "type"), v.signals.values(), strict=True
            )
        )
    return f"{name} (p={v.probability:.2f}; {sig})"

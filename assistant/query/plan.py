"""The question read once: its parts, key terms, names, the kind of answer it asks for and the
time it is about. Retrieval and every answerer take this plan; nothing reads the question
again."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from assistant.query import questions
from assistant.query.record import record_field
from assistant.text.aliases import Aliases
from assistant.text.dates import MONTH_WORD, YEAR
from assistant.text.names import question_names

# The kinds of answer a question may ask for; checks.py knows how a unit states each.
NUMBER, MONEY, RATE, DATE, PERSON, PLACE, ENTITY, YESNO, LIST, DEFINITION, OTHER = (
    "number",
    "money",
    "rate",
    "date",
    "person",
    "place",
    "entity",
    "yes/no",
    "list",
    "definition",
    "other",
)

_NEWEST = re.compile(
    r"\b(?:current(?:ly)?|latest|now|today|most recent(?:ly)?|so far|to date|at present|"
    r"presently|still)\b",
    re.I,
)
_PLACE_Q = re.compile(
    r"^\s*where\b|\b(?:which|what) (?:city|country|countries|place|venue|capital)\b"
    r"(?!.*\b(?:lead|leads|led|endorse|take part|participate|commit|pledge)\w*)",
    re.I,
)
_ENTITY_Q = re.compile(
    r"^\s*(?:which|what)\s+(?:\w+\s+)?(?:organi[sz]ations?|agency|agencies|body|bodies|"
    r"government|company|companies|airlines?|official|minister|institution)\b",
    re.I,
)
_QUANTITY_Q = re.compile(
    r"^\s*what (?:is|was|are|were) the (?:\w+ )?(?:population|size|total|count|number|"
    r"headcount|value|price)s? of\b",
    re.I,
)
_MONEY_Q = re.compile(
    r"\bhow much (?:new |more )?(?:money|cash|funding|aid|assistance|financing)\b"
    r"|\bhow much (?:did|does|do|has|have|had|will|would|was|is)\b.*\b(?:announc|pledg|give|gave|"
    r"contribut|commit|provid|spen[dt]|allocat|donat|put|offer|cost|paid|pay|invest|fund)\w*"
    r"|\bwhat amounts? of (?:money|assistance|aid|funding|financing)\b"
    r"|\b(?:budgets?|costs?|price|fees?)\b",
    re.I,
)
# A who question about a post ("Who is the director of ...?", "Which Mexican official ...?")
# asks for a person by name, not for a country or a body.
_ROLE_Q = re.compile(
    r"^\s*(?:who (?:is|was|are|were|will be|has been)\b.*\b|which (?:\w+ )?)(?:director|minister|"
    r"president|secretary|head|chair(?:man|woman|person)?|coordinator|ambassador|spokes\w+|"
    r"official|envoy|representative|commissioner|governor|mayor|leader|chief|diplomat|"
    r"negotiator|delegate)s?\b",
    re.I,
)
_YESNO_Q = re.compile(r"^\s*(?:is|are|was|were|do|does|did|can|could|has|have|had|will)\b", re.I)
_DEFINITION_Q = re.compile(
    r"^\s*what (?:is|are) (?:an? |the )?[\w -]+\??$|\bwhat does .+ mean\b|\bwhat is meant by\b"
    r"|\bwhat is the term for\b|\bdefin",
    re.I,
)


class Encoder(Protocol):
    def encode_queries(self, texts: Sequence[str]) -> list[np.ndarray]: ...


@dataclass(frozen=True)
class TimeScope:
    """The time a question is about: the newest documents ("current", "latest", "now"), a
    year or a month ("as of 2023", "in June 2023"), or none."""

    newest: bool = False
    years: tuple[str, ...] = ()
    months: tuple[str, ...] = ()

    @property
    def named(self) -> bool:
        return bool(self.years or self.months)


@dataclass(frozen=True)
class Part:
    """One sub-question: its text (with what condensing carried), the kind of answer it asks
    for and the names it must be about."""

    text: str
    answer_type: str
    names: tuple[str, ...]
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)
    reads: str = ""  # what the reader model reads: the text without the aliases searched


@dataclass(frozen=True)
class QueryPlan:
    question: str  # as asked
    query: str  # the standalone query searched (condensed, aliases added)
    parts: tuple[Part, ...]  # one per sub-question; a single question has one part
    names: tuple[str, ...]  # capitalised words and numbers of the question
    answer_type: str  # of the whole question (the first part's for multi-part ones)
    wants_list: bool
    time: TimeScope
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)
    record: str = ""  # "date" or "title" when it asks about a document itself (record.py)
    # what the documents may call the question's names otherwise (general and the corpus's)
    aliases: Aliases = field(default_factory=Aliases.general, compare=False, repr=False)

    @property
    def multipart(self) -> bool:
        return len(self.parts) > 1

    @property
    def texts(self) -> list[str]:
        """The query, then each part of a multi-part question: what retrieval searches."""
        return [self.query, *(p.text for p in self.parts)] if self.multipart else [self.query]

    def with_vectors(self, encoder: Encoder) -> QueryPlan:
        """The plan with the query's and every part's vector, from one call to the model."""
        vectors = encoder.encode_queries(self.texts)
        parts = (
            tuple(replace(p, vector=v) for p, v in zip(self.parts, vectors[1:], strict=True))
            if self.multipart
            else (replace(self.parts[0], vector=vectors[0]),)
        )
        return replace(self, vector=vectors[0], parts=parts)

    def describe(self) -> list[str]:
        """The plan in a few lines, for `ask --explain`."""
        time = (
            "newest documents"
            if self.time.newest
            else ", ".join(self.time.months + self.time.years) or "any"
        )
        lines = [
            f"question: {self.question}",
            f"query:    {self.query}",
            f"answer:   {self.answer_type}{' (a list)' if self.wants_list else ''}; "
            f"names: {', '.join(self.names) or '-'}; time: {time}"
            + (f"; about the document's {self.record}" if self.record else ""),
        ]
        if self.multipart:
            lines += [
                f"part {i}:   {p.text} [{p.answer_type}]" for i, p in enumerate(self.parts, 1)
            ]
        return lines


def read_question(question: str, query: str = "", aliases: Aliases | None = None) -> QueryPlan:
    """The plan of a question; `query` is its standalone form (condensed once, by the chain,
    over the conversation; the question itself when empty); `aliases` the corpus's (the
    general ones alone when not given)."""
    standalone = query or question.strip()
    aliases = aliases or Aliases.general()
    query = aliases.expand(standalone)
    subs = questions.sub_queries(question, query) or [query]
    raw = questions.split_parts(question) if len(subs) > 1 else [question]
    subs, raw = shared_predicate(subs), shared_predicate(raw)
    reads = shared_predicate(questions.sub_queries(question, standalone) or [standalone])
    if len(reads) != len(subs):
        reads = subs
    parts = tuple(
        Part(text, answer_type(asked), tuple(question_names(asked)), reads=read)
        for text, asked, read in zip(subs, raw, reads, strict=True)
    )
    return QueryPlan(
        question=question,
        query=query,
        parts=parts,
        names=tuple(question_names(query)),
        answer_type=parts[0].answer_type,
        wants_list=questions.wants_list(question),
        time=time_scope(question),
        record=record_field(question),
        aliases=aliases,
    )


_BARE_WH = re.compile(r"^\s*(who|whom|what|when|where|which|why|how(?: many| much)?)\s*$", re.I)
_WH_START = re.compile(r"^\s*(?:who|whom|what|when|where|which|why|how(?: many| much)?)\b", re.I)


def shared_predicate(parts: list[str]) -> list[str]:
    """A part that is only a question word shares its neighbour's predicate: "When and where
    will it be held?" asks "When will it be held" and "where will it be held"; "Who hosted it
    and when?" asks "Who hosted it" and "when hosted it"."""
    out = list(parts)
    for i, part in enumerate(parts):
        if not _BARE_WH.match(part):
            continue
        donor = next((p for p in parts[i + 1 :] + parts[:i][::-1] if not _BARE_WH.match(p)), None)
        if donor is not None:
            out[i] = f"{part.strip()} {_WH_START.sub('', donor, count=1).strip()}"
    return out


def answer_type(question: str) -> str:
    """The kind of answer a (sub-)question asks for. One that opens like a yes/no question
    asks yes or no, whatever it names ("Has it changed how many cross?")."""
    if _YESNO_Q.match(question):
        return YESNO
    if _MONEY_Q.search(question):
        return MONEY
    if questions.wants_number(question) or _QUANTITY_Q.search(question):
        return NUMBER
    if questions.wants_date(question):
        return DATE
    if questions.wants_person(question) or asks_for_post(question):
        return PERSON
    if _PLACE_Q.search(question):
        return PLACE
    if _ENTITY_Q.search(question):
        return ENTITY
    if _DEFINITION_Q.search(question):
        return DEFINITION
    if questions.wants_list(question):
        return LIST
    return OTHER


def asks_for_post(question: str) -> bool:
    """A who question about a post ("Who is the director of ...?"): a person's name answers."""
    return bool(_ROLE_Q.search(question))


def time_scope(question: str) -> TimeScope:
    return TimeScope(
        newest=bool(_NEWEST.search(question)),
        years=tuple(dict.fromkeys(YEAR.findall(question))),
        months=tuple(dict.fromkeys(m.lower() for m in MONTH_WORD.findall(question))),
    )

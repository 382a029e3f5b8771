"""Answerability as a few named, general checks over the units an answer would be built from.

Each check looks at one thing a good answer needs; the first that fails names the refusal:

- ``no_passage``: retrieval gave no unit that may answer at all.
- ``name_not_in_passages``: the question names something (a country, a body, a number) that no
  retrieved passage mentions, under any alias, not even in its document's title or section.
- ``key_terms_uncovered``: a how-many or who question names something (Ecuador, the Lima
  meeting) that the answering unit, its lead-in, section and document title never mention:
  the unit answers for something else.
- ``answer_type_missing``: the question asks for a kind of answer (a number, a date, a
  person or a place) and the answering unit does not state one.
- ``low_support``: the best unit's score is below the floor (``refusal_threshold``): nothing
  retrieved is about the question at all.
- ``not_answered``: the reader model (answer/reader.py) does not find the asked fact in any
  candidate (checked in the composer, before these).

Whether a unit states what is asked of the things named (a rate where an amount is given, the
"population" rather than the number of offices) is the reader's to judge: the hand-written
rules for it (a rate question type, an "asked terms" floor, "some ..." answers to which-
questions, a calibrated model whose threshold was never read) served particular evaluation
items and went with the reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.query.plan import DATE, ENTITY, MONEY, NUMBER, PERSON, PLACE, asks_for_post
from assistant.text.dates import mentions_time
from assistant.text.names import CAPITALISED, names_a_person
from assistant.text.numbers import amounts, quantities
from assistant.text.places import opening_place

SIGNALS = ("support", "dense", "coverage", "names", "type")


@dataclass(frozen=True)
class Signals:
    """What the checks measure on one answer (the weakest part's, for multi-part ones)."""

    support: float  # the composer's score of the best unit
    dense: float  # cosine of the best unit with the question
    coverage: float  # idf-weighted share of the question's terms in the unit or its context
    names: float  # share of the question's names the unit or its context mentions
    type: float  # 1 when the unit states the kind of answer asked for (or none is asked)

    def values(self) -> list[float]:
        return [getattr(self, name) for name in SIGNALS]


@dataclass(frozen=True)
class Verdict:
    reason: str  # "" when the answer may be given
    probability: float  # the reader's score of the best unit (its hand-made score without one)
    signals: Signals | None = None

    @property
    def refused(self) -> bool:
        return bool(self.reason)


def states_type(answer_type: str, unit_text: str, question: str) -> bool:
    """Does the unit state the kind of answer asked for? Quantities and names already in the
    question do not count: "How many Ecuadorians ...?" is not answered by "Ecuador"."""
    if answer_type == NUMBER:
        return bool(set(quantities(unit_text)) - set(quantities(question)))
    if answer_type == MONEY:
        return bool(set(amounts(unit_text)) - set(amounts(question)))
    if answer_type == DATE:
        return mentions_time(unit_text)
    if answer_type == PERSON:
        return names_a_person(unit_text, question, strict=asks_for_post(question))
    if answer_type in (PLACE, ENTITY):
        asked = question.lower()
        if any(w.lower() not in asked for w in CAPITALISED.findall(unit_text)):
            return True
        opening = opening_place(unit_text)  # "Canada has confirmed ..."
        return bool(opening) and opening not in asked
    return True


def decide(signals: Signals, type_stated: bool, pointed: bool, floor: float, p: float) -> Verdict:
    """The named verdict for an answer whose passages mention every name of the question.
    `pointed`: the question asks for a number or a person, so the answering unit (with its
    context: lead-in, section, document title) must name what the question names; `p` is the
    belief shown with the verdict (the reader's score, or the hand-made one)."""
    if signals.support < floor:
        return Verdict("low_support", p, signals)
    if pointed and signals.names < 1.0:
        return Verdict("key_terms_uncovered", p, signals)
    if not type_stated:
        return Verdict("answer_type_missing", p, signals)
    return Verdict("", p, signals)

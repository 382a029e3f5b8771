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

import re
from dataclasses import dataclass

from assistant.query.plan import DATE, ENTITY, MONEY, NUMBER, PERSON, PLACE, asks_for_post
from assistant.text.dates import CALENDAR_WORDS, MONTH_PATTERN
from assistant.text.numbers import amounts, quantities
from assistant.text.places import places

_DATE = re.compile(
    rf"\b(?:{MONTH_PATTERN}|(?:19|20)\d\d|since|until|later|earlier|before|after)\b"
    r"|\b\d{4}-\d\d-\d\d\b",
    re.I,
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+")

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
        return bool(_DATE.search(unit_text))
    if answer_type == PERSON:
        return names_a_person(unit_text, question, strict=asks_for_post(question))
    if answer_type in (PLACE, ENTITY):
        asked = question.lower()
        if any(w.lower() not in asked for w in _CAPITALISED.findall(unit_text)):
            return True
        opening = _opening_place(unit_text)  # "Canada has confirmed ..."
        return bool(opening) and opening not in asked
    return True


def _opening_place(text: str) -> str:
    """The place a sentence opens with ("Canada", "The United States", "Costa Rica"), lower-
    cased, or "": a capitalised first word is otherwise only the start of the sentence."""
    words = re.sub(r"^the\s+", "", text.strip(), flags=re.I).split()[:4]
    for n in range(len(words), 0, -1):
        name = " ".join(words[:n]).strip(",.;:").lower()
        if name in places():
            return name
    return ""


def names_a_person(unit_text: str, question: str, strict: bool = False) -> bool:
    """Does the unit name who did it, not in the question? A "who" answer is a person
    ("Antony Blinken", "President Arévalo"), a country ("Lead: Peru") or a city; not only
    institutions ("Haitian Embassy", "International Organization for Migration"), an
    adjective of nationality ("Haitian migrants") or the word that opens the sentence.
    `strict` (a question about a post: "Who is the director of ...?"): only a person's name
    counts, never a place or a bare title ("Foreign Minister", "Los Angeles", "Costa Rica")."""
    asked = question.lower()
    for m in _NAME_RUN.finditer(unit_text):
        words = m.group(0).split()
        if strict and not personal_name(words):
            continue
        capitalised = [w for w in words if w[0].isupper()]
        if all(w.lower() in asked for w in capitalised):
            continue
        if any(w.lower().strip(".,") in _INSTITUTION for w in words):
            continue
        if all(w.lower().strip(".,") in CALENDAR_WORDS for w in capitalised):
            continue  # "Since September 2024"
        if len(words) == 1 and m.start() == 0:
            continue  # "Additionally, ...", "Under ..."
        after = unit_text[m.end() : m.end() + 2]
        if len(words) == 1 and _DEMONYM.search(words[0]) and re.match(r" [a-z]", after):
            continue
        return True
    return False


def personal_name(words: list[str]) -> bool:
    """A run of capitalised words that can be a person's name: besides titles ("Secretary",
    "Foreign Minister") at least two words, or one after a title ("President Arévalo"),
    and not a place ("Los Angeles", "Guatemala City")."""
    bare = [w.strip(".,") for w in words if w.lower().strip(".,") not in _PARTICLES]
    titled = bool(bare) and bare[0].lower() in _TITLES
    name = [w for w in bare if w.lower() not in _NOT_NAME]
    if not name or " ".join(name).lower() in places():
        return False
    return len(name) >= 2 or titled


_PARTICLES = frozenset("the of for de del la and".split())
_OPENING = frozenset("in on at by since from after before until during when while a an".split())
_TITLES = frozenset(
    """president vice prime minister ministers secretary foreign state special coordinator
    coordinators director ambassador senior official officials chief head deputy general
    commissioner governor mayor envoy representative dr mr ms mrs sir""".split()
)


_NAME_RUN = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:(?:of|for|de|del|la)\s+)?[A-Z][\w'’.-]*)*")
_NOT_NAME = _TITLES | CALENDAR_WORDS | _OPENING  # titles, months and days, openers
_DEMONYM = re.compile(r"(?:an|ese|ish|i)$")
_INSTITUTION = frozenset(
    """embassy organization organisation partnership office offices department ministry
    agency program programme initiative committee council bank fund union government
    secretariat house declaration conference meeting summit platform administration
    commission court service services network alliance coalition forum group center centre
    institute university foundation association federation labor labour security affairs
    plan process parole package packages action corporation nations protection customs
    immigration citizenship assembly parliament congress senate republic states""".split()
)


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

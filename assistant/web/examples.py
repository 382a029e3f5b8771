"""Example questions of several forms, written from the indexed units of any corpus: "How
many ...?" from a sentence that opens with a count, "Who ...?" from one that opens with a
name doing something, "What happened on ...?" from one that opens with a date, "When was
...?" and "Which country ...?" from a table row's cells, "What is ...?" from the names the
documents mention most, "What does “...” mean?" from a glossary entry, and a FAQ's own
questions. Only the shape of a unit decides (its kind, where a count, a date or a name stands,
a table's headers), never words of one corpus. Pure functions; `assistant/web/scope.py` keeps
those the assistant answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from assistant.text.dates import DATE_PHRASE, MONTH_PATTERN
from assistant.text.places import countries, places
from assistant.types import Chunk, Sentence
from assistant.units import DEFINITION, FAQ_QUESTION, SENTENCE, TABLE_ROW, row_cells

HOW_MANY, WHO, WHAT_HAPPENED, WHEN, WHICH, WHAT_IS, MEANING, FAQ = (
    "how many",
    "who",
    "what happened",
    "when",
    "which",
    "what is",
    "meaning",
    "faq",
)
# The order forms are offered in: the pointed questions first, the document's own last.
FORMS = (HOW_MANY, WHO, WHEN, WHICH, WHAT_HAPPENED, WHAT_IS, MEANING, FAQ)

MAX_UNITS = 5_000  # units read per build: the work is bounded whatever the corpus's size
MAX_WORDS = 14  # a longer example is a chore to read on the first screen

_DATE_VALUE = re.compile(rf"^{DATE_PHRASE}$")
_ABOUT = (
    r"(?:(?:More than|more than|Over|over|Nearly|nearly|Almost|almost|About|about|Around|"
    r"around|Some|some|Up to|up to|At least|at least|Approximately|approximately)\s+)"
)
# "..., more than 547,000 individuals used CBP One ...": a count, then what it counts doing
_COUNT_LED = re.compile(
    rf"^(?:[^,]{{1,60}},\s+)?{_ABOUT}?\d[\d,.]*(?:\s+(?:thousand|million|billion))?\s+"
    r"(?P<rest>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,3}\s+[a-z]+ed\b)"
)
# "Secretary Blinken announced ...": a capitalised name, then a verb in the past
_NAME_LED = re.compile(
    r"^(?:On [^,]{4,30},\s+)?(?P<name>(?:[A-Z][\w.'’-]*\s+)(?:(?:of\s+|the\s+)?[A-Z][\w.'’-]*\s+)"
    r"{0,5})(?P<rest>(?:also\s+)?[a-z]+ed\b)"
)
# Where a clause ends: a comma (not one of a list's), a semicolon, a colon, a full stop, or a
# second verb joined by "and" ("... used CBP One and presented at a port of entry")
_CLAUSE_END = re.compile(r",\s|;|:|\.(?:\s|$)|\s+and\s+(?=[a-z]+(?:ed|s)?\b)")
_LIST_GOES_ON = re.compile(r"^,\s+(?:[\w-]+\s+){0,3}[\w-]+,|^,\s+(?:and|or)\s")
_DATE_LED = re.compile(rf"^On (?P<date>{DATE_PHRASE}),\s+\S")
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_OPENERS = frozenset("the this these that those it its their our a an".split())


@dataclass(frozen=True)
class Example:
    question: str
    form: str  # one of FORMS
    doc_id: str
    about: str = ""  # the name a "What is ...?" asks about


def example_candidates(
    chunks: Iterable[Chunk], topics: Sequence[str] = (), per_form: int = 3
) -> list[Example]:
    """Candidate questions, at most `per_form` of each form, each document's in turn, in the
    order of FORMS (then the topics' "What is ...?"), from at most MAX_UNITS units."""
    found: dict[str, dict[str, list[Example]]] = {form: {} for form in FORMS}
    seen: set[str] = set()
    for example in _from_units(_units(chunks)):
        if example.question.lower() in seen or len(example.question.split()) > MAX_WORDS:
            continue
        seen.add(example.question.lower())
        found[example.form].setdefault(example.doc_id, []).append(example)
    for topic in topics:
        question = _what_is(topic)
        if question and question.lower() not in seen:
            found[WHAT_IS].setdefault("", []).append(Example(question, WHAT_IS, "", topic))
    out: list[Example] = []
    for form in FORMS:
        out += list(_interleave(list(found[form].values())))[:per_form]
    return out


def pick_varied(examples: Iterable[Example], limit: int) -> list[Example]:
    """Up to `limit` examples, one per form before a second of any: the first of each form in
    turn, then the next of each."""
    by_form: dict[str, list[Example]] = {}
    for e in examples:
        by_form.setdefault(e.form, []).append(e)
    return list(_interleave(list(by_form.values())))[:limit]


def _units(chunks: Iterable[Chunk]) -> Iterator[tuple[str, Sentence]]:
    """(doc id, unit) of the chunks, each unit once, at most MAX_UNITS."""
    seen: set[tuple[str, int]] = set()
    for chunk in chunks:
        for unit in chunk.sentences:
            if (chunk.doc_id, unit.start) in seen:
                continue
            seen.add((chunk.doc_id, unit.start))
            yield chunk.doc_id, unit
            if len(seen) >= MAX_UNITS:
                return


def _from_units(units: Iterable[tuple[str, Sentence]]) -> Iterator[Example]:
    for doc_id, unit in units:
        text = " ".join(unit.text.split())
        if unit.kind == SENTENCE:
            for form, question in _from_sentence(text):
                yield Example(question, form, doc_id)
        elif unit.kind == TABLE_ROW:
            for form, question in _from_row(text):
                yield Example(question, form, doc_id)
        elif unit.kind == DEFINITION and unit.context and len(unit.context.split()) <= 5:
            yield Example(f"What does “{_sentence_case(unit.context)}” mean?", MEANING, doc_id)
        elif unit.kind == FAQ_QUESTION and text.endswith("?") and text[:1].isupper():
            yield Example(text, FAQ, doc_id)


def _from_sentence(text: str) -> Iterator[tuple[str, str]]:
    """How many ...? Who ...? What happened on ...? from a sentence's opening."""
    if (m := _COUNT_LED.match(text)) and (clause := _clause(text, m.start("rest"))):
        yield HOW_MANY, f"How many {clause}?"
    m = _NAME_LED.match(text)
    if m and _a_name(m.group("name").strip()) and (clause := _clause(text, m.start("rest"))):
        clause = re.sub(r"^also\s+", "", clause)
        if len(clause.split()) >= 3:
            yield WHO, f"Who {clause}?"
    if m := _DATE_LED.match(text):
        yield WHAT_HAPPENED, f"What happened on {m.group('date')}?"


def _clause(text: str, start: int) -> str:
    """The clause of text from start to where it ends; "" when it ends inside a list
    ("... in Guatemala, Costa Rica, and Ecuador") or runs on too long to ask about."""
    for m in _CLAUSE_END.finditer(text, start):
        if m.group().startswith(",") and _LIST_GOES_ON.match(text[m.start() :]):
            return ""
        if m.group().strip() == "and" and len(text[start : m.start()].split()) < 3:
            continue
        clause = text[start : m.start()].strip()
        return clause if len(clause.split()) <= MAX_WORDS - 2 else ""
    return ""


def _from_row(text: str) -> Iterator[tuple[str, str]]:
    """When was <the first cell>? from a row with a date in another cell; Which country is the
    <header> for <the first cell>? from a row with countries only in another cell."""
    cells = [(c, _PARENTHESES.sub("", v).strip()) for c, v in row_cells(text)]
    if len(cells) < 2 or not all(c for c, _ in cells):
        return
    if re.fullmatch(r"\d{1,4}[.)]?", cells[0][1]):  # a running number is no subject
        cells = cells[1:]
    (kind, subject), rest = cells[0], cells[1:]
    if not subject or len(subject.split()) > 8 or any(ch.isdigit() for ch in subject):
        return
    phrase = _noun_phrase(kind, subject)
    if any(_DATE_VALUE.match(value) for _, value in rest):
        yield WHEN, f"When was {phrase}?"
    for column, value in rest:
        names = [n.strip() for n in re.split(r",\s*|\s+and\s+", value) if n.strip()]
        if names and all(n.lower() in countries() for n in names) and column[:1].isalpha():
            header = _PARENTHESES.sub("", column).strip().lower()
            noun, verb = ("countries", "are") if len(names) > 1 else ("country", "is")
            article = "" if header.endswith("s") and len(names) > 1 else "the "
            yield WHICH, f"Which {noun} {verb} {article}{header} for {phrase}?"
            break


def _what_is(topic: str) -> str:
    """What is <a name>? (What are ... for a plural one); none for a place."""
    bare = topic.removeprefix("the ")
    if bare.lower() in places():
        return ""
    head = re.split(r"\s+(?:of|for|on|in|to|against|de|del)\s+", bare)[0]  # "Offices in X"
    last = head.split()[-1]
    plural = last[:1].isupper() and last.endswith("s") and not last.endswith(("ss", "us"))
    return f"What {'are' if plural and not last.isupper() else 'is'} {topic}?"


def _a_name(name: str) -> bool:
    """Capitalised words that name someone or something, not a sentence's opener ("The")
    alone, nor a place or a month."""
    words = name.split()
    if not words or (words[0].lower() in _OPENERS and len(words) == 1):
        return False
    bare = " ".join(w for w in words if w.lower() != "the")
    if bare.lower() in places() or re.fullmatch(MONTH_PATTERN, bare):
        return False
    return len(bare.split()) >= 2 or (bare.isupper() and len(bare) >= 3)


def _noun_phrase(kind: str, subject: str) -> str:
    """A table's first cell as a question names it, with its header (the kind of thing it
    is): "the third ministerial meeting" when the cell says its kind itself ("Meeting: Third
    ministerial meeting"), else "the action package “Labor mobility”"."""
    kind = _PARENTHESES.sub("", kind).strip()
    if kind.lower() in subject.lower():
        words = subject.split()
        described = all(w.islower() for w in words[1:] if w.isalpha())
        return f"the {_sentence_case(subject)}" if described else f"the {subject}"
    return f"the {_sentence_case(kind)} “{subject}”"


def _sentence_case(term: str) -> str:
    words = term.split()
    if words and words[0][1:].islower() and all(w.islower() for w in words[1:] if w.isalpha()):
        return term[0].lower() + term[1:]
    return term


def _interleave(lists: Sequence[Sequence[Example]]) -> Iterator[Example]:
    for i in range(max((len(x) for x in lists), default=0)):
        for items in lists:
            if i < len(items):
                yield items[i]

"""Reading a question: its parts, what kind of answer it wants, whether it follows up."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.names import QUESTION_STOPWORDS, QUESTION_WORD, is_acronym, question_names
from assistant.types import Turn

MAX_CARRIED_CHARS = 300  # of an earlier question's words a follow-up's query carries
MAX_EARLIER_CHARS = 4000  # of the earlier question read for them
_WH = r"(?:who|whom|whose|what|when|where|which|why|how|did|does|do|is|are|was|were|will|can)"
_PART_SPLIT = re.compile(rf"\?\s+|;\s+|,?\s+(?:and|but|also|plus)\s+(?={_WH}\b)", re.I)
# A question depends on the conversation when it says so: it opens with a connective ("and
# ...", "what about ...") or is a fragment ("In 2024?", "Why?"), or it refers back (a pronoun
# with nothing in the question it could stand for, a demonstrative, "there" as a place, "the
# same", "the other ones", a general noun such as "the money" in a short question). Otherwise it
# stands alone, however short: "migration" after a question about funding searches "migration".
_FOLLOW_START = re.compile(
    r"^\s*(?:and|but|also|so|then|what about|how about|what else|anything else|what of|"
    r"tell me more|more on|what if|or)\b",
    re.I,
)
_FRAGMENT_START = re.compile(
    r"^\s*(?:in|at|for|from|during|since|by|on|with|without|before|after|under|between|"
    r"compared)\b(?!.*\b(?:who|whom|whose|what|when|where|which|why|how)\b)",
    re.I,
)
# "it", "its", "he", "his", "they", "their" can stand for something the question names before
# them ("Did Canada keep its pledge?"); an object pronoun ("him", "them") cannot stand for the
# subject of its own clause, so it points back.
_PERSONAL = re.compile(r"\b(?:it|its|itself|he|his|she|hers)\b", re.I)
_PLURAL = re.compile(r"\b(?:they|their|theirs|themselves)\b", re.I)
_OBJECT = re.compile(r"\b(?:him|them)\b", re.I)
_REFERS_BACK = re.compile(
    r"\b(?:the same|such|the (?:other|latter|former|first|second|third|last) (?:one|ones|of)|"
    r"the ones?|else|(?:too|as well|either)(?=\s*[?.!]*\s*$)|"
    r"(?:by|until|till|since|before|after|from) then|"
    r"at (?:that|the) time)\b|\b(?:these|those)\b(?!\s+(?:who|that|which)\b)",
    re.I,
)
# "this"/"that" pointing back: at the end, after a preposition, or before a noun ("that
# money"); not "this declaration" (the documents themselves) nor "say that ..." (a clause).
_DEMONSTRATIVE = re.compile(
    r"\b(?:this|that)\s*[?.!]*\s*$|\b(?:about|of|in|on|for|from|with|after|before|at|by|to|"
    r"during|like|than|under|through)\s+(?:this|that)\b|^\s*(?:this|that)\b|"
    r"\b(?:this|that)\s+(?!declaration|document|documents|fact sheet|text|corpus)"
    r"(?:money|amount|figure|number|sum|programme|program|initiative|process|plan|project|"
    r"meeting|event|office|offices|country|loan|pledge|commitment|agreement|package|fund|"
    r"deadline|scheme|visa|pathway|route|policy|one)\b",
    re.I,
)
_THERE = re.compile(r"\bthere\b", re.I)
_EXISTENTIAL = re.compile(
    r"\b(?:is|are|was|were|be|been|will|has|have|had)\s+there\b|"
    r"\bthere\s+(?:is|are|was|were|be|been|will|has|have|had|'s|’s)\b",
    re.I,
)
# General nouns that a short question uses for something named earlier ("the money", "the
# offices", "the programme"): shell nouns, whatever the corpus.
_GENERAL_NOUN = re.compile(
    r"\bthe\s+(?:money|amount|figure|figures|number|numbers|sum|total|cost|costs|funds?|"
    r"funding|programmes?|programs?|initiatives?|process|plan|plans|project|projects|"
    r"scheme|meeting|meetings|event|events|offices?|countries|country|place|people|loan|"
    r"pledges?|commitments?|agreement|package|packages|deadline|date|year|results?|"
    r"applicants|participants|beneficiaries|partners|members|organisations?|organizations?)\b",
    re.I,
)
# Words that carry no subject of their own: "How much in total?" is as elliptical as "How much?"
_GENERIC = frozenset(
    "total exactly exact again instead now detail details more else precisely roughly about "
    "approximately overall altogether so far yet still mean means".split()
)
_LIST = re.compile(
    r"\b(?:list|which|what are|name|who are|all|each|every|summar|overview|"
    r"pillars|countries|measures|steps|actions|commitments|members)\w*",
    re.I,
)
_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|long|large|big)\b|\bwhat (?:amount|number|percentage|share|figure|sum)\b"
    r"|\bamount\b",  # budgets, costs and sums of money: plan.MONEY
    re.I,
)
_DATE_Q = re.compile(r"\bwhen\b|\bwhat (?:date|day|year|month)\b|\bsince when\b", re.I)


def split_parts(question: str) -> list[str]:
    """The sub-questions of a multi-part question ("Who hosted it and when?" -> two; "How
    much did it announce at the launch and at the Lima meeting?" -> two)."""
    parts = [p.strip(" ?,.;") for p in _PART_SPLIT.split(question)]
    parts = [p for p in parts if content_words(p) or re.match(rf"{_WH}\b", p, re.I)]
    if len(parts) == 1:
        parts = parallel_parts(parts[0]) or parts
    return parts or [question.strip()]


_PARALLEL = re.compile(
    r"^(?P<head>.+?)\s(?P<prep>at|in|during|for)\s(?P<items>.+?"
    r"(?:,\s*|,?\s+(?:and|or)\s+)(?P=prep)\s.+)$",
    re.I,
)
_COMPARED = re.compile(
    r"^(?P<left>.+?),?\s+(?:compared (?:with|to)|versus|vs\.?)\s+(?P<right>.+)$", re.I
)
_FIRST_AT = (re.compile(r"^.+?\sat\s", re.I), re.compile(r"^.+?\s(?:in|during)\s", re.I))


def parallel_parts(question: str) -> list[str]:
    """One question asked of several times or places, each after the same preposition or
    compared: "How much did it announce at the launch, at Lima and at Guatemala?" -> one part
    per place; "How much at the launch compared with the Guatemala meeting?" -> two."""
    text = question.strip(" ?")
    if m := _COMPARED.match(text):
        at = next((a for a in (p.match(m.group("left")) for p in _FIRST_AT) if a), None)
        return [m.group("left"), f"{at.group(0)}{m.group('right')}"] if at else []
    m = _PARALLEL.match(text)
    if not m:
        return []
    prep = m.group("prep")
    items = re.split(rf"(?:,\s*|,?\s+(?:and|or)\s+){prep}\s", m.group("items"), flags=re.I)
    items = [i.strip() for i in items if i.strip()]
    if len(items) < 2:
        return []
    return [f"{m.group('head')} {prep} {item}" for item in items]


def sub_queries(question: str, query: str) -> list[str]:
    """The parts of a multi-part question as queries, each carrying what condensing added
    (so "Who hosted it and when?" after a question about Canada stays about Canada)."""
    parts = split_parts(question)
    if len(parts) < 2:
        return []
    carried = query[len(question.strip()) :] if query.startswith(question.strip()) else ""
    return [part + carried for part in parts]


def content_words(text: str) -> list[str]:
    return [
        w
        for w in QUESTION_WORD.findall(text)
        if w.lower() not in QUESTION_STOPWORDS or is_acronym(w)
    ]


def wants_number(question: str) -> bool:
    return bool(_NUMBER_Q.search(question))


def wants_person(question: str) -> bool:
    return bool(re.match(r"\s*(?:who|whom)\b", question, re.I))


def wants_date(question: str) -> bool:
    return bool(_DATE_Q.search(question))


def wants_list(question: str) -> bool:
    return bool(_LIST.search(question))


def is_followup(question: str, history: Sequence[Turn]) -> bool:
    """Whether the question depends on the conversation (see the patterns above): only then
    does its query carry the earlier subject."""
    if not any(t.role == "user" for t in history):
        return False
    return depends_on_context(question)


def depends_on_context(question: str) -> bool:
    text = question.strip()
    if _FOLLOW_START.search(text) or _FRAGMENT_START.search(text):
        return True
    subject = [w for w in content_words(text) if w.lower() not in _GENERIC]
    if not subject:
        return True  # "When?", "How many?", "Why not?"
    if _REFERS_BACK.search(text) or _DEMONSTRATIVE.search(text) or _OBJECT.search(text):
        return True
    if _THERE.search(text) and not _EXISTENTIAL.search(text):
        return True
    own_names = bool(question_names(text))
    if (m := _PERSONAL.search(text)) and not question_names(text[: m.start()]):
        return True  # "How much did it pledge?"; not "What did Canada say about its plan?"
    if (m := _PLURAL.search(text)) and not (
        question_names(text[: m.start()]) or _plural_before(text, m.start())
    ):
        return True  # "Who runs them?"; not "How do countries protect their borders?"
    return len(subject) <= 3 and not own_names and bool(_GENERAL_NOUN.search(text))


def _plural_before(text: str, end: int) -> bool:
    """A plural noun before `end` that "they"/"their" can stand for (countries, people)."""
    return any(
        w.lower() in ("people", "children", "women", "men")
        or (w.endswith("s") and not w.endswith("ss") and len(w) > 3)
        for w in content_words(text[:end])
        if not w[0].isdigit()
    )


def condense(question: str, history: Sequence[Turn]) -> str:
    """The standalone query: a follow-up carries the subject words of the earlier question,
    at most MAX_CARRIED_CHARS of them (whatever the history holds, the query stays short)."""
    if not is_followup(question, history):
        return question.strip()
    earlier = next(t.content for t in reversed(history) if t.role == "user")
    lowered = question.lower()
    carried: list[str] = []
    size = 0
    for word in content_words(earlier[:MAX_EARLIER_CHARS]):
        if word.lower() in lowered:
            continue
        if size + len(word) + 1 > MAX_CARRIED_CHARS:
            break
        carried.append(word)
        size += len(word) + 1
    return f"{question.strip()} ({' '.join(carried)})" if carried else question.strip()

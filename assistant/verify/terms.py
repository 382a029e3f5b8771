"""The words of a claim that support is judged on: pure functions.

Key terms are the numbers (digits only, so 547,000 == 547000, and counts written in words as
digits, so "Twenty-one" == 21) and names (capitalised words
that do not open the sentence; text/names.py) a supporting quote must contain. Content words
are every other word that carries meaning (not a function word), reduced to their stem so
"pledged" meets "pledge" and "modernizing" meets "modernize" (Snowball, as the lexical index
stems).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import Stemmer

from assistant.text.dates import MONTHS_LOWER
from assistant.text.names import WORD, claim_names, initials, name_term
from assistant.text.numbers import (
    NUMBER,
    SPELLED,
    is_year,
    normal_number,
    spelled_numbers,
    spelled_value,
)

STOPWORDS = frozenset(
    """a an the this that these those it its it's in on at of for and but or nor as by with
    from to into onto upon about above below over under after before between among through
    during since until while when where what which who whom whose how why than then there here
    is are was were be been being am do does did done has have had having will would shall
    should can could may might must not no yes so such too very also only just both each every
    all any some many much more most other another several few own same he she they we you i
    me him her them us our their his my your ours theirs its also already additionally
    however moreover furthermore meanwhile thus therefore hence including include includes
    included per via according said says say stated states state mentioned passage passages
    document documents source sources text fact sheet answer question""".split()
)


def key_terms(text: str) -> set[str]:
    """Numbers (written in digits or in words) and names of text (see the module docstring)."""
    spelled = spelled_numbers(text)
    words = {name_term(w) for written in spelled for w in re.split(r"[-\s]", written)}
    terms = {normal_number(n) for n in NUMBER.findall(text)} | set(spelled.values())
    return {t for t in terms | (claim_names(text) - words) if t}


@lru_cache(maxsize=8192)
def all_terms(text: str) -> frozenset[str]:
    """Every number and every word of text in key-term form, and the initials of its names
    ("United States" offers "us", "Department of Homeland Security" "dhs"): what a quote
    offers."""
    return frozenset(term for term, _ in written_terms(text)) | initials(text)


def written_terms(text: str) -> list[tuple[str, re.Match[str]]]:
    """Every number (in digits or in words) and every word of text, each in key-term form with
    the match that writes it (to quote a missing term as the sentence wrote it)."""
    found = [(normal_number(m.group()), m) for m in NUMBER.finditer(text)]
    found += [(name_term(m.group()), m) for m in WORD.finditer(text)]
    return found + [(spelled_value(m), m) for m in SPELLED.finditer(text)]


def frame_terms(question: str) -> set[str]:
    """The terms a question supplies itself, which an answer may repeat without a quote: its
    time (years, and the days next to a month: "As of February 2024, ..."). Its names are not
    given: "Did Mexico pledge C$75 million?" answered "Mexico pledged C$75 million [1]" from a
    passage about Canada would pass on the question's word alone. Other numbers of the
    question are not given either: an answer that repeats them must still quote them."""
    times = {n for n in (normal_number(x) for x in NUMBER.findall(question)) if is_year(n)}
    words = [w.lower() for w in re.findall(r"[A-Za-z]+|\d+", question)]
    for i, word in enumerate(words):
        if word in MONTHS_LOWER:
            times |= {w for w in words[max(0, i - 1) : i + 2] if w.isdigit()}
            times.add(name_term(word.capitalize()))
    opening = WORD.findall(question)[:1]  # "Besides Secretary Blinken, who ...?": a word an
    return times | {name_term(w) for w in opening}  # answer may open with too, not a name


@lru_cache(maxsize=8192)
def content_words(text: str) -> tuple[str, ...]:
    """The stems of text's meaningful words, in order (numbers are left to key terms)."""
    return tuple(stem(w) for w in WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 1)


def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of the word, lower case, without a possessive."""
    return _stemmer().stemWord(name_term(word))


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def offered_terms(terms: frozenset[str], offered: frozenset[str]) -> frozenset[str]:
    """The claim's terms a text offers: the same term, or a name's adjective of nationality
    when the text names the place ("American" for a passage's "South America", "Canadian" for
    "Canada", "Mexican" for "Mexico"); never another name ("Austria" is not "Australia")."""
    exact = terms & offered
    rest = {t for t in terms - exact if t.isalpha() and t.endswith(_DEMONYM)}
    loose = {t for t in rest if any(_place_of(t, o) for o in offered if o[:3] == t[:3])}
    return exact | loose


_DEMONYM = ("an", "ans", "ese", "ish")  # Canadian(s), Guatemalan, Panamanian, Congolese, Spanish


def _place_of(adjective: str, place: str) -> bool:
    if len(place) < 4 or len(adjective) <= len(place) - 1 or not place.isalpha():
        return False
    common = next(
        (i for i, (x, y) in enumerate(zip(place, adjective, strict=False)) if x != y), len(place)
    )
    return common >= len(place) - 1 and len(adjective) - common <= 4

"""The words of a claim that support is judged on: pure functions.

Key terms are the numbers (digits only, so 547,000 == 547000) and names (capitalised words
that do not open the sentence) a supporting quote must contain. Content words are every other
word that carries meaning (not a function word), reduced to their stem so "pledged" meets
"pledge" and "modernizing" meets "modernize" (Snowball, as the lexical index stems).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import Stemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from assistant.text.dates import MONTHS_LOWER
from assistant.text.numbers import NUMBER, is_year, normal_number

WORD = re.compile(r"[A-Za-z][\w'’-]*")
_NOT_NAMES = frozenset(
    "I A An The This That These Those It Its In On At Of For And But Or As By With From To "
    "He She They We You Our Their His Her Also Under Over After Before".split()
)
# A sentence's capitalised first word is no name when it is a common word: scikit-learn's
# English stop words (318: "besides", "such", "however" ...) and these sentence openers.
_OPENERS = ENGLISH_STOP_WORDS | frozenset(
    "a an the this that these those it its in on at of for and but or as by with from to he "
    "she they we you our their his her also under over after before already additionally "
    "once overall however moreover furthermore meanwhile finally first second third then "
    "there here according both each every all some many most several since while when where "
    "what which who how why yes no not only further separately similarly likewise together "
    "specifically notably currently previously recently today until through during".split()
)
# Words that carry no claim of their own: articles, pronouns, auxiliaries, prepositions,
# conjunctions, and the answer's own framing ("the passages say ...").
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
    """Numbers and names of text (see the module docstring)."""
    terms = {normal_number(n) for n in NUMBER.findall(text)}
    words = WORD.findall(text)
    for i, word in enumerate(words):
        opening = i == 0 and word.lower() in _OPENERS  # "Already, ..." is no name
        if word[0].isupper() and word not in _NOT_NAMES and not opening:
            terms.add(name_term(word))
    return {t for t in terms if t}


@lru_cache(maxsize=8192)
def all_terms(text: str) -> frozenset[str]:
    """Every number and every word of text in key-term form, and the initials of its names
    ("United States" offers "us", "Department of Homeland Security" "dhs"): what a quote
    offers."""
    return (
        frozenset({normal_number(n) for n in NUMBER.findall(text)})
        | {name_term(w) for w in WORD.findall(text)}
        | initials(text)
    )


_NAME_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:of|and|for|the|de|del)?\s*[A-Z][\w’'-]*)+")


def initials(text: str) -> frozenset[str]:
    """The initials of every run of two or more capitalised words (small joining words
    skipped): what an acronym of a name the text spells out would be."""
    out = set()
    for run in _NAME_RUN.finditer(text):
        words = [w for w in run.group().split() if w[0].isupper() and w not in ("The", "A", "An")]
        out |= {
            "".join(w[0] for w in words[i:j]).lower()
            for i in range(len(words))
            for j in range(i + 2, len(words) + 1)
        }
    return frozenset(out)


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


def name_term(word: str) -> str:
    w = word.lower()
    return w.removesuffix("'s").removesuffix("’s").rstrip("'’") or w


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

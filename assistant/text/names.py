"""Names in text: capitalised words and runs of them, what counts as a name where (a question's
subject, a claim's key terms, a person, a topic worth an example), the initials a name spelled
out offers, and the word lists these share (titles, institutions, joining words, openers).

Each detector serves one reader and says which; they differ on purpose (a claim's names must
be quoted, a person's name answers "who", a topic must be worth a question) and share the
word lists below rather than copies of them."""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from assistant.text.dates import CALENDAR_WORDS
from assistant.text.places import places

WORD = re.compile(r"[A-Za-z][\w'’-]*")
"""A word of a claim (numbers are matched apart, text/numbers.py)."""

# --- word lists ---------------------------------------------------------------------------

TITLES = frozenset(
    """president vice prime minister ministers secretary foreign state special coordinator
    coordinators director ambassador senior official officials chief head deputy general
    commissioner governor mayor envoy representative dr mr ms mrs sir""".split()
)
"""Words of a post or an honorific: "Foreign Minister" alone names no one."""

INSTITUTION_WORDS = frozenset(
    """embassy organization organisation partnership office offices department ministry
    agency program programme initiative committee council bank fund union government
    secretariat house declaration conference meeting summit platform administration
    commission court service services network alliance coalition forum group center centre
    institute university foundation association federation labor labour security affairs
    plan process parole package packages action corporation nations protection customs
    immigration citizenship assembly parliament congress senate republic states""".split()
)
"""A word that makes a run of capitalised words a body, not a person."""

_PARTICLES = frozenset("the of for de del la and".split())
_OPENING = frozenset("in on at by since from after before until during when while a an".split())
_NOT_PERSON = TITLES | CALENDAR_WORDS | _OPENING  # titles, months and days, openers

# A capitalised word of a claim that is no name wherever it stands.
_NOT_NAMES = frozenset(
    "I A An The This That These Those It Its In On At Of For And But Or As By With From To "
    "He She They We You Our Their His Her Also Under Over After Before".split()
)
# A sentence's capitalised first word is no name when it is a common word: scikit-learn's
# English stop words (318: "besides", "such", "however" ...) and these sentence openers.
_SENTENCE_OPENERS = ENGLISH_STOP_WORDS | frozenset(
    "a an the this that these those it its in on at of for and but or as by with from to he "
    "she they we you our their his her also under over after before already additionally "
    "once overall however moreover furthermore meanwhile finally first second third then "
    "there here according both each every all some many most several since while when where "
    "what which who how why yes no not only further separately similarly likewise together "
    "specifically notably currently previously recently today until through during".split()
)

# Words a question is not about (its own frame): what its names are picked from.
QUESTION_STOPWORDS = frozenset(
    "a an the of to in on at for and or but with by from as is are was were be been being do does "
    "did what who whom whose when where which why how will would can could should may might must "
    "about into over under than then that this these those it its they their them there here "
    "also any some many much more most other such so not no yes please tell me i we you our us "
    "he she his her has have had said say says".split()
)
QUESTION_WORD = re.compile(r"[^\W\d_][\w'’$-]*|\d[\d,.]*\d|\d")
"""A word or number of a question ("$", "'" and "-" inside a word kept)."""


def is_acronym(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


# --- a question's names -----------------------------------------------------------------


def question_names(text: str) -> list[str]:
    """Capitalised words that do not open the text, and numbers: what a question is about."""
    words = QUESTION_WORD.findall(text)
    found = [
        w
        for w in words[1:]
        if w[0].isupper() and (w.lower() not in QUESTION_STOPWORDS or is_acronym(w))
    ]
    found += [w for w in words if w[0].isdigit()]
    return list(dict.fromkeys(found))


# --- a claim's names (what a quote must hold) -----------------------------------------------


def name_term(word: str) -> str:
    """A name as compared: lower case, without a possessive."""
    w = word.lower()
    return w.removesuffix("'s").removesuffix("’s").rstrip("'’") or w


def claim_names(text: str) -> set[str]:
    """The names of a claim, as name terms: capitalised words but those that are never names
    and a first word that is a common word ("Already, ..."), which only opens the sentence."""
    found = set()
    words = WORD.findall(text)
    for i, word in enumerate(words):
        opening = i == 0 and word.lower() in _SENTENCE_OPENERS
        if word[0].isupper() and word not in _NOT_NAMES and not opening:
            found.add(name_term(word))
    return found


_NAME_RUN = re.compile(
    r"(?:[A-Z][\w'’-]*\s+(?:(?:of|for|and|the|de|del|la|para|las)\s+)*)*[A-Z][\w'’-]*"
)


def acronyms(text: str) -> frozenset[str]:
    """The initials of every run of capitalised words (joining words between them skipped,
    Spanish ones too; "The", "A", "An" skipped), and each contiguous part of two letters or
    more, in capitals: what an acronym may stand for where the name is spelled out ("ILO" ~
    "International Labor Organization", "US" ~ "United States")."""
    found: set[str] = set()
    for run in _NAME_RUN.findall(text):
        words = [w for w in run.split() if w[0].isupper() and w not in ("The", "A", "An")]
        letters = "".join(w[0] for w in words)
        for i in range(len(letters)):
            for j in range(i + 2, len(letters) + 1):
                found.add(letters[i:j])
    return frozenset(found)


def initials(text: str) -> frozenset[str]:
    """`acronyms` in lower case, as a claim's terms are compared."""
    return frozenset(a.lower() for a in acronyms(text))


# --- a person's name (what answers "who") ------------------------------------------------

CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+")
"""A capitalised word that does not open a sentence."""
_PERSON_RUN = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:(?:of|for|de|del|la)\s+)?[A-Z][\w'’.-]*)*")
_DEMONYM = re.compile(r"(?:an|ese|ish|i)$")


def names_a_person(unit_text: str, question: str, strict: bool = False) -> bool:
    """Does the text name who did it, not in the question? A "who" answer is a person
    ("Antony Blinken", "President Arévalo"), a country ("Lead: Peru") or a city; not only
    institutions ("Haitian Embassy", "International Organization for Migration"), an
    adjective of nationality ("Haitian migrants") or the word that opens the sentence.
    `strict` (a question about a post: "Who is the director of ...?"): only a person's name
    counts, never a place or a bare title ("Foreign Minister", "Los Angeles", "Costa Rica")."""
    asked = question.lower()
    for m in _PERSON_RUN.finditer(unit_text):
        words = m.group(0).split()
        if strict and not personal_name(words):
            continue
        capitalised = [w for w in words if w[0].isupper()]
        if all(w.lower() in asked for w in capitalised):
            continue
        if any(w.lower().strip(".,") in INSTITUTION_WORDS for w in words):
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
    titled = bool(bare) and bare[0].lower() in TITLES
    name = [w for w in bare if w.lower() not in _NOT_PERSON]
    if not name or " ".join(name).lower() in places():
        return False
    return len(name) >= 2 or titled


# --- names worth an example question (the first screen) -------------------------------------

_CONNECTORS = r"(?:(?:of|for|on|in|to|against)(?:\s+the)?|de|del|la|las|los)"
_TOPIC_WORD = r"(?:[A-Z][\w'’.-]*[\w]|[A-Z]{2,}|[A-Z])"
_TOPIC = re.compile(rf"\b{_TOPIC_WORD}(?:\s+(?:{_CONNECTORS}\s+)*{_TOPIC_WORD})*")
ARTICLE = re.compile(r"^(?:The|the)\s+")
_LEADING = re.compile(
    r"^(?:(?:A|An|This|These|That|Those|Its|Their|Our|Under|With|From|On|In|At|By|As|For|"
    r"After|Since|During|Through|While|When|Both|Each|All|Some|Many|Most|Other|Then|Also|"
    r"Later|Already|However|Additionally|Moreover|Meanwhile|Today|Now|Here|There|If)\s+)+"
)
_TRAILING = re.compile(r"(?:['’]s?|\s+(?:" + _CONNECTORS + r"|and|the))+$")


def name_phrases(sentence: str) -> list[tuple[str, bool, bool]]:
    """The capitalised names of a sentence as (name, at the sentence's start, written with
    "the"), leading openers ("However", "Under") and a trailing possessive or joining word
    removed: "Under the Safe Mobility Offices' plan" -> ("Safe Mobility Offices", False, True)."""
    out = []
    for match in _TOPIC.finditer(sentence):
        raw = _LEADING.sub("", match.group(0).strip())
        article = bool(ARTICLE.match(raw)) or sentence[: match.start()].endswith("the ")
        name = _TRAILING.sub("", ARTICLE.sub("", raw))
        at_start = match.start() == 0 and raw == match.group(0).strip()
        out.append((name, at_start, article))
    return out

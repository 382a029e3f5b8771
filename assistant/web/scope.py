"""What the assistant knows, for the first screen: the indexed documents (title, date), how many,
their date range, and example questions written from the documents' own units in several forms
(`assistant/web/examples.py`), kept only when the offline composer answers them with a checked
citation (never a language model: this runs at startup). Works for any corpus: the questions
come from the shapes of its sentences and tables and from the names the documents mention most
(capitalised multi-word names such as programmes, offices and bodies), not from a fixed list.

`ScopeCache.get()` recomputes only when the index has a new version.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from assistant.text.dates import CALENDAR_WORDS
from assistant.text.names import ARTICLE, name_phrases
from assistant.types import Chunk, DocRecord
from assistant.web.examples import Example, example_candidates, pick_varied

if TYPE_CHECKING:
    from assistant.service import Assistant

MAX_CHUNKS = 2_000  # passages read for names and examples: bounded work at start
MAX_VETTED = 12  # example questions asked at most, per index version
_MAX_WORDS = 6  # longer names make unwieldy examples
_GENERAL_SHARE = 0.25  # a name in more sentences of a document than this is its general subject


@dataclass(frozen=True)
class Scope:
    documents: tuple[DocRecord, ...]  # newest first (undated last)
    examples: tuple[str, ...]  # questions the assistant answers from these documents
    topics: tuple[str, ...]  # the names those examples ask about

    @property
    def date_range(self) -> tuple[str, str] | None:
        """(earliest, latest) ISO dates of the dated documents, or None."""
        dates = sorted(d.date for d in self.documents if d.date)
        return (dates[0], dates[-1]) if dates else None

    @property
    def undated(self) -> int:
        return sum(1 for d in self.documents if not d.date)


def document_order(records: Iterable[DocRecord]) -> tuple[DocRecord, ...]:
    """Newest first; undated documents last, by title."""
    dated = sorted((r for r in records if r.date), key=lambda r: (r.date, r.title), reverse=True)
    undated = sorted((r for r in records if not r.date), key=lambda r: r.title.lower())
    return (*dated, *undated)


@dataclass(frozen=True)
class Names:
    """Names found in a document's sentences: in how many sentences each appears, and in how
    many of those it follows "the" ("the Labor Department")."""

    sentences: int
    counts: Counter[str]
    with_article: Counter[str]

    def phrase(self, name: str) -> str:
        """The name as a question would say it: with "the" when the text always says so."""
        return f"the {name}" if self.with_article[name] >= self.counts[name] else name

    def general(self, name: str) -> bool:
        """A name in so many sentences that it is the document's general subject."""
        return self.sentences >= 8 and self.counts[name] > _GENERAL_SHARE * self.sentences


def names_in(sentences: Iterable[str]) -> Names:
    """Capitalised names and the number of sentences each appears in. A sentence's first word
    is capitalised anyway: a name there loses its first word when the rest is a name found
    elsewhere ("Then Safe Mobility Offices"), and a single word counts only inside a sentence,
    as a proper name (not a month or a weekday) or an acronym of three letters or more."""
    found: list[list[tuple[str, bool, bool]]] = []  # per sentence: (name, at start, "the")
    inside: set[str] = set()
    for sentence in sentences:
        names = name_phrases(sentence)
        inside |= {name for name, at_start, _ in names if not at_start}
        found.append(names)
    counts: Counter[str] = Counter()
    with_article: Counter[str] = Counter()
    for names in found:
        kept: dict[str, bool] = {}
        for name, at_start, article in names:
            rest = name.split(" ", 1)[1] if at_start and " " in name else ""
            if rest in inside:
                name, at_start = rest, False
            words = name.split()
            if not words or (len(words) == 1 and not _single_word_name(name, at_start)):
                continue
            if words[0].lower() in CALENDAR_WORDS:
                continue
            kept[name] = kept.get(name, False) or article
        counts.update(kept.keys())
        with_article.update(n for n, a in kept.items() if a)
    return Names(len(found), counts, with_article)


def candidate_topics(chunks: Iterable[Chunk], titles: Sequence[str], limit: int) -> list[str]:
    """The names most worth an example question, best first: names of several sentences
    before names of one, names that are not just the words of a document's title (those are
    the whole corpus's subject) before those that are, and no name inside another one chosen."""
    by_doc: dict[str, list[str]] = {}
    for chunk in chunks:
        texts = [s.text for s in chunk.sentences] or [chunk.text]
        by_doc.setdefault(chunk.doc_id, []).extend(texts)
    title_words = {w.lower() for t in titles for w in re.findall(r"\w+", t)}
    ranked: list[list[str]] = []
    for sentences in by_doc.values():
        names = names_in(sentences)
        counts = names.counts
        kept = [n for n in counts if not names.general(n) and len(n.split()) <= _MAX_WORDS]
        kept.sort(key=lambda n: (_only_title_words(n, title_words), -counts[n], -len(n), n))
        ranked.append([names.phrase(n) for n in kept])
    chosen: list[str] = []
    for name in _interleave(ranked):
        if len(chosen) >= limit:
            break
        if not any(_same_name(name, other) for other in chosen):
            chosen.append(name)
    return chosen


def build_scope(assistant: Assistant, max_examples: int = 4) -> Scope:
    """The documents, and up to `max_examples` example questions the assistant answers, of
    as many forms as it answers (assistant/web/examples.py writes them from the units). The
    work is bounded: at most MAX_UNITS units are read and MAX_VETTED questions asked."""
    records = document_order(assistant.documents())
    if not records:
        return Scope(records, (), ())
    chunks = list(islice(assistant.store.iter_chunks(), MAX_CHUNKS))
    topics = candidate_topics(chunks, [r.title for r in records], 2 * max_examples)
    candidates = pick_varied(example_candidates(chunks, topics, per_form=2), MAX_VETTED)
    kept: list[Example] = []
    for example in candidates:
        if len(kept) >= max_examples:
            break
        if answered_offline(assistant, example.question):
            kept.append(example)
    return Scope(
        records,
        tuple(e.question for e in pick_varied(kept, max_examples)),
        tuple(e.about for e in kept if e.about),
    )


def answered_offline(assistant: Assistant, question: str) -> bool:
    """Whether the offline composer answers the question from the passages retrieved for it,
    with a checked citation. Used to vet example questions at startup without calling a
    language model (which could be slow, paid or down); the composer is the chain's own
    fallback."""
    return assistant.answers_offline(question)


class ScopeCache:
    """The scope of an assistant, rebuilt once per index version: a document added, updated
    or removed (through the page, the API or the CLI) or a rebuilt index commits a new one."""

    def __init__(self, assistant: Assistant, max_examples: int = 4) -> None:
        self.assistant = assistant
        self.max_examples = max_examples
        self._key: int | None = None
        self._scope: Scope | None = None
        self._lock = threading.Lock()

    def get(self) -> Scope:
        with self._lock:
            key = self.assistant.store.version()
            if self._scope is None or key != self._key:
                self._scope = build_scope(self.assistant, self.max_examples)
                self._key = key
            return self._scope


def _single_word_name(word: str, at_start: bool) -> bool:
    if at_start or word.lower() in CALENDAR_WORDS:
        return False
    return len(word) >= 3 if word.isupper() else len(word) >= 2


def _only_title_words(name: str, title_words: set[str]) -> bool:
    return all(w.lower() in title_words for w in re.findall(r"\w+", name))


def _same_name(a: str, b: str) -> bool:
    """One name begins the other ("Safe Mobility" and "the Safe Mobility Offices")."""
    a_, b_ = ARTICLE.sub("", a).lower().split(), ARTICLE.sub("", b).lower().split()
    shorter = min(len(a_), len(b_))
    return a_[:shorter] == b_[:shorter]


def _interleave(lists: Sequence[Sequence[str]]) -> Iterable[str]:
    """One from each list in turn (each document gets its say), best first."""
    for i in range(max((len(x) for x in lists), default=0)):
        for items in lists:
            if i < len(items):
                yield items[i]

"""How well some evidence states a claim's meaning: one scoring function behind one interface,
so a trained reader (an NLI or cross-encoder model) can take the lexical one's place.

The lexical scorer is a floor, not an understanding: the share of the claim's content words,
weighted by how rare each is among the passages the answer was given (idf), that the evidence
(or the question, which an answer may restate) contains. A word no passage holds weighs most,
so "It is safer to pay the agent in cash" scores low against a passage about paying by bank
transfer even though it has no name or number to check.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from assistant.verify.terms import content_words


@dataclass(frozen=True)
class Claim:
    """One answer sentence as support is judged on it."""

    text: str  # without markers
    terms: frozenset[str]  # numbers and names a quote must hold (the question's own excluded)
    words: tuple[str, ...]  # content-word stems
    frame: frozenset[str]  # content-word stems the question supplies


class SupportScorer(Protocol):
    """Scores how well evidence states a claim, in [0, 1]; `floor` is the least score that
    counts as support. `passages` are the texts the answer was given (context a scorer may
    use, such as word rarity)."""

    @property
    def floor(self) -> float: ...

    def score(self, claim: Claim, evidence: Sequence[str], passages: Sequence[str]) -> float: ...


@dataclass(frozen=True)
class LexicalSupport:
    """idf-weighted share of the claim's content words found in the evidence or the question."""

    floor: float = 0.5

    def score(self, claim: Claim, evidence: Sequence[str], passages: Sequence[str]) -> float:
        words = set(claim.words)
        if not words:
            return 1.0 if claim.terms else 0.0  # all in names and numbers, checked apart
        have = {w for text in evidence for w in content_words(text)} | claim.frame
        weight = idf(tuple(passages))
        total = sum(weight(w) for w in words)
        return sum(weight(w) for w in words if w in have) / total


@lru_cache(maxsize=64)
def idf(passages: tuple[str, ...]) -> _Idf:
    return _Idf([set(content_words(p)) for p in passages])


class _Idf:
    """Inverse document frequency over the given passages, never zero:
    log((N + 1) / (df + 0.5)) + 0.1."""

    def __init__(self, docs: Sequence[set[str]]) -> None:
        self.n = len(docs)
        self.df: dict[str, int] = {}
        for doc in docs:
            for w in doc:
                self.df[w] = self.df.get(w, 0) + 1

    def __call__(self, word: str) -> float:
        return math.log((self.n + 1) / (self.df.get(word, 0) + 0.5)) + 0.1

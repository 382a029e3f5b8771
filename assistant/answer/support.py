"""Does a set of passages speak to what a question specifically asks? Pure checks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.text.aliases import Aliases
from assistant.text.names import acronyms

_WORD = re.compile(r"[\w$][\w,.'’-]*\w|\w")
_ORDINAL_WORDS = r"first|second|third|fourth|fifth|sixth|next|previous|last|upcoming|inaugural"
ORDINALS = re.compile(rf"\b(?:{_ORDINAL_WORDS})\b", re.I)


# An ordinal that names one of a series ("the second meeting", "the next summit"), not an
# adverb ("Which country first proposed it?", "Who spoke last?").
_NAMED_ORDINAL = re.compile(rf"\b(?:the|its|their)\s+({_ORDINAL_WORDS})\s+[a-z]", re.I)


@dataclass(frozen=True)
class PassageTerms:
    """What a set of passages mentions, prepared once per answer."""

    words: frozenset[str]
    text: str  # lower-cased, commas removed from numbers
    acronyms: frozenset[str]

    @classmethod
    def of(cls, texts: Iterable[str]) -> PassageTerms:
        joined = " ".join(texts)
        lowered = joined.lower()
        return cls(frozenset(_WORD.findall(lowered)), lowered.replace(",", ""), acronyms(joined))


def mentioned(name: str, terms: PassageTerms, aliases: Aliases) -> bool:
    """Loose match so demonyms, possessives, acronyms and aliases count: Cubans ~ Cuba,
    USAID's ~ USAID, ILO ~ International Labor Organization, DHS ~ Homeland Security."""
    stem = re.sub(r"(?:'s|’s)$", "", name.lower())
    if stem.replace(",", "").replace(".", "").isdigit():
        return stem.replace(",", "") in terms.text
    if name.isupper() and name.upper() in terms.acronyms:
        return True
    prefix = stem[: max(4, len(stem) - 3)]
    if any(w.startswith(prefix) for w in terms.words):
        return True
    return any(alias in terms.text for alias in aliases.of(stem))


def unmentioned(
    names: Iterable[str], question: str, terms: PassageTerms, aliases: Aliases
) -> list[str]:
    """The names (and ordinals like "second" or "next") of the question that the passages
    never mention, under any alias."""
    lowered = question.lower()
    covered: set[str] = set()
    for key, alts in aliases.names.items():
        if " " in key and key in lowered and any(a in terms.text for a in alts):
            covered.update(key.split())
    ordinals = [m.group(1) for m in _NAMED_ORDINAL.finditer(question)]
    asked = list(names) + (ordinals if len(ordinals) == 1 else [])  # not "(first, second...)"
    return [n for n in asked if n.lower() not in covered and not mentioned(n, terms, aliases)]


_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,60}\b(?:instructions?|prompts?|rules|context)\b"
    r"|^\s*(?:system|assistant|user)\s*:|\b(?:system prompt|you are (?:an? )?(?:ai|assistant|"
    r"language model))\b|\b(?:reveal|print|show)\b.{0,30}\b(?:settings|secrets?|api key|prompt)\b",
    re.I,
)


def answerable_sentence(sentence: str, item: bool = False) -> bool:
    """A statement that may be offered as an answer: not a heading (short, unpunctuated, no
    figures), not text addressed to an AI ("ignore previous instructions ..."). An `item`
    (of a list, under its lead-in) may be a few words: "Argentina", "Humane migration
    management"."""
    statement = (
        item
        or sentence.rstrip()[-1:] in ".!?;:)\"'’”"
        or len(sentence.split()) >= 8
        or any(ch.isdigit() for ch in sentence)  # a label with a value: "date 2024-05-08"
    )
    return statement and not _INSTRUCTION.search(sentence)

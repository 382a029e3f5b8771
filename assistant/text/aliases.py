"""Other names a question may use for what the documents name differently.

Two sources, merged: general English (adjectives of nationality whose stem is not the
country's: "Peruvian" -> "peru"; text/data/nationalities.yaml) and the corpus's own
`aliases.yaml` (its acronyms and shortenings: "DHS" -> "homeland security"), which lives with
the corpus, not in the package. Keys and names are lower-cased and matched as whole words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

MAX_ALIASES = 5_000


@dataclass(frozen=True)
class Aliases:
    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def general(cls) -> Aliases:
        """The general-English aliases alone (what any corpus gets)."""
        return _general()

    def with_corpus(self, text: str) -> Aliases:
        """These aliases and those of a corpus's aliases.yaml text (the corpus's win).
        ValueError, one line, when the text is not a mapping of names to lists of names."""
        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"it is not valid YAML ({str(exc).splitlines()[0]})") from None
        return Aliases({**self.names, **_parsed(raw)})

    def of(self, name: str) -> tuple[str, ...]:
        """The documents' names for a lower-cased name (none when it has no alias)."""
        return self.names.get(name, ())

    def expand(self, query: str) -> str:
        """The query with the documents' names for what it calls otherwise: "the DHS" ->
        "the DHS (homeland security)". Only whole words or phrases are expanded."""
        lowered = query.lower()
        extra = [
            alts[0]
            for key, alts in self.names.items()
            if re.search(rf"(?<!\w){re.escape(key)}(?!\w)", lowered) and alts[0] not in lowered
        ]
        return f"{query} ({', '.join(dict.fromkeys(extra))})" if extra else query

    def words(self) -> frozenset[str]:
        """Every key and name, lower-cased."""
        return frozenset(self.names) | {a for alts in self.names.values() for a in alts}


def _parsed(raw: object) -> dict[str, tuple[str, ...]]:
    shape = "it must map names to lists of names, like 'dhs: [homeland security]'"
    if not isinstance(raw, dict):
        raise ValueError(shape)
    if len(raw) > MAX_ALIASES:
        raise ValueError(f"it has over {MAX_ALIASES} names; keep it to the names questions use")
    out: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if not isinstance(key, str | int) or not all(isinstance(v, str | int) for v in values):
            raise ValueError(shape)
        if values:
            out[str(key).lower()] = tuple(str(v).lower() for v in values)
    return out


@cache
def _general() -> Aliases:
    text = resources.files("assistant.text").joinpath("data/nationalities.yaml").read_text()
    return Aliases().with_corpus(text)

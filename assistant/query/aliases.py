"""The documents' names for what a question calls otherwise ("Ottawa" -> "Canada") and the
place names the checks know, from the YAML files shipped in assistant/data."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml


def expand_aliases(query: str) -> str:
    """The query with the documents' names for what it calls otherwise: "Ottawa" -> "Ottawa
    (Canada)". Only whole words or phrases are expanded."""
    lowered = query.lower()
    extra = [
        alts[0]
        for key, alts in aliases().items()
        if re.search(rf"(?<!\w){re.escape(key)}(?!\w)", lowered) and alts[0] not in lowered
    ]
    return f"{query} ({', '.join(dict.fromkeys(extra))})" if extra else query


def _data(name: str) -> dict:
    """A YAML mapping shipped in assistant/data."""
    return yaml.safe_load(resources.files("assistant").joinpath(f"data/{name}").read_text()) or {}


@cache
def aliases() -> dict[str, tuple[str, ...]]:
    raw = _data("aliases.yaml")
    return {str(k).lower(): tuple(str(a).lower() for a in v) for k, v in raw.items()}


@cache
def places() -> frozenset[str]:
    """Place names (places.yaml and the aliases' keys and names), lower-cased."""
    found = {str(p).lower() for group in _data("places.yaml").values() for p in group}
    found |= set(aliases()) | {a for alts in aliases().values() for a in alts}
    return frozenset(found)


@cache
def countries() -> frozenset[str]:
    """Country names (the countries of places.yaml), lower-cased."""
    return frozenset(str(c).lower() for c in _data("places.yaml").get("countries", []))

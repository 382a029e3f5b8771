"""Place names: general geography (text/data/places.yaml: countries, regions, cities), so a
"who" answer is a person and not "Costa Rica", and a table cell of countries reads as one."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from assistant.text.aliases import Aliases


def _places_yaml() -> dict:
    text = resources.files("assistant.text").joinpath("data/places.yaml").read_text()
    return yaml.safe_load(text) or {}


@cache
def places() -> frozenset[str]:
    """Every place name of places.yaml (countries, regions, cities) and the general aliases'
    names (adjectives of nationality and their countries), lower-cased."""
    found = {str(p).lower() for group in _places_yaml().values() for p in group}
    return frozenset(found | Aliases.general().words())


@cache
def countries() -> frozenset[str]:
    """The country names of places.yaml, lower-cased."""
    return frozenset(str(c).lower() for c in _places_yaml().get("countries", []))


def opening_place(text: str) -> str:
    """The place a sentence opens with ("Canada", "The United States", "Costa Rica"), lower-
    cased, or "": a capitalised first word is otherwise only the start of the sentence."""
    words = re.sub(r"^the\s+", "", text.strip(), flags=re.I).split()[:4]
    for n in range(len(words), 0, -1):
        name = " ".join(words[:n]).strip(",.;:").lower()
        if name in places():
            return name
    return ""

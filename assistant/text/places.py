"""Place names: general geography (text/data/places.yaml: countries, regions, cities), so a
"who" answer is a person and not "Costa Rica", and a table cell of countries reads as one."""

from __future__ import annotations

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

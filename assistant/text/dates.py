"""Dates in text: the month names (written once) and the one human date formatter."""

from __future__ import annotations

import re

MONTHS: tuple[str, ...] = tuple(
    "January February March April May June July August September October November December".split()
)
"""The month names as the documents write them, January first."""

MONTHS_LOWER: tuple[str, ...] = tuple(m.lower() for m in MONTHS)
"""The month names in lower case, for matching words already folded to lower case."""

_ISO_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")


def month_name(number: int) -> str:
    """1 -> January ... 12 -> December."""
    return MONTHS[number - 1]


def human_date(iso: str) -> str:
    """2024-09-30 -> 30 September 2024 (the form the documents write dates in); other text as is."""
    m = _ISO_DATE.fullmatch(iso)
    if not m:
        return iso
    return f"{int(m.group(3))} {month_name(int(m.group(2)))} {m.group(1)}"


MONTH_PATTERN = "(?:" + "|".join(MONTHS) + ")"
"""A regex alternation of the month names as written (non-capturing), for building date patterns."""

WEEKDAYS_LOWER: tuple[str, ...] = tuple(
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
CALENDAR_WORDS: frozenset[str] = frozenset(MONTHS_LOWER + WEEKDAYS_LOWER)
"""Month and day names in lower case: capitalised words that are not names."""

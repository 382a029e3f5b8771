"""Dates in text: the month names (written once) and the one human date formatter."""

from __future__ import annotations

import re
from datetime import date

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
    """2024-09-30 -> 30 September 2024 (the form the documents write dates in, and every date
    a person reads); a partial, impossible or other text as it is ("2024-05", "2024-13-01")."""
    m = _ISO_DATE.fullmatch(iso)
    if not m:
        return iso
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return iso
    return f"{day.day} {month_name(day.month)} {day.year}"


MONTH_PATTERN = "(?:" + "|".join(MONTHS) + ")"
"""A regex alternation of the month names as written (non-capturing), for building date patterns."""

WEEKDAYS_LOWER: tuple[str, ...] = tuple(
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
CALENDAR_WORDS: frozenset[str] = frozenset(MONTHS_LOWER + WEEKDAYS_LOWER)
"""Month and day names in lower case: capitalised words that are not names."""

YEAR = re.compile(r"\b(?:19|20)\d\d\b")
"""A year the documents could mean, as a word."""

MONTH_WORD = re.compile(rf"\b({'|'.join(MONTHS_LOWER)})\b", re.I)
"""A month's name, any case (the group is the name as written)."""

DATE_PHRASE = (
    rf"(?:\d{{1,2}} {MONTH_PATTERN},? \d{{4}}|{MONTH_PATTERN} \d{{1,2}}, \d{{4}}"
    rf"|{MONTH_PATTERN} \d{{4}})"
)
"""A date as a sentence writes it: "8 May 2024", "May 8, 2024", "May 2024" (a pattern)."""

DATE_CELL = re.compile(
    rf"^(?:\d{{1,2}}\s+)?{MONTH_PATTERN}(?:\s+\d{{1,2}},?)?\s+\d{{4}}$|^\d{{4}}-\d\d(?:-\d\d)?$"
)
"""A table cell that is a date and nothing else, ISO forms too ("2024-05", "2024-05-08")."""

_TIME = re.compile(
    rf"\b(?:{MONTH_PATTERN}|(?:19|20)\d\d|since|until|later|earlier|before|after)\b"
    r"|\b\d{4}-\d\d-\d\d\b",
    re.I,
)


def mentions_time(text: str) -> bool:
    """Does the text say when: a month, a year, an ISO date or a word of time ("since")?"""
    return bool(_TIME.search(text))

"""Numbers in text: digits as a claim writes them, counts and amounts (not dates), and the
words that stand for numbers. One home for what the answering, checking and verifying code
each used to find on its own."""

from __future__ import annotations

import re

from assistant.text.dates import MONTHS_LOWER

NUMBER = re.compile(r"\d[\d,.]*\d|\d")
"""A number as written, separators included ("547,000", "1.5", "2024")."""

_QUANTITY = re.compile(r"\d[\d,]*(?:\.\d+)?")
_NUMBER_WORD = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundreds?|"
    r"thousands?|millions?|billions?|\w+fold)\b",
    re.I,
)
_MONTH_STEM = "(?:" + "|".join(m[:3] for m in MONTHS_LOWER) + ")"  # "jan", "feb" ... "dec"
_MONTH_BEFORE = re.compile(rf"{_MONTH_STEM}[a-z]*\.?\s*$|\d\s*/\s*$")
_MONTH_AFTER = re.compile(rf"\s*{_MONTH_STEM}[a-z]*\b")
_LABEL_BEFORE = re.compile(r"\bno\.?:?\s*$")
_AMOUNT = re.compile(
    r"(?:US|CA|C)?[$€£]\s?(\d[\d,]*(?:\.\d+)?)"
    r"|\b(\d[\d,]*(?:\.\d+)?)\s*(?:(?:million|billion|thousand)\s+)?(?:dollars|usd|euros?|pesos)\b"
    r"|\b(?:usd|eur)\s?(\d[\d,]*(?:\.\d+)?)"
    r"|\b(\d[\d,]*(?:\.\d+)?)\s+(?:million|billion)\s+(?:in|of)\s+(?:new\s+)?(?:\w+\s+)?"
    r"(?:assistance|aid|funding|financing|support|grants?|loans?)\b",
    re.I,
)


_SMALL = (
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_DIGITS = "one two three four five six seven eight nine".split()
SPELLED = re.compile(
    rf"\b(?:({'|'.join(_TENS)})(?:[-\s]({'|'.join(_DIGITS)}))?|({'|'.join(_SMALL)}))\b", re.I
)
"""A count written in words, two to ninety-nine ("Twenty-one", "eleven"); "one" is left out,
since it is far more often a pronoun ("the one on financing") than a count."""


def spelled_numbers(text: str) -> dict[str, str]:
    """Each count written in words, as written -> its digits: {"Twenty-one": "21"}."""
    return {m.group(): spelled_value(m) for m in SPELLED.finditer(text)}


def spelled_value(match: re.Match[str]) -> str:
    """The digits of one SPELLED match: "Twenty-one" -> "21"."""
    tens, unit, small = match.groups()
    if small:
        return str(_SMALL.index(small.lower()) + 2)
    value = 10 * (_TENS.index(tens.lower()) + 2)
    return str(value + (_DIGITS.index(unit.lower()) + 1 if unit else 0))


def normal_number(text: str) -> str:
    """Digits only, so "547,000" == "547000"."""
    return re.sub(r"[,.]", "", text)


def is_year(digits: str) -> bool:
    """A year the documents could mean: four digits from 1900 to 2099."""
    return len(digits) == 4 and digits.isdigit() and 1900 <= int(digits) <= 2099


def quantities(text: str) -> list[str]:
    """Amounts and counts (not dates or years), digits only: "$578 million" -> "578"; then the
    number words ("three", "millions", "twofold")."""
    found = []
    for m in _QUANTITY.finditer(text):
        before = text[max(0, m.start() - 10) : m.start()].lower()
        digits = m.group(0).replace(",", "")
        after = text[m.end() : m.end() + 12].lower()
        if _MONTH_BEFORE.search(before) or is_year(digits):
            continue
        if _MONTH_AFTER.match(after) or _LABEL_BEFORE.search(before):
            continue  # "23 June 2023", "No.: 6"
        found.append(digits)
    return found + [w.lower() for w in _NUMBER_WORD.findall(text)]


def amounts(text: str) -> list[str]:
    """Sums of money, digits only: "$578 million" -> "578", "4 million dollars" -> "4"."""
    return [next(g for g in m.groups() if g).replace(",", "") for m in _AMOUNT.finditer(text)]

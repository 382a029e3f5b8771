"""An answer read as sentences, each with the citation markers that follow it: pure functions.

A sentence ends at a full stop, question or exclamation mark (or a closing marker) followed by
a capital, a digit or an opening mark, and at a line break; never after an abbreviation or an
initial ("Dr. Smith", "Antony J. Blinken", "U.S."), never after a list numeral ("I. Stability
...; II. Regular pathways ...", "1. ...", "a) ..."), and a list whose items carry no marker of
their own stays one sentence with the line that leads into it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.ingest.chunking import ends_with_abbreviation

MARKER = re.compile(r"\s*\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?\]])[ \t]+(?=[A-Z0-9#*\-\"'(“])")
# A list numeral that closes a piece: "I.", "IV.", "12.", "b)" after the start, a colon, a
# semicolon, a comma or "and"/"or" (so "in 2024." or "rose to 21." still end a sentence).
_LIST_NUMERAL = re.compile(
    r"(?:^|[:;,]\s*|\s(?:and|or)\s+)\(?(?:[IVXLC]{1,5}|[ivxlc]{1,5}|\d{1,2}|[A-Za-z])[.)]$"
)
# A Roman numeral inside a name ("for III. Humane border management, the lead is Mexico"):
# a piece ending in one goes on (a sentence that truly ends "... under Pillar III." is joined
# with the next, which is then judged with it: nothing is lost, only read as one).
_ROMAN_END = re.compile(r"\s[IVXLC]{1,5}\.$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•–]|\(?(?:[IVXLC]{1,5}|[ivxlc]{1,5}|\d{1,2}|[A-Za-z])[.)])\s")


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer: its text as written (markers included), the claim (its
    text without markers) and the passage numbers it cites, in order, without repeats."""

    text: str
    claim: str
    markers: tuple[int, ...]
    list_item: bool = False  # starts with a list marker ("- ", "1. ", "II. ")


def read_answer(text: str) -> list[AnswerSentence]:
    """The answer's sentences in order (see the module docstring)."""
    return [_sentence(part) for part in split_answer(text)]


def split_answer(text: str) -> list[str]:
    """Answer sentences as written, each keeping the markers that follow it."""
    lines: list[str] = []
    for line in (x.strip() for x in text.strip().splitlines()):
        if not line:
            continue
        if lines and _continues_list(lines[-1], line):
            lines[-1] = f"{lines[-1]}\n{line}"
        else:
            lines.append(line)
    parts: list[str] = []
    for line in lines:
        if "\n" in line:  # a lead-in with its list: one sentence
            parts.append(line)
            continue
        pieces: list[str] = []
        for piece in (p.strip() for p in _SENTENCE_END.split(line)):
            if piece and pieces and _open(pieces[-1]):
                pieces[-1] = f"{pieces[-1]} {piece}"
            elif piece:
                pieces.append(piece)
        parts += pieces
    return parts


def markers(sentence: str) -> list[int]:
    found: list[int] = []
    for group in MARKER.findall(sentence):
        found.extend(int(n) for n in group.split(","))
    return found


def strip_markers(text: str) -> str:
    return MARKER.sub("", text).strip()


def _sentence(text: str) -> AnswerSentence:
    return AnswerSentence(
        text=text,
        claim=strip_markers(text),
        markers=tuple(dict.fromkeys(markers(text))),
        list_item=bool(_LIST_ITEM.match(text)),
    )


_NUMERAL_IN_LIST = re.compile(
    r"(?:^|(?<=[:;,\n])|(?<=\sand)|(?<=\sor))(\s*)\(?(?:[IVXLC]{1,5}|[ivxlc]{1,5}|\d{1,2}|[A-Za-z])"
    r"[.)](?=\s)"
)


def without_list_numerals(claim: str) -> str:
    """The claim without its list numerals ("I.", "2)", "b."), which are no names or numbers
    a passage has to hold."""
    return _NUMERAL_IN_LIST.sub(r"\1", claim)


def _open(piece: str) -> bool:
    """Does the piece end where no sentence ends: after an abbreviation, an initial or a list
    numeral?"""
    return (
        ends_with_abbreviation(piece)
        or bool(_LIST_NUMERAL.search(piece))
        or bool(_ROMAN_END.search(piece))
    )


def _continues_list(previous: str, line: str) -> bool:
    """A list item without markers of its own continues the lead-in (ending with a colon) or
    the item before it when that carries no marker either."""
    if not _LIST_ITEM.match(line) or MARKER.search(previous.splitlines()[-1]):
        return False
    last = previous.splitlines()[-1]
    return last.rstrip().endswith(":") or bool(_LIST_ITEM.match(last))

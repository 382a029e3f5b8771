"""Answer units: what a chunk's sentences are, which of them may answer, and how to show one
with its context. Pure functions; the composer, the indexer and the store share them."""

from __future__ import annotations

import json
import re

from assistant.types import Sentence

SENTENCE = "sentence"
HEADING = "heading"  # a section heading: context for what follows
LIST_ITEM = "list_item"  # context: its lead-in ("They singled out the following ...:")
TABLE_ROW = "table_row"  # text: "Column: value; Column: value"; context: the caption
TABLE_HEADER = "table_header"  # a header row kept as text: "Pillar | Lead"
CAPTION = "caption"  # a table's or figure's caption
FAQ_QUESTION = "faq_question"
FAQ_ANSWER = "faq_answer"  # context: its question
DEFINITION = "definition"  # a glossary entry's text; context: the term it defines
LABEL = "label"  # a term or group label: a <dt>, a table row that only names a group

KINDS = frozenset(
    {
        SENTENCE,
        HEADING,
        LIST_ITEM,
        TABLE_ROW,
        TABLE_HEADER,
        CAPTION,
        FAQ_QUESTION,
        FAQ_ANSWER,
        DEFINITION,
        LABEL,
    }
)
_NEVER_ANSWERS = frozenset({HEADING, TABLE_HEADER, CAPTION, FAQ_QUESTION, LABEL})
_OPEN_END = re.compile(
    r"(?:[,(\[–—/-]|\b(?:and|or|but|nor|of|the|a|an|to|in|for|with|by|from|on|at|as))$", re.I
)


def is_answer_unit(unit: Sentence) -> bool:
    """May this unit be offered as an answer? Never a heading, a table's header row, a caption,
    a label or a FAQ question; never a question or a bare lead-in ("... the following:"); never
    a fragment (a sentence that stops on a comma or a joining word, or starts in lower case
    with no figure in it). A list item or table row may start in lower case: its lead-in or
    caption carries it."""
    text = unit.text.strip()
    if unit.kind in _NEVER_ANSWERS or not text:
        return False
    if text.endswith(("?", ":")):
        return False
    if ends_open(text):
        return False
    starts_inside = text[0].islower() and not any(ch.isdigit() for ch in text)
    return unit.kind != SENTENCE or not starts_inside  # "date 2024-05-08" is a label's value


def ends_open(text: str) -> bool:
    """The text stops where its sentence cannot end: on a comma, a bracket or a joining word."""
    return bool(_OPEN_END.search(text.rstrip()))


def row_cells(text: str) -> list[tuple[str, str]]:
    """A table row's (column, value) pairs, from its text as the loaders write it ("No.: 4;
    Lead: Peru"); a value without a column name has "" for it."""
    cells = []
    for cell in text.split("; "):
        column, colon, value = cell.partition(": ")
        cells.append((column, value) if colon else ("", cell))
    return cells


def row_subject(text: str) -> str:
    """A table row's subject: the value of its first non-empty cell, or of the next one when
    the first is a running number ("No.: 4; Action package: Refugee resettlement; ...")."""
    values = [value for _, value in row_cells(text) if value.strip()]
    if values and values[0].strip().rstrip(".)").isdigit():
        values = values[1:]
    return values[0] if values else ""


def unit_display(unit: Sentence) -> str:
    """The unit's text with its context, for embedding and for showing it on its own:
    "They singled out the following lines of work: birth registration", "Q: What are Safe
    Mobility Offices? A: ...", "Action packages — Lead: Peru; ..."."""
    if not unit.context:
        return unit.text
    if unit.kind == FAQ_ANSWER:
        return f"Q: {unit.context} A: {unit.text}"
    if unit.context.endswith((":", "?")):
        return f"{unit.context} {unit.text}"
    return f"{unit.context} — {unit.text}"


def encode_units(units: tuple[Sentence, ...]) -> str:
    """Spans, kinds and contexts as JSON, for the store: [start, end] for a plain sentence,
    [start, end, kind, context] otherwise."""
    rows: list[list[int | str]] = [
        [u.start, u.end]
        if (u.kind, u.context) == (SENTENCE, "")
        else [u.start, u.end, u.kind, u.context]
        for u in units
    ]
    return json.dumps(rows, ensure_ascii=False)


def decode_units(raw: str, chunk_text: str, chunk_start: int) -> tuple[Sentence, ...]:
    """The units encode_units wrote, their texts cut from the chunk's text."""
    units: list[Sentence] = []
    for row in json.loads(raw):
        start, end = int(row[0]), int(row[1])
        kind = str(row[2]) if len(row) > 2 else SENTENCE
        context = str(row[3]) if len(row) > 3 else ""
        text = chunk_text[start - chunk_start : end - chunk_start]
        units.append(Sentence(start, end, text, kind, context))
    return tuple(units)

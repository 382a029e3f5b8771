"""Does a question ask about a document itself ("When was this fact sheet published?", "What is
the title of the document about the Lima meeting?")? Then its record (title, date) answers it
(assistant/answer/record.py), not its text."""

from __future__ import annotations

import re

DATE, TITLE = "date", "title"

_DOCUMENT = (
    r"(?:fact ?sheet|document|report|statement|press release|release|readout|notice|"
    r"brief(?:ing)?|article|publication|file|web ?page|page|memo|source)s?"
)
_DATE_Q = re.compile(
    rf"^\s*(?:when|(?:on )?what (?:date|day)|which date)\b.*\b{_DOCUMENT}\b.*"
    r"\b(?:published|issued|released|dated|posted|written|put out|come out|carry|bear|have)\b"
    rf"|^\s*(?:when|(?:on )?what (?:date|day)|which date)\b.*\b(?:published|issued|released|"
    rf"dated|posted|written|put out)\b.*\b{_DOCUMENT}\b"
    rf"|\bdate of (?:the |this |that )?{_DOCUMENT}\b",
    re.I,
)
_TITLE_Q = re.compile(
    rf"\b(?:title|headline|name) of (?:the |this |that )?{_DOCUMENT}\b"
    rf"|\bwhat is (?:the |this |that )?{_DOCUMENT} (?:called|titled|named)\b"
    rf"|\bwhat {_DOCUMENT} (?:is titled|title)\b",
    re.I,
)


def record_field(question: str) -> str:
    """Which field of a document's record the question asks for: "date", "title" or ""."""
    if _TITLE_Q.search(question):
        return TITLE
    if _DATE_Q.search(question):
        return DATE
    return ""

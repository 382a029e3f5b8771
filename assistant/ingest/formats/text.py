"""Plain text (.txt): the file's text exactly; headings, glossary terms, list items and FAQ
parts are found in it."""

from __future__ import annotations

from assistant.ingest.formats.common import (
    Parsed,
    decode_text,
)
from assistant.ingest.structure import (
    MAX_HEADING_CHARS,
    cap,
    plain_blocks,
)
from assistant.units import ends_open


def load(data: bytes) -> Parsed:
    """The file's text exactly; headings, list items and FAQ parts are found in it."""
    text = decode_text(data)
    headings, terms = _txt_sections(text)
    sections = tuple(
        (start, cap(h, MAX_HEADING_CHARS)) for start, h in headings if start not in terms
    )
    return Parsed(text=text, sections=sections, blocks=plain_blocks(text, headings, terms))


def _txt_sections(text: str) -> tuple[tuple[tuple[int, str], ...], frozenset[int]]:
    """Short capitalised lines standing alone between blank lines (or the start) are headings;
    so are glossary terms: a short line after a blank one with its definition on the very
    next line ("Statelessness" / "The situation of a person whom ..."). Returns the headings
    (offset, text) and the offsets of those that are terms."""
    lines: list[tuple[int, str]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        lines.append((offset, line))
        offset += len(line)
    sections: list[tuple[int, str]] = []
    terms: set[int] = set()
    for i, (start, line) in enumerate(lines):
        before_blank = i == 0 or not lines[i - 1][1].strip()
        heading = line.strip()
        at = start + len(line) - len(line.lstrip())
        if not before_blank or i + 1 == len(lines) or not looks_like_heading(heading):
            continue
        following = lines[i + 1][1].strip()
        if not following:
            sections.append((at, heading))
        elif _defines(heading, following):
            sections.append((at, heading))
            terms.add(at)
    return tuple(sections), frozenset(terms)


def _defines(term: str, following: str) -> bool:
    """A glossary entry: a term of a few words (not a wrapped line that stops on "of" or
    "the"), then a statement that opens in capitals and ends a sentence."""
    return (
        len(term.split()) <= 5
        and not ends_open(term)
        and following[:1].isupper()
        and following.endswith((".", "!", "?"))
        and len(following.split()) > len(term.split()) + 3
    )


def looks_like_heading(line: str) -> bool:
    return (
        0 < len(line) <= 80
        and len(line.split()) <= 10
        and line[0].isupper()
        and not line.endswith((".", "!", "?", ":", ";", ","))
    )

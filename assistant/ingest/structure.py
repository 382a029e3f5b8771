"""Document structure: the plain text a loader builds block by block, with a Block for every
heading, list item, table row, caption and FAQ part, and the caps on what one file may put in
a title, a section path or a unit's context. Pure: no I/O, no parser imports.

Rendered formats (Markdown, HTML, .docx) call DocBuilder; plain text (.txt, a PDF's extracted
text) is read line by line by `plain_blocks`, which finds list items ("- ", "1.", "a)", "(iv)")
with their lead-in and FAQ questions and answers ("Q:", "A:"). The text a builder returns is
the document's text: every span, quote and citation refers to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.types import Block
from assistant.units import (
    CAPTION,
    DEFINITION,
    FAQ_ANSWER,
    FAQ_QUESTION,
    HEADING,
    LABEL,
    LIST_ITEM,
    TABLE_HEADER,
    TABLE_ROW,
)

MAX_TITLE_CHARS = 300  # a document's title, from any source (sidecar, metadata, first heading)
MAX_HEADING_CHARS = 200  # one heading, as it appears in a section path
MAX_SECTION_CHARS = 300  # a whole section path; its outermost headings go first
MAX_CONTEXT_CHARS = 300  # a unit's context: lead-in, caption, question (the nearest part kept)

_LIST_MARKER = re.compile(
    r"[ \t]*(?:[-*•‣◦▪–]|\d{1,3}[.)]|[a-z][.)]|[ivx]{1,4}[.)]|\((?:\d{1,3}|[a-z]|[ivx]{1,4})\))"
    r"[ \t]+(?=\S)"
)
_QUESTION = re.compile(r"[ \t]*(?:Q|Question)[ \t]*:[ \t]*(?=\S)")
_ANSWER = re.compile(r"[ \t]*(?:A|Answer)[ \t]*:[ \t]*(?=\S)")
_INLINE_ANSWER = re.compile(r"\?[ \t]+(?:A|Answer)[ \t]*:[ \t]*(?=\S)")
_LAST_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(“\"])")
_TERMINAL = (".", "!", "?", ";", ":")


def cap(text: str, limit: int) -> str:
    """text on one line and at most limit characters, cut at a word boundary with '…'."""
    text = " ".join(text[: limit * 8].split()) if len(text) > limit * 8 else " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def cap_tail(text: str, limit: int) -> str:
    """Like cap, but keeps the end: the part of a context nearest its unit."""
    text = " ".join(text[-limit * 8 :].split())
    if len(text) <= limit:
        return text
    cut = text[-(limit - 1) :]
    space = cut.find(" ")
    return "…" + (cut[space + 1 :] if 0 <= space < limit // 2 else cut).lstrip()


def section_path(headings: list[str]) -> str:
    """'Action packages > Labour pathways', at most MAX_SECTION_CHARS."""
    parts = [cap(h, MAX_HEADING_CHARS) for h in headings]
    while len(parts) > 1 and len(" > ".join(parts)) > MAX_SECTION_CHARS:
        parts.pop(0)
    return cap(" > ".join(parts), MAX_SECTION_CHARS)


def lead_in_of(paragraph: str) -> str:
    """The last sentence of a paragraph ending with ':' (a list's lead-in), else ''."""
    text = paragraph.rstrip()
    if not text.endswith(":"):
        return ""
    return cap_tail(_LAST_SENTENCE.split(text)[-1], MAX_CONTEXT_CHARS)


def list_context(lead_in: str, parents: list[str]) -> str:
    """A list item's context: its lead-in, then the items it is nested under."""
    given = [p for p in (lead_in, *parents) if p]
    parts = [p if p.endswith((":", "?")) else p.rstrip(".;,") + ":" for p in given]
    return cap_tail(" ".join(parts), MAX_CONTEXT_CHARS)


# ---------------------------------------------------------------------------------------------
# plain text: list items, FAQ questions and answers, line by line


@dataclass
class _Open:
    """The block being read: it grows while its continuation lines come."""

    kind: str
    start: int
    end: int
    context: str


@dataclass
class _Reader:
    """State carried from line to line (and paragraph to paragraph) of plain text."""

    blocks: list[Block] = field(default_factory=list)
    question: str = ""  # the FAQ question the next "A:" answers
    answers: str = ""  # a heading that asks a question: the paragraphs under it answer it
    term: str = ""  # a glossary term line: the paragraph right under it defines it
    lead_in: str = ""
    items: list[tuple[int, str]] = field(default_factory=list)  # open list items: indent, text
    open: _Open | None = None
    blank: bool = True  # the previous line was blank
    previous: str = ""  # the previous line, stripped

    def line(self, text: str, start: int) -> None:
        self._line(text, start)
        self.previous = text.strip()

    def _line(self, text: str, start: int) -> None:
        end = start + len(text.rstrip())
        if not text.strip():
            self.blank = True
            self.term = ""
            if self.open is not None and self.open.kind != FAQ_ANSWER:
                self.close()
            return
        if m := _QUESTION.match(text):
            both = _INLINE_ANSWER.search(text, m.end())  # "Q: ...? A: ..." on one line
            q_end = start + both.start() + 1 if both else end
            self.start(FAQ_QUESTION, start + m.end(), q_end, "")
            self.question = cap(text[m.end() : q_end - start], MAX_CONTEXT_CHARS)
            self.items.clear()
            if both:
                self.start(FAQ_ANSWER, start + both.end(), end, self.question)
        elif m := _ANSWER.match(text):
            self.start(FAQ_ANSWER, start + m.end(), end, self.question)
            self.items.clear()
            self.lead_in = self._answer_lead_in(text[m.end() :])
        elif m := _LIST_MARKER.match(text):
            indent = len(text) - len(text.lstrip())
            while self.items and self.items[-1][0] >= indent:
                self.items.pop()
            body = text[m.end() :].strip()
            context = list_context(self.lead_in or self.answers, [t for _, t in self.items])
            self.start(LIST_ITEM, start + m.end(), end, context)
            self.items.append((indent, body))
        elif self.open is not None and self._continues(text):
            self.open.end = end  # a continuation line
            if self.open.kind == FAQ_QUESTION:
                self.question = cap(f"{self.question} {text}", MAX_CONTEXT_CHARS)
            elif self.open.kind == FAQ_ANSWER:
                self.lead_in = self._answer_lead_in(text)
        else:
            self.items.clear()
            self.lead_in = lead_in_of(text)
            at = start + len(text) - len(text.lstrip())
            if self.term:
                self.start(DEFINITION, at, end, self.term)
            elif self.answers and not self.lead_in:
                self.start(FAQ_ANSWER, at, end, self.answers)
        self.blank = False

    def _answer_lead_in(self, line: str) -> str:
        """A FAQ answer's line that leads in a list: with its question before it."""
        lead_in = lead_in_of(line)
        return cap_tail(f"{self.question} {lead_in}", MAX_CONTEXT_CHARS) if lead_in else ""

    def _continues(self, line: str) -> bool:
        """Does this unmarked line go on with the open block? A FAQ answer goes on until
        the next question or heading; a list item or question only over a wrapped line (one
        that is indented, starts in lower case, or follows a line that ended no sentence)."""
        assert self.open is not None
        if self.open.kind == FAQ_ANSWER:
            return True
        wrapped = line[:1].isspace() or line.lstrip()[:1].islower()
        return not self.blank and (wrapped or not self.previous.endswith(_TERMINAL))

    def start(self, kind: str, start: int, end: int, context: str) -> None:
        self.close()
        self.open = _Open(kind, start, end, context)

    def close(self) -> None:
        if self.open is not None:
            o, self.open = self.open, None
            self.blocks.append(Block(o.start, o.end, o.kind, o.context))

    def heading(self, text: str, term: bool = False) -> None:
        """A heading ends every open block; one that asks a question is answered below it,
        a glossary term is defined by the paragraph right under it."""
        self.close()
        self.items.clear()
        self.lead_in = self.question = ""
        self.answers = cap(text, MAX_CONTEXT_CHARS) if text.rstrip().endswith("?") else ""
        self.term = cap(text, MAX_CONTEXT_CHARS) if term else ""
        self.blank = True

    def feed(
        self,
        text: str,
        offset: int,
        skip: frozenset[int] = frozenset(),
        terms: frozenset[int] = frozenset(),
    ) -> None:
        """Read text (at offset in the document) line by line; lines starting at an offset in
        skip are headings, those in terms glossary terms."""
        position = 0
        for line in text.splitlines(keepends=True):
            bare = line.rstrip("\r\n")
            at = offset + position + len(bare) - len(bare.lstrip())
            if at in skip or at in terms:
                self.heading(bare.strip(), term=at in terms)
            else:
                self.line(bare, offset + position)
            position += len(line)


def plain_blocks(
    text: str, headings: tuple[tuple[int, str], ...] = (), terms: frozenset[int] = frozenset()
) -> tuple[Block, ...]:
    """List items, FAQ parts and definitions of plain text, and a heading block for each
    given heading (start offset, heading text); spans are offsets into text. The headings
    starting at an offset in terms are glossary terms, defined by the paragraph under them."""
    reader = _Reader()
    reader.feed(text, 0, frozenset(start for start, _ in headings), terms)
    reader.close()
    blocks = reader.blocks + [Block(s, s + len(h), HEADING) for s, h in headings]
    return tuple(sorted(blocks, key=lambda b: b.start))


# ---------------------------------------------------------------------------------------------
# rendered formats: the text is built block by block


@dataclass
class _Heading:
    start: int
    level: int
    text: str


class DocBuilder:
    """Builds a document's text from its blocks: paragraphs, headings (with their level), list
    items (with their depth) and tables. Blocks are separated by a blank line; the items of one
    list and the rows of one table by a line break, so each is one line of the text."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._headings: list[_Heading] = []
        self._reader = _Reader()
        self._items: list[str] = []  # the open list items, outermost first
        self._label: tuple[int, int, str] | None = None  # a short paragraph right before

    def heading(self, text: str, level: int) -> None:
        text = " ".join(text.split())
        if not text:
            return
        start = self._append(text, tight=False)
        self._reader.heading(text)
        self._reader.blocks.append(Block(start, start + len(text), HEADING))
        self._headings.append(_Heading(start, level, text))
        self._items.clear()
        self._label = None

    def paragraph(self, text: str) -> None:
        """A paragraph; its lines (kept only where the source breaks them) may be FAQ
        questions and answers or list items, as in plain text."""
        lines = [" ".join(line.split()) for line in text.split("\n")]
        text = "\n".join(line for line in lines if line)
        if not text:
            return
        start = self._append(text, tight=False)
        self._reader.blank = True
        self._reader.feed(text, start)
        self._reader.close()
        self._items.clear()
        single = "\n" not in text and not text.endswith((".", "!", "?", ":", ";"))
        self._label = (start, start + len(text), text) if single and len(text) <= 200 else None

    def list_item(self, text: str, depth: int, marker: str = "•") -> None:
        """One item of a list at depth (0 = outermost); it carries the lead-in of its list and
        the items it is nested under as context."""
        text = " ".join(text.split())
        if not text:
            return
        del self._items[depth:]
        context = list_context(self._reader.lead_in or self._reader.answers, self._items)
        prefix = "  " * depth + marker + " "
        start = self._append(prefix + text, tight=self._tight_after(LIST_ITEM)) + len(prefix)
        self._reader.blocks.append(Block(start, start + len(text), LIST_ITEM, context))
        self._items.extend([""] * (depth - len(self._items)))
        self._items.append(text)
        self._label = None

    def end_list(self) -> None:
        """The outermost list ended: its items no longer give context."""
        self._items.clear()

    def table(self, rows: list[list[str]], header_rows: int = 0, caption: str = "") -> None:
        """A table: each body row becomes one line "Column: value; Column: value" when the
        table has a header row, else "value | value"; a row with a single value in a wider
        table is a group label. The caption (or a short label paragraph right before the
        table) is every row's context."""
        rows = [[" ".join(c.split()) for c in row] for row in rows]
        header = rows[header_rows - 1] if 0 < header_rows <= len(rows) else []
        body = [row for row in (rows[header_rows:] if header else rows) if any(row)]
        if not any(header) and not body:
            return
        caption = self._caption(caption)
        width = max(len(r) for r in rows)
        if not body:
            self._row(" | ".join(c for c in header if c), TABLE_HEADER, "")
            return
        group = ""
        for row in body:
            if row == header:
                continue
            values = [c for c in row if c]
            if width > 1 and len(values) == 1:
                group = cap(values[0], MAX_CONTEXT_CHARS)
                self._row(values[0], LABEL, caption)
                continue
            context = cap_tail(" — ".join(p for p in (caption, group) if p), MAX_CONTEXT_CHARS)
            self._row(_row_text(header, row), TABLE_ROW, context)
        self._label = None

    def build(self) -> tuple[str, tuple[Block, ...], tuple[tuple[int, str], ...]]:
        """The text, its blocks and its sections: (start, section path) per heading."""
        self._reader.close()
        blocks = tuple(sorted(self._reader.blocks, key=lambda b: b.start))
        return "".join(self._parts), blocks, _sections(self._headings)

    # --- internals -------------------------------------------------------------------
    def _append(self, text: str, *, tight: bool) -> int:
        if self._parts:
            separator = "\n" if tight else "\n\n"
            self._parts.append(separator)
            self._length += len(separator)
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        return start

    def _tight_after(self, kind: str) -> bool:
        blocks = self._reader.blocks
        return bool(blocks) and blocks[-1].kind == kind and blocks[-1].end == self._length

    def _row(self, text: str, kind: str, context: str) -> None:
        tight = self._tight_after(TABLE_ROW) or self._tight_after(LABEL)
        start = self._append(text, tight=tight)
        self._reader.blocks.append(Block(start, start + len(text), kind, context))

    def _caption(self, caption: str) -> str:
        """The table's caption as a block; without one, a short label paragraph right before
        the table ("Table 2: Action packages") is taken as its caption."""
        caption = " ".join(caption.split())
        if caption:
            start = self._append(caption, tight=False)
            self._reader.blocks.append(Block(start, start + len(caption), CAPTION))
            return cap(caption, MAX_CONTEXT_CHARS)
        if self._label is None or self._label[1] != self._length:
            return ""
        start, end, text = self._label
        blocks = self._reader.blocks
        while blocks and blocks[-1].start >= start:  # the label's own blocks come last
            blocks.pop()
        blocks.append(Block(start, end, CAPTION))
        return cap(text, MAX_CONTEXT_CHARS)


def _row_text(header: list[str], row: list[str]) -> str:
    """'Lead: Peru; Participating countries: not yet published' with a header row."""
    if not header:
        return " | ".join(c for c in row if c)
    pairs = []
    for i, value in enumerate(row):
        if not value:
            continue
        name = header[i] if i < len(header) else ""
        pairs.append(f"{name}: {value}" if name and name != value else value)
    return "; ".join(pairs)


def _sections(headings: list[_Heading]) -> tuple[tuple[int, str], ...]:
    """Each heading's path. A document's single top heading, when it comes first, is its
    title: it names its own section but is left out of the paths below it."""
    if not headings:
        return ()
    top = min(h.level for h in headings)
    tops = [h for h in headings if h.level == top]
    title = headings[0] if len(tops) == 1 and tops[0] is headings[0] else None
    sections: list[tuple[int, str]] = []
    stack: list[_Heading] = []
    for h in headings:
        while stack and stack[-1].level >= h.level:
            stack.pop()
        stack.append(h)
        names = [s.text for s in stack if s is not title or s is h]
        sections.append((h.start, section_path(names)))
    return tuple(sections)

"""Markdown to plain text with its structure, by markdown-it-py's CommonMark parser (with
tables): headings, list items with their depth, table rows, code as it is; emphasis, links,
images, inline HTML and heading markers never reach the text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from assistant.ingest.formats.common import (
    CorpusError,
    Parsed,
    decode_text,
    first_line,
    human_size,
    iso_date,
    string_meta,
)
from assistant.ingest.structure import MAX_TITLE_CHARS, DocBuilder, cap
from assistant.types import Block


@dataclass(frozen=True)
class Rendered:
    text: str
    blocks: tuple[Block, ...]
    sections: tuple[tuple[int, str], ...]
    first_h1: str


@dataclass
class _Item:
    marker: str
    parts: list[str] = field(default_factory=list)
    emitted: bool = False


@dataclass
class _Table:
    rows: list[list[str]] = field(default_factory=list)
    header_rows: int = 0
    in_head: bool = False


def render_markdown(source: str) -> Rendered:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    walker = _Walker()
    for token in parser.parse(source):
        walker.token(token)
    text, blocks, sections = walker.builder.build()
    return Rendered(text, blocks, sections, walker.first_h1)


class _Walker:
    """Feeds markdown-it's block tokens to a DocBuilder."""

    def __init__(self) -> None:
        self.builder = DocBuilder()
        self.first_h1 = ""
        self.heading = 0  # level of the heading being read, 0 outside one
        self.lists: list[list[int]] = []  # per open list: [next number], or [] for bullets
        self.items: list[_Item] = []
        self.table: _Table | None = None
        self.row: list[str] = []

    def token(self, t: Any) -> None:
        kind = t.type
        if kind == "heading_open":
            self.heading = int(t.tag[1])
        elif kind == "heading_close":
            self.heading = 0
        elif kind == "inline":
            self.inline(_inline_text(t))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            self.flush_item()
            start = int(t.attrGet("start") or 1)
            self.lists.append([start] if kind == "ordered_list_open" else [])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
            if not self.lists:
                self.builder.end_list()
        elif kind == "list_item_open":
            self.items.append(_Item(self.marker(t)))
        elif kind == "list_item_close":
            self.flush_item()
            self.items.pop()
        elif kind in ("fence", "code_block"):
            self.builder.paragraph(t.content)
        elif kind == "html_block":
            self.builder.paragraph(_strip_tags(t.content))
        else:
            self.table_token(t)

    def table_token(self, t: Any) -> None:
        kind = t.type
        if kind == "table_open":
            self.table = _Table()
        elif kind == "thead_open" and self.table is not None:
            self.table.in_head = True
        elif kind == "thead_close" and self.table is not None:
            self.table.in_head = False
        elif kind == "tr_open":
            self.row = []
        elif kind == "tr_close" and self.table is not None:
            self.table.rows.append(self.row)
            self.table.header_rows += self.table.in_head
        elif kind == "table_close" and self.table is not None:
            self.builder.table(self.table.rows, self.table.header_rows)
            self.table = None

    def marker(self, t: Any) -> str:
        numbers = self.lists[-1] if self.lists else []
        if not numbers:
            return "•"
        n = numbers[0]
        numbers[0] += 1
        return f"{n}{t.markup or '.'}"

    def inline(self, text: str) -> None:
        if self.heading:
            self.builder.heading(text, self.heading)
            if self.heading == 1 and not self.first_h1:
                self.first_h1 = " ".join(text.split())
        elif self.table is not None:
            self.row.append(text)
        elif self.items and not self.items[-1].emitted:
            self.items[-1].parts.append(text)
        else:
            self.builder.paragraph(text)

    def flush_item(self) -> None:
        if self.items and not self.items[-1].emitted:
            item = self.items[-1]
            item.emitted = True
            self.builder.list_item(" ".join(item.parts), len(self.items) - 1, item.marker)


def _inline_text(token: Any) -> str:
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak" or (
            child.type == "html_inline" and child.content.lower().startswith("<br")
        ):
            out.append("\n")
    return "".join(out)


def _strip_tags(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(("script", "style", "template", "noscript")):
        tag.decompose()
    return str(soup.get_text("\n"))


# ---------------------------------------------------------------------------------------------
# the loader: front matter for title and date, the rendered text

MAX_FRONT_MATTER_CHARS = 64_000  # a Markdown file's front matter; longer is refused

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)


def load(data: bytes) -> Parsed:
    """The rendered text: no Markdown markup reaches it (see formats/markdown.py)."""
    text = decode_text(data)
    _refuse_long_front_matter(text)
    match = _FRONT_MATTER.match(text[: MAX_FRONT_MATTER_CHARS + 8])
    meta = _front_matter(match.group(1)) if match else None
    if match and meta is not None:
        text = text[match.end() :]
    meta = meta or {}
    rendered = render_markdown(text)
    return Parsed(
        text=rendered.text,
        title=cap(meta.get("title", "") or rendered.first_h1, MAX_TITLE_CHARS),
        date=iso_date(meta.get("date", "")),
        sections=rendered.sections,
        meta=meta,
        blocks=rendered.blocks,
    )


_YAML_KEY = re.compile(r"[ \t]*[\w\"'-][^:\n]{0,200}:(?:[ \t]|$)")


def _refuse_long_front_matter(text: str) -> None:
    """Front matter (--- then YAML keys) that closes past MAX_FRONT_MATTER_CHARS is refused,
    never read as document text."""
    if not re.match(r"---[ \t]*\r?\n", text) or len(text) <= MAX_FRONT_MATTER_CHARS:
        return
    closing = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M).search(text, 4)
    first = text.split("\n", 2)[1] if text.count("\n") >= 1 else ""
    if closing and closing.start() > MAX_FRONT_MATTER_CHARS and _YAML_KEY.match(first):
        raise CorpusError(
            f"the front matter is over {MAX_FRONT_MATTER_CHARS:,} characters; keep it under "
            f"{human_size(MAX_FRONT_MATTER_CHARS)} (title, date and a few keys) or remove it"
        )


def _front_matter(source: str) -> dict[str, str] | None:
    """The front matter's keys as strings; None if it is not a mapping (e.g. '---' rules)."""
    try:
        loaded = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise CorpusError(f"the front matter is not valid YAML: {first_line(exc)}") from None
    return string_meta(loaded) if isinstance(loaded, dict) else None

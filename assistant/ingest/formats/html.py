"""HTML (an already cleaned BeautifulSoup tree) to plain text with its structure: headings with
their level, list items with their depth and lead-in, tables with their caption and header
row, paragraphs. Line breaks come only from <br> and <pre>; the source's own line wrapping is
just white space, so a paragraph is never cut where the HTML file happened to wrap it."""

from __future__ import annotations

import re
from typing import Any

from assistant.ingest.formats.common import (
    Parsed,
    decode_text,
    iso_date,
)
from assistant.ingest.structure import MAX_TITLE_CHARS, DocBuilder, cap
from assistant.types import Block

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "body", "caption", "dd", "details", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "header", "hr", "html", "li",
        "main", "p", "section", "summary", "tbody", "tfoot", "thead",
    }
)  # fmt: skip
_BREAK = "\n"  # only <br> puts one into inline text; source newlines become spaces


def render_html(root: Any) -> tuple[str, tuple[Block, ...], tuple[tuple[int, str], ...]]:
    builder = DocBuilder()
    inline: list[str] = []
    _walk(root, builder, inline)
    _flush(builder, inline)
    return builder.build()


def _walk(node: Any, b: DocBuilder, inline: list[str]) -> None:
    """Depth-first: inline text accumulates; blocks, headings, lists and tables flush it."""
    from bs4.element import NavigableString, PreformattedString, Tag

    for child in node.children:
        if isinstance(child, PreformattedString):  # comments, CDATA, doctype ...
            continue
        if isinstance(child, NavigableString):
            inline.append(" ".join(str(child).split(_BREAK)))
        elif isinstance(child, Tag):
            name = child.name
            if name == "br":
                inline.append(_BREAK)
            elif name in _HEADINGS:
                _flush(b, inline)
                b.heading(_text(child), int(name[1]))
            elif name in ("ul", "ol"):
                _flush(b, inline)
                _list(child, b, 0)
            elif name == "table":
                _flush(b, inline)
                _table(child, b)
            elif name == "pre":
                _flush(b, inline)
                b.paragraph(str(child.get_text()).strip("\n"))
            elif name in _BLOCKS or name == "tr":
                _flush(b, inline)
                _walk(child, b, inline)
                _flush(b, inline)
            else:
                _walk(child, b, inline)


def _flush(b: DocBuilder, inline: list[str]) -> None:
    b.paragraph("".join(inline))
    inline.clear()


def _text(tag: Any) -> str:
    return " ".join(str(tag.get_text(" ")).split())


def _list(tag: Any, b: DocBuilder, depth: int) -> None:
    """Each <li> is one item: its own text, then its nested lists one level deeper."""
    number = _int(tag.get("start"), 1) if tag.name == "ol" else 0
    for li in tag.find_all("li", recursive=False):
        parts: list[str] = []
        nested: list[Any] = []
        _item_text(li, parts, nested)
        b.list_item("".join(parts), depth, f"{number}." if number else "•")
        number += 1 if number else 0
        for sub in nested:
            _list(sub, b, depth + 1)
    if depth == 0:
        b.end_list()


def _item_text(node: Any, parts: list[str], nested: list[Any]) -> None:
    from bs4.element import NavigableString, PreformattedString, Tag

    for child in node.children:
        if isinstance(child, PreformattedString):
            continue
        if isinstance(child, NavigableString):
            parts.append(str(child))
        elif isinstance(child, Tag):
            if child.name in ("ul", "ol"):
                nested.append(child)
            elif child.name in _BLOCKS or child.name in ("br", "table", "pre"):
                parts.append(" ")
                _item_text(child, parts, nested)
                parts.append(" ")
            else:
                _item_text(child, parts, nested)


def _table(table: Any, b: DocBuilder) -> None:
    """Rows of this table (not of tables nested in its cells), cells spread over their
    colspan; leading rows in <thead> or made only of <th> are the header."""
    caption_tag = table.find("caption", recursive=False)
    caption = _text(caption_tag) if caption_tag is not None else ""
    rows: list[list[str]] = []
    header_rows = 0
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        cells = tr.find_all(("td", "th"), recursive=False)
        if not cells:
            continue
        head = tr.find_parent("thead") is not None or all(c.name == "th" for c in cells)
        row: list[str] = []
        for cell in cells:
            span = min(_int(cell.get("colspan"), 1), 50)
            value = _text(cell)
            row += [value] * span if head else [value] + [""] * (span - 1)
        if head and header_rows == len(rows):
            header_rows += 1
        rows.append(row)
    b.table(rows, header_rows, caption)


def _int(value: Any, default: int) -> int:
    try:
        return max(int(str(value)), 1)
    except (TypeError, ValueError):
        return default


# ---------------------------------------------------------------------------------------------
# the loader: page chrome and hidden parts dropped, the main content rendered

_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "head", "nav", "aside", "form")
_PAGE_CHROME = ("header", "footer")  # dropped unless inside the chosen <main>/<article>
_DATE_METAS = frozenset(
    {
        "date", "dc.date", "dcterms.date", "dc.date.issued", "dcterms.created", "citation_date",
        "citation_publication_date", "article:published_time", "og:published_time",
        "pubdate", "publish-date", "publication_date", "datepublished",
    }
)  # fmt: skip
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def load(data: bytes) -> Parsed:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(data), "lxml")
    title = _html_title(soup)
    created = _html_date(soup)
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_hidden):
        tag.decompose()
    for tag in soup.find_all(_is_chrome):
        tag.decompose()
    root = _html_root(soup)
    for tag in root.find_all(_PAGE_CHROME):
        if tag.find_parent(("main", "article")) is None:
            tag.decompose()
    text, blocks, sections = render_html(root)
    return Parsed(text=text, title=title, date=created, sections=sections, blocks=blocks)


# Page furniture by its class, id or role, after Mozilla Readability's "unlikely candidates":
# breadcrumbs, share and social links, cookie banners, bylines, pagination, related links.
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:breadcrumbs?|share|sharing|social|cookies?|consent|gdpr|byline|pagination|"
    r"pager|related|newsletter|subscribe|sponsor|banner|skip-link|popup)(?:$|[\s_-])",
    re.I,
)


def _is_chrome(tag: Any) -> bool:
    attrs = getattr(tag, "attrs", None) or {}
    if tag.name in ("main", "article", "body", "html"):
        return False
    classes = attrs.get("class") or []
    names = " ".join([*classes, str(attrs.get("id", "")), str(attrs.get("role", ""))])
    return bool(_CHROME.search(names))


def _is_hidden(tag: Any) -> bool:
    attrs = getattr(tag, "attrs", None) or {}
    return (
        "hidden" in attrs
        or str(attrs.get("aria-hidden", "")).strip().lower() == "true"
        or bool(_HIDDEN_STYLE.search(str(attrs.get("style", ""))))
    )


def _html_title(soup: Any) -> str:
    if soup.title and cap(soup.title.get_text(), MAX_TITLE_CHARS):
        return cap(soup.title.get_text(), MAX_TITLE_CHARS)
    h1 = soup.find("h1")
    return cap(h1.get_text(" "), MAX_TITLE_CHARS) if h1 else ""


def _html_date(soup: Any) -> str:
    for tag in soup.find_all("meta"):
        key = str(tag.get("name") or tag.get("property") or tag.get("itemprop") or "")
        if key.strip().lower() in _DATE_METAS:
            found = iso_date(str(tag.get("content", "")))
            if found:
                return found
    time_tag = soup.find("time", attrs={"datetime": True})
    return iso_date(str(time_tag["datetime"])) if time_tag else ""


def _html_root(soup: Any) -> Any:
    main = soup.find("main")
    if main is not None:
        return main
    articles = soup.find_all("article")
    if len(articles) == 1:
        return articles[0]
    return soup.body or soup

"""A .docx (an opened python-docx Document) to plain text with its structure: headings by their
style's level, list paragraphs with their depth, tables with a caption and a header row,
paragraphs. Tables nested in cells are read as text of their cell."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from assistant.ingest.formats.common import (
    CorpusError,
    Parsed,
    iso_date,
)
from assistant.ingest.structure import MAX_TITLE_CHARS, DocBuilder, cap
from assistant.types import Block

_LEVEL = re.compile(r"(?:heading|title)\s*(\d*)", re.I)
_LIST_LEVEL = re.compile(r"list\b.*?(\d*)$", re.I)


@dataclass(frozen=True)
class RenderedDocx:
    text: str
    blocks: tuple[Block, ...]
    sections: tuple[tuple[int, str], ...]
    first_heading: str  # the Title paragraph, else the first top-level heading


def render_docx(document: Any) -> RenderedDocx:
    builder = DocBuilder()
    first = _body(document, builder)
    text, blocks, sections = builder.build()
    return RenderedDocx(text, blocks, sections, first)


def _body(container: Any, b: DocBuilder) -> str:
    """Paragraphs and tables in document order; returns the first title or top heading."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    caption = ""  # a Caption paragraph waiting for the table it names
    first = ""
    for item in container.iter_inner_content():
        if isinstance(item, Table):
            rows = _rows(item)
            b.table(rows, 1 if _has_header(item, rows) else 0, caption)
            caption = ""
            continue
        if not isinstance(item, Paragraph):
            continue
        if caption:
            b.paragraph(caption)
            caption = ""
        style = _style(item)
        level = _heading_level(style)
        depth = _list_depth(item, style)
        if level is not None:
            b.heading(item.text, level)
            if level <= 1 and not first:
                first = item.text
        elif depth is not None:
            b.list_item(item.text, depth)
        elif style.lower() == "caption":
            caption = item.text
        else:
            b.paragraph(item.text)
    if caption:
        b.paragraph(caption)
    return first


def _style(paragraph: Any) -> str:
    try:
        return str(paragraph.style.name or "") if paragraph.style is not None else ""
    except Exception:  # a broken style reference is just no style
        return ""


def _heading_level(style: str) -> int | None:
    """'Heading 2' -> 2, 'Title' -> 0, anything else -> None."""
    match = _LEVEL.fullmatch(style.strip())
    if not match:
        return None
    if style.strip().lower().startswith("title"):
        return 0
    return int(match.group(1) or 1)


def _list_depth(paragraph: Any, style: str) -> int | None:
    """A numbered or bulleted paragraph's level (0 = outermost); None if it is not one."""
    from docx.oxml.ns import qn

    ppr = paragraph._p.pPr
    numbering = ppr.find(qn("w:numPr")) if ppr is not None else None
    if numbering is not None:
        level = numbering.find(qn("w:ilvl"))
        try:
            return int(level.get(qn("w:val"))) if level is not None else 0
        except (TypeError, ValueError):
            return 0
    match = _LIST_LEVEL.fullmatch(style.strip())
    if not match or style.strip().lower().startswith("list continue"):
        return None
    return max(int(match.group(1) or 1) - 1, 0)


def _rows(table: Any) -> list[list[str]]:
    """Cell texts row by row; a merged cell counts once, its other columns are empty."""
    rows: list[list[str]] = []
    for row in table.rows:
        seen: set[int] = set()
        cells: list[str] = []
        for cell in row.cells:
            cells.append("" if id(cell._tc) in seen else _cell_text(cell))
            seen.add(id(cell._tc))
        rows.append(cells)
    return rows


def _cell_text(cell: Any) -> str:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    parts: list[str] = []
    for inner in cell.iter_inner_content():
        if isinstance(inner, Paragraph):
            parts.append(inner.text)
        elif isinstance(inner, Table):
            parts += [" | ".join(c for c in row if c) for row in _rows(inner)]
    return " ".join(" ".join(parts).split())


def _has_header(table: Any, rows: list[list[str]]) -> bool:
    """The first row is a header when Word marks it so (repeat as header row), when all its
    text is bold, or when its cells are short distinct labels over rows with longer or
    numeric values."""
    from docx.oxml.ns import qn

    if len(rows) < 2 or max(len(r) for r in rows) < 2:
        return False
    first = table.rows[0]
    properties = first._tr.trPr
    if properties is not None and properties.find(qn("w:tblHeader")) is not None:
        return True
    runs = [
        run
        for cell in first.cells
        for paragraph in cell.paragraphs
        for run in paragraph.runs
        if run.text.strip()
    ]
    if runs and all(run.bold for run in runs):
        return True
    labels = [c for c in rows[0] if c]
    if len(labels) < 2 or len(set(labels)) < len(labels):
        return False
    if any(len(c.split()) > 5 or any(ch.isdigit() for ch in c) for c in labels):
        return False
    longest = max(len(c.split()) for c in labels)
    body = [c for row in rows[1:] for c in row if c]
    return any(len(c.split()) > longest or any(ch.isdigit() for ch in c) for c in body)


# ---------------------------------------------------------------------------------------------
# the loader: the zip checked before unzipping, core properties for title and date

_DOCX_MAX_UNZIPPED = 100_000_000
_DOCX_MAX_RATIO = 100
_DOCX_RATIO_MIN_SIZE = 1_000_000  # small members compress well legitimately; judge big ones only


def load(data: bytes) -> Parsed:
    import docx

    _check_docx_zip(data)
    document = docx.Document(io.BytesIO(data))
    rendered = render_docx(document)
    title, created = _docx_properties(document)
    return Parsed(
        text=rendered.text,
        title=title or cap(rendered.first_heading, MAX_TITLE_CHARS),
        date=created,
        sections=rendered.sections,
        blocks=rendered.blocks,
    )


def _docx_properties(document: Any) -> tuple[str, str]:
    """Title and creation date from the core properties; broken metadata counts as none."""
    try:
        props = document.core_properties
        title = cap(props.title or "", MAX_TITLE_CHARS)
        return title, iso_date(props.created) if props.created else ""
    except Exception:  # metadata is optional
        return "", ""


def _check_docx_zip(data: bytes) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise CorpusError(
            "not a valid .docx (an old .doc or a password-protected file); "
            "save it as an unprotected .docx"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise CorpusError("not a valid .docx (not a zip archive); save it again as .docx") from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(
        re.fullmatch(r"word/document\d*\.xml", n) for n in names
    ):
        raise CorpusError("not a valid .docx (no word/document.xml); save it again as .docx")
    total = sum(m.file_size for m in members)
    worst = max(
        (
            m.file_size / max(m.compress_size, 1)
            for m in members
            if m.file_size > _DOCX_RATIO_MIN_SIZE
        ),
        default=0.0,
    )
    if total > _DOCX_MAX_UNZIPPED or worst > _DOCX_MAX_RATIO:
        ratio = f" with a part compressed {worst:.0f}:1" if worst > _DOCX_MAX_RATIO else ""
        raise CorpusError(
            f"the .docx expands to {total / 1e6:.0f} MB{ratio}; refusing (possible zip bomb)"
        )

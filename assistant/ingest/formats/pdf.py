"""PDF: pypdf reads every page under tight decoding limits (and refuses what breaks them);
pdfplumber finds ruled tables, which become table rows under their header like a DOCX or HTML
table, the page's other text read around them. Then: running headers and footers dropped,
wrapped lines reflowed, numbered and short headings found, the page spans kept."""

from __future__ import annotations

import contextlib
import io
import re
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

from assistant.ingest.formats.common import (
    CorpusError,
    Parsed,
    first_line,
    human_size,
    iso_date,
)
from assistant.ingest.formats.text import looks_like_heading
from assistant.ingest.structure import (
    MAX_HEADING_CHARS,
    MAX_TITLE_CHARS,
    DocBuilder,
    cap,
    plain_blocks,
)
from assistant.types import Block

_MAX_TEXT_CHARS = 5_000_000  # of extracted PDF text
_PDF_STREAM_LIMIT = 30_000_000  # bytes one PDF stream may decode to


def load(data: bytes) -> Parsed:
    import pypdf
    from pypdf.errors import LimitReachedError, PdfReadError

    if b"%PDF-" not in data[:1024]:
        raise CorpusError("not a PDF (no %PDF- header); export the document as PDF again")
    try:
        with _pdf_limits():
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            _decrypt_or_refuse(reader)
            texts = _pdf_page_texts(reader)
            title, created = _pdf_metadata(reader)
    except LimitReachedError as exc:
        raise CorpusError(_pdf_limit_reason(exc)) from None
    except PdfReadError as exc:
        raise CorpusError(
            f"the PDF is damaged or truncated ({type(exc).__name__}: {first_line(exc)}); "
            "download or export it again"
        ) from None
    if not any(t.strip() for t in texts):
        raise CorpusError("no extractable text (scanned or empty PDF?); run OCR on it first")
    texts, tables = _with_tables(data, texts)
    reflowed = [
        _place_tables(*_reflow_page(t), found)
        for t, found in zip(_without_running_lines(texts), tables, strict=True)
    ]
    text, pages = _join_pages([page.text for page in reflowed])
    headings = tuple(
        (start + offset, heading)
        for (_, start, _), page in zip(pages, reflowed, strict=True)
        for offset, heading in page.headings
    )
    table_blocks = [
        replace(b, start=start + b.start, end=start + b.end)
        for (_, start, _), page in zip(pages, reflowed, strict=True)
        for b in page.blocks
    ]
    sections = tuple((start, cap(h, MAX_HEADING_CHARS)) for start, h in headings)
    return Parsed(
        text=text,
        title=title,
        date=created,
        pages=pages,
        sections=sections,
        blocks=_merge_blocks(plain_blocks(text, headings), table_blocks),
    )


# --- tables ----------------------------------------------------------------------------------
_TABLE_MARK = "\ue000table "  # a line standing for a table until the page is reflowed


@dataclass(frozen=True)
class _Table:
    rows: list[list[str]]
    caption: str = ""


@dataclass(frozen=True)
class _Page:
    text: str
    headings: list[tuple[int, str]]
    blocks: list[Block]  # the tables' blocks, offsets in this page's text


def _with_tables(data: bytes, texts: list[str]) -> tuple[list[str], list[list[_Table]]]:
    """The page texts with each ruled table (as pdfplumber finds it) replaced by a marker line,
    the text around it read by pdfplumber; pages without tables keep pypdf's text."""
    import pdfplumber

    out: list[str] = list(texts)
    tables: list[list[_Table]] = [[] for _ in texts]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for i, page in enumerate(pdf.pages[: len(texts)]):
            found = [t for t in page.find_tables() if _is_table(t.extract())]
            if found:
                out[i], tables[i] = _around_tables(page, found)
    return out, tables


def _is_table(rows: list[list[str | None]]) -> bool:
    """Two rows of two columns at least: a ruled box around a paragraph is no table."""
    filled = [r for r in rows if sum(1 for c in r if c and c.strip()) >= 2]
    return len(filled) >= 2


def _around_tables(page: Any, found: list[Any]) -> tuple[str, list[_Table]]:
    """The page's text with a marker line (blank lines around it) where each table stands, and
    the tables in order. A short line right above a table that does not end a sentence
    ("Table 2: Endorsements by date") is its caption."""
    parts: list[str] = []
    tables: list[_Table] = []
    top = 0.0
    for table in sorted(found, key=lambda t: t.bbox[1]):
        _, t_top, _, t_bottom = table.bbox
        above = _band(page, top, t_top).rstrip().split("\n")
        caption = ""
        if above and _is_caption(above[-1]):
            caption = above.pop().strip()
        parts += ["\n".join(above), f"\n{_TABLE_MARK}{len(tables)}\n"]
        rows = [[" ".join((c or "").split()) for c in row] for row in table.extract()]
        tables.append(_Table(rows, caption))
        top = t_bottom
    parts.append(_band(page, top, page.height))
    return "\n".join(p for p in parts if p.strip()), tables


def _band(page: Any, top: float, bottom: float) -> str:
    top, bottom = max(0.0, top), min(float(page.height), bottom)
    if bottom - top < 1:
        return ""
    return page.within_bbox((0, top, page.width, bottom)).extract_text() or ""


def _is_caption(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= 120 and not line.endswith(_ENDS_SENTENCE)


def _place_tables(text: str, headings: list[tuple[int, str]], tables: list[_Table]) -> _Page:
    """The reflowed page with each marker line replaced by its table's rows, one line each
    ("Column: value; Column: value" under a header row), headings after it moved on."""
    blocks: list[Block] = []
    for n, table in enumerate(tables):
        mark = f"{_TABLE_MARK}{n}"
        at = text.find(mark)
        if at < 0:
            continue
        rendered, table_blocks = _render_table(table)
        text = text[:at] + rendered + text[at + len(mark) :]
        shift = len(rendered) - len(mark)
        headings = [(o + shift if o > at else o, h) for o, h in headings]
        blocks = [
            replace(b, start=b.start + shift, end=b.end + shift) if b.start > at else b
            for b in blocks
        ]
        blocks += [replace(b, start=b.start + at, end=b.end + at) for b in table_blocks]
    return _Page(text, headings, blocks)


def _render_table(table: _Table) -> tuple[str, tuple[Block, ...]]:
    builder = DocBuilder()
    first = table.rows[0] if table.rows else []
    header = (
        len(table.rows) > 1 and all(first) and not any(c.replace(",", "").isdigit() for c in first)
    )
    builder.table(table.rows, header_rows=1 if header else 0, caption=table.caption)
    text, blocks, _ = builder.build()
    return text, blocks


def _merge_blocks(plain: tuple[Block, ...], tables: list[Block]) -> tuple[Block, ...]:
    """The plain-text blocks outside the tables, and the tables' own, in text order."""
    if not tables:
        return plain
    spans = [(b.start, b.end) for b in tables]
    outside = [b for b in plain if not any(b.start < e and s < b.end for s, e in spans)]
    return tuple(sorted([*outside, *tables], key=lambda b: b.start))


def _without_running_lines(texts: list[str]) -> list[str]:
    """Pages without their running header and footer: a first or last line, not a sentence,
    that recurs on at least half the pages (two at least), numbers aside ("Report - page 3")."""
    pages = [[line for line in t.splitlines() if line.strip()] for t in texts]
    ends = Counter(
        _DIGITS.sub("#", line.strip()) for lines in pages for line in {*lines[:1], *lines[-1:]}
    )
    running = {
        line
        for line, n in ends.items()
        if n >= max(2, (len(pages) + 1) // 2)
        and not line.endswith(_ENDS_SENTENCE)
        and not line.startswith(_TABLE_MARK)
    }
    if not running:
        return texts
    out = []
    for lines in pages:
        while len(lines) > 1 and _DIGITS.sub("#", lines[0].strip()) in running:
            lines = lines[1:]
        while len(lines) > 1 and _DIGITS.sub("#", lines[-1].strip()) in running:
            lines = lines[:-1]
        out.append("\n".join(lines))
    return out


_DIGITS = re.compile(r"\d+")


def _pdf_limit_reason(exc: Exception) -> str:
    """A decoding limit means a stream that inflates too far; any other pypdf limit (object
    recovery, xref entries, cycles) means the file's structure is broken."""
    message = str(exc).lower()
    if "decompress" in message or "memory limit" in message:
        return (
            f"a PDF stream expands past the {human_size(_PDF_STREAM_LIMIT)} limit; "
            "refusing (possible decompression bomb)"
        )
    return (
        f"the PDF is corrupt: its structure is broken ({first_line(exc)}); "
        "download or export it again"
    )


def _pdf_limits() -> AbstractContextManager[object]:
    """Tighter decoding limits than pypdf's defaults, for this context only (pypdf >= 7)."""
    import pypdf

    if not hasattr(pypdf, "apply_configuration"):  # older pypdf: its own fixed limits apply
        return contextlib.nullcontext()
    names = (
        "zlib_maximum_output_length",
        "lzw_maximum_output_length",
        "run_length_maximum_output_length",
        "array_based_stream_maximum_output_length",
        "brotli_maximum_output_length",
        "jbig2_maximum_output_length",
        "maximum_declared_stream_length",
    )
    current = pypdf.get_configuration()
    limits = {n: _PDF_STREAM_LIMIT for n in names if hasattr(current, n)}
    return pypdf.apply_configuration(current.with_overwrites(**limits))


def _decrypt_or_refuse(reader: Any) -> None:
    if not reader.is_encrypted:
        return
    try:
        if reader.decrypt(""):  # only an owner password: readable as is
            return
    except Exception:  # any failure means we cannot read it
        pass
    raise CorpusError("the PDF is encrypted; save an unencrypted copy")


def _pdf_page_texts(reader: Any) -> list[str]:
    from pypdf.errors import LimitReachedError

    texts: list[str] = []
    total = 0
    for page in reader.pages:
        try:
            text = page.extract_text() or ""
        except LimitReachedError:
            raise
        except Exception:  # a broken page is skipped, the rest still counts
            text = ""
        total += len(text) + 2
        if total > _MAX_TEXT_CHARS:
            raise CorpusError(
                f"the PDF has over {_MAX_TEXT_CHARS:,} characters of text; split it into parts"
            )
        texts.append(text)
    return texts


def _pdf_metadata(reader: Any) -> tuple[str, str]:
    try:
        info = reader.metadata or {}
        title = cap(str(info.get("/Title") or ""), MAX_TITLE_CHARS)
        raw_date = str(info.get("/CreationDate") or info.get("/ModDate") or "")
    except Exception:  # metadata is optional
        return "", ""
    match = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", raw_date)
    return title, iso_date("-".join(match.groups())) if match else ""


def _join_pages(texts: list[str]) -> tuple[str, tuple[tuple[int, int, int], ...]]:
    """Pages in order, a blank line between them; a page that ends inside a sentence is
    joined to the next with a space, so the sentence reads on (it counts on its first page)."""
    pages: list[tuple[int, int, int]] = []
    parts: list[str] = []
    offset = 0
    for number, text in enumerate(texts, start=1):
        if parts and text:
            separator = " " if _continues(parts[-1], text) else "\n\n"
            parts.append(separator)
            offset += len(separator)
        pages.append((number, offset, offset + len(text)))
        if text:
            parts.append(text)
            offset += len(text)
    return "".join(parts), tuple(pages)


_PAGE_NUMBER = re.compile(r"\s*(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\s*", re.I)
_ENDS_SENTENCE = (".", "!", "?", ":", ";", '."', ".”", ".)", "?”", '?"')
_MARKED = re.compile(r"\s*(?:[-*•‣◦▪–]|\d{1,3}[.)]|[a-z][.)]|\(\w{1,4}\)|(?:Q|A):)\s")


def _continues(before: str, after: str) -> bool:
    end, start = before.rstrip(), after.lstrip()
    return bool(end and start) and not end.endswith(_ENDS_SENTENCE) and not _MARKED.match(start)


def _reflow_page(raw: str) -> tuple[str, list[tuple[int, str]]]:
    """A page's extracted lines as paragraphs: a line wrapped by the layout is joined to the
    next; a short line without punctuation between sentences is a heading (with a blank line
    around it); page numbers at the top or bottom are dropped. Returns the text and its
    headings as (offset in the text, heading)."""
    lines = [line.rstrip() for line in raw.splitlines()]
    while lines and (not lines[0].strip() or _PAGE_NUMBER.fullmatch(lines[0])):
        lines.pop(0)
    while lines and (not lines[-1].strip() or _PAGE_NUMBER.fullmatch(lines[-1])):
        lines.pop()
    width = max((len(line) for line in lines), default=0)
    out = ""
    headings: list[tuple[int, str]] = []
    previous = ""  # the previous logical line, "" after a blank line or a heading
    for i, line in enumerate(lines):
        stripped = line.strip()
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if not stripped:
            out, previous = out.rstrip() + "\n\n" if out else out, ""
        elif _wrapped_heading(out, headings, stripped):
            at, first = headings.pop()  # a heading wrapped onto a second line
            out = out[:at] + f"{first} {stripped}\n\n"
            headings.append((at, f"{first} {stripped}"))
        elif _is_pdf_heading(stripped, previous, following, width):
            out = out.rstrip("\n ") + "\n\n" if out else out
            headings.append((len(out), stripped))
            out, previous = out + stripped + "\n\n", ""
        elif (
            previous
            and (_continues(previous, stripped) or stripped[:1].islower())
            and not _MARKED.match(line)
        ):
            joiner = "" if previous.endswith("-") and stripped[:1].islower() else " "
            out, previous = out + joiner + stripped, stripped
        else:
            out = out + "\n" if out and not out.endswith("\n") else out
            out, previous = out + stripped, stripped
    return out.rstrip(), headings


def _wrapped_heading(out: str, headings: list[tuple[int, str]], line: str) -> bool:
    """Is `line` the second line of the heading just read ("Summary of the" / "Washington
    Meeting")?"""
    return (
        bool(headings)
        and out.endswith(headings[-1][1] + "\n\n")
        and bool(_HANGING.search(headings[-1][1]))
        and looks_like_heading(line)
    )


def _is_pdf_heading(line: str, previous: str, following: str, width: int) -> bool:
    """A short title-like line between sentences, before a line that opens a sentence. A
    numbered one ("2. Climate change") is a heading when a paragraph follows it, not the
    next item of its list."""
    numbered = _NUMBERED_HEADING.match(line)
    return (
        len(line) < 0.6 * width
        and (not previous or previous.endswith(_ENDS_SENTENCE))
        and bool(following[:1])
        and (following[0].isupper() or following[0].isdigit())
        and looks_like_heading(line[numbered.end() :] if numbered else line)
        and (not _MARKED.match(line) or (bool(numbered) and not _MARKED.match(following)))
    )


_HANGING = re.compile(r"\b(?:of|the|and|for|to|in|on|at|a|an|with|from|by)$", re.I)
_NUMBERED_HEADING = re.compile(r"(?:\d{1,2}\.)+(?:\d{1,2})?\s+(?=[A-Z])")

"""One loader per file type → `SourceDoc`, and validation of hostile files.

Every failure is a `CorpusError` whose message is one line saying what is wrong and what to do,
without the file's path (the caller prefixes it). Loaders never trust a file: sizes are checked
before reading, zip directories before unzipping, and PDF streams are decoded under tight limits.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from assistant.structure import (
    MAX_HEADING_CHARS,
    MAX_TITLE_CHARS,
    cap,
    plain_blocks,
)
from assistant.types import Block, FileError, SourceDoc
from assistant.units import ends_open

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".pdf", ".html", ".htm", ".docx"})
SIDECAR_SUFFIX = ".meta.yaml"

LOADERS_VERSION = b"structure-4\0"  # change it when loaders read files differently (or chunks
# are embedded differently): a sync then re-reads every document instead of keeping old chunks
_MAX_SIDECAR_BYTES = 64_000  # YAML parsing is slow: keep metadata small
MAX_FRONT_MATTER_CHARS = 64_000  # a Markdown file's front matter; longer is refused
_MAX_META_CHARS = 10_000  # per value; longer values (or alias-expanded lists) are skipped
_MAX_TEXT_CHARS = 5_000_000  # of extracted PDF text
_PDF_STREAM_LIMIT = 30_000_000  # bytes one PDF stream may decode to
_DOCX_MAX_UNZIPPED = 100_000_000
_DOCX_MAX_RATIO = 100
_DOCX_RATIO_MIN_SIZE = 1_000_000  # small members compress well legitimately; judge big ones only
_MAX_NAME_CHARS = 120
# A corpus file's name in bytes: a file system allows 255, and names are derived from it (its
# sidecar, NAME.meta.yaml; an upload's temporary copy, .NAME.uploading), which must fit too
MAX_NAME_BYTES = 240


class CorpusError(Exception):
    """A file that cannot be loaded; str(e) is one line: what is wrong and what to do."""


@dataclass
class Parsed:
    """What a format loader extracts from a file's bytes."""

    text: str
    title: str = ""
    date: str = ""
    pages: tuple[tuple[int, int, int], ...] = ()
    sections: tuple[tuple[int, str], ...] = ()
    meta: dict[str, str] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()


# ---------------------------------------------------------------------------------------------
# public API


Parser = Callable[[str, bytes], Parsed]  # (suffix, bytes) -> Parsed; see parse_worker.py


@dataclass(frozen=True)
class CorpusFile:
    """A file of the corpus as found on disk, before parsing: enough to tell if it changed."""

    id: str
    path: Path
    sha256: str


def load_document(
    path: Path,
    corpus_dir: Path,
    *,
    max_bytes: int = 20_000_000,
    parse: Parser | None = None,
) -> SourceDoc:
    """Load one file of the corpus; raises CorpusError with a one-line reason. `parse` runs
    the format loader (in-process by default; a ParseWorker bounds its time and memory)."""
    abs_path = Path(os.path.abspath(path))
    doc_id = _doc_id(abs_path, Path(os.path.abspath(corpus_dir)))
    check_entry(abs_path)
    return _load(abs_path, doc_id, max_bytes, parse)


def _load(abs_path: Path, doc_id: str, max_bytes: int, parse: Parser | None) -> SourceDoc:
    data = _read_bytes(abs_path, max_bytes)
    sidecar_bytes = _read_sidecar(abs_path)
    parsed = (parse or parse_bytes)(abs_path.suffix.lower(), data)
    if not parsed.text.strip():
        raise CorpusError("no text found; check that the file has readable text")
    sidecar = _parse_sidecar(sidecar_bytes) if sidecar_bytes is not None else {}
    title = cap(sidecar.get("title") or parsed.title, MAX_TITLE_CHARS)
    return SourceDoc(
        id=doc_id,
        path=str(abs_path),
        title=title or cap(_readable_stem(abs_path), MAX_TITLE_CHARS),
        date=_iso_date(sidecar.get("date", "")) or parsed.date,
        text=parsed.text,
        sha256=_digest(data, sidecar_bytes),
        pages=parsed.pages,
        sections=parsed.sections,
        meta={**parsed.meta, **sidecar},
        blocks=parsed.blocks,
    )


def list_corpus(
    corpus_dir: Path, *, max_bytes: int = 20_000_000
) -> tuple[list[CorpusFile], list[FileError]]:
    """Every file under corpus_dir with its content hash (file and sidecar), without parsing,
    so a sync parses only what changed. Unreadable or oversized files become FileErrors."""
    if not corpus_dir.is_dir():
        raise CorpusError("the corpus folder does not exist or is not a folder; create it first")
    found: list[CorpusFile] = []
    errors: list[FileError] = []
    for path in _walk(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        try:
            check_entry(path)
            digest = _digest(_read_bytes(path, max_bytes), _read_sidecar(path))
            found.append(CorpusFile(rel, path, digest))
        except CorpusError as exc:
            errors.append(FileError(path=rel, reason=str(exc)))
    return found, errors


def load_files(
    files: list[CorpusFile],
    corpus_dir: Path,
    *,
    max_bytes: int = 20_000_000,
    parse: Parser | None = None,
) -> tuple[list[SourceDoc], list[FileError]]:
    """Load the given files; bad files become FileErrors, not exceptions."""
    docs: list[SourceDoc] = []
    errors: list[FileError] = []
    for f in files:
        try:
            docs.append(load_document(f.path, corpus_dir, max_bytes=max_bytes, parse=parse))
        except CorpusError as exc:
            errors.append(FileError(path=f.id, reason=str(exc)))
    docs.sort(key=lambda d: d.id)
    return docs, errors


def scan_corpus(
    corpus_dir: Path, *, max_bytes: int = 20_000_000, parse: Parser | None = None
) -> tuple[list[SourceDoc], list[FileError]]:
    """Load every document under corpus_dir; bad files become FileErrors, not exceptions."""
    files, unreadable = list_corpus(corpus_dir, max_bytes=max_bytes)
    docs, failed = load_files(files, corpus_dir, max_bytes=max_bytes, parse=parse)
    return docs, sorted(unreadable + failed, key=lambda e: e.path)


def validate_file(path: Path, *, max_bytes: int = 20_000_000, parse: Parser | None = None) -> None:
    """Fully load a file from outside the corpus as a check, e.g. before copying an upload
    into the corpus (a link given to `docs add` is the user's own: what it points to is
    checked, and copied)."""
    real = Path(os.path.realpath(path))
    _load(real, real.name, max_bytes, parse)


def safe_name(name: str) -> str:
    """Reduce a user-supplied file name to one safe file name with a supported suffix."""
    last = name.replace("\\", "/").split("/")[-1]
    cleaned = re.sub(r"[^\w .-]", "_", last)
    cleaned = re.sub(r"_{2,}", "_", re.sub(r" {2,}", " ", cleaned))
    cleaned = re.sub(r"\.{2,}", ".", cleaned).lstrip(". -").rstrip(". ")
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot or not stem.strip(" _-") or f".{suffix.lower()}" not in SUPPORTED_SUFFIXES:
        raise CorpusError(f"not a usable file name; use a name ending in {_supported_list()}")
    suffix = "." + suffix.lower()
    stem = stem[: _MAX_NAME_CHARS - len(suffix)]
    while len(os.fsencode(stem + suffix)) > MAX_NAME_BYTES:  # letters of many bytes each
        stem = stem[:-1]
    return stem.rstrip(" .") + suffix


# ---------------------------------------------------------------------------------------------
# files and folders


def _walk(corpus_dir: Path) -> Iterator[Path]:
    """Files under corpus_dir in sorted order, without hidden entries or sidecars; links to
    folders are listed too (os.walk does not enter them), so that they are refused by name."""
    for root, dirs, files in os.walk(corpus_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in dirs:
            if (Path(root) / name).is_symlink():
                yield Path(root) / name
        for name in sorted(files):
            if not name.startswith(".") and not name.endswith(SIDECAR_SUFFIX):
                yield Path(root) / name


def check_entry(path: Path) -> None:
    """CorpusError unless path is a plain entry of the corpus: not a symbolic link (the corpus
    never reaches outside itself through one) and a name short enough for the names derived
    from it (checked before any of them is built)."""
    if path.is_symlink():
        raise CorpusError(
            "it is a symbolic link, and links are not followed; copy the file itself into the "
            "corpus folder, or remove the link"
        )
    size = len(os.fsencode(path.name))
    if size > MAX_NAME_BYTES:
        raise CorpusError(
            f"the file name is {size} bytes long; the limit is {MAX_NAME_BYTES} (its "
            f"{SIDECAR_SUFFIX} sidecar's name must fit too): rename it with a shorter name"
        )


def sidecar_path(path: Path) -> Path | None:
    """Where a document's metadata sidecar would be; None when its name would be too long for
    the file system (then the document has none)."""
    name = path.name + SIDECAR_SUFFIX
    return path.with_name(name) if len(os.fsencode(name)) <= 255 else None


def _doc_id(abs_path: Path, abs_corpus: Path) -> str:
    try:
        return abs_path.relative_to(abs_corpus).as_posix()
    except ValueError:
        raise CorpusError("the file is outside the corpus folder; copy it in first") from None


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no suffix)"
        raise CorpusError(f"unsupported file type {shown}; supported: {_supported_list()}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise CorpusError(
                f"the file is {_size(size)}, over the {_size(max_bytes)} limit; "
                "split it or raise ASSISTANT_MAX_FILE_MB"
            )
        if size == 0:
            raise CorpusError("the file is empty; add text or remove it")
        data = _read_no_link(path, max_bytes + 1)
    except OSError as exc:
        raise CorpusError(f"could not read the file: {_os_reason(exc)}") from None
    if len(data) > max_bytes:  # it grew since stat()
        raise CorpusError(f"the file is over the {_size(max_bytes)} limit; split it")
    if not data:
        raise CorpusError("the file is empty; add text or remove it")
    return data


def _digest(data: bytes, sidecar: bytes | None) -> str:
    """What a document's index entry depends on: the loaders' version, the file, its sidecar."""
    digest = hashlib.sha256(LOADERS_VERSION)
    digest.update(data)
    if sidecar is not None:
        digest.update(sidecar)
    return digest.hexdigest()


def _read_no_link(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a file, opened without following a link in its last part (a
    link swapped in after the check is refused too: ELOOP)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        return fh.read(limit)


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link, and links are not followed"
    return exc.strerror or type(exc).__name__


def _read_sidecar(path: Path) -> bytes | None:
    sidecar = sidecar_path(path)
    if sidecar is None or not (sidecar.is_symlink() or sidecar.is_file()):
        return None
    try:
        data = _read_no_link(sidecar, _MAX_SIDECAR_BYTES + 1)
    except OSError as exc:
        reason = _os_reason(exc)
        raise CorpusError(f"could not read its {SIDECAR_SUFFIX} sidecar: {reason}") from None
    if len(data) > _MAX_SIDECAR_BYTES:
        raise CorpusError(
            f"its {SIDECAR_SUFFIX} sidecar is over {_size(_MAX_SIDECAR_BYTES)}; keep it short"
        )
    return data


def _parse_sidecar(data: bytes) -> dict[str, str]:
    try:
        loaded = yaml.safe_load(_decode_text(data))
    except yaml.YAMLError as exc:
        raise CorpusError(
            f"its {SIDECAR_SUFFIX} sidecar is not valid YAML: {_first_line(exc)}"
        ) from None
    except CorpusError as exc:
        raise CorpusError(f"its {SIDECAR_SUFFIX} sidecar: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise CorpusError(f"its {SIDECAR_SUFFIX} sidecar must be a mapping like 'title: ...'")
    return _string_meta(loaded)


def _supported_list() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))


def _size(n: int) -> str:
    """25_300_000 -> '25.3 MB', 20_000_000 -> '20 MB', 2_500 -> '2.5 KB', 100 -> '100 bytes'."""
    if n < 1000:
        return f"{n} bytes"
    value, unit = (n / 1e6, "MB") if n >= 1_000_000 else (n / 1e3, "KB")
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def _readable_stem(path: Path) -> str:
    words = re.sub(r"[-_\s]+", " ", path.stem).strip()
    if not words:
        return path.name
    return words[0].upper() + words[1:] if words.islower() else words


# ---------------------------------------------------------------------------------------------
# dispatch and error conversion


def parse_bytes(suffix: str, data: bytes) -> Parsed:
    """Text and metadata of a file's bytes by its suffix; CorpusError with one line if not."""
    loaders: dict[str, tuple[Callable[[bytes], Parsed], str]] = {
        ".txt": (_load_txt, "text file"),
        ".md": (_load_md, "Markdown file"),
        ".pdf": (_load_pdf, "PDF"),
        ".html": (_load_html, "HTML"),
        ".htm": (_load_html, "HTML"),
        ".docx": (_load_docx, ".docx"),
    }
    loader, kind = loaders[suffix]
    try:
        return loader(data)
    except CorpusError:
        raise
    except RecursionError:
        raise CorpusError(f"the {kind} is nested too deeply to read; simplify it") from None
    except MemoryError:
        raise  # the parse worker reports its memory cap
    except Exception as exc:  # any parser failure becomes one readable line
        raise CorpusError(
            f"could not read the {kind}: {type(exc).__name__}: {_first_line(exc)}"
        ) from None


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    line = lines[0].strip() if lines else "(no message)"
    return line if len(line) <= 200 else line[:197] + "..."


# ---------------------------------------------------------------------------------------------
# text and metadata helpers


def _decode_text(data: bytes) -> str:
    """UTF-8 (BOM dropped), else UTF-16 with a BOM, else cp1252 if it looks like text."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _reject_binary(data.decode("utf-16"), strict=True)
        except UnicodeDecodeError:
            raise CorpusError(_BINARY) from None
    try:
        return _reject_binary(data.decode("utf-8"), strict=False)
    except UnicodeDecodeError:
        pass
    try:
        return _reject_binary(data.decode("cp1252"), strict=True)
    except UnicodeDecodeError:
        raise CorpusError(_BINARY) from None


_BINARY = "the file looks binary, not text; save it as UTF-8 text"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _reject_binary(text: str, *, strict: bool) -> str:
    """Reject NUL bytes always, and other control characters in guessed encodings."""
    if "\x00" in text or (strict and _CONTROL.search(text)):
        raise CorpusError(_BINARY)
    return text


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y")


def _iso_date(value: object) -> str:
    """An ISO 'YYYY-MM-DD' from a date, datetime or common date string; '' if none."""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    text = str(value or "").strip()
    match = re.match(r"(\d{4})[-/](\d{2})[-/](\d{2})", text)
    if match:
        text = "-".join(match.groups())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return ""


def _scalar_text(value: object) -> str | None:
    """A YAML value as a string; lists of scalars are joined; nested structures are skipped
    (so YAML aliases can never expand into a huge string)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str | int | float | bool) for v in items):
        return None
    if sum(len(str(v)) + 2 for v in items) > _MAX_META_CHARS:
        return None
    return ", ".join(str(v) for v in items)


def _string_meta(mapping: dict[Any, Any]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for key, value in mapping.items():
        text = _scalar_text(value)
        if text is None:
            continue
        meta[str(key)] = (_iso_date(value) or text) if str(key) == "date" else text.strip()
    return meta


# ---------------------------------------------------------------------------------------------
# .txt


def _load_txt(data: bytes) -> Parsed:
    """The file's text exactly; headings, list items and FAQ parts are found in it."""
    text = _decode_text(data)
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
        if not before_blank or i + 1 == len(lines) or not _looks_like_heading(heading):
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


def _looks_like_heading(line: str) -> bool:
    return (
        0 < len(line) <= 80
        and len(line.split()) <= 10
        and line[0].isupper()
        and not line.endswith((".", "!", "?", ":", ";", ","))
    )


# ---------------------------------------------------------------------------------------------
# .md

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)


def _load_md(data: bytes) -> Parsed:
    """The rendered text: no Markdown markup reaches it (see markdown_text.py)."""
    from assistant.markdown_text import render_markdown

    text = _decode_text(data)
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
        date=_iso_date(meta.get("date", "")),
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
            f"{_size(MAX_FRONT_MATTER_CHARS)} (title, date and a few keys) or remove it"
        )


def _front_matter(source: str) -> dict[str, str] | None:
    """The front matter's keys as strings; None if it is not a mapping (e.g. '---' rules)."""
    try:
        loaded = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise CorpusError(f"the front matter is not valid YAML: {_first_line(exc)}") from None
    return _string_meta(loaded) if isinstance(loaded, dict) else None


# ---------------------------------------------------------------------------------------------
# .pdf


def _load_pdf(data: bytes) -> Parsed:
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
            f"the PDF is damaged or truncated ({type(exc).__name__}: {_first_line(exc)}); "
            "download or export it again"
        ) from None
    if not any(t.strip() for t in texts):
        raise CorpusError("no extractable text (scanned or empty PDF?); run OCR on it first")
    reflowed = [_reflow_page(t) for t in _without_running_lines(texts)]
    text, pages = _join_pages([t for t, _ in reflowed])
    headings = tuple(
        (start + offset, heading)
        for (_, start, _), (_, found) in zip(pages, reflowed, strict=True)
        for offset, heading in found
    )
    sections = tuple((start, cap(h, MAX_HEADING_CHARS)) for start, h in headings)
    return Parsed(
        text=text,
        title=title,
        date=created,
        pages=pages,
        sections=sections,
        blocks=plain_blocks(text, headings),
    )


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
        if n >= max(2, (len(pages) + 1) // 2) and not line.endswith(_ENDS_SENTENCE)
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
            f"a PDF stream expands past the {_size(_PDF_STREAM_LIMIT)} limit; "
            "refusing (possible decompression bomb)"
        )
    return (
        f"the PDF is corrupt: its structure is broken ({_first_line(exc)}); "
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
    return title, _iso_date("-".join(match.groups())) if match else ""


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
        and _looks_like_heading(line)
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
        and _looks_like_heading(line[numbered.end() :] if numbered else line)
        and (not _MARKED.match(line) or (bool(numbered) and not _MARKED.match(following)))
    )


_HANGING = re.compile(r"\b(?:of|the|and|for|to|in|on|at|a|an|with|from|by)$", re.I)
_NUMBERED_HEADING = re.compile(r"(?:\d{1,2}\.)+(?:\d{1,2})?\s+(?=[A-Z])")


# ---------------------------------------------------------------------------------------------
# .html / .htm

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


def _load_html(data: bytes) -> Parsed:
    from bs4 import BeautifulSoup

    from assistant.html_text import render_html

    soup = BeautifulSoup(_decode_text(data), "lxml")
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
            found = _iso_date(str(tag.get("content", "")))
            if found:
                return found
    time_tag = soup.find("time", attrs={"datetime": True})
    return _iso_date(str(time_tag["datetime"])) if time_tag else ""


def _html_root(soup: Any) -> Any:
    main = soup.find("main")
    if main is not None:
        return main
    articles = soup.find_all("article")
    if len(articles) == 1:
        return articles[0]
    return soup.body or soup


# ---------------------------------------------------------------------------------------------
# .docx


def _load_docx(data: bytes) -> Parsed:
    import docx

    from assistant.docx_text import render_docx

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
        return title, _iso_date(props.created) if props.created else ""
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

"""What every format loader shares: the one-line CorpusError, the Parsed result, text
decoding that refuses binary files, and metadata values made safe (dates to ISO, scalars only)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from assistant.types import Block

_MAX_META_CHARS = 10_000  # per value; longer values (or alias-expanded lists) are skipped


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


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    line = lines[0].strip() if lines else "(no message)"
    return line if len(line) <= 200 else line[:197] + "..."


# ---------------------------------------------------------------------------------------------
# text and metadata helpers


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM dropped), else UTF-16 with a BOM, else cp1252 if it looks like text."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return reject_binary(data.decode("utf-16"), strict=True)
        except UnicodeDecodeError:
            raise CorpusError(_BINARY) from None
    try:
        return reject_binary(data.decode("utf-8"), strict=False)
    except UnicodeDecodeError:
        pass
    try:
        return reject_binary(data.decode("cp1252"), strict=True)
    except UnicodeDecodeError:
        raise CorpusError(_BINARY) from None


_BINARY = "the file looks binary, not text; save it as UTF-8 text"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def reject_binary(text: str, *, strict: bool) -> str:
    """Reject NUL bytes always, and other control characters in guessed encodings."""
    if "\x00" in text or (strict and _CONTROL.search(text)):
        raise CorpusError(_BINARY)
    return text


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y")


def iso_date(value: object) -> str:
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


def scalar_text(value: object) -> str | None:
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


def string_meta(mapping: dict[Any, Any]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for key, value in mapping.items():
        text = scalar_text(value)
        if text is None:
            continue
        meta[str(key)] = (iso_date(value) or text) if str(key) == "date" else text.strip()
    return meta


def human_size(n: int) -> str:
    """25_300_000 -> '25.3 MB', 20_000_000 -> '20 MB', 2_500 -> '2.5 KB', 100 -> '100 bytes'."""
    if n < 1000:
        return f"{n} bytes"
    value, unit = (n / 1e6, "MB") if n >= 1_000_000 else (n / 1e3, "KB")
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"

"""Small pieces of wording the Documents and Evaluation tabs share: counts with the right
plural, readable UTC dates, and numbers that never break across lines."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.web.render import esc


def plural(n: int, word: str, many: str = "") -> str:
    """'1 chunk', '2 chunks', '1,234 documents' (`many` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def readable_utc(iso: object) -> str:
    """An ISO 8601 time as '29 Nov 2026, 22:07 UTC'; anything unparsable as it is."""
    text = str(iso or "").strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text or "-"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the index and the reports write UTC
    when = when.astimezone(UTC)
    return f"{when.day} {when:%b %Y, %H:%M} UTC"


def num(text: object) -> str:
    """A number (or a date) in HTML that never wraps inside itself."""
    return f'<span class="num">{esc(text)}</span>'

"""Text that people send (a question, its history, document ids), from any surface: valid
Unicode, normalised, or refused with one line. A lone surrogate (what Python makes of bytes
that are not UTF-8 in a command line, or what a JSON `\\ud800` escape decodes to) can be
neither searched nor written back out, so it is refused where it comes in."""

from __future__ import annotations

import unicodedata


def invalid_at(text: str) -> int | None:
    """The position of the first character that is not valid Unicode (a lone surrogate), or
    None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def normalised(text: str, what: str, error: type[ValueError]) -> str:
    """`text` in Unicode's composed form (NFC: "é" typed as e + accent matches "é"); `error`
    with one line naming `what` when it is not valid Unicode."""
    check(text, what, error)
    return unicodedata.normalize("NFC", text)


def check(text: str, what: str, error: type[ValueError]) -> str:
    """`text` unchanged if it is valid Unicode, else `error` with one line naming `what`."""
    at = invalid_at(text)
    if at is not None:
        raise error(
            f"{what} is not valid text: character {at + 1:,} is not Unicode (bytes that are "
            "not UTF-8?); type or paste it again as UTF-8 text."
        )
    return text

"""One loader per file format, each `load(bytes) -> Parsed` (text with its structure, title and
date), behind one dispatch by suffix that turns any parser failure into one CorpusError line."""

from __future__ import annotations

from collections.abc import Callable

from assistant.ingest.formats import docx, html, markdown, pdf, text
from assistant.ingest.formats.common import CorpusError, Parsed, first_line


def parse_bytes(suffix: str, data: bytes) -> Parsed:
    """Text and metadata of a file's bytes by its suffix; CorpusError with one line if not."""
    loaders: dict[str, tuple[Callable[[bytes], Parsed], str]] = {
        ".txt": (text.load, "text file"),
        ".md": (markdown.load, "Markdown file"),
        ".pdf": (pdf.load, "PDF"),
        ".html": (html.load, "HTML"),
        ".htm": (html.load, "HTML"),
        ".docx": (docx.load, ".docx"),
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
            f"could not read the {kind}: {type(exc).__name__}: {first_line(exc)}"
        ) from None

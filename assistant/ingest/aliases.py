"""A corpus's aliases.yaml (assistant/text/aliases.py): read once, with the general ones."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import UserError
from assistant.text.aliases import Aliases

ALIASES_FILE = "aliases.yaml"
"""A corpus's aliases, at the root of its folder (never read as a document)."""
MAX_ALIASES_BYTES = 256 * 1024


def corpus_aliases(corpus_dir: Path) -> Aliases:
    """The general aliases and those of corpus_dir/aliases.yaml, when there is one; UserError,
    one line, when that file cannot be used (nothing else is affected: the documents are read
    as before)."""
    path = corpus_dir / ALIASES_FILE
    if not path.is_file() and not path.is_symlink():
        return Aliases.general()
    try:
        if path.is_symlink():  # as for documents, the corpus never follows a link
            raise ValueError("it is a symbolic link, and links are not followed")
        if path.stat().st_size > MAX_ALIASES_BYTES:
            raise ValueError(f"it is over {MAX_ALIASES_BYTES // 1024} KB; keep it to names")
        return Aliases.general().with_corpus(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UserError(f"{path}: {reason}; fix the file or remove it") from None

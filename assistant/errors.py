"""User-facing errors: the exception for a problem the user can fix, and the one place that
turns such problems into one line on stderr (for the CLI and `python app.py` alike)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


class UserError(Exception):
    """A problem the user can fix; printed as one line."""


def run_for_user(run: Callable[[], int | None]) -> int:
    """Run a command; its exit code, or 2 with one line for a problem the user can fix (never a
    stack trace), or 130 when interrupted."""
    try:
        return int(run() or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `assistant ask ... | head`: the reader has gone, so stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit flush too
        return 141  # what a program stopped by SIGPIPE reports (128 + 13)
    except Exception as exc:  # one line for the user, never a stack trace
        if not is_user_error(exc):
            raise
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2


def is_user_error(exc: Exception) -> bool:
    """A problem the user can fix: our UserError (every module's user-facing errors derive from
    it), a settings ValidationError, or an OSError (a file or port the user named)."""
    from pydantic import ValidationError

    return isinstance(exc, (UserError, ValidationError, OSError))


def one_line(exc: Exception) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        e = exc.errors()[0]
        return f"setting ASSISTANT_{str(e['loc'][0]).upper() if e['loc'] else ''}: {e['msg']}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{short(str(exc.filename))}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def short(text: str, limit: int = 80) -> str:
    """A path or name for a one-line message: long ones keep their start and end."""
    return text if len(text) <= limit else f"{text[: limit // 2 - 2]}...{text[-(limit // 2 - 1) :]}"

"""A conversation's history as callers send it (the CLI's --history file, the web API's
`history` argument): parsed within bounds, without recursion, into Turns, or refused in one
line. The same checks for every surface, from one place."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.errors import UserError
from assistant.types import Turn

ROLES = ("user", "assistant")
_SHAPE = 'history must be a JSON list of {"role": "user"|"assistant", "content": "..."}'
_DEPTH = 2  # a list of objects: nothing in a history nests deeper
_JSON_OVERHEAD = 64  # characters of JSON syntax a turn may add to its content
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


class HistoryError(UserError, ValueError):
    """The history cannot be used as it is; the message says why, in one line."""


@dataclass(frozen=True)
class HistoryLimits:
    max_turns: int  # turns (a question or an answer each)
    max_chars: int  # characters of all contents together
    max_question_chars: int  # of one user turn: an earlier question, so no longer than a question

    def __post_init__(self) -> None:
        if min(self.max_turns, self.max_chars, self.max_question_chars) <= 0:
            raise ValueError("history limits must be positive")

    @property
    def max_text_chars(self) -> int:
        """The longest JSON text a history within the limits can be."""
        return self.max_chars * 6 + self.max_turns * _JSON_OVERHEAD + 2  # \\uXXXX escapes


def parse_history(text: str | None, limits: HistoryLimits) -> list[Turn]:
    """The turns of a JSON history ("" or None: none). Raises HistoryError, one line."""
    if text is None:
        return []
    if not isinstance(text, str):
        raise HistoryError(f"{_SHAPE}, sent as a string; got a {_json_type(text)}")
    if not text.strip():
        return []
    if len(text) > limits.max_text_chars:
        raise HistoryError(
            f"the history is {len(text):,} characters long; the limit is "
            f"{limits.max_text_chars:,} (ASSISTANT_MAX_HISTORY_CHARS of content)"
        )
    depth = nesting_depth(text)
    if depth > _DEPTH:
        raise HistoryError(f"{_SHAPE}; it is nested {depth:,} levels deep")
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "too deep"
        raise HistoryError(f"{_SHAPE}; it is not valid JSON ({reason})") from None
    return check_turns(raw, limits)


def check_turns(raw: object, limits: HistoryLimits) -> list[Turn]:
    """Turns from decoded JSON (a list of {role, content} objects), checked against limits."""
    if not isinstance(raw, list):
        raise HistoryError(f"{_SHAPE}; got a JSON {_json_type(raw)}")
    if len(raw) > limits.max_turns:
        raise HistoryError(
            f"the history has {len(raw):,} turns; the limit is {limits.max_turns:,} "
            "(ASSISTANT_MAX_HISTORY_TURNS): send only the recent turns"
        )
    turns = []
    for i, turn in enumerate(raw):
        if not isinstance(turn, dict) or turn.get("role") not in ROLES:
            raise HistoryError(f"{_SHAPE}; turn {i} is not one")
        content = turn.get("content")
        if not isinstance(content, str):
            raise HistoryError(f"{_SHAPE}; turn {i}'s content is a {_json_type(content)}")
        turns.append(Turn(turn["role"], content))
    return bounded(turns, limits)


def bounded(turns: Sequence[Turn], limits: HistoryLimits) -> list[Turn]:
    """The turns, if they are within the limits; HistoryError otherwise."""
    if len(turns) > limits.max_turns:
        raise HistoryError(
            f"the history has {len(turns):,} turns; the limit is {limits.max_turns:,} "
            "(ASSISTANT_MAX_HISTORY_TURNS): send only the recent turns"
        )
    total = 0
    for i, t in enumerate(turns):
        if t.role == "user" and len(t.content) > limits.max_question_chars:
            raise HistoryError(
                f"turn {i} of the history is a question of {len(t.content):,} characters; "
                f"the limit is {limits.max_question_chars:,} (ASSISTANT_MAX_QUESTION_CHARS)"
            )
        total += len(t.content)
    if total > limits.max_chars:
        raise HistoryError(
            f"the history is {total:,} characters long; the limit is {limits.max_chars:,} "
            "(ASSISTANT_MAX_HISTORY_CHARS): send only the recent turns"
        )
    return list(turns)


def recent(turns: Sequence[Turn], limits: HistoryLimits) -> list[Turn]:
    """The most recent turns that fit the limits (for a conversation the app keeps itself:
    a long chat goes on, its oldest turns no longer count). A question over the limit is
    cut to it."""
    kept: list[Turn] = []
    total = 0
    for t in reversed(turns):
        content = t.content[: limits.max_question_chars] if t.role == "user" else t.content
        if len(kept) == limits.max_turns or total + len(content) > limits.max_chars:
            break
        kept.append(Turn(t.role, content))
        total += len(content)
    return kept[::-1]


def nesting_depth(text: str) -> int:
    """The deepest nesting of JSON arrays and objects in text, outside strings, found without
    recursion (the JSON parser recurses, so depth is checked first)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _json_type(value: object) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number" if isinstance(value, int | float) else "value")

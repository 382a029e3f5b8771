"""The history parser every surface shares: bounded, never recursive, one line when refused."""

from __future__ import annotations

import json
import time

import pytest

from assistant.config import Settings
from assistant.history import (
    HistoryError,
    HistoryLimits,
    nesting_depth,
    parse_history,
    recent,
)
from assistant.query.questions import MAX_CARRIED_CHARS, condense
from assistant.types import Turn

LIMITS = HistoryLimits(max_turns=4, max_chars=100, max_question_chars=30)


def refused(text: object) -> str:
    with pytest.raises(HistoryError) as caught:
        parse_history(text, LIMITS)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message and len(message) < 200
    return message


def test_a_good_history_parses() -> None:
    text = json.dumps([{"role": "user", "content": "Who?"}, {"role": "assistant", "content": "A."}])
    assert parse_history(text, LIMITS) == [Turn("user", "Who?"), Turn("assistant", "A.")]
    assert parse_history("", LIMITS) == parse_history(None, LIMITS) == []


def test_depth_is_measured_without_recursion_and_ignores_strings() -> None:
    assert nesting_depth('[{"content": "[[[{{{"}]') == 2
    started = time.perf_counter()
    assert nesting_depth("[" * 1_000_000 + "]" * 1_000_000) == 1_000_000
    assert time.perf_counter() - started < 5  # linear, not a crash


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * 10_000, "characters long; the limit is"),
        (json.dumps([{"role": "user", "content": "q"}] * 5), "5 turns; the limit is 4"),
        (json.dumps([{"role": "assistant", "content": "a" * 101}]), "101 characters long"),
        (json.dumps([{"role": "user", "content": "q" * 31}]), "a question of 31 characters"),
        (json.dumps([{"role": "system", "content": "q"}]), "turn 0 is not one"),
        (json.dumps([{"role": "user", "content": 7}]), "turn 0's content is a number"),
        (json.dumps([{"role": "user", "content": None}]), "turn 0's content is a null"),
        ("7", "got a JSON number"),
        ("[1, 2", "not valid JSON"),
        (7, "sent as a string; got a number"),
        (["a"], "sent as a string; got a list"),
    ],
)
def test_bad_histories_are_refused_in_one_line(text: object, message: str) -> None:
    assert message in refused(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested 100,000 levels deep"),
        ('[{"role": "user", "content": [[1]]}]', "nested 4 levels deep"),
        ("[" * 10_000 + "1" + "]" * 10_000, "nested 10,000 levels deep"),
    ],
)
def test_deep_nesting_is_refused_before_parsing(text: str, message: str) -> None:
    with pytest.raises(HistoryError, match=message):
        parse_history(text, Settings().history_limits)


def test_recent_keeps_the_newest_turns_within_the_limits() -> None:
    turns = [Turn("user", f"q{i}") if i % 2 == 0 else Turn("assistant", "a" * 40) for i in range(9)]
    kept = recent(turns, LIMITS)
    assert kept == turns[-4:]  # four turns, 84 characters
    assert recent(turns, HistoryLimits(9, 90, 30)) == turns[-5:]  # a sixth would pass 90
    assert recent([Turn("user", "x" * 500)], LIMITS) == [Turn("user", "x" * 30)]


def test_settings_carry_the_limits() -> None:
    limits = Settings(max_history_turns=3, max_history_chars=50, max_question_chars=20)
    assert limits.history_limits == HistoryLimits(3, 50, 20)


def test_the_condensed_query_is_bounded() -> None:
    earlier = " ".join(f"Guatemala{i}" for i in range(50_000))
    query = condense("And how much?", [Turn("user", earlier)])
    assert query.startswith("And how much? (") and len(query) <= 16 + MAX_CARRIED_CHARS + 2

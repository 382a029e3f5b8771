"""Saved conversations in SQLite: per user, across a reopened file (a restart), renamed,
deleted, bounded, migrated once; answers come back exactly as they were shown."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.conversations import (
    MIGRATIONS,
    ConversationError,
    ConversationStore,
    title_of,
)
from assistant.types import Answer, Chunk, Citation, Hit

QUOTE = "More than 547,000 individuals used CBP One."
CHUNK = Chunk("abc:5", "fact-sheet.txt", 5, f"Since 2023. {QUOTE}", 3393, 3448, "Fact Sheet")
ANSWER = Answer(
    question="How many people used CBP One?",
    query="How many people used CBP One?",
    text=f"{QUOTE} [1]",
    citations=(
        Citation(
            1, "abc:5", "fact-sheet.txt", "Fact Sheet", "2024-05-08", "", None, QUOTE, 3405, 3448
        ),
    ),
    hits=(Hit(CHUNK, 0.03, 1, dense_score=0.61, lexical_score=4.2),),
    refused=False,
    timings={"total_ms": 12.5},
)
REFUSED = Answer("Capital?", "Capital?", "", (), (), True, refusal_reason="no_overlap")


class Clock:
    """A clock that moves one second per reading: 'most recently used' is then exact."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def store(path: Path, **kw: int) -> ConversationStore:
    return ConversationStore(path / "data" / "conversations.sqlite3", clock=Clock(), **kw)


def test_a_conversation_survives_reopening_the_file_exactly(tmp_path: Path) -> None:
    first = store(tmp_path)
    first.append("local", "c1", "How many people used CBP One?", ANSWER)
    first.append("local", "c1", "Capital of Mongolia?", REFUSED)
    again = store(tmp_path)  # a restart: a new object on the same file
    (summary,) = again.summaries("local")
    assert (summary.id, summary.title, summary.turns) == ("c1", "How many people used CBP One?", 2)
    conversation = again.get("local", "c1")
    assert conversation.exchanges == (
        ("How many people used CBP One?", ANSWER.__class__.from_dict(ANSWER.to_dict())),
        ("Capital of Mongolia?", REFUSED),
    )
    shown = conversation.exchanges[0][1]
    assert shown.citations == ANSWER.citations and shown.text == ANSWER.text
    assert shown.hits[0].chunk.text == CHUNK.text and shown.hits[0].dense_score == 0.61


def test_two_users_never_see_each_others_conversations(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.append("ana", "c1", "How many people used CBP One?", ANSWER)
    s.append("ben", "c2", "Capital?", REFUSED)
    assert [c.id for c in s.summaries("ana")] == ["c1"]
    assert [c.id for c in s.summaries("ben")] == ["c2"]
    with pytest.raises(ConversationError, match="not saved any more"):
        s.get("ben", "c1")
    with pytest.raises(ConversationError, match="not saved any more"):
        s.rename("ben", "c1", "Mine now")
    assert s.delete("ben", "c1") is False
    assert s.get("ana", "c1").title == "How many people used CBP One?"
    # the same id under two users is two conversations
    s.append("ben", "c1", "Capital?", REFUSED)
    assert len(s.get("ana", "c1").exchanges) == 1 and len(s.get("ben", "c1").exchanges) == 1


def test_rename_and_delete(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.append("local", "c1", "How many people used CBP One?", ANSWER)
    assert s.rename("local", "c1", "  CBP   One\nfigures ") == "CBP One figures"
    assert s.summaries("local")[0].title == "CBP One figures"
    with pytest.raises(ConversationError, match="Type a name"):
        s.rename("local", "c1", "   ")
    with pytest.raises(ConversationError, match="the limit is 80"):
        s.rename("local", "c1", "x" * 81)
    assert s.delete("local", "c1") is True
    assert s.summaries("local") == []
    with pytest.raises(ConversationError):
        s.get("local", "c1")
    # its exchanges went with it: the id starts afresh
    s.append("local", "c1", "Capital?", REFUSED)
    assert len(s.get("local", "c1").exchanges) == 1


def test_bounded_per_user_the_least_recently_used_goes(tmp_path: Path) -> None:
    s = store(tmp_path, max_conversations=3, max_turns=2)
    for n in (1, 2, 3):
        assert s.append("local", f"c{n}", f"Question {n}?", ANSWER).removed == ()
    s.append("local", "c1", "Back to the first?", ANSWER)  # c1 is now the most recent
    saved = s.append("local", "c4", "Question 4?", ANSWER)
    assert saved.removed == ("Question 2?",)
    assert [c.id for c in s.summaries("local")] == ["c4", "c1", "c3"]
    s.append("other", "c9", "Question 9?", ANSWER)  # another user's count is their own
    assert len(s.summaries("local")) == 3
    full = s.append("local", "c1", "A third question?", ANSWER)
    assert full.full and len(s.get("local", "c1").exchanges) == 2


def test_migrations_run_once_and_are_recorded(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.append("local", "c1", "Question?", ANSWER)
    store(tmp_path).summaries("local")  # a second opening migrates nothing again
    with sqlite3.connect(s.path) as db:
        versions = db.execute("SELECT version FROM schema_migrations").fetchall()
    assert versions == [(n,) for n in range(1, len(MIGRATIONS) + 1)]


def test_concurrent_appends_from_threads_all_land(tmp_path: Path) -> None:
    s = store(tmp_path, max_conversations=50)
    errors: list[Exception] = []

    def save(n: int) -> None:
        try:
            s.append("local", f"c{n}", f"Question {n}?", ANSWER)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(s.summaries("local")) == 20


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "data" / "conversations.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConversationError, match="cannot be read") as info:
        ConversationStore(path).summaries("local")
    assert "\n" not in str(info.value)


def test_a_title_is_the_first_question_cut_at_a_word() -> None:
    assert title_of("  How many\npeople?  ") == "How many people?"
    long = title_of("word " * 40)
    assert len(long) <= 80 and long.endswith("word…")
    assert title_of("   ") == "Untitled conversation"

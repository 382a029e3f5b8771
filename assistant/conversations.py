"""Saved conversations: each user's questions and the answers shown, kept in SQLite (the
standard library's sqlite3) so that they survive restarts and can be listed, reopened, renamed
and deleted. The schema is built by numbered migrations recorded in `schema_migrations`, so a
later version can change it on an existing file.

Every read and write names the user: one user never sees, renames or deletes another's
conversations (an id alone opens nothing). Bounded per user: at most `max_conversations`
(beyond it the least recently used is removed, and the caller is told which) and at most
`max_turns` questions per conversation (beyond it a question is not saved and the caller is
told). A connection per operation, so threads and processes (replicas on one data folder) can
share the file; SQLite serialises the writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.types import Answer

Exchange = tuple[str, Answer]  # (the question as typed, the answer shown)
Clock = Callable[[], datetime]
TITLE_CHARS = 80  # a title is the first question, cut at a word, or what the user names it
LOCAL_USER = "local"  # the one user when no login is configured

# Each migration runs once, in order, inside one transaction with its version's record.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE conversations (
        user TEXT NOT NULL,
        id TEXT NOT NULL,
        title TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (user, id)
    );
    CREATE INDEX conversations_recent ON conversations (user, updated);
    CREATE TABLE exchanges (
        user TEXT NOT NULL,
        conversation TEXT NOT NULL,
        turn INTEGER NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        PRIMARY KEY (user, conversation, turn),
        FOREIGN KEY (user, conversation) REFERENCES conversations (user, id) ON DELETE CASCADE
    );
    """,
)


class ConversationError(Exception):
    """A saved conversation cannot be used as asked; the message says why, in one line."""


@dataclass(frozen=True)
class ConversationSummary:
    """One line of a user's list: most recently used first."""

    id: str
    title: str
    updated: str  # ISO 8601, UTC
    turns: int


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    updated: str
    exchanges: tuple[Exchange, ...]


@dataclass(frozen=True)
class Saved:
    """What saving an exchange did: the titles of conversations removed to stay within the
    bound (oldest first), or that the conversation is full and nothing was saved."""

    removed: tuple[str, ...] = ()
    full: bool = False


class ConversationStore:
    """Conversations per user in the SQLite file at `path` (created, with its folder, on first
    use)."""

    def __init__(
        self,
        path: Path,
        *,
        max_conversations: int = 100,
        max_turns: int = 100,
        clock: Clock | None = None,
    ) -> None:
        if max_conversations <= 0 or max_turns <= 0:
            raise ValueError("max_conversations and max_turns must be positive")
        self.path = path
        self.max_conversations = max_conversations
        self.max_turns = max_turns
        self._clock = clock or (lambda: datetime.now(UTC))
        self._migrated = False

    # --- reading ---------------------------------------------------------------------------

    def summaries(self, user: str) -> list[ConversationSummary]:
        with self._db() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.updated, COUNT(e.turn) FROM conversations c "
                "LEFT JOIN exchanges e ON e.user = c.user AND e.conversation = c.id "
                "WHERE c.user = ? GROUP BY c.id ORDER BY c.updated DESC, c.rowid DESC",
                (user,),
            ).fetchall()
        return [ConversationSummary(r[0], r[1], r[2], int(r[3])) for r in rows]

    def get(self, user: str, conversation: str) -> Conversation:
        """Raises ConversationError when this user has no such conversation."""
        with self._db() as db:
            head = db.execute(
                "SELECT title, updated FROM conversations WHERE user = ? AND id = ?",
                (user, conversation),
            ).fetchone()
            if head is None:
                raise ConversationError(_GONE)
            rows = db.execute(
                "SELECT question, answer FROM exchanges WHERE user = ? AND conversation = ? "
                "ORDER BY turn",
                (user, conversation),
            ).fetchall()
        exchanges = tuple((q, Answer.from_dict(json.loads(a))) for q, a in rows)
        return Conversation(conversation, head[0], head[1], exchanges)

    # --- writing ---------------------------------------------------------------------------

    def append(self, user: str, conversation: str, question: str, answer: Answer) -> Saved:
        """Save the next exchange of a conversation (created, titled by its first question,
        when new); keeps the user within max_conversations by removing the least recently
        used others."""
        if not conversation:
            raise ConversationError("a conversation needs an id")
        now = self._now()
        with self._db() as db:
            known = db.execute(
                "SELECT COUNT(*) FROM exchanges WHERE user = ? AND conversation = ?",
                (user, conversation),
            ).fetchone()[0]
            if known >= self.max_turns:
                return Saved(full=True)
            db.execute(
                "INSERT INTO conversations (user, id, title, created, updated) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user, id) DO UPDATE SET updated = ?",
                (user, conversation, title_of(question), now, now, now),
            )
            db.execute(
                "INSERT OR REPLACE INTO exchanges (user, conversation, turn, question, answer) "
                "VALUES (?, ?, ?, ?, ?)",
                (user, conversation, known + 1, question, json.dumps(answer.to_dict())),
            )
            removed = db.execute(
                "SELECT id, title FROM conversations WHERE user = ? AND id != ? "
                "ORDER BY updated DESC, rowid DESC LIMIT -1 OFFSET ?",
                (user, conversation, self.max_conversations - 1),
            ).fetchall()
            db.executemany(
                "DELETE FROM conversations WHERE user = ? AND id = ?",
                [(user, r[0]) for r in removed],
            )
        return Saved(removed=tuple(r[1] for r in reversed(removed)))

    def rename(self, user: str, conversation: str, title: str) -> str:
        """The title given (whitespace collapsed); ConversationError when it is empty or the
        conversation is not this user's."""
        clean = " ".join(str(title).split())
        if not clean:
            raise ConversationError("Type a name for the conversation first.")
        if len(clean) > TITLE_CHARS:
            raise ConversationError(
                f"The name is {len(clean):,} characters long; the limit is {TITLE_CHARS}."
            )
        with self._db() as db:
            changed = db.execute(
                "UPDATE conversations SET title = ? WHERE user = ? AND id = ?",
                (clean, user, conversation),
            ).rowcount
        if not changed:
            raise ConversationError(_GONE)
        return clean

    def delete(self, user: str, conversation: str) -> bool:
        """Whether there was such a conversation of this user (its exchanges go with it)."""
        with self._db() as db:
            return bool(
                db.execute(
                    "DELETE FROM conversations WHERE user = ? AND id = ?", (user, conversation)
                ).rowcount
            )

    # --- the file --------------------------------------------------------------------------

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction (committed on success), schema migrated."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ConversationError(f"cannot open the saved conversations: {exc}") from None
        try:
            db.execute("PRAGMA foreign_keys = ON")
            if not self._migrated:
                migrate(db)
                self._migrated = True
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise ConversationError(f"the saved conversations cannot be read: {exc}") from None
        finally:
            db.close()

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="microseconds")


def migrate(db: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Apply the migrations this database has not had, each with its record, in one
    transaction per migration (so two processes never apply one twice); the version now."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, applied TEXT NOT NULL)"
    )
    for version, script in enumerate(migrations, 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            done = db.execute(
                "SELECT 1 FROM schema_migrations WHERE version = ?", (version,)
            ).fetchone()
            if not done:
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations (version, applied) VALUES (?, ?)",
                    (version, datetime.now(UTC).isoformat(timespec="seconds")),
                )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return len(migrations)


def title_of(question: str) -> str:
    """A conversation's first title: its first question on one line, cut at a word."""
    text = " ".join(question.split()) or "Untitled conversation"
    if len(text) <= TITLE_CHARS:
        return text
    cut = text[: TITLE_CHARS - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


_GONE = "This conversation is not saved any more (it may have been deleted)."

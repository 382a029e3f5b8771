"""Thumbs up/down on answers, appended to a JSONL file in the shape of evaluation items.

Each line is one JSON object that `evaluation.parse_item` accepts as it is (id, question,
answer, facts, evidence, answerable, category, history), plus what a reviewer needs: the
rating, the citations, the time, and which answer was rated (conversation id and turn). When
an answer is rated again, or its rating is withdrawn ("none"), its last line counts.

Appends are serialised by a file lock, so several threads or processes can record feedback at
once without interleaving lines.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock

from assistant.types import Answer, Turn

Clock = Callable[[], datetime]
RATINGS = ("up", "down", "none")  # "none": a rating withdrawn


def feedback_record(
    question: str,
    answer: Answer,
    rating: str,
    history: Sequence[Turn] = (),
    *,
    when: datetime,
    record_id: str,
    conversation: str = "",
    turn: int = 0,
) -> dict[str, Any]:
    """Pure: the JSON object stored for one rating."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {', '.join(RATINGS)}, not {rating!r}")
    return {
        "id": record_id,
        "question": question,
        "answer": answer.text,
        "facts": [],
        "evidence": [c.quote for c in answer.citations],
        "answerable": not answer.refused,
        "category": "feedback",
        "history": [{"role": t.role, "content": t.content} for t in history],
        "rating": rating,
        "conversation": conversation,
        "turn": turn,
        "query": answer.query,
        "answerer": answer.answerer,
        "citations": [
            {"n": c.n, "chunk_id": c.chunk_id, "doc_id": c.doc_id, "quote": c.quote}
            for c in answer.citations
        ],
        "timestamp": when.astimezone(UTC).isoformat(timespec="seconds"),
    }


class FeedbackFullError(RuntimeError):
    pass


class FeedbackStore:
    """Appends ratings to `path` (created with its folder on first use), up to max_bytes so
    that people using the app cannot fill the disk; beyond it a rating is refused, not lost
    silently, and the file is left whole."""

    def __init__(
        self, path: Path, clock: Clock | None = None, max_bytes: int = 100_000_000
    ) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = FileLock(str(path.with_name(path.name + ".lock")))

    def record(
        self,
        question: str,
        answer: Answer,
        rating: str,
        history: Sequence[Turn] = (),
        *,
        conversation: str = "",
        turn: int = 0,
    ) -> dict[str, Any]:
        """Append one rating and return what was written."""
        entry = feedback_record(
            question,
            answer,
            rating,
            history,
            when=self._clock(),
            record_id=f"fb-{uuid.uuid4().hex[:12]}",
            conversation=conversation,
            turn=turn,
        )
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            if f.tell() + len(line.encode("utf-8")) > self.max_bytes:
                raise FeedbackFullError(
                    f"the feedback file {self.path.name} has reached its "
                    f"{self.max_bytes / 1e6:g} MB limit, so this rating was not recorded; an "
                    "administrator should archive it or raise ASSISTANT_MAX_FEEDBACK_MB"
                )
            f.write(line)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        """Every stored rating, oldest first (none when the file does not exist yet)."""
        if not self.path.is_file():
            return []
        with self._lock:
            text = self.path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

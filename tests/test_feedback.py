"""Feedback: one JSON line per rating, shaped like an evaluation item, safe under concurrency."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from assistant.evaluation.metrics import load_items, parse_item
from assistant.feedback import FeedbackFullError, FeedbackStore, feedback_record
from assistant.types import Answer, Citation, Turn

WHEN = datetime(2026, 11, 28, 10, 30, 5, tzinfo=UTC)
QUOTE = "More than 547,000 individuals used CBP One."
ANSWER = Answer(
    question="How many people used CBP One?",
    query="How many people used CBP One?",
    text=f"{QUOTE} [1]",
    citations=(
        Citation(
            1, "abc:5", "fact-sheet.txt", "Fact Sheet", "2024-05-08", "", None, QUOTE, 3405, 3448
        ),
    ),
    hits=(),
    refused=False,
)
REFUSED = Answer("Capital?", "Capital?", "I could not find this in the documents.", (), (), True)


def test_a_record_has_the_evaluation_item_shape() -> None:
    history = [Turn("user", "Earlier?"), Turn("assistant", "Earlier answer.")]
    record = feedback_record(
        ANSWER.question,
        ANSWER,
        "up",
        history,
        when=WHEN,
        record_id="fb-1",
        conversation="c0ffee",
        turn=2,
    )
    assert record == {
        "id": "fb-1",
        "question": "How many people used CBP One?",
        "answer": f"{QUOTE} [1]",
        "facts": [],
        "evidence": [QUOTE],
        "answerable": True,
        "category": "feedback",
        "history": [
            {"role": "user", "content": "Earlier?"},
            {"role": "assistant", "content": "Earlier answer."},
        ],
        "rating": "up",
        "conversation": "c0ffee",
        "turn": 2,
        "query": "How many people used CBP One?",
        "answerer": "offline",
        "citations": [{"n": 1, "chunk_id": "abc:5", "doc_id": "fact-sheet.txt", "quote": QUOTE}],
        "timestamp": "2026-11-28T10:30:05+00:00",
    }
    item = parse_item(json.dumps(record))
    assert (item.id, item.category, item.answerable, item.evidence) == (
        "fb-1",
        "feedback",
        True,
        (QUOTE,),
    )
    assert item.history == tuple(history)


def test_a_refusal_is_stored_as_unanswerable_without_evidence() -> None:
    record = feedback_record("Capital?", REFUSED, "down", when=WHEN, record_id="fb-2")
    assert record["answerable"] is False and record["evidence"] == []
    assert record["rating"] == "down" and record["citations"] == []


def test_a_withdrawn_rating_is_recorded_as_none() -> None:
    record = feedback_record("Q", ANSWER, "none", when=WHEN, record_id="fb-3", turn=1)
    assert record["rating"] == "none" and record["turn"] == 1


def test_the_timestamp_is_utc_whatever_the_clock_zone() -> None:
    paris = datetime(2026, 11, 28, 11, 30, 5, tzinfo=timezone(timedelta(hours=1)))
    record = feedback_record("Q", ANSWER, "up", when=paris, record_id="x")
    assert record["timestamp"] == "2026-11-28T10:30:05+00:00"


def test_an_unknown_rating_is_refused() -> None:
    with pytest.raises(ValueError, match="rating"):
        feedback_record("Q", ANSWER, "meh", when=WHEN, record_id="x")


def test_the_store_appends_lines_and_reads_them_back(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "data" / "feedback.jsonl", clock=lambda: WHEN)
    assert store.entries() == []
    first = store.record(ANSWER.question, ANSWER, "up")
    second = store.record("Capital?", REFUSED, "down")
    lines = store.path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [first, second] == store.entries()
    assert first["id"] != second["id"] and first["id"].startswith("fb-")
    items = load_items(store.path)  # the file is a valid evaluation set as it is
    assert [i.category for i in items] == ["feedback", "feedback"]


def test_concurrent_appends_never_interleave(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.jsonl")
    long_answer = Answer("Q", "Q", "x" * 20_000, ANSWER.citations, (), False)
    threads, per_thread = 8, 25

    def work() -> None:
        for _ in range(per_thread):
            store.record("Q", long_answer, "up")

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    entries = store.entries()  # every line parses as one whole JSON object
    assert len(entries) == threads * per_thread
    assert len({e["id"] for e in entries}) == threads * per_thread
    assert all(e["answer"] == "x" * 20_000 for e in entries)


def test_a_full_feedback_file_refuses_ratings_and_stays_whole(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    store = FeedbackStore(path, max_bytes=4_000)
    kept = []
    with pytest.raises(FeedbackFullError, match=r"feedback\.jsonl has reached its") as refused:
        for _ in range(1_000):
            kept.append(store.record(ANSWER.question, ANSWER, "up"))
    assert "\n" not in str(refused.value) and "ASSISTANT_MAX_FEEDBACK_MB" in str(refused.value)
    assert 0 < len(kept) < 1_000 and path.stat().st_size <= store.max_bytes
    assert store.entries() == kept  # every accepted rating is there, none cut in half

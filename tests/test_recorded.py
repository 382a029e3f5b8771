"""Recorded model replies replayed through a real OpenAI-compatible endpoint on 127.0.0.1: the
LLM path of the real assistant, end to end, with replies written once and kept as test data.
The first run records what the app sends and falls back as with a failing model; once a reply
is written for exactly that prompt, the next run answers with it, verified like any other."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.evaluation.recorded import RecordedModel, Recordings, prompt_key
from assistant.service import Assistant

pytestmark = pytest.mark.slow

QUESTION = "How many people used the CBP One app?"


def test_the_same_messages_get_the_same_key() -> None:
    a = [{"role": "system", "content": "rules"}, {"role": "user", "content": "question"}]
    b = [{"role": "system", "content": [{"type": "text", "text": "rules"}]}, a[1]]
    assert prompt_key(a) == prompt_key(b)
    assert prompt_key(a) != prompt_key([a[0], {"role": "user", "content": "question?"}])


def test_a_prompt_is_recorded_then_its_written_reply_is_replayed_and_verified(
    tmp_path: Path, make_assistant: Callable[..., Assistant]
) -> None:
    folder = tmp_path / "recording"
    with RecordedModel(Recordings.open(folder)) as model:
        first = make_assistant(**model.settings_update())
        first.sync()
        fallback = first.ask(QUESTION)
        assert fallback.answerer == "offline" and fallback.notice, fallback
        assert (model.stats.replayed, model.stats.missing) == (0, 1)
    (key,) = Recordings.open(folder).pending()
    messages = Recordings.open(folder).prompts[key]
    quoted = "more than 547,000 individuals used CBP One"
    assert quoted in messages[-1]["content"]  # the passage the reply will cite is in the prompt
    reply = f"From January 2023 through the end of March 2024, {quoted} [1]."
    (folder / "replies-1.jsonl").write_text(json.dumps({"key": key, "reply": reply}) + "\n")
    recording = Recordings.open(folder)
    assert recording.pending() == []
    with RecordedModel(recording) as model:
        answer = make_assistant(**model.settings_update()).ask(QUESTION)
        assert (model.stats.replayed, model.stats.missing) == (1, 0)
    assert answer.answerer == "llm:recorded" and not answer.refused, answer
    assert "547,000" in answer.text and answer.citations, answer.text

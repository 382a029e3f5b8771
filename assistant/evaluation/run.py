"""Running a question set through an assistant: one `ask` per question, wall-timed."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from assistant.chain import QuestionError
from assistant.config import Settings
from assistant.evaluation.metrics import ALL_SPLITS, EvalError, EvalItem, EvalRun, Outcome, RunInfo
from assistant.progress import Progress
from assistant.types import Answer, Turn

Clock = Callable[[], float]  # seconds, monotonic


class Asker(Protocol):
    """What a run needs of an assistant (`service.Assistant` is one)."""

    settings: Settings

    def ask(self, question: str, history: Sequence[Turn] = (), k: int | None = None) -> Answer: ...

    @property
    def answerer_name(self) -> str: ...


def run_eval(
    assistant: Asker,
    items: Sequence[EvalItem],
    k: int | None = None,
    progress: Progress | None = None,
    *,
    questions_file: str = "",
    split: str = ALL_SPLITS,
    question_set: str = "",
    run_id: str | None = None,
    clock: Clock = time.perf_counter,
) -> EvalRun:
    """Ask every item in order (with its history) and time each `ask`; k defaults to the
    assistant's settings. `split` and `question_set` only label the run: the caller chooses
    the items. Raises EvalError naming the question when one cannot be asked."""
    k = k or assistant.settings.k
    if progress:
        progress(0, len(items))
    outcomes = []
    for done, item in enumerate(items, 1):
        outcomes.append(ask_item(assistant, item, k, clock))
        if progress:
            progress(done, len(items))
    now = datetime.now(UTC)
    info = run_info(assistant, k, questions_file, run_id or new_run_id(now), now, len(items))
    return EvalRun(replace(info, split=split, question_set=question_set), tuple(outcomes))


def ask_item(assistant: Asker, item: EvalItem, k: int, clock: Clock = time.perf_counter) -> Outcome:
    start = clock()
    try:
        answer = assistant.ask(item.question, item.history, k=k)
    except QuestionError as exc:
        raise EvalError(f"question {item.id}: {exc}") from None
    return Outcome(item, answer, (clock() - start) * 1000)


def new_run_id(now: datetime) -> str:
    """A run id from a UTC time, e.g. 20261128-0512."""
    return now.astimezone(UTC).strftime("%Y%m%d-%H%M")


def run_info(
    assistant: Asker, k: int, questions_file: str, run_id: str, now: datetime, questions: int
) -> RunInfo:
    s = assistant.settings
    return RunInfo(
        run_id=run_id,
        questions_file=questions_file,
        corpus_dir=str(s.corpus_dir),
        k=k,
        embedding_model=s.embedding_model,
        answerer=assistant.answerer_name,
        chunk_tokens=s.chunk_tokens,
        chunk_overlap_tokens=s.chunk_overlap_tokens,
        date=now.astimezone(UTC).isoformat(timespec="seconds"),
        questions=questions,
    )

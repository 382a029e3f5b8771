"""Calls to one model from many threads are run together (assistant/batching.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np
import pytest

from assistant.batching import Batcher, split_rows


def test_calls_that_arrive_together_share_model_calls_and_get_their_own_results() -> None:
    calls: list[int] = []

    def run(items: Sequence[int]) -> list[int]:
        calls.append(len(items))
        time.sleep(0.05)  # the model is busy: later callers queue behind this call
        return [i * i for i in items]

    batcher: Batcher[int, int] = Batcher(run)
    start = threading.Barrier(8)
    results: dict[int, int] = {}

    def ask(i: int) -> None:
        start.wait()
        results[i] = batcher(i)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == {i: i * i for i in range(8)}
    assert sum(calls) == 8 and len(calls) < 8  # some calls carried several callers


def test_an_error_reaches_every_caller_of_its_batch_and_the_next_call_works() -> None:
    def run(items: Sequence[str]) -> list[str]:
        if "bad" in items:
            raise ValueError("model failed")
        return [s.upper() for s in items]

    batcher: Batcher[str, str] = Batcher(run)
    with pytest.raises(ValueError, match="model failed"):
        batcher("bad")
    assert batcher("good") == "GOOD"


def test_rows_of_one_call_are_split_back_per_list() -> None:
    rows = np.arange(6)
    parts = split_rows(rows, [[1, 2], [], [3, 4, 5, 6]])
    assert [p.tolist() for p in parts] == [[0, 1], [], [2, 3, 4, 5]]

"""Calls to one model from many threads, run together: while the model works on one call,
the calls that arrive wait, and the next model call takes all of them at once.

A model call over 40 pairs costs far less than four calls over 10 on two cores (one pass of
larger matrices, no four-way contention for the same cores), which is what keeps answers fast
when 20 people ask at once. No thread of its own and no timer: the caller that finds the model
idle runs the batches until none is left, then returns; nobody waits longer than the batch in
progress plus their own."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence, Sized
from concurrent.futures import Future
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """`batcher(item)` returns `run([..., item, ...])`'s result for item; `run` takes a list of
    items and returns one result per item, in order."""

    def __init__(self, run: Callable[[Sequence[T]], Sequence[R]]) -> None:
        self._run = run
        self._lock = threading.Lock()
        self._waiting: list[tuple[T, Future[R]]] = []
        self._busy = False

    def __call__(self, item: T) -> R:
        done: Future[R] = Future()
        with self._lock:
            self._waiting.append((item, done))
            lead = not self._busy
            self._busy = True
        if lead:
            self._drain()
        return done.result()

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._waiting = self._waiting, []
                if not batch:
                    self._busy = False
                    return
            try:
                results = self._run([item for item, _ in batch])
            except BaseException as exc:  # every caller of the batch gets the error
                for _, done in batch:
                    done.set_exception(exc)
                continue
            for (_, done), result in zip(batch, results, strict=True):
                done.set_result(result)


def split_rows(rows: np.ndarray, lists: Sequence[Sized]) -> list[np.ndarray]:
    """The rows of one model call over flattened lists, back as one array per list."""
    bounds = itertools.accumulate((len(items) for items in lists), initial=0)
    return [rows[a:b] for a, b in itertools.pairwise(bounds)]

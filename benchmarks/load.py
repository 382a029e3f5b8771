"""Simulated users over HTTP, shared by the benchmark sections: each user thread sends its own
requests one after another; every request's time and any failure are recorded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

Request = tuple[str, dict[str, Any]]  # (URL, JSON body) of one POST


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def simulate(
    users: int, requests: Callable[[int], Sequence[Request]], together: bool = False
) -> dict[str, Any]:
    """`users` threads at once, user n POSTing requests(n) in turn (all starting at the same
    moment when `together`); the request count, errors, p50/p95 and requests per second."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(users) if together else None

    def user(n: int) -> None:
        with httpx.Client(timeout=60) as client:
            if start is not None:
                start.wait()
            for url, body in requests(n):
                began = time.perf_counter()
                try:
                    reply = client.post(url, json=body)
                    problem = "" if reply.status_code == 200 else f"HTTP {reply.status_code}"
                except httpx.HTTPError as exc:
                    problem = repr(exc)[:100]
                with lock:
                    times.append((time.perf_counter() - began) * 1000)
                    if problem:
                        errors.append(problem)

    began = time.perf_counter()
    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    wall = time.perf_counter() - began
    return {
        "requests": len(times),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "p50_ms": pct(times, 50),
        "p95_ms": pct(times, 95),
        "requests_per_s": len(times) / wall,
    }

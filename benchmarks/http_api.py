"""The HTTP section of the benchmarks: a warm POST /api/v1/ask over loopback with one client,
next to the same questions answered in-process, the HTTP floor (a request refused before any
answering: the gate, routing, body parsing and a worker thread) and Gradio's route through
gradio_client; then 20 concurrent clients x 10 questions.

Every question pays its own embedding, as in the in-process benchmark: the app caches query
vectors, so each measured pass runs on a freshly started app over distinct questions (the
warm-up uses other questions), and the in-process side clears its cache per question.
"""

from __future__ import annotations

import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from assistant.evaluation.metrics import load_items
from assistant.index.embedding import Embedder
from assistant.service import Assistant
from assistant.types import Turn
from benchmarks.load import Request, pct, simulate

WARM_UP = [
    "What is the Los Angeles Declaration?",
    "Which countries endorsed the declaration?",
    "What are Safe Mobility Offices?",
    "When was the third ministerial meeting?",
    "What did the United States commit to?",
]
TARGETS = {"p50_ms": 35, "p95_ms": 60, "load_errors": 0, "load_p95_ms": 400}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def questions(repo: Path) -> list[tuple[str, list[dict[str, str]]]]:
    items = load_items(repo / "evals" / "questions.jsonl")
    return [
        (i.question, [{"role": t.role, "content": t.content} for t in i.history]) for i in items
    ]


def rest_pass(
    base: str, asks: list[Any], assistant: Assistant, embedder: Embedder
) -> dict[str, list[float]]:
    """One client, one pass; for each question in turn (so the three see the same machine
    load): the request over loopback, the same question in-process, and the floor. In-process
    questions are asked on a worker thread, as the server asks them (on a loaded machine the
    main thread's embedding was 2-7x slower than a worker's in this process)."""
    got: dict[str, list[float]] = {"rest": [], "server": [], "in_process": [], "floor": []}
    worker = ThreadPoolExecutor(1)
    with worker, httpx.Client(timeout=60) as client:
        for q in WARM_UP:
            client.post(f"{base}/api/v1/ask", json={"question": q}).raise_for_status()
            worker.submit(assistant.ask, q).result()
        for q, h in asks:
            began = time.perf_counter()
            reply = client.post(f"{base}/api/v1/ask", json={"question": q, "history": h})
            got["rest"].append((time.perf_counter() - began) * 1000)
            reply.raise_for_status()
            got["server"].append(reply.json()["timings"]["total_ms"])
            embedder.clear_query_cache()
            turns = [Turn(t["role"], t["content"]) for t in h]
            began = time.perf_counter()
            worker.submit(assistant.ask, q, turns).result()
            got["in_process"].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            refused = client.post(f"{base}/api/v1/ask", json={"question": ""})
            got["floor"].append((time.perf_counter() - began) * 1000)
            assert refused.status_code == 400, refused.text
    return got


def gradio_pass(base: str, asks: list[Any]) -> list[float]:
    """The same questions through Gradio's queue with gradio_client, as issue 17 measured."""
    import json

    from gradio_client import Client

    client = Client(base + "/", verbose=False)
    for q in WARM_UP:
        client.predict(q, "", api_name="/ask")
    times = []
    for q, h in asks:
        began = time.perf_counter()
        client.predict(q, json.dumps(h) if h else "", api_name="/ask")
        times.append((time.perf_counter() - began) * 1000)
    client.close()
    return times


def load(base: str, asks: list[Any], users: int, each: int) -> dict[str, Any]:
    """`users` clients at once, `each` questions apiece (user n starts at question n*each)."""

    def requests(n: int) -> list[Request]:
        picked = [asks[(n * each + i) % len(asks)] for i in range(each)]
        return [(f"{base}/api/v1/ask", {"question": q, "history": h}) for q, h in picked]

    return {
        "users": users,
        "questions_each": each,
        "distinct_questions": min(len(asks), users * each),
    } | simulate(users, requests, together=True)


def http_api(
    root: Path,
    repo: Path,
    assistant: Assistant,
    embedder: Embedder,
    start: Any,
    stop: Any,
    env: Any,
) -> dict[str, Any]:
    """The section's figures; `start`, `stop` and `env` are the suite's app helpers."""
    asks = questions(repo)
    results: dict[str, Any] = {"questions": len(asks), "cores": _cores()}
    for name in ("rest", "gradio", "load"):
        port = free_port()
        app = start([sys.executable, str(repo / "app.py")], env(root, "http", port), _url(port))
        base = _url(port).rstrip("/")
        try:
            if name == "rest":
                got = rest_pass(base, asks, assistant, embedder)
                results["rest"] = _summary(got["rest"]) | {"server_p50_ms": pct(got["server"], 50)}
                results["in_process"] = _summary(got["in_process"])
                results["floor"] = _summary(got["floor"])
            elif name == "gradio":
                results["gradio_client"] = _summary(gradio_pass(base, asks))
            else:
                results["load"] = load(base, asks, 20, 10)
        finally:
            stop(app)
    results["targets"] = TARGETS
    results["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return results


def markdown(h: dict[str, Any]) -> str:
    """The section of RESULTS.md."""
    rest, floor, inproc, grad, load_ = (
        h["rest"],
        h["floor"],
        h["in_process"],
        h["gradio_client"],
        h["load"],
    )
    t = h["targets"]
    one_ok = rest["p50_ms"] <= t["p50_ms"] and rest["p95_ms"] <= t["p95_ms"]
    load_ok = load_["errors"] <= t["load_errors"] and load_["p95_ms"] <= t["load_p95_ms"]
    yes = {True: "yes", False: "**no**"}
    lines = [
        "## HTTP API",
        "",
        f"`python -m benchmarks --only http` ({h['cores']} cores, {h['date']}): the shipped "
        f"corpus, the {h['questions']} evaluation questions (follow-ups with their history), "
        "each paying its own embedding (a freshly started app per pass; the in-process side "
        "clears its query cache per question).",
        "",
        "| measure | p50 | p95 | target | met |",
        "|---|---|---|---|---|",
        f"| POST /api/v1/ask, 1 client over loopback | {rest['p50_ms']:.1f} ms | "
        f"{rest['p95_ms']:.1f} ms | ≤ {t['p50_ms']} / {t['p95_ms']} ms | {yes[one_ok]} |",
        f"| the same questions in-process (`Assistant.ask` on a worker thread, alternating "
        "with the requests) | "
        f"{inproc['p50_ms']:.1f} ms | "
        f"{inproc['p95_ms']:.1f} ms | | |",
        f"| the server's own answering time in those replies (`timings.total_ms`) | "
        f"{rest['server_p50_ms']:.1f} ms | | | |",
        f"| floor: POST /api/v1/ask refused before answering (empty question, 400) | "
        f"{floor['p50_ms']:.2f} ms | {floor['p95_ms']:.2f} ms | | |",
        f"| Gradio's `ask` through gradio_client (queue + SSE) | {grad['p50_ms']:.1f} ms | "
        f"{grad['p95_ms']:.1f} ms | | |",
        f"| {load_['users']} concurrent clients × {load_['questions_each']} questions "
        f"({load_['distinct_questions']} distinct), {load_['errors']} errors, "
        f"{load_['requests_per_s']:.1f} req/s | {load_['p50_ms']:.0f} ms | "
        f"{load_['p95_ms']:.0f} ms | {t['load_errors']} errors, p95 ≤ {t['load_p95_ms']} ms | "
        f"{yes[load_ok]} |",
    ]
    return "\n".join(lines)


def _summary(times: list[float]) -> dict[str, float]:
    return {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "n": len(times)}


def _url(port: int) -> str:
    return f"http://127.0.0.1:{port}/"


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0

"""Warm, in-process latency of Assistant.ask on the realistic corpus (evals/realistic), with
the reader model and without it (the baseline, measured in the same run):
`python -m benchmarks.answer_latency [--rounds N] [--out FILE]`.

The corpus is copied to a temporary directory and indexed once; after one warm-up pass over
every question, each question (with its history, offline composer, k=5) is asked `--rounds`
times and every call is timed; with the reader, the time spent in its model calls is summed
per question (its share). Reports p50, p95 and max in milliseconds. Nothing is asserted:
targets with the reader are p50 <= 60 ms and p95 <= 120 ms on an unloaded machine; say how
loaded the machine was when you quote a figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.evaluation.metrics import EvalItem, load_items, percentile
from assistant.service import Assistant, build_assistant

REPO = Path(__file__).resolve().parents[1]
SET = REPO / "evals" / "realistic"


def measure(assistant: Assistant, items: list[EvalItem], rounds: int) -> dict[str, Any]:
    composer: Any = assistant.chain.fallback
    reader = composer.reader
    spent: list[float] = []
    if reader is not None:  # time the reader's own calls, from outside
        score = reader.score

        def timed_score(question: str, passages: Any) -> Any:
            start = time.perf_counter()
            try:
                return score(question, passages)
            finally:
                spent.append((time.perf_counter() - start) * 1000)

        reader.score = timed_score
    for item in items:  # warm-up: models, index views, caches
        assistant.ask(item.question, item.history, k=5)
    times: list[float] = []
    shares: list[float] = []
    for _ in range(rounds):
        for item in items:
            spent.clear()
            start = time.perf_counter()
            assistant.ask(item.question, item.history, k=5)
            times.append((time.perf_counter() - start) * 1000)
            shares.append(sum(spent))
    result = {
        "calls": len(times),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
        "mean_ms": round(statistics.fmean(times), 1),
    }
    if reader is not None:
        result["reader_p50_ms"] = round(percentile(shares, 50), 1)
        result["reader_p95_ms"] = round(percentile(shares, 95), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    items = load_items(SET / "questions.jsonl")
    result: dict[str, Any] = {"questions": len(items)}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(SET / "corpus", root / "corpus")
        for name, reader in (("with_reader", True), ("without_reader_baseline", False)):
            settings = Settings(
                corpus_dir=root / "corpus",
                index_dir=root / "index",
                data_dir=root / "data",
                chroma_host=None,
                llm_base_url=None,
                reader=reader,
            )
            assistant = build_assistant(settings)
            assistant.sync()
            result[name] = measure(assistant, items, args.rounds)
    result |= {"load_average_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Warm, in-process latency of Assistant.ask on the realistic corpus (evals/realistic):
`python -m benchmarks.answer_latency [--rounds N] [--out FILE]`.

The corpus is copied to a temporary directory and indexed once; after one warm-up pass over
every question, each of the 168 questions (with its history, offline composer, k=5) is asked
`--rounds` times and every call is timed. Reports p50, p95 and max in milliseconds. Nothing
is asserted: targets are p50 <= 25 ms and p95 <= 60 ms on an unloaded machine; say how
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

from assistant.config import Settings
from assistant.evaluation.metrics import load_items, percentile
from assistant.service import build_assistant

REPO = Path(__file__).resolve().parents[1]
SET = REPO / "evals" / "realistic"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    items = load_items(SET / "questions.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(SET / "corpus", root / "corpus")
        settings = Settings(
            corpus_dir=root / "corpus",
            index_dir=root / "index",
            data_dir=root / "data",
            chroma_host=None,
            llm_base_url=None,
        )
        assistant = build_assistant(settings)
        assistant.sync()
        for item in items:  # warm-up: model, index views, caches
            assistant.ask(item.question, item.history, k=5)
        times: list[float] = []
        for _ in range(args.rounds):
            for item in items:
                start = time.perf_counter()
                assistant.ask(item.question, item.history, k=5)
                times.append((time.perf_counter() - start) * 1000)
    result = {
        "questions": len(items),
        "calls": len(times),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
        "mean_ms": round(statistics.fmean(times), 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""The held-out metrics on the half of its questions least like any training question (issue 22).

Each held-out question's similarity to training is the cosine of its MiniLM embedding to the
nearest question of `training/labels/*.jsonl`. The questions are split at the median of that
similarity, and the report's per-question metrics are averaged per half exactly as the report
averages them overall (each metric over the questions it applies to). Reads a finished report
only (the set is never run here), so it can be run at any time after the one run of a round:

    python evals/heldout/least_similar.py evals/heldout/reports/after-round5/report.json

Prints one table row per half (Markdown) and the median similarity that splits them.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
METRICS = (
    "hit_at_k",
    "mrr",
    "fact_recall",
    "citation_precision",
    "refusal_rate",
    "false_refusal_rate",
)


def training_questions() -> list[str]:
    out = []
    for path in sorted((REPO / "training" / "labels").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out


def nearest_similarity(questions: list[str], training: list[str]) -> np.ndarray:
    from assistant.index.embedding import Embedder

    embedder = Embedder("all-MiniLM-L6-v2")
    asked = np.asarray(embedder.embed_documents(questions))
    known = np.asarray(embedder.embed_documents(training))
    return np.max(asked @ known.T, axis=1)


def half_means(rows: list[dict]) -> dict[str, float | None]:
    means: dict[str, float | None] = {}
    for name in METRICS:
        applied = [v for r in rows if (v := r["metrics"].get(name)) is not None]
        means[name] = statistics.fmean(applied) if applied else None
    return means


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path)
    args = parser.parse_args()
    rows = json.loads(args.report.read_text(encoding="utf-8"))["questions"]
    similarity = nearest_similarity([r["question"] for r in rows], training_questions())
    median = float(np.median(similarity))
    low = [r for r, s in zip(rows, similarity, strict=True) if s < median]
    high = [r for r, s in zip(rows, similarity, strict=True) if s >= median]
    print(f"median nearest-training cosine: {median:.3f}")
    print("| half | questions | " + " | ".join(METRICS) + " |")
    print("|---|---|" + "---|" * len(METRICS))
    for name, part in (("least similar", low), ("most similar", high), ("all", rows)):
        means = half_means(part)
        cells = " | ".join("-" if v is None else f"{v:.3f}" for v in means.values())
        print(f"| {name} | {len(part)} | {cells} |")


if __name__ == "__main__":
    main()

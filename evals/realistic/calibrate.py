"""Fit the answerability model on the dev split (never test): logistic regression over the
signals of assistant/answer/checks.py, labelled by whether the question is answerable.
Reports 5-fold cross-validated refusal and false-refusal rates for the chosen threshold and
writes the coefficients to assistant/data/answerability.json (plain numbers, no pickle).

    HF_HUB_OFFLINE=1 .venv/bin/python evals/realistic/calibrate.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "assistant/data/answerability.json"
FALSE_REFUSAL_COST = 3.0  # a false refusal costs three times a missed refusal


def collect() -> tuple[np.ndarray, np.ndarray]:
    from assistant.answer.checks import SIGNALS
    from assistant.config import Settings
    from assistant.evaluation.metrics import load_items, select_split
    from assistant.query import questions
    from assistant.query.plan import read_question
    from assistant.service import build_assistant

    items = select_split(load_items(ROOT / "evals/realistic/questions.jsonl"), "dev")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings().model_copy(
            update={
                "corpus_dir": ROOT / "evals/realistic/corpus",
                "index_dir": Path(tmp) / "index",
                "data_dir": Path(tmp) / "data",
                "chroma_host": None,
            }
        )
        assistant = build_assistant(settings)
        assistant.sync()
        composer = assistant.chain.fallback
        rows, labels = [], []
        for item in items:
            plan = read_question(item.question, questions.condense(item.question, item.history))
            plan = plan.with_vectors(assistant.embedder)
            signals = composer.assess(plan, assistant.retriever.retrieve(plan))
            if not signals:
                continue
            weakest = min(signals, key=lambda s: s.support)
            rows.append(weakest.values())
            labels.append(1.0 if item.answerable else 0.0)
    assert len(rows[0]) == len(SIGNALS)
    return np.asarray(rows), np.asarray(labels)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.05, steps: int = 3000) -> np.ndarray:
    """L2-regularised logistic regression by gradient descent on standardised signals;
    returns [bias, weights...] for the raw signals."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    xb = np.hstack([np.ones((len(x), 1)), (x - mu) / sd])
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) / len(y) + l2 * np.r_[0, w[1:]]
        w -= 0.5 * grad
    raw = w[1:] / sd
    return np.r_[w[0] - float(mu @ raw), raw]


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(w[0] + x @ w[1:])))


def rates(p: np.ndarray, y: np.ndarray, t: float) -> tuple[float, float]:
    refused = p < t
    return float(refused[y == 0].mean()), float(refused[y == 1].mean())


def choose_threshold(p: np.ndarray, y: np.ndarray) -> float:
    best, best_cost = 0.5, float("inf")
    for t in np.linspace(0.05, 0.95, 91):
        refusal, false_refusal = rates(p, y, t)
        cost = (1 - refusal) + FALSE_REFUSAL_COST * false_refusal
        if cost < best_cost:
            best, best_cost = float(t), cost
    return best


def cross_validate(x: np.ndarray, y: np.ndarray, folds: int = 5) -> tuple[float, float]:
    order = np.random.default_rng(14).permutation(len(y))
    p = np.zeros(len(y))
    thresholds = np.zeros(len(y))
    for f in range(folds):
        test = order[f::folds]
        train = np.setdiff1d(order, test)
        w = fit(x[train], y[train])
        thresholds[test] = choose_threshold(predict(w, x[train]), y[train])
        p[test] = predict(w, x[test])
    refused = p < thresholds
    return float(refused[y == 0].mean()), float(refused[y == 1].mean())


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from assistant.answer.checks import SIGNALS

    x, y = collect()
    cv_refusal, cv_false = cross_validate(x, y)
    w = fit(x, y)
    threshold = choose_threshold(predict(w, x), y)
    refusal, false_refusal = rates(predict(w, x), y, threshold)
    data = {
        "signals": list(SIGNALS),
        "weights": [round(float(v), 4) for v in w[1:]],
        "bias": round(float(w[0]), 4),
        "threshold": round(threshold, 3),
        "fitted_on": f"realistic dev split, {len(y)} questions ({int(y.sum())} answerable)",
        "cross_validated": {
            "refusal_rate": round(cv_refusal, 3),
            "false_refusal_rate": round(cv_false, 3),
            "folds": 5,
        },
        "in_sample": {
            "refusal_rate": round(refusal, 3),
            "false_refusal_rate": round(false_refusal, 3),
        },
    }
    OUT.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(data, indent=2))


if __name__ == "__main__":
    main()

"""Choose how the offline composer uses the reader, on the dev set (this is selection: every
figure it prints is tuned on): the threshold a unit's reader score needs to answer, and the
weight of the hand-made score beside the reader's when ranking candidates.

    HF_HUB_OFFLINE=1 .venv/bin/python evals/realistic/tune_reader.py [--reader DIR] [--public]

Indexes the realistic corpus (or, with --public, the shipped one) once, then answers the set
for each setting and prints one line of metrics per setting, with the run without the reader
first (the baseline of the same run). The held-out set is never read here.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path

from assistant.answer.composer import OfflineComposer
from assistant.answer.reader import Reader, bundled_reader
from assistant.config import Settings
from assistant.evaluation.metrics import load_items, score_run
from assistant.evaluation.report import report_to_dict
from assistant.evaluation.run import run_eval
from assistant.service import Assistant, build_assistant

REPO = Path(__file__).resolve().parents[2]
SHOWN = ["hit_at_k", "fact_recall", "citation_precision", "refusal_rate", "false_refusal_rate"]
THRESHOLDS = [0.1, 0.3]
MIXES = [1.0]


def measure(assistant: Assistant, items: list, label: str) -> None:  # type: ignore[type-arg]
    metrics = report_to_dict(score_run(run_eval(assistant, items, 5)))["metrics"]
    shown = " ".join(f"{m}={metrics[m]:.3f}" for m in SHOWN)
    print(f"{label:28} {shown}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", type=Path, default=bundled_reader())
    parser.add_argument("--public", action="store_true", help="the public set instead of dev")
    parser.add_argument("--thresholds", type=float, nargs="+", default=THRESHOLDS)
    parser.add_argument(
        "--mixes",
        type=float,
        nargs="+",
        default=MIXES,
        help="weights of the hand-made score beside the reader's (100: the hand-made ranking, "
        "the reader only refuses)",
    )
    args = parser.parse_args()
    if args.reader is None:
        print("no reader: train one (make train-reader) or give --reader DIR", file=sys.stderr)
        return 1
    source = REPO / ("corpus" if args.public else "evals/realistic/corpus")
    questions = REPO / (
        "evals/questions.jsonl" if args.public else "evals/realistic/questions.jsonl"
    )
    items = load_items(questions)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(source, root / "corpus")
        settings = Settings(
            corpus_dir=root / "corpus",
            index_dir=root / "index",
            data_dir=root / "data",
            chroma_host=None,
            llm_base_url=None,
            reader=False,
        )
        assistant = build_assistant(settings)
        assistant.sync()
        measure(assistant, items, "without the reader")
        plain: OfflineComposer = assistant.chain.fallback  # type: ignore[assignment]
        reader = Reader(args.reader)
        for mix in args.mixes:
            for threshold in args.thresholds:
                config = dataclasses.replace(
                    plain.config, reader_threshold=threshold, reader_mix=mix
                )
                composer = OfflineComposer(config, reader)
                assistant.chain.fallback = composer
                assistant.chain.answerer = composer
                measure(assistant, items, f"threshold {threshold} mix {mix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

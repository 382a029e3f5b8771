"""The reader's training runs here, in small: the labels load against their documents, the
near-duplicate filter and the document split run, a few optimisation steps pass and the model
is scored on held-back documents (training/train_reader.py --smoke). CI never trains for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def test_every_label_names_units_that_exist_and_may_answer() -> None:
    for path in sorted((REPO / "training" / "labels").glob("*.jsonl")):
        done = subprocess.run(
            [sys.executable, str(REPO / "training" / "check_labels.py"), str(path)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_a_smoke_training_run_trains_and_scores(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "training" / "train_reader.py"),
            "--smoke",
            "--out",
            str(tmp_path / "reader"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads(done.stderr.strip().splitlines()[-1])
    assert metrics["counts"]["questions"] > 0, metrics
    for scorer in ("reader", "bi_encoder_baseline"):
        assert 0.0 <= metrics[scorer]["top1_answers"] <= 1.0, metrics
    assert not (tmp_path / "reader").exists()  # a smoke run writes no model

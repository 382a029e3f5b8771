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

from assistant.answer.composer import ComposerConfig, OfflineComposer
from assistant.answer.reader import Reader
from assistant.config import Settings
from assistant.service import build_assistant

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def test_every_label_names_units_that_exist_and_may_answer() -> None:
    for path in sorted((REPO / "training").glob("labels*/*.jsonl")):
        done = subprocess.run(
            [sys.executable, str(REPO / "training" / "check_labels.py"), str(path)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.mark.long
def test_a_smoke_training_run_trains_a_reader_the_composer_reads_with(tmp_path: Path) -> None:
    """Four training steps (CI never trains for real), scored on held-back documents against
    the bi-encoder baseline; the model written is one the assistant loads and reads with:
    every candidate of an answer gets the reader's score (shown by ask --explain)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = tmp_path / "reader"
    done = subprocess.run(
        [sys.executable, str(REPO / "training" / "train_reader.py"), "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [line] = [x for x in done.stderr.splitlines() if x.startswith('{"reader"')]
    metrics = json.loads(line)
    assert metrics["counts"]["questions"] > 0, metrics
    for scorer in ("reader", "bi_encoder_baseline"):
        assert 0.0 <= metrics[scorer]["top1_answers"] <= 1.0, metrics
    reader = Reader(out)
    scores = reader.score("How many offices opened?", ["Four offices opened.", "It rained."])
    assert scores.shape == (2,) and ((scores >= 0) & (scores <= 1)).all()
    assert 0.0 <= reader.threshold <= 1.0
    composer = OfflineComposer(ComposerConfig(reader_threshold=0.0), reader)
    settings = Settings(
        corpus_dir=REPO / "corpus",
        index_dir=tmp_path / "index",
        data_dir=tmp_path / "data",
        chroma_host=None,
        llm_base_url=None,
    )
    assistant = build_assistant(settings)
    assistant.sync()
    assistant.chain.fallback = assistant.chain.answerer = composer
    explained = "\n".join(assistant.chain.explain("How many people used CBP One?"))
    assert "reader 0." in explained or "reader 1." in explained, explained

"""The reader: a small cross-encoder trained here (training/, from the bundled MiniLM weights)
that reads one answer unit, with its context, against the question and scores whether the unit
answers it. The passage it reads is built by `passage` here and nowhere else, so training and
answering give it the same text.

The weights ship as package data (assistant/data/reader/); nothing is downloaded. Loading is
lazy: the first `score` loads the model, once per Reader."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from assistant.batching import Batcher, split_rows
from assistant.types import Sentence
from assistant.units import unit_display

MAX_TOKENS = 192  # question and passage together; longer passages are cut at the end


def passage(unit: Sentence, title: str, section: str) -> str:
    """What the reader reads for a unit: the document's title, the section path, then the
    unit with its context (a lead-in, a caption, a FAQ question)."""
    return " | ".join(part for part in (title, section, unit_display(unit)) if part)


def bundled_reader() -> Path | None:
    """The shipped reader's folder, or None when this build has no trained reader."""
    folder = Path(str(resources.files("assistant").joinpath("data/reader")))
    return folder if (folder / "config.json").exists() else None


@dataclass
class Reader:
    """Scores (question, passage) pairs; higher is "this passage answers the question".
    Thread-safe: one model, loaded once, shared by every question."""

    folder: Path
    batch_size: int = 32

    def __post_init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()
        # questions read at once go to the model in one call (assistant/batching.py)
        self._batches: Batcher[list[tuple[str, str]], np.ndarray] = Batcher(self._predict)

    @property
    def threshold(self) -> float:
        """The score a unit needs to answer: calibrated when the model was trained, on
        documents it was not trained on (training.json beside the weights)."""
        card = json.loads((self.folder / "training.json").read_text(encoding="utf-8"))
        return float(card["dev_metrics"]["threshold"])

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """The probability that each passage answers the question, in one model call."""
        if not passages:
            return np.zeros(0, dtype=np.float32)
        return self._batches([(question, p) for p in passages])

    def _predict(self, lists: Sequence[list[tuple[str, str]]]) -> list[np.ndarray]:
        pairs = [pair for pairs in lists for pair in pairs]
        scores = self._loaded().predict(pairs, batch_size=self.batch_size, show_progress_bar=False)
        return split_rows(np.asarray(scores, dtype=np.float32), lists)

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers.cross_encoder import CrossEncoder

                self._model = CrossEncoder(
                    str(self.folder), num_labels=1, max_length=MAX_TOKENS, device="cpu"
                )
                self._model.model.float()  # shipped as float16 to keep the repository light
            return self._model

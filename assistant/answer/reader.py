"""The reader: a small cross-encoder trained here (training/, from the bundled MiniLM weights)
that reads one answer unit, with its context, against the question and scores whether the unit
answers it. The passage it reads is built by `passage` here and nowhere else, and the network
is `ReaderNet` here, so training and answering give it the same text through the same layers.

The question and the passage are read together (one sequence, cross-attention between them);
the score comes from the mean of the token states, as the MiniLM weights were trained to be
read, through one linear layer. (sentence-transformers' CrossEncoder reads the [CLS] token
instead, which these weights leave uninformative: trained that way, the loss stayed at a
constant guess's for 1,500 steps; see training/README.md.)

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
import torch

from assistant.batching import Batcher, split_rows
from assistant.types import Sentence
from assistant.units import unit_display

MAX_TOKENS = 160  # question and passage together; a longer passage loses its end (the title)
HEAD = "head.safetensors"


def passage(unit: Sentence, title: str, section: str) -> str:
    """What the reader reads for a unit: the unit with its context (a lead-in, a caption, a
    FAQ question), then the section path and the document's title."""
    return " | ".join(part for part in (unit_display(unit), section, title) if part)


def bundled_reader() -> Path | None:
    """The shipped reader's folder, or None when this build has no trained reader."""
    folder = Path(str(resources.files("assistant").joinpath("data/reader")))
    return folder if (folder / HEAD).exists() else None


class ReaderNet(torch.nn.Module):
    """A BERT encoder over "question [SEP] passage", mean-pooled, then one linear layer: the
    logit that the passage answers the question."""

    def __init__(self, encoder: Any) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(encoder.config.hidden_size, 1)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        states = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)

    def save(self, folder: Path, tokenizer: Any) -> None:
        """Encoder and tokenizer as Hugging Face files, the head beside them; float16 on disk."""
        from safetensors.torch import save_file

        folder.mkdir(parents=True, exist_ok=True)
        self.encoder.half().save_pretrained(str(folder))
        self.encoder.float()
        tokenizer.save_pretrained(str(folder))
        save_file(
            {k: v.half().contiguous() for k, v in self.head.state_dict().items()}, folder / HEAD
        )

    @classmethod
    def load(cls, folder: Path) -> ReaderNet:
        from safetensors.torch import load_file
        from transformers import AutoModel

        net = cls(AutoModel.from_pretrained(str(folder)))
        net.head.load_state_dict({k: v.float() for k, v in load_file(folder / HEAD).items()})
        return net.float().eval()


def load_reader(folder: Path) -> tuple[ReaderNet, Any]:
    """A reader written by ReaderNet.save: the network and its tokenizer."""
    from transformers import AutoTokenizer

    return ReaderNet.load(folder), AutoTokenizer.from_pretrained(str(folder))


def score_pairs(
    net: ReaderNet, tokenizer: Any, pairs: Sequence[tuple[str, str]], batch_size: int = 64
) -> np.ndarray:
    """The probability that each passage answers its question."""
    out: list[np.ndarray] = []
    with torch.inference_mode():
        for i in range(0, len(pairs), batch_size):
            chunk = pairs[i : i + batch_size]
            batch = tokenize(tokenizer, chunk)
            out.append(torch.sigmoid(net(batch)).numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def tokenize(tokenizer: Any, pairs: Sequence[tuple[str, str]]) -> dict[str, torch.Tensor]:
    return dict(
        tokenizer(
            [q for q, _ in pairs],
            [p for _, p in pairs],
            padding=True,
            truncation="longest_first",
            max_length=MAX_TOKENS,
            return_tensors="pt",
        )
    )


@dataclass
class Reader:
    """Scores (question, passage) pairs; higher is "this passage answers the question".
    Thread-safe: one model, loaded once, shared by every question; questions read at once
    go to the model in one call (assistant/batching.py)."""

    folder: Path
    batch_size: int = 64

    def __post_init__(self) -> None:
        self._model: tuple[ReaderNet, Any] | None = None
        self._lock = threading.Lock()
        self._batches: Batcher[list[tuple[str, str]], np.ndarray] = Batcher(self._predict)

    @property
    def threshold(self) -> float:
        """The score a unit needs to answer, chosen when the model was trained (training.json
        beside the weights)."""
        card = json.loads((self.folder / "training.json").read_text(encoding="utf-8"))
        return float(card["threshold"])

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """The probability that each passage answers the question, in one model call."""
        if not passages:
            return np.zeros(0, dtype=np.float32)
        return self._batches([(question, p) for p in passages])

    def _predict(self, lists: Sequence[list[tuple[str, str]]]) -> list[np.ndarray]:
        net, tokenizer = self._loaded()
        pairs = [pair for pairs in lists for pair in pairs]
        scores = score_pairs(net, tokenizer, pairs, self.batch_size)
        return split_rows(np.asarray(scores, dtype=np.float32), lists)

    def _loaded(self) -> tuple[ReaderNet, Any]:
        with self._lock:
            if self._model is None:
                self._model = load_reader(self.folder)
            return self._model

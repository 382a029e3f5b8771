"""Shared fixtures: the real bundled model, loaded once; assistants on temporary indexes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.embedding import Embedder
from assistant.service import Assistant, build_assistant

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"

MakeAssistant = Callable[..., Assistant]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder("all-MiniLM-L6-v2")


@pytest.fixture()
def make_assistant(tmp_path: Path, embedder: Embedder) -> MakeAssistant:
    """An assistant on a fresh copy of the shipped corpus (or an empty one) in tmp_path."""

    def make(copy_corpus: bool = True, **overrides: object) -> Assistant:
        corpus = tmp_path / "corpus"
        if copy_corpus and not corpus.exists():
            shutil.copytree(CORPUS, corpus)
        corpus.mkdir(exist_ok=True)
        settings = Settings(
            corpus_dir=corpus,
            index_dir=tmp_path / "index",
            data_dir=tmp_path / "data",
            chroma_host=None,
            llm_base_url=None,
            **overrides,  # type: ignore[arg-type]
        )
        return build_assistant(settings, embedder=embedder)

    return make


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    """One synced assistant on the shipped corpus, shared by a test module (read-only)."""
    tmp = tmp_path_factory.mktemp("shipped")
    shutil.copytree(CORPUS, tmp / "corpus")
    settings = Settings(
        corpus_dir=tmp / "corpus",
        index_dir=tmp / "index",
        data_dir=tmp / "data",
        chroma_host=None,
        llm_base_url=None,
    )
    assistant = build_assistant(settings, embedder=embedder)
    report = assistant.sync()
    assert not report.failed and report.added
    return assistant

"""kill -9 during ingestion, again and again: one more ingest brings the index to exactly the
corpus (same chunk ids as a clean build, no duplicates, no orphans, every document findable)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.index.embedding import Embedder
from assistant.query.plan import read_question
from assistant.service import build_assistant

pytestmark = pytest.mark.slow

KILLS = 8  # each kill lands at a random point of an ingest; 8 cover its phases (20 took ~170 s)
TOPICS = ["border", "asylum", "labor", "visa", "refugee", "integration", "smuggling", "parole"]
PLACES = ["Guatemala", "Costa Rica", "Canada", "Mexico", "Colombia", "Ecuador", "Panama"]


def write_doc(corpus: Path, i: int, version: int) -> None:
    rng = random.Random(i * 1000 + version)
    lines = [f"# Note {i} on {TOPICS[i % len(TOPICS)]}\n"]
    for j in range(rng.randint(15, 40)):
        place = PLACES[(i + j) % len(PLACES)]
        lines.append(
            f"In {place}, programme {i}-{j} (version {version}) reached "
            f"{rng.randint(100, 99_999):,} people through {TOPICS[(i + j) % len(TOPICS)]} "
            f"measures announced on day {j + 1}."
        )
    (corpus / f"note-{i:03d}.md").write_text("\n\n".join(lines), encoding="utf-8")


def ingest(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", "ingest"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def mutate(corpus: Path, rng: random.Random, next_id: list[int]) -> None:
    """Some documents change, one goes, one arrives: every run after a kill has work."""
    existing = sorted(corpus.glob("note-*.md"))
    for path in rng.sample(existing, k=min(3, len(existing))):
        write_doc(corpus, int(path.stem.split("-")[1]), rng.randint(1, 10**6))
    if len(existing) > 10:
        rng.choice(existing).unlink()
    write_doc(corpus, next_id[0], 0)
    next_id[0] += 1


@pytest.mark.long
def test_repeated_kill_9_then_one_ingest_restores_the_index(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(12):
        write_doc(corpus, i, 0)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env |= {
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_INDEX_DIR": str(tmp_path / "index"),
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "HF_HUB_OFFLINE": "1",
    }
    rng, next_id = random.Random(7), [12]
    for _ in range(KILLS):
        process = ingest(env)
        time.sleep(rng.uniform(3.0, 9.0))  # model load takes ~4 s; writes follow
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        mutate(corpus, rng, next_id)

    final = subprocess.run(
        [sys.executable, "-m", "assistant", "ingest"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert final.returncode == 0, final.stderr

    def settings(index: Path) -> Settings:
        return Settings(
            corpus_dir=corpus,
            index_dir=index,
            data_dir=tmp_path / "data",
            chroma_host=None,
            llm_base_url=None,
        )

    recovered = build_assistant(settings(tmp_path / "index"), embedder=embedder)
    clean = build_assistant(settings(tmp_path / "clean"), embedder=embedder)
    clean.sync()
    ids = [c.id for c in recovered.store.iter_chunks()]
    assert len(ids) == len(set(ids)), "duplicate chunks"
    assert sorted(ids) == sorted(c.id for c in clean.store.iter_chunks())
    docs = {p.name for p in corpus.glob("note-*.md")}
    assert {r.doc_id for r in recovered.documents()} == docs
    assert all(r.sha256 for r in recovered.documents()), "an unfinished document remains"
    assert {c.doc_id for c in recovered.store.iter_chunks()} == docs, "orphan chunks"
    for doc_id in sorted(docs):
        number = doc_id.split("-")[1].split(".")[0].lstrip("0") or "0"
        question = f"programme {number}-0"
        hits = recovered.retriever.search(read_question(question), k=5)
        assert any(h.chunk.doc_id == doc_id for h in hits), doc_id

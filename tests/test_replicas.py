"""Replicas on one index, embedded or on a Chroma server: separate processes, each with its own
caches. One ingests (`assistant docs add`); another, already warm, answers from the new
document on its next question, and stops citing it once it is removed. And two ingests at
once: the second refuses with one line (the lock lives in the data dir)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from conftest import BACKENDS, CORPUS, REPO, settings_for, unique_collection

from assistant.config import Settings
from assistant.index.embedding import Embedder
from assistant.service import build_assistant

pytestmark = pytest.mark.slow

MAX_STALENESS_S = 5.0
NEW_DOC = (
    "---\ntitle: Tuvalu pilot note\ndate: 2025-02-03\n---\n# Tuvalu resettlement pilot\n\n"
    "The Tuvalu resettlement pilot enrolled 4,321 participants in its first year.\n"
)
NEW_QUESTION = "How many participants did the Tuvalu resettlement pilot enroll?"
OLD_QUESTION = "How many people used the CBP One app?"

# A replica: the assistant in its own process, answering one question per line of stdin with
# one line of Answer JSON, as the web app's process would (same build_assistant, same cache).
WORKER = """
import json, sys
from assistant.config import Settings
from assistant.service import build_assistant

assistant = build_assistant(Settings())
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    print(json.dumps(assistant.ask(line.strip()).to_dict()), flush=True)
"""


def replica_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_CHROMA_PORT=str(settings.chroma_port),
        ASSISTANT_COLLECTION=settings.collection,
        ASSISTANT_CORPUS_DIR=str(settings.corpus_dir),
        ASSISTANT_DATA_DIR=str(settings.data_dir),
        ASSISTANT_INDEX_DIR=str(settings.index_dir),
        HF_HUB_OFFLINE="1",
    )
    if settings.chroma_host:
        env["ASSISTANT_CHROMA_HOST"] = settings.chroma_host
    return env


class Replica:
    """A long-lived worker process; ask() sends a question and waits for its answer."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", WORKER],
                cwd=REPO,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                start_new_session=True,
            )
        self.lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        assert self._next(timeout_s=180) == {"ready": True}

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def _next(self, timeout_s: float) -> Any:
        try:
            return json.loads(self.lines.get(timeout=timeout_s))
        except queue.Empty:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise AssertionError(f"the replica gave no answer in {timeout_s} s: {tail}") from None

    def ask(self, question: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(question + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = self._next(timeout_s=60)
        return answer

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """A shared corpus folder and data dir (one machine), one index: embedded in tmp_path, or
    one collection on the server."""
    server = request.getfixturevalue("chroma_server") if request.param == "server" else None
    shutil.copytree(CORPUS, tmp_path / "corpus")
    return settings_for(tmp_path, server, unique_collection())


@pytest.fixture()
def warm_replica(settings: Settings, embedder: Embedder) -> Iterator[Replica]:
    """Replica B: the shipped corpus already ingested; it has answered, so its BM25 index is
    built for the current version."""
    assert build_assistant(settings, embedder=embedder).sync().added
    replica = Replica(replica_env(settings), settings.data_dir.parent / "replica.log")
    try:
        assert "547,000" in replica.ask(OLD_QUESTION)["text"]
        yield replica
    finally:
        replica.stop()


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=REPO,
        env=replica_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_document_ingested_by_one_replica_is_answered_by_another(
    settings: Settings, warm_replica: Replica, tmp_path: Path
) -> None:
    before = warm_replica.ask(NEW_QUESTION)
    assert before["refused"] and "4,321" not in before["text"]

    new = tmp_path / "tuvalu.md"
    new.write_text(NEW_DOC, encoding="utf-8")
    added = cli(settings, "docs", "add", str(new))  # replica A, another process
    ingested = time.monotonic()
    assert added.returncode == 0, added.stderr
    assert "1 added" in added.stdout

    asked = 0
    while True:
        answer = warm_replica.ask(NEW_QUESTION)
        asked += 1
        delay = time.monotonic() - ingested
        if not answer["refused"] or delay > MAX_STALENESS_S:
            break
        time.sleep(0.1)
    lexical_ms = answer["timings"].get("lexical_ms", 0.0)  # the version check and BM25 rebuild
    print(
        f"\nreplica B answered from the new document {delay:.2f} s after the ingest ended "
        f"(lexical step, with the rebuild: {lexical_ms:.0f} ms)"
    )
    assert "4,321" in answer["text"] and delay < MAX_STALENESS_S
    assert any(c["doc_id"] == "tuvalu.md" for c in answer["citations"])
    # the lexical side is fresh too: B's BM25 index was rebuilt for the new version
    new_hits = [h for h in answer["hits"] if h["doc_id"] == "tuvalu.md"]
    assert new_hits and new_hits[0]["lexical_score"] is not None
    assert asked == 1  # not eventually: the very next question sees it

    removed = cli(settings, "docs", "remove", "tuvalu.md")
    assert removed.returncode == 0, removed.stderr
    after = warm_replica.ask(NEW_QUESTION)  # the next question, no error, no stale citation
    assert after["refused"] and not any(h["doc_id"] == "tuvalu.md" for h in after["hits"])
    assert "547,000" in warm_replica.ask(OLD_QUESTION)["text"]


def test_two_ingests_at_once_the_second_refuses_in_one_line(
    settings: Settings, embedder: Embedder
) -> None:
    """An ingest in progress (held inside its lock by its progress callback) and an
    `assistant ingest` started meanwhile by another process on the same data dir."""
    first = build_assistant(settings, embedder=embedder)
    inside, release = threading.Event(), threading.Event()

    def progress(done: int, total: int) -> None:
        inside.set()
        assert release.wait(timeout=120)

    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(first.sync(progress=progress)))
    worker.start()
    try:
        assert inside.wait(timeout=60)
        second = cli(settings, "ingest")
    finally:
        release.set()
        worker.join(timeout=120)
    assert second.returncode == 2 and not second.stdout
    [line] = second.stderr.strip().splitlines()
    assert (
        line == "error: another ingestion is running on this index; wait for it to finish and retry"
    )
    [report] = result
    assert report.added and not report.failed


def test_ask_answers_from_the_committed_index_while_a_rebuild_runs(
    settings: Settings, embedder: Embedder
) -> None:
    """`assistant ask` in another process, while `ingest --rebuild` is half-way (held inside
    its transaction by its progress callback): the old index answers, no busy error."""
    writer = build_assistant(settings, embedder=embedder)
    assert writer.sync().added
    inside, release = threading.Event(), threading.Event()

    def progress(done: int, total: int) -> None:
        inside.set()
        assert release.wait(timeout=120)

    result: list[Any] = []
    worker = threading.Thread(
        target=lambda: result.append(writer.sync(rebuild=True, progress=progress))
    )
    worker.start()
    try:
        assert inside.wait(timeout=60)
        asked = cli(settings, "ask", "--json", OLD_QUESTION)
    finally:
        release.set()
        worker.join(timeout=120)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["refused"] and "547,000" in answer["text"]
    [report] = result
    assert report.added and not report.failed

"""Readers survive writers, across processes: the web app serving on loopback answers 10
clients asking without pause while CLI processes add, update and remove documents and rebuild
the index. No error, no empty answer about a document present throughout, and a new or changed
document answered within 2 s of its commit. Embedded (one app), then a Chroma server (two app
replicas). Each soak lasts as long as its writes (about 45 s)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
import httpx
import pytest
from conftest import CORPUS, REPO, ChromaServer, free_port, unique_collection
from conftest_web import stop

pytestmark = [pytest.mark.slow, pytest.mark.server]

CLIENTS = 10
PAUSE_S = 0.5  # between one client's questions: the app answers, the writers get CPU too
MAX_STALENESS_S = 2.0
OLD = ("How many people used the CBP One app?", "547,000")  # in the corpus throughout
NEW_QUESTION = "How many participants did the Tuvalu resettlement pilot enroll?"
NEW_DOC = (
    "---\ntitle: Tuvalu pilot note\ndate: 2025-02-03\n---\n# Tuvalu resettlement pilot\n\n"
    "The Tuvalu resettlement pilot enrolled {n} participants in its first year.\n"
)
START_TIMEOUT_S = 180.0


@dataclass
class App:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Record:
    """One answer a client got: when it was asked and answered, and what came back."""

    question: str
    sent: float
    got: float
    status: int
    text: str
    refused: bool
    error: str = ""


@dataclass
class Clients:
    """CLIENTS threads, each asking in turn the old question and the new one, until stopped
    (with a short pause between: on CI's 2 cores the writers must make progress too)."""

    urls: list[str]
    records: list[Record] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, i: int) -> None:
        url = self.urls[i % len(self.urls)].rstrip("/") + "/gradio_api/run/ask"
        questions = [OLD[0], NEW_QUESTION] if i % 2 else [NEW_QUESTION, OLD[0]]
        with httpx.Client(timeout=60) as http:
            n = 0
            while not self.stop.is_set():
                question = questions[n % 2]
                n += 1
                sent = time.time()
                try:
                    reply = http.post(url, json={"data": [question, ""]})
                    body: Any = reply.json()
                    answer = (body.get("data") or [{}])[0] if isinstance(body, dict) else {}
                    record = Record(
                        question,
                        sent,
                        time.time(),
                        reply.status_code,
                        str(answer.get("text", "")),
                        bool(answer.get("refused", True)),
                        "" if reply.status_code == 200 else str(body)[:300],
                    )
                except (httpx.HTTPError, ValueError) as exc:
                    record = Record(question, sent, time.time(), 0, "", True, repr(exc)[:300])
                with self.lock:
                    self.records.append(record)
                self.stop.wait(PAUSE_S)

    @contextmanager
    def asking(self) -> Iterator[Clients]:
        threads = [threading.Thread(target=self.run, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        try:
            yield self
        finally:
            self.stop.set()
            for t in threads:
                t.join(timeout=90)


def base_env(root: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "GRADIO_"))}
    env.update(
        ASSISTANT_CORPUS_DIR=str(root / "corpus"),
        ASSISTANT_INDEX_DIR=str(root / "index"),
        ASSISTANT_DATA_DIR=str(root / "data"),
        ASSISTANT_EVALS_DIR=str(root / "evals"),
        ASSISTANT_HOST="127.0.0.1",
        ASSISTANT_CONCURRENCY="4",
        ASSISTANT_QUEUE_SIZE="64",
        GRADIO_ANALYTICS_ENABLED="False",
        HF_HUB_OFFLINE="1",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[App]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "serve"],
            cwd=log.parent,
            env={**env, "ASSISTANT_PORT": str(port), "GRADIO_TEMP_DIR": str(log.parent / "gr")},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    app = App(f"http://127.0.0.1:{port}/", process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the app did not start"
            try:
                if httpx.get(app.url, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        yield app
    finally:
        stop(process)


def cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (args, done.stderr[-2000:])


@dataclass
class Commit:
    """A write whose effect on the new question is known: `expect` in the answer (None: the
    document is gone, nothing to check), from `at` (the commit) on."""

    at: float
    expect: str | None


def soak(urls: list[str], env: dict[str, str], committed: Callable[[], float]) -> None:
    """The writes, while CLIENTS ask; then the checks. committed(): when the last write was
    committed, read from the index after the writer exited."""
    corpus = Path(env["ASSISTANT_CORPUS_DIR"])
    staging = corpus.parent / "staging"
    staging.mkdir()
    commits: list[Commit] = []
    clients = Clients(urls)
    with clients.asking():
        time.sleep(2)
        (staging / "tuvalu.md").write_text(NEW_DOC.format(n="4,321"), encoding="utf-8")
        cli(env, "docs", "add", str(staging / "tuvalu.md"))
        commits.append(Commit(committed(), "4,321"))
        (corpus / "tuvalu.md").write_text(NEW_DOC.format(n="5,678"), encoding="utf-8")
        cli(env, "ingest")  # an update
        commits.append(Commit(committed(), "5,678"))
        cli(env, "ingest", "--rebuild")
        commits.append(Commit(committed(), "5,678"))
        cli(env, "docs", "remove", "tuvalu.md")
        commits.append(Commit(committed(), None))
        time.sleep(3)
    check(clients.records, commits)


def check(records: list[Record], commits: list[Commit]) -> None:
    errors = [r for r in records if r.status != 200 or r.error]
    old = [r for r in records if r.question == OLD[0]]
    empty = [r for r in old if r.refused or OLD[1] not in r.text]
    print(
        f"\n{len(records)} answers in {records[-1].got - records[0].sent:.0f} s "
        f"({len(old)} about the document present throughout): {len(errors)} errors, "
        f"{len(empty)} empty"
    )
    assert not errors, errors[:5]
    assert not empty, empty[:5]
    new = sorted((r for r in records if r.question == NEW_QUESTION), key=lambda r: r.sent)
    for i, commit in enumerate(commits):
        if commit.expect is None:
            continue
        until = commits[i + 1].at if i + 1 < len(commits) else float("inf")
        # asked after the commit and before the next one: the first right answer, and after
        # the staleness window, every answer is right (the document is present meanwhile)
        window = [r for r in new if commit.at <= r.sent and r.got < until]
        assert window, f"no question about the new document after commit {i}"
        first = next((r for r in window if commit.expect in r.text), None)
        assert first is not None, (commit, window[:3])
        delay = first.got - commit.at
        late = [r for r in window if r.sent > commit.at + MAX_STALENESS_S]
        wrong = [r for r in late if r.refused or commit.expect not in r.text]
        print(f"commit {i}: '{commit.expect}' answered {delay:.2f} s after it")
        assert delay < MAX_STALENESS_S and not wrong, (delay, wrong[:3])


def test_embedded_index_one_app_and_cli_writers(tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    env = base_env(tmp_path, {})
    current = tmp_path / "index" / "CURRENT"
    with serving(env, tmp_path / "app.log") as app:
        soak([app.url], env, lambda: current.stat().st_mtime)


def test_chroma_server_two_replicas_and_cli_writers(tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    server = ChromaServer(tmp_path / "chroma")
    server.start()
    collection = unique_collection()
    extra = {
        "ASSISTANT_CHROMA_HOST": server.host,
        "ASSISTANT_CHROMA_PORT": str(server.port),
        "ASSISTANT_COLLECTION": collection,
    }
    env = base_env(tmp_path, extra)

    def committed() -> float:
        client = chromadb.HttpClient(host=server.host, port=server.port)
        pointer = client.get_collection(f"{collection}_pointer", embedding_function=None)
        meta = pointer.get(ids=["committed"], include=["metadatas"])["metadatas"][0]
        history = json.loads(meta["history"])
        return float(history[-1][1])

    try:
        cli(env, "ingest")  # before the replicas start: neither syncs at start
        with ExitStack() as stack:
            apps = []
            for i in (1, 2):
                (tmp_path / f"replica{i}").mkdir()
                apps.append(stack.enter_context(serving(env, tmp_path / f"replica{i}" / "app.log")))
            soak([a.url for a in apps], env, committed)
    finally:
        server.stop()

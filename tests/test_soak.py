"""Readers survive writers and attackers, across processes: the web app serving on loopback
answers 20 clients (half through Gradio's direct route, half through the REST API) for at least
60 s while CLI processes add, update and remove documents and rebuild the index, an API client
adds and removes documents, one attacker keeps as many slow request bodies open as there are
answering slots, and another uploads a PDF that is slow to parse and views it again and again
(issue 24). No error for the well-behaved clients, no empty answer about a document present
throughout, a new or changed document answered within 2 s of its commit, and at the end an
index equal to a clean rebuild of the corpus folder. Embedded (one app), then a Chroma server
(two app replicas)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import chromadb
import httpx
import pytest
from conftest import CORPUS, REPO, ChromaServer, free_port, shared_stream_pdf, unique_collection
from conftest_web import stop

from assistant.config import Settings
from assistant.index.store import ChromaStore
from assistant.service import store_config

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.long]

CLIENTS = 20
PAUSE_S = 1.0  # between one client's questions: the app answers, the writers get CPU too
SOAK_S = 60.0  # the clients ask for at least this long
SLOW_BODIES = 4  # the attacker's open connections: as many as the answering slots
SLOW_HOLD_S = 90.0  # how long the attacker keeps one open, at most
BODY_TIMEOUT_S = 5  # ASSISTANT_BODY_TIMEOUT_S of the apps
SLOW_PDF = "shared-stream.pdf"  # a few KB that take seconds to parse
MAX_STALENESS_S = 2.0
SETTLE_S = 4.0  # between two CLI writes: answers to check each one's effect by
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
        base = self.urls[i % len(self.urls)].rstrip("/")
        rest = i % 4 >= 2  # half of each question's askers use the REST API
        url = base + ("/api/v1/ask" if rest else "/gradio_api/run/ask")
        questions = [OLD[0], NEW_QUESTION] if i % 2 else [NEW_QUESTION, OLD[0]]
        with httpx.Client(timeout=60) as http:
            n = 0
            while not self.stop.is_set():
                question = questions[n % 2]
                n += 1
                sent = time.time()
                try:
                    data = {"question": question} if rest else {"data": [question, ""]}
                    reply = http.post(url, json=data)
                    body: Any = reply.json()
                    if rest:
                        answer = body if isinstance(body, dict) else {}
                    else:
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
        ASSISTANT_BODY_TIMEOUT_S=str(BODY_TIMEOUT_S),
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


BUSY = "another ingestion is running on this index"


def cli(env: dict[str, str], *args: str) -> None:
    """A CLI write; refused at once while another writer (the API's) holds the index, so
    retried then, as a user would."""
    for _ in range(60):
        done = subprocess.run(
            [sys.executable, "-m", "assistant", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 2 or BUSY not in done.stderr:
            break
        time.sleep(0.5)
    assert done.returncode == 0, (args, done.stderr[-2000:])


@dataclass
class Commit:
    """A write whose effect on the new question is known: `expect` in the answer (None: the
    document is gone, nothing to check), from `at` (the index's last commit once the write
    is done: this one, or a later one of the API writer's) on. `began`: when the write
    started; until then the previous write's effect holds."""

    began: float
    at: float
    expect: str | None


def soak(urls: list[str], env: dict[str, str], committed: Callable[[], float]) -> None:
    """The writes, while CLIENTS ask and the attackers and the API writer work, for at least
    SOAK_S; then the checks. committed(): when the last write was committed, read from the
    index after the writer exited."""
    corpus = Path(env["ASSISTANT_CORPUS_DIR"])
    staging = corpus.parent / "staging"
    staging.mkdir()
    commits: list[Commit] = []
    clients = Clients(urls)
    others = Others(urls[0])
    started = time.monotonic()
    with clients.asking(), others.working():
        time.sleep(2)
        (staging / "tuvalu.md").write_text(NEW_DOC.format(n="4,321"), encoding="utf-8")
        began = time.time()
        cli(env, "docs", "add", str(staging / "tuvalu.md"))
        commits.append(Commit(began, committed(), "4,321"))
        time.sleep(SETTLE_S)
        began = time.time()
        (corpus / "tuvalu.md").write_text(NEW_DOC.format(n="5,678"), encoding="utf-8")
        cli(env, "ingest")  # an update
        commits.append(Commit(began, committed(), "5,678"))
        time.sleep(SETTLE_S)
        began = time.time()
        cli(env, "ingest", "--rebuild")
        commits.append(Commit(began, committed(), "5,678"))
        time.sleep(SETTLE_S)
        began = time.time()
        cli(env, "docs", "remove", "tuvalu.md")
        commits.append(Commit(began, committed(), None))
        time.sleep(max(3.0, SOAK_S - (time.monotonic() - started)))
    check(clients.records, commits)
    others.check()
    assert_a_clean_rebuild(env)


# --- the API writer and the attackers ------------------------------------------------------------


@dataclass
class Others:
    """Beside the askers: an API client adding and removing documents (a busy index, 409, is
    retried; anything else is an error), one attacker holding SLOW_BODIES request bodies open
    (each should end in 408, never hold a slot), and one uploading SLOW_PDF and viewing it
    without pause (each view answered from the parse cache)."""

    url: str
    stop: threading.Event = field(default_factory=threading.Event)
    writes: list[int] = field(default_factory=list)  # statuses of the API writer's calls
    slow: list[int] = field(default_factory=list)  # statuses the slow bodies got
    views: list[int] = field(default_factory=list)  # statuses of the PDF's views

    @contextmanager
    def working(self) -> Iterator[Others]:
        jobs = (self.api_writer, self.slow_bodies, self.slow_pdf)
        threads = [threading.Thread(target=job) for job in jobs]
        for t in threads:
            t.start()
        try:
            yield self
        finally:
            self.stop.set()
            for t in threads:
                t.join(timeout=SLOW_HOLD_S + 30)

    def api_writer(self) -> None:
        base = self.url.rstrip("/") + "/api/v1/documents"
        with httpx.Client(timeout=120) as http:
            n = 0
            while not self.stop.is_set():
                name = f"api-note-{n}.md"
                text = f"# API note {n}\n\nThe API note {n} lists {1000 + n} ferry crossings.\n"
                files = [("files", (name, text.encode(), "text/markdown"))]
                if self._until_not_busy(partial(http.post, base, files=files), 201):
                    self._until_not_busy(partial(http.delete, f"{base}/{name}"), 200)
                n += 1
                self.stop.wait(1.0)

    def _until_not_busy(self, call: Callable[[], httpx.Response], ok: int) -> bool:
        while not self.stop.is_set():
            status = call().status_code
            self.writes.append(status)
            if status != 409:
                return status == ok
            self.stop.wait(0.5)
        return False

    def slow_bodies(self) -> None:
        port = int(self.url.rstrip("/").rsplit(":", 1)[1])
        while not self.stop.is_set():
            paths = ("/api/v1/ask", "/v1/chat/completions")  # the routes that take a slot
            conns = [_slow_body(port, paths[i % len(paths)]) for i in range(SLOW_BODIES)]
            self.slow += [_status_of(conn) for conn in conns]

    def slow_pdf(self) -> None:
        base = self.url.rstrip("/") + "/api/v1/documents"
        files = [("files", (SLOW_PDF, shared_stream_pdf(2, 50_000), "application/pdf"))]
        with httpx.Client(timeout=120) as http:
            if not self._until_not_busy(partial(http.post, base, files=files), 201):
                return
            while not self.stop.is_set():
                self.views.append(http.get(f"{base}/{SLOW_PDF}").status_code)
                self.stop.wait(0.2)

    def check(self) -> None:
        print(
            f"API writer: {len(self.writes)} calls ({self.writes.count(409)} busy, retried); "
            f"slow bodies: {len(self.slow)} ({self.slow.count(408)} got 408); "
            f"views of the slow PDF: {len(self.views)}"
        )
        assert self.writes and set(self.writes) <= {200, 201, 409}, self.writes
        assert self.slow and set(self.slow) == {408}, self.slow
        assert self.views and set(self.views) == {200}, self.views


def _slow_body(port: int, path: str) -> socket.socket:
    """Headers and part of a body, then nothing, for longer than any client waits for an
    answer (a slot it held would show as the clients' errors)."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=SLOW_HOLD_S)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    conn.sendall(head.encode() + b'{"question": "How many')
    return conn


def _status_of(conn: socket.socket) -> int:
    data = b""
    try:
        while b"\r\n" not in data:
            piece = conn.recv(4096)
            if not piece:
                break
            data += piece
    except TimeoutError:
        pass
    finally:
        conn.close()
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0


def assert_a_clean_rebuild(env: dict[str, str]) -> None:
    """The index the soak leaves equals one built afresh from the corpus folder: the same
    documents with the same content hashes, the same chunk ids, none twice."""
    fresh = {
        **env,
        "ASSISTANT_INDEX_DIR": env["ASSISTANT_INDEX_DIR"] + "-clean",
        "ASSISTANT_COLLECTION": unique_collection(),
    }
    cli(fresh, "ingest")
    soaked, clean = index_of(env), index_of(fresh)
    print(f"index after the soak: {len(soaked[0])} documents, {len(soaked[1])} chunks")
    assert soaked[0] == clean[0]
    assert soaked[1] == clean[1] and len(set(soaked[1])) == len(soaked[1])


def index_of(env: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """({document id: content hash}, sorted chunk ids) of the index `env` names."""
    host = env.get("ASSISTANT_CHROMA_HOST")
    settings = Settings(
        corpus_dir=Path(env["ASSISTANT_CORPUS_DIR"]),
        index_dir=Path(env["ASSISTANT_INDEX_DIR"]),
        data_dir=Path(env["ASSISTANT_DATA_DIR"]),
        chroma_host=host,
        chroma_port=int(env.get("ASSISTANT_CHROMA_PORT", "8000")),
        collection=env.get("ASSISTANT_COLLECTION", "declaration"),
        llm_base_url=None,
    )
    store = ChromaStore.open(store_config(settings))
    documents = {d: r.sha256 for d, r in store.documents().items()}
    return documents, sorted(c.id for c in store.iter_chunks())


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
        until = commits[i + 1].began if i + 1 < len(commits) else float("inf")
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

"""Shared fixtures: the real bundled model, loaded once; assistants on temporary indexes, both
embedded and against a real Chroma server (`chroma run`) started once per session on loopback.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.config import Settings
from assistant.index.embedding import Embedder
from assistant.service import Assistant, build_assistant

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"

MakeAssistant = Callable[..., Assistant]

# The store, indexing and document tests run on both: the embedded index and a Chroma server
# (their modules set BOTH_BACKENDS = True). Every other test runs on the embedded index, and
# tests/test_answers.py checks that every answer of the public set is the same on a server.
BACKENDS = [pytest.param("embedded"), pytest.param("server", marks=pytest.mark.server)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    both = getattr(metafunc.module, "BOTH_BACKENDS", False)
    for name, scope in (("make_assistant", "function"), ("shipped", "module")):
        if name in metafunc.fixturenames:
            backends = BACKENDS if both else ["embedded"]
            metafunc.parametrize(name, backends, indirect=True, scope=scope)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chroma_cli() -> str:
    """The `chroma` command of the environment running the tests."""
    beside = Path(sys.executable).parent / "chroma"
    found = str(beside) if beside.is_file() else shutil.which("chroma")
    if not found:
        raise RuntimeError("the `chroma` command is not installed (pip install chromadb)")
    return found


@dataclass
class ChromaServer:
    """A real `chroma run` on loopback, in its own process group; restartable on the same
    path and port."""

    path: Path
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.path.with_name(f"{self.path.name}-{self.port}.log")

    def start(self, wait: bool = True) -> None:
        command = [chroma_cli(), "run", "--path", str(self.path), "--host", self.host]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as one
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        url = f"http://{self.host}:{self.port}/api/v2/heartbeat"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited ({self.process.returncode}): {self.tail()}")
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run gave no heartbeat in {timeout_s:.0f} s: {self.tail()}")

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL if it lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue

    def tail(self, lines: int = 20) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One Chroma server for the session; every test uses its own collection names on it."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma") / "db")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def unique_collection() -> str:
    return f"t{uuid.uuid4().hex[:16]}"


def settings_for(
    root: Path, server: ChromaServer | None, collection: str, **overrides: Any
) -> Settings:
    """Settings on root's corpus/, index/ and data/: embedded, or on the server when given."""
    values: dict[str, Any] = {"chroma_host": None, "chroma_token": None, "llm_base_url": None}
    if server is not None:
        values.update(chroma_host=server.host, chroma_port=server.port)
    return Settings(
        corpus_dir=root / "corpus",
        index_dir=root / "index",
        data_dir=root / "data",
        collection=collection,
        **{**values, **overrides},
    )


def _server_for(request: pytest.FixtureRequest, backend: str) -> ChromaServer | None:
    return request.getfixturevalue("chroma_server") if backend == "server" else None


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder("all-MiniLM-L6-v2")


@pytest.fixture
def make_assistant(
    request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder
) -> MakeAssistant:
    """An assistant on a fresh copy of the shipped corpus (or an empty one) in tmp_path, on
    the embedded index or the session's Chroma server. Assistants made by one test share
    their index (one collection name per test), like processes sharing one server."""
    server = _server_for(request, request.param)
    collection = unique_collection()

    def make(copy_corpus: bool = True, **overrides: Any) -> Assistant:
        corpus = tmp_path / "corpus"
        if copy_corpus and not corpus.exists():
            shutil.copytree(CORPUS, corpus)
        corpus.mkdir(exist_ok=True)
        settings = settings_for(tmp_path, server, collection, **overrides)
        return build_assistant(settings, embedder=embedder)

    return make


@pytest.fixture(scope="module")
def shipped(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Assistant:
    """One synced assistant on the shipped corpus, shared by a test module (read-only), on
    the embedded index or the session's Chroma server."""
    server = _server_for(request, request.param)
    tmp = tmp_path_factory.mktemp("shipped")
    shutil.copytree(CORPUS, tmp / "corpus")
    assistant = build_assistant(settings_for(tmp, server, unique_collection()), embedder=embedder)
    report = assistant.sync()
    assert not report.failed and report.added
    return assistant


def shared_stream_pdf(pages: int, operations: int) -> bytes:
    """A small PDF whose pages all draw one content stream of `operations` path operations
    and one line of text: a few KB that a reader needs seconds to parse, page after page."""
    content = b"BT /F1 12 Tf 72 720 Td (The shared stream pilot counted 31 offices.) Tj ET\n"
    stream = zlib.compress(content + b"0 0 m 1 1 l S\n" * operations, 9)
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
        b"/Resources << /Font << /F1 4 0 R >> >> >>"
    )
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *[page] * pages,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)

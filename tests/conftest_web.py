"""Helpers for the web tests: a copy of the shipped corpus and a cut-down question set in a
temporary folder, and the real app (`python app.py`) started on a free loopback port.

Imported by the test modules (pytest puts tests/ on sys.path); not a conftest plugin.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
EVAL_QUESTIONS = 5
START_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class RunningApp:
    url: str  # http://127.0.0.1:PORT/
    root: Path  # holds corpus/, index/, data/, evals/ and app.log
    process: subprocess.Popen[bytes]

    @property
    def log(self) -> str:
        return (self.root / "app.log").read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(root: Path, questions: int = EVAL_QUESTIONS) -> None:
    """corpus/ (the shipped one) and evals/questions.jsonl (its first `questions` lines)."""
    shutil.copytree(REPO / "corpus", root / "corpus")
    (root / "evals").mkdir()
    lines = (REPO / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if line.strip()][:questions]
    (root / "evals" / "questions.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")


@contextmanager
def running_app(root: Path) -> Iterator[RunningApp]:
    """Start `python app.py` against root's folders; stop it on exit."""
    prepare(root)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "GRADIO_"))}
    env.update(
        ASSISTANT_CORPUS_DIR=str(root / "corpus"),
        ASSISTANT_INDEX_DIR=str(root / "index"),
        ASSISTANT_DATA_DIR=str(root / "data"),
        ASSISTANT_EVALS_DIR=str(root / "evals"),
        ASSISTANT_HOST="127.0.0.1",
        ASSISTANT_PORT=str(port),
        GRADIO_ANALYTICS_ENABLED="False",
        GRADIO_TEMP_DIR=str(root / "gradio"),  # uploads land here: the tests can look
        PYTHONUNBUFFERED="1",
    )
    log = (root / "app.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, str(REPO / "app.py")],
        cwd=root,  # no stray .env is read
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    app = RunningApp(f"http://127.0.0.1:{port}/", root, process)
    try:
        _wait_until_up(app)
        yield app
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(app: RunningApp) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"the app exited with {app.process.returncode}:\n{app.log}")
        if f"running at {app.url.rstrip('/')}" in app.log:
            try:
                if httpx.get(app.url, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    raise RuntimeError(f"the app did not start within {START_TIMEOUT_S:.0f}s:\n{app.log}")

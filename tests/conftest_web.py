"""Helpers for the web tests: a copy of the shipped corpus and a cut-down question set in a
temporary folder, and the real app (`python app.py`) started on a free loopback port.

Imported by the test modules (pytest puts tests/ on sys.path); not a conftest plugin.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
EVAL_QUESTIONS = 5
START_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class RunningApp:
    url: str  # http://127.0.0.1:PORT/
    root: Path  # holds corpus/, index/, data/, evals/ and app.log
    process: subprocess.Popen[bytes]
    env: dict[str, str]  # the app's environment: a CLI run with it works on the same index

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
def running_app(
    root: Path, env: dict[str, str] | None = None, files: dict[str, str] | None = None
) -> Iterator[RunningApp]:
    """Start `python app.py` against root's folders; stop it on exit. `env` adds or
    overrides settings (ASSISTANT_*); `files` adds documents (name -> text) to the corpus.
    A root that was prepared before is used as it is: a restart of the same app."""
    if not (root / "corpus").exists():
        prepare(root)
    for name, text in (files or {}).items():
        (root / "corpus" / name).parent.mkdir(parents=True, exist_ok=True)  # "a/b.md": ids with "/"
        (root / "corpus" / name).write_text(text, encoding="utf-8")
    port = free_port()
    child = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "GRADIO_"))}
    child.update(
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
    child.update(env or {})
    log = (root / "app.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, str(REPO / "app.py")],
        cwd=root,  # no stray .env is read
        env=child,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    app = RunningApp(f"http://127.0.0.1:{port}/", root, process, child)
    try:
        _wait_until_up(app)
        yield app
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a started app (or server) process, killing it if it lingers."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cli_answer(app: RunningApp, question: str) -> dict[str, Any]:
    """`assistant ask --json question` run as a user would, on the app's own index."""
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--json", question],
        cwd=app.root,
        env=app.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


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


# --- the HTTP API, step by step ------------------------------------------------------------------


def ask_queued(
    url: str,
    question: str,
    history: str = "",
    client: httpx.Client | None = None,
    timeout: float = 60.0,
) -> tuple[int, str, Any]:
    """Gradio's two-step queued call of `ask`: POST /gradio_api/call/ask, then read the SSE
    stream. (status of the POST, event, data): event is "complete" or "error", or "" when the
    POST was refused (data is then its JSON body)."""
    base = url.rstrip("/")
    http = client or httpx.Client(timeout=timeout)
    try:
        posted = http.post(f"{base}/gradio_api/call/ask", json={"data": [question, history]})
        if posted.status_code != 200:
            return posted.status_code, "", _json(posted)
        event_id = posted.json()["event_id"]
        event, deadline = "", time.monotonic() + timeout
        with http.stream("GET", f"{base}/gradio_api/call/ask/{event_id}", timeout=timeout) as r:
            for line in r.iter_lines():
                if time.monotonic() > deadline:
                    break
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    return 200, event, json.loads(line.removeprefix("data:"))
        return 200, "timeout", None
    finally:
        if client is None:
            http.close()


def upload(url: str, paths: list[Path], client: httpx.Client) -> list[str]:
    """POST files to Gradio's upload route; the server paths it returns."""
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
    reply = client.post(f"{url.rstrip('/')}/gradio_api/upload", files=files)
    reply.raise_for_status()
    return list(reply.json())


def file_data(path: str) -> dict[str, Any]:
    return {"path": path, "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}}


def run_event(
    url: str, api_name: str, data: list[Any], client: httpx.Client, timeout: float = 120.0
) -> dict[str, Any]:
    """Call one of the page's own (private) event handlers the way the page does: join the
    queue with its fn_index, then read the session's SSE stream until it completes. Returns
    the process_completed message ({"success": ..., "output": {"data": [...]}})."""
    base = url.rstrip("/")
    config = client.get(f"{base}/config").json()
    dep = next(d for d in config["dependencies"] if d.get("api_name") == api_name)
    session = uuid.uuid4().hex[:11]
    trigger = dep["targets"][0][0] if dep["targets"] else None
    body = {
        "data": data,
        "fn_index": dep["id"],
        "session_hash": session,
        "event_data": None,
        "trigger_id": trigger,
    }
    joined = client.post(f"{base}/gradio_api/queue/join", json=body)
    joined.raise_for_status()
    deadline = time.monotonic() + timeout
    with client.stream(
        "GET", f"{base}/gradio_api/queue/data", params={"session_hash": session}, timeout=timeout
    ) as r:
        for line in r.iter_lines():
            if time.monotonic() > deadline:
                break
            if line.startswith("data:"):
                message = json.loads(line.removeprefix("data:"))
                if message.get("msg") == "process_completed":
                    return dict(message)
    raise AssertionError(f"{api_name} did not complete within {timeout:.0f}s")


def _json(reply: httpx.Response) -> Any:
    try:
        return reply.json()
    except ValueError:
        return reply.text

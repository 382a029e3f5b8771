"""A replaying OpenAI-compatible chat server on 127.0.0.1, for tests.

It answers POST /v1/chat/completions, plain (chat.completion JSON) or streamed (``"stream":
true``: server-sent events of chat.completion.chunk objects, then ``data: [DONE]``), with the
next scenario of a script the test sets, and records every request body.

Scenarios (dicts):
    {"kind": "reply", "text": "..."}               reply with this text
    {"kind": "template", "text": "{1.1} [1]"}      {n.m} = sentence m of passage n of the request
    {"kind": "cite_first"}                         "<first sentence of passage [1]> [1]"
    {"kind": "echo"}                               reply with the system + user text received
    {"kind": "echo", "roles": ["user"]}            ... with only the messages of these roles
    {"kind": "fixture", "name": "cbp_one_answer"}  a recorded reply from tests/fixtures/llm/
    {"kind": "error", "status": 500}               an OpenAI-style error body with that status
    {"kind": "stall", "seconds": 5}                wait, then reply (the client should give up)
    {"kind": "garbage"}                            a 200 reply that is not valid JSON
A fixture <name>.json is a chat.completion, <name>.chunks.json a list of chunks; the one that
matches the request's stream flag is served as recorded, otherwise the other is converted.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "llm"
Scenario = dict[str, Any]
Json = dict[str, Any]

_PASSAGE = re.compile(r"BEGIN DATA \[(\d+)\]\n(.*?)\nEND DATA \[\1\]", re.S)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_SLOT = re.compile(r"\{(\d+)\.(\d+)\}")
_PIECE = re.compile(r"\S+\s*|\s+")


class ReplayServer:
    """Start with ``with ReplayServer() as server:``; ``server.base_url`` is the /v1 URL."""

    def __init__(self, fixtures: Path = FIXTURES) -> None:
        self.fixtures = fixtures
        self.requests: list[Json] = []  # request bodies, in order
        self.headers: list[dict[str, str]] = []
        self._script: list[Scenario] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def play(self, *scenarios: Scenario) -> None:
        """Replace the script and forget earlier requests."""
        with self._lock:
            self._script = list(scenarios)
            self.requests.clear()
            self.headers.clear()

    @property
    def last(self) -> Json:
        return self.requests[-1]

    def _next(self, body: Json, headers: dict[str, str]) -> Scenario:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if not self._script:
                return {"kind": "error", "status": 500, "message": "replay script exhausted"}
            return self._script.pop(0)

    def _wait(self, seconds: float) -> None:
        self._closing.wait(seconds)

    def fixture(self, name: str, stream: bool) -> Json | list[Json]:
        plain, chunks = self.fixtures / f"{name}.json", self.fixtures / f"{name}.chunks.json"
        if stream and chunks.exists():
            return list(json.loads(chunks.read_text(encoding="utf-8")))
        if not stream and plain.exists():
            return dict(json.loads(plain.read_text(encoding="utf-8")))
        if plain.exists():
            data = json.loads(plain.read_text(encoding="utf-8"))
            return list(chunk_objects(data["choices"][0]["message"]["content"], data["model"]))
        data = json.loads(chunks.read_text(encoding="utf-8"))
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in data if c["choices"])
        return completion_object(text, data[0]["model"])


# --- building replies --------------------------------------------------------------------------
def passages(body: Json) -> dict[int, str]:
    """Passage texts by number, parsed from the last user message of a request."""
    user = [m for m in body.get("messages", []) if m.get("role") == "user"]
    content = _text(user[-1]["content"]) if user else ""
    found: dict[int, str] = {}
    for number, block in _PASSAGE.findall(content):
        found[int(number)] = block.split("\nText:\n", 1)[-1]
    return found


def sentence(body: Json, n: int, m: int) -> str:
    """Sentence m (1-based) of passage n, as sent."""
    parts = [p.strip() for p in _SENTENCE_BREAK.split(passages(body)[n]) if p.strip()]
    return parts[m - 1]


def reply_text(scenario: Scenario, body: Json) -> str:
    kind = scenario["kind"]
    if kind == "cite_first":
        return f"{sentence(body, 1, 1)} [1]"
    if kind == "template":
        return _SLOT.sub(lambda s: sentence(body, int(s[1]), int(s[2])), scenario["text"])
    if kind == "echo":
        roles = scenario.get("roles", ("system", "user"))
        wanted = [m for m in body.get("messages", []) if m.get("role") in roles]
        return "\n\n".join(_text(m["content"]) for m in wanted)
    return str(scenario.get("text", "This reply came too late."))


def completion_object(text: str, model: str) -> Json:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(text),
    }


def chunk_objects(text: str, model: str, usage: bool = False) -> Iterator[Json]:
    """A stream as OpenAI sends it: a role chunk, a content chunk per word, a finish chunk."""
    ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())

    def chunk(delta: Json, finish: str | None = None) -> Json:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": None,
            "choices": [choice],
        }

    yield chunk({"role": "assistant", "content": ""})
    for piece in _PIECE.findall(text):
        yield chunk({"content": piece})
    yield chunk({}, "stop")
    if usage:
        yield {**chunk({}), "choices": [], "usage": _usage(text)}


def _usage(text: str) -> Json:
    words = len(text.split())
    return {"prompt_tokens": 900, "completion_tokens": words, "total_tokens": 900 + words}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


# --- HTTP --------------------------------------------------------------------------------------
def _handler(replay: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        server_replay = replay

    return Handler


class _Handler(BaseHTTPRequestHandler):
    server_replay: ReplayServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        scenario = self.server_replay._next(body, dict(self.headers.items()))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._play(scenario, body)  # a client that gave up (stall) is not an error

    def _play(self, scenario: Scenario, body: Json) -> None:
        kind = scenario["kind"]
        stream = bool(body.get("stream"))
        if kind == "error":
            message = scenario.get("message", "The server had an error processing your request.")
            error = {"message": message, "type": "server_error", "param": None, "code": None}
            self._json(int(scenario.get("status", 500)), {"error": error})
            return
        if kind == "garbage":
            if stream:
                self._raw(200, "text/event-stream", b"data: {not json\n\n")
            else:
                self._raw(200, "application/json", b"{not json")
            return
        if kind == "stall":
            self.server_replay._wait(float(scenario.get("seconds", 5)))
        model = str(body.get("model", "replay-model"))
        if kind == "fixture":
            recorded = self.server_replay.fixture(scenario["name"], stream)
            if isinstance(recorded, list):
                self._events(recorded, float(scenario.get("delay", 0)))
            else:
                self._json(200, recorded)
            return
        text = reply_text(scenario, body)
        if stream:
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._events(chunk_objects(text, model, usage), float(scenario.get("delay", 0)))
        else:
            self._json(200, completion_object(text, model))

    def _json(self, status: int, payload: Json) -> None:
        self._raw(status, "application/json", json.dumps(payload).encode())

    def _raw(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _events(self, chunks: Any, delay: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            if delay:
                time.sleep(delay)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

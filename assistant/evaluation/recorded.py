"""Recorded model replies, replayed through a real OpenAI-compatible endpoint on 127.0.0.1, so
the evaluation measures the LLM path end to end on machines without a model (issue 26).

A recording is a folder: `prompts.jsonl` holds every request the app sent (its messages, keyed
by a hash of them), `replies*.jsonl` the replies written for them by readers who saw only those
messages (evals/recordings/BRIEF-replies.md). `RecordedModel` serves a recorded reply
when the request's messages are exactly a recorded prompt; otherwise it records the prompt as
pending and answers 503, so the app falls back as it would with a failing model, and the run
says how many prompts have no reply yet (a changed prompt is a new prompt)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Json = dict[str, Any]
MODEL = "recorded"


def prompt_key(messages: list[Json]) -> str:
    """The same key for the same messages: roles and text only, in order."""
    canonical = [{"role": m.get("role", ""), "content": _text(m.get("content"))} for m in messages]
    data = json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:24]


@dataclass
class Recordings:
    """One recording folder: prompts seen, replies written."""

    folder: Path
    prompts: dict[str, list[Json]] = field(default_factory=dict)
    replies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, folder: Path) -> Recordings:
        rec = cls(folder)
        for row in _rows(folder / "prompts.jsonl"):
            rec.prompts[row["key"]] = row["messages"]
        for path in sorted(folder.glob("replies*.jsonl")):  # one file per reader's share
            for row in _rows(path):
                rec.replies[row["key"]] = row["reply"]
        return rec

    def add_prompt(self, key: str, messages: list[Json]) -> None:
        if key in self.prompts:
            return
        self.prompts[key] = messages
        self.folder.mkdir(parents=True, exist_ok=True)
        line = {"key": key, "messages": messages}
        with (self.folder / "prompts.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")

    def pending(self) -> list[str]:
        return [k for k in self.prompts if k not in self.replies]


@dataclass
class ReplayStats:
    replayed: int = 0
    missing: int = 0
    missing_keys: list[str] = field(default_factory=list)

    def to_dict(self) -> Json:
        return {"replayed": self.replayed, "missing": self.missing}


class RecordedModel:
    """`with RecordedModel(recordings) as model:` serves model.base_url (…/v1)."""

    def __init__(self, recordings: Recordings) -> None:
        self.recordings = recordings
        self.stats = ReplayStats()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> RecordedModel:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def settings_update(self) -> dict[str, Any]:
        """The settings that point the app's LLM answerer at this endpoint."""
        return {"llm_base_url": self.base_url, "llm_model": MODEL, "llm_max_retries": 0}

    def summary(self) -> str:
        pending = len(self.recordings.pending())
        return (
            f"LLM replies: {self.stats.replayed} replayed from {self.recordings.folder}, "
            f"{self.stats.missing} prompts with no recorded reply ({pending} pending in the "
            "recording: changed or new prompts; write their replies, then run again)"
        )

    def reply_for(self, messages: list[Json]) -> str | None:
        key = prompt_key(messages)
        with self._lock:
            reply = self.recordings.replies.get(key)
            if reply is None:
                self.recordings.add_prompt(key, messages)
                self.stats.missing += 1
                self.stats.missing_keys.append(key)
            else:
                self.stats.replayed += 1
            return reply


def completion(text: str) -> Json:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def chunks(text: str) -> Iterator[Json]:
    """The reply as OpenAI streams it: a role chunk, one chunk per word, a finish chunk."""
    ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())

    def chunk(delta: Json, finish: str | None = None) -> Json:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return {"id": ident, "object": "chat.completion.chunk", "created": created,
                "model": MODEL, "choices": [choice]}  # fmt: skip

    yield chunk({"role": "assistant", "content": ""})
    words = text.split(" ")
    for i, word in enumerate(words):
        yield chunk({"content": word if i == len(words) - 1 else word + " "})
    yield chunk({}, "stop")


def _handler(model: RecordedModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            return

        def do_POST(self) -> None:
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._json(404, {"error": {"message": "not found"}})
                return
            size = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(size) or b"{}")
            reply = model.reply_for(list(body.get("messages", [])))
            if reply is None:
                message = "no recorded reply for this prompt; it was recorded as pending"
                self._json(503, {"error": {"message": message, "type": "unavailable"}})
            elif body.get("stream"):
                self._stream(reply)
            else:
                self._json(200, completion(reply))

        def _json(self, status: int, data: Json) -> None:
            raw = json.dumps(data).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _stream(self, text: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in chunks(text):
                self.wfile.write(f"data: {json.dumps(piece)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")

    return Handler


def _rows(path: Path) -> Iterator[Json]:
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""

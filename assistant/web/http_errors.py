"""Errors over HTTP, in one place for the gate and the API routes: which status each problem
gets, and the body's shape, by route. The REST API (/api/v1) answers {"error": "one line"};
the OpenAI-compatible routes (/v1) answer the shape OpenAI clients read,
{"error": {"message": "one line", "type": ..., "code": ...}}; Gradio's routes keep
{"error": ..., "detail": ...} (gradio_client reads `detail`)."""

from __future__ import annotations

import json
from typing import Any

REST_PREFIX = "/api/v1"
OPENAI_PREFIX = "/v1"
_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
}


def one_line(text: object, limit: int = 500) -> str:
    """The first line of a message, bounded; never empty."""
    lines = str(text).strip().splitlines()
    line = lines[0].strip() if lines else ""
    return (line[: limit - 1] + "…" if len(line) > limit else line) or "Something went wrong."


def is_rest(path: str) -> bool:
    return path == REST_PREFIX or path.startswith(f"{REST_PREFIX}/")


def is_openai(path: str) -> bool:
    return path == OPENAI_PREFIX or path.startswith(f"{OPENAI_PREFIX}/")


def is_api(path: str) -> bool:
    return is_rest(path) or is_openai(path)


def error_body(path: str, status: int, message: str) -> dict[str, Any]:
    message = one_line(message)
    if is_openai(path):
        kind = _OPENAI_TYPES.get(status, "server_error" if status >= 500 else "api_error")
        return {"error": {"message": message, "type": kind, "code": None}}
    if is_rest(path):
        return {"error": message}
    return {"error": message, "detail": message}


def error_bytes(path: str, status: int, message: str) -> bytes:
    return json.dumps(error_body(path, status, message), ensure_ascii=False).encode()

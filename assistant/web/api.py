"""The app's public API: the named `ask` endpoint (`/gradio_api/call/ask`, gradio_client's
`predict(..., api_name="/ask")`), answering with the Answer as JSON.

(No `from __future__ import annotations`: Gradio reads the type hints of `ask` to type the
API endpoint.)
"""

import json
from dataclasses import dataclass

import gradio as gr

from assistant.chain import QuestionError
from assistant.indexing import IndexBusyError
from assistant.service import Assistant
from assistant.types import Turn
from assistant.web.render import without_secrets


def parse_history(text: str) -> list[Turn]:
    """The API's history argument: a JSON list of {role, content}; "" means none."""
    if not (text or "").strip():
        return []
    problem = 'history must be a JSON list of {"role": "user"|"assistant", "content": "..."}'
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{problem}; it is not valid JSON ({exc.msg})") from None
    if not isinstance(raw, list):
        raise ValueError(f"{problem}; got a JSON {type(raw).__name__}")
    turns = []
    for i, turn in enumerate(raw):
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in ("user", "assistant")
            or not isinstance(turn.get("content"), str)
        ):
            raise ValueError(f"{problem}; turn {i} is not one")
        turns.append(Turn(turn["role"], turn["content"]))
    return turns


@dataclass
class ApiHandlers:
    """The API's endpoints."""

    assistant: Assistant

    def ask(self, question: str, history: str = "") -> dict:
        """Answer a question from the documents. `history` is an optional JSON list of
        {"role": "user"|"assistant", "content": "..."} turns ("" for none). Returns the
        Answer as JSON: text with [n] markers, citations (n, chunk_id, doc_id, title, date,
        section, page, quote, start, end), hits, refused, query, timings."""
        try:
            turns = parse_history(history)
            answer = self.assistant.ask(question or "", turns)
        except (QuestionError, IndexBusyError, ValueError) as exc:
            raise gr.Error(str(exc).splitlines()[0], print_exception=False) from None
        return without_secrets(answer).to_dict()


def api_endpoints(h: ApiHandlers) -> None:
    """Registers the named endpoints (inside the app's gr.Blocks); answers share the chat's
    pool of workers."""
    gr.api(h.ask, api_name="ask", concurrency_id="answer")

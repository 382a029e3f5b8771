"""Gradio's named `ask` endpoint (`/gradio_api/call/ask`, gradio_client's
`predict(..., api_name="/ask")`), answering with the Answer as JSON. (The REST API under
/api/v1 and the OpenAI-compatible one under /v1 are in rest.py and openai_compat.py.)

Every failure is a gr.Error with one line: a question or history of the wrong type, history
past its bounds or nested too deep, a busy index, an unreachable store; anything else is
logged on the server and reported as a failure, never as an empty error.

(No `from __future__ import annotations`: Gradio reads the type hints of `ask` to type the
API endpoint.)
"""

import json
import sys
import traceback
from dataclasses import dataclass

import gradio as gr

from assistant import history as history_parser
from assistant.errors import is_user_error
from assistant.history import HistoryLimits
from assistant.service import Assistant
from assistant.types import Turn
from assistant.web.http_errors import one_line
from assistant.web.render import without_secrets
from assistant.web.schemas import answer_json, check_history


def parse_history(text: str, limits: HistoryLimits) -> list[Turn]:
    """The API's history argument: a JSON list of {role, content}; "" means none. Raises
    ValueError (one line) for anything else, past the settings' limits (assistant/history.py,
    the same parser as `ask --history`) or past the API's own bounds (schemas.check_history)."""
    return check_history(history_parser.parse_history(text, limits))


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
            if question is not None and not isinstance(question, str):
                raise ValueError(f"question must be a string; got {type(question).__name__}")
            turns = parse_history(history, self.assistant.settings.history_limits)
            answer = self.assistant.ask(question or "", turns)
        except Exception as exc:
            if not isinstance(exc, ValueError) and not is_user_error(exc):
                traceback.print_exc(file=sys.stderr)
                raise gr.Error("The answer failed; try again.", print_exception=False) from None
            raise gr.Error(one_line(exc), print_exception=False) from None
        return json.loads(answer_json(without_secrets(answer)))


def api_endpoints(h: ApiHandlers) -> None:
    """Registers the named endpoints (inside the app's gr.Blocks); answers share the chat's
    pool of workers."""
    gr.api(h.ask, api_name="ask", concurrency_id="answer")

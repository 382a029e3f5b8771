"""An OpenAI-compatible chat endpoint, so any OpenAI client or chat front end can use the
assistant: POST /v1/chat/completions and GET /v1/models (one model, `declaration-assistant`).

The last user message is the question and the earlier user and assistant messages the
history (system messages are ignored; the oldest turns are dropped beyond the history bounds).
The reply's content is the answer with its [n] markers, then a "Sources" list (title, date,
section or page, quote); the full Answer is in the extra field `answer`. With "stream": true
the reply comes as chat.completion.chunk events ending with `data: [DONE]`: the verified
answer sentence by sentence, then the sources, then a last chunk carrying `answer` (the text
is streamed once verified, since a chunk cannot be taken back).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from assistant.ingest.chunking import TokenCounter, tiktoken_counter
from assistant.refusals import removed_summary
from assistant.service import Assistant
from assistant.types import Answer, Citation, Turn
from assistant.web.http_errors import OPENAI_PREFIX
from assistant.web.render import without_secrets
from assistant.web.schemas import MAX_HISTORY_CHARS, MAX_HISTORY_TURNS, bounded_json

MODEL_ID = "declaration-assistant"
SOURCES_HEADING = "\n\nSources:\n"
_CREATED = 1_767_225_600  # 2026-01-01, the model's "created" in /v1/models
_SENTENCE_END = re.compile(r"(?<=\] )")
# Markdown and HTML that a chat front end would render from a document's text: escaped
_MARKUP = re.compile(r"(<|!\[|\]\(|\]\[|^\s*\[[^\]]*\]:)", re.M)


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: StrictStr
    text: StrictStr | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: StrictStr | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's chat completion request; settings such as temperature are accepted and
    ignored (answers are composed from the documents)."""

    model_config = ConfigDict(extra="allow")

    model: StrictStr = Field(default=MODEL_ID, examples=[MODEL_ID])
    messages: list[ChatMessage] = Field(min_length=1, max_length=1_000)
    stream: bool = False


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelsOut(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


class ChatMessageOut(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChoiceOut(BaseModel):
    index: int
    message: ChatMessageOut
    finish_reason: Literal["stop"]


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionOut(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChoiceOut]
    usage: UsageOut
    answer: dict[str, Any] = Field(
        description="Extra field: the full Answer, as POST /api/v1/ask returns it."
    )


class ChatError(ValueError):
    """The messages hold no question to answer (one line)."""


def conversation(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """(question, history): the last message must be the user's; earlier user and assistant
    messages are the history, without the sources lists this endpoint appended, the most
    recent ones within the history bounds."""
    if messages[-1].role != "user":
        raise ChatError("the last message must be the user's question (role 'user')")
    turns = [
        Turn(m.role, m.text().split(SOURCES_HEADING, 1)[0])
        for m in messages[:-1]
        if m.role in ("user", "assistant")
    ]
    kept: list[Turn] = []
    chars = 0
    for turn in reversed(turns[-MAX_HISTORY_TURNS:]):
        chars += len(turn.content)
        if chars > MAX_HISTORY_CHARS:
            break
        kept.append(turn)
    return messages[-1].text(), kept[::-1]


def reply_text(answer: Answer) -> str:
    """The answer as a chat message: text with [n] markers, then its sources (Markdown, with
    the documents' own markup escaped)."""
    text = _escaped(answer.text)
    if answer.notice:
        text += f"\n\n_Note: {_escaped(answer.notice)}_"
    if answer.removed:  # the sentences themselves, with why, are in the field `answer`
        text += f"\n\n_Note: {_escaped(removed_summary(answer.removed))}._"
    if answer.refused:
        closest = [
            f"- {_escaped(h.chunk.title)}{_where(h.chunk.date, h.chunk.section, h.chunk.page)}"
            for h in answer.hits[:3]
        ]
        return text + ("\n\nClosest passages:\n" + "\n".join(closest) if closest else "")
    return text + sources_text(answer.citations)


def sources_text(citations: tuple[Citation, ...]) -> str:
    if not citations:
        return ""
    lines = [
        f"- [{c.n}] {_escaped(c.title)}{_where(c.date, c.section, c.page)}: “{_escaped(c.quote)}”"
        for c in citations
    ]
    return SOURCES_HEADING + "\n".join(lines)


@dataclass
class OpenAIHandlers:
    assistant: Assistant
    count: TokenCounter = field(default_factory=tiktoken_counter)

    def models(self) -> ModelsOut:
        """The one model: the assistant."""
        return ModelsOut(data=[ModelOut(id=MODEL_ID, created=_CREATED, owned_by="local")])

    def chat_completions(self, request: ChatRequest) -> Response:
        """Answer the last user message from the documents (see the module docstring)."""
        question, history = conversation(request.messages)
        answer = without_secrets(self.assistant.ask(question, history))
        content = reply_text(answer)
        head = {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "created": int(time.time()),
            "model": MODEL_ID,
        }
        if request.stream:
            return StreamingResponse(
                _chunks(head, answer, content),
                media_type="text/event-stream",
                headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
            )
        prompt = sum(self.count(m.text()) for m in request.messages)
        completion = self.count(content)
        body = {
            **head,
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
            "answer": json.loads(bounded_json(answer.to_dict())),
        }
        return Response(bounded_json(body, 2_500_000), media_type="application/json")


def openai_router(assistant: Assistant) -> APIRouter:
    h = OpenAIHandlers(assistant)
    router = APIRouter(prefix=OPENAI_PREFIX, tags=["OpenAI-compatible API"])
    router.add_api_route("/models", h.models, methods=["GET"], summary="The one model")
    router.add_api_route(
        "/chat/completions",
        h.chat_completions,
        methods=["POST"],
        summary="Chat completion (OpenAI-compatible)",
        response_model=ChatCompletionOut,
        responses={
            200: {
                "description": "The completion; with stream: true, chat.completion.chunk "
                "events ending with `data: [DONE]`.",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            }
        },
    )
    return router


def _chunks(head: dict[str, Any], answer: Answer, content: str) -> Iterator[bytes]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        data = {
            **head,
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return b"data: " + bounded_json(data, 1_500_000) + b"\n\n"

    yield chunk({"role": "assistant", "content": ""})
    body, sources = content, ""
    if SOURCES_HEADING in content:
        body, rest = content.split(SOURCES_HEADING, 1)
        sources = SOURCES_HEADING + rest
    for piece in [*filter(None, _SENTENCE_END.split(body)), sources]:
        if piece:
            yield chunk({"content": piece})
    yield chunk({}, "stop", answer=json.loads(bounded_json(answer.to_dict())))
    yield b"data: [DONE]\n\n"


def _where(date: str, section: str, page: int | None) -> str:
    parts = [p for p in (date, _escaped(section), f"p. {page}" if page else "") if p]
    return f" ({', '.join(parts)})" if parts else ""


def _escaped(text: str) -> str:
    """Backslash-escapes what would become HTML, an image or a link in Markdown."""

    def escape(match: re.Match[str]) -> str:
        found = match.group(0)
        if found in ("](", "]["):
            return "]\\" + found[1]
        return found.replace(found.strip()[0], "\\" + found.strip()[0], 1)

    return _MARKUP.sub(escape, text)

"""The HTTP APIs' typed requests and responses (pydantic), the bounds on what a request may
carry (history) and on what an answer may weigh once serialised (1 MB).

The response models describe the JSON for the OpenAPI document; answers are serialised from
`Answer.to_dict()` (the object `assistant ask --json` prints), and a test holds the two to the
same keys.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

from assistant.types import Answer, Turn

MAX_HISTORY_TURNS = 50
MAX_HISTORY_CHARS = 20_000
MAX_ANSWER_BYTES = 1_000_000  # an answer's JSON, whatever the documents hold
MAX_DOC_IDS = 1_000
_TRIM_LIST = 50  # list items kept when an answer is over its bound


class HistoryError(ValueError):
    """A history that is not a list of turns within the bounds (one line)."""


def check_history(turns: Sequence[Turn]) -> list[Turn]:
    """The turns, if within the bounds (MAX_HISTORY_TURNS, MAX_HISTORY_CHARS); else
    HistoryError saying which and what to do."""
    if len(turns) > MAX_HISTORY_TURNS:
        raise HistoryError(
            f"history has {len(turns):,} turns; the limit is {MAX_HISTORY_TURNS}: send the "
            "most recent ones"
        )
    chars = sum(len(t.content) for t in turns)
    if chars > MAX_HISTORY_CHARS:
        raise HistoryError(
            f"history has {chars:,} characters; the limit is {MAX_HISTORY_CHARS:,}: send the "
            "most recent turns"
        )
    return list(turns)


# --- requests ------------------------------------------------------------------------------------


class TurnIn(BaseModel):
    """One earlier turn of the conversation."""

    role: Literal["user", "assistant"]
    content: StrictStr


class AskRequest(BaseModel):
    """A question, with the conversation so far and optional search settings."""

    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(
        description="The question (at most ASSISTANT_MAX_QUESTION_CHARS characters, 2,000 by "
        "default).",
        examples=["How many people used CBP One?"],
    )
    history: list[TurnIn] = Field(
        default_factory=list,
        max_length=MAX_HISTORY_TURNS,
        description=f"Earlier turns, oldest first: at most {MAX_HISTORY_TURNS} turns and "
        f"{MAX_HISTORY_CHARS:,} characters in all.",
    )
    k: StrictInt | None = Field(
        default=None, ge=1, le=50, description="Passages to retrieve (default ASSISTANT_K)."
    )
    doc_ids: list[StrictStr] | None = Field(
        default=None,
        max_length=MAX_DOC_IDS,
        description="Search only these documents (ids as GET /api/v1/documents lists them).",
    )
    stream: StrictBool = Field(
        default=False,
        description="Answer as server-sent events: `delta` events with the text as it is "
        "written (a preview), then one `answer` event with the verified Answer (or one "
        "`error` event).",
    )

    @model_validator(mode="after")
    def _bounded_history(self) -> AskRequest:
        check_history(self.turns())
        return self

    def turns(self) -> list[Turn]:
        return [Turn(t.role, t.content) for t in self.history]


# --- responses -----------------------------------------------------------------------------------


class ErrorOut(BaseModel):
    error: str = Field(description="What went wrong and what to do, in one line.")


class CitationOut(BaseModel):
    n: int = Field(description="The marker [n] in the text.")
    chunk_id: str
    doc_id: str
    title: str
    date: str
    section: str
    page: int | None
    quote: str = Field(description="The verbatim sentence the marker cites.")
    start: int = Field(description="Start of the quote in the document's text.")
    end: int


class HitOut(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    date: str
    section: str
    page: int | None
    text: str
    start: int
    end: int
    score: float
    rank: int
    dense_score: float | None
    lexical_score: float | None


class RemovedSentenceOut(BaseModel):
    sentence: str = Field(description="The sentence as written, without its markers.")
    reason: str = Field(description="Why it is not shown, in one line.")


class AnswerOut(BaseModel):
    """The Answer, as `assistant ask --json` prints it."""

    question: str
    query: str = Field(description="What was searched (a follow-up carries its subject).")
    text: str = Field(description="The answer with [n] markers, or the refusal.")
    citations: list[CitationOut]
    hits: list[HitOut] = Field(description="The passages retrieved, best first.")
    refused: bool
    timings: dict[str, float] = Field(description="Milliseconds per stage.")
    answerer: str
    notice: str
    removed: list[RemovedSentenceOut] = Field(
        description="Sentences of the draft not shown, each with why (not supported by its "
        "sources, or citing none)."
    )
    unsupported: list[str] = Field(description="The removed sentences' text (as in `removed`).")
    refusal_reason: str = Field(description="The check that refused; empty when answered.")
    truncated: bool | None = Field(
        default=None,
        description="Present (true) only when long strings or lists were cut to keep the "
        "answer under 1 MB.",
    )


class DocumentOut(BaseModel):
    id: str
    title: str
    date: str
    chunks: int
    indexed_at: str


class PageOut(BaseModel):
    page: int
    start: int
    end: int


class SectionOut(BaseModel):
    start: int
    heading: str


class DocumentDetailOut(DocumentOut):
    text: str = Field(description="The text as indexed: citation spans index into it.")
    pages: list[PageOut]
    sections: list[SectionOut]
    filename: str
    media_type: str
    file_url: str = Field(description="Where to download the original file.")


class RejectedOut(BaseModel):
    file: str
    reason: str


class UploadOut(BaseModel):
    added: list[str]
    updated: list[str]
    rejected: list[RejectedOut] = Field(description="Files refused, with the reason.")
    failed: list[RejectedOut] = Field(description="Files of the corpus that failed to index.")
    summary: str


class RemovedOut(BaseModel):
    removed: str


class HealthOut(BaseModel):
    status: Literal["ok"]
    index_version: int
    documents: int
    answerer: str


# --- bounded answers -----------------------------------------------------------------------------


def answer_json(answer: Answer, limit: int = MAX_ANSWER_BYTES) -> bytes:
    """The Answer's JSON, at most `limit` bytes: when over, long strings are cut (then
    shorter, until it fits) and lists kept to their first 50 items, with "truncated": true."""
    return bounded_json(answer.to_dict(), limit)


def bounded_json(data: dict[str, Any], limit: int = MAX_ANSWER_BYTES) -> bytes:
    body = _dumps(data)
    cap = 4_000
    while len(body) > limit and cap >= 1:
        body = _dumps({**_trimmed(data, cap), "truncated": True})
        cap //= 4
    return body


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _trimmed(value: Any, cap: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= cap else value[:cap] + "…"
    if isinstance(value, dict):
        return {k: _trimmed(v, cap) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_trimmed(v, cap) for v in value[:_TRIM_LIST]]
    return value

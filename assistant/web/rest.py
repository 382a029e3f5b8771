"""The REST API under /api/v1: ask (JSON, or server-sent events), the documents (list, one,
its original file, add, remove) and health. Handlers are plain functions of typed requests;
errors are raised as exceptions and turned into {"error": "one line"} with their status by
`assistant.web.server` (the same mapping for every route).

Handlers are synchronous: FastAPI runs them on its worker threads, since answering and
indexing are blocking work.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import FileResponse, Response, StreamingResponse

from assistant.documents import DocumentNotFoundError
from assistant.errors import is_user_error
from assistant.service import Assistant
from assistant.types import Answer
from assistant.web.folders import remove_stale_folders
from assistant.web.http_errors import REST_PREFIX, one_line
from assistant.web.render import without_secrets
from assistant.web.schemas import (
    AnswerOut,
    AskRequest,
    DocumentDetailOut,
    DocumentOut,
    ErrorOut,
    HealthOut,
    PageOut,
    RejectedOut,
    RemovedOut,
    SectionOut,
    UploadOut,
    answer_json,
    bounded_json,
)

_SENTENCE_END = re.compile(r"(?<=\] )")  # after a citation marker and its space
_UNSAFE_NAME = re.compile(r"[\x00-\x1f/\\]")
_SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer."""
    return {status: {"model": ErrorOut} for status in statuses}


def file_url(doc_id: str) -> str:
    """The download URL of a document's original file (ids may contain "/")."""
    return f"{REST_PREFIX}/documents/{quote(doc_id, safe='')}/file"


def json_response(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="application/json")


def sse(event: str, body: bytes) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + body + b"\n\n"


@dataclass
class RestHandlers:
    """The REST API's handlers over one assistant."""

    assistant: Assistant

    # --- answers ---------------------------------------------------------------------------
    def ask(self, request: AskRequest) -> Response:
        """Answer a question from the documents, with verified citations."""
        turns = request.turns()
        if request.stream:
            return self._stream(request)
        answer = self.assistant.ask(request.question, turns, request.k, request.doc_ids)
        return json_response(answer_json(without_secrets(answer)))

    def _stream(self, request: AskRequest) -> Response:
        pieces = self.assistant.stream(
            request.question, request.turns(), request.k, request.doc_ids
        )
        first = next(pieces)  # a question that cannot be asked fails here, before any event
        return StreamingResponse(
            _events(chain([first], pieces)), media_type="text/event-stream", headers=_SSE_HEADERS
        )

    # --- documents -------------------------------------------------------------------------
    def documents(self) -> list[DocumentOut]:
        """The indexed documents."""
        return [
            DocumentOut(
                id=r.doc_id, title=r.title, date=r.date, chunks=r.chunks, indexed_at=r.indexed_at
            )
            for r in self.assistant.documents()
        ]

    def document(self, doc_id: str) -> Response:
        """One indexed document: its metadata and its text as indexed."""
        view = self.assistant.document(doc_id)
        record = next((r for r in self.assistant.documents() if r.doc_id == doc_id), None)
        detail = DocumentDetailOut(
            id=view.doc_id,
            title=view.title,
            date=view.date,
            chunks=record.chunks if record else 0,
            indexed_at=record.indexed_at if record else "",
            text=view.text,
            pages=[PageOut(page=p, start=s, end=e) for p, s, e in view.pages],
            sections=[SectionOut(start=s, heading=h) for s, h in view.sections],
            filename=view.file.filename,
            media_type=view.file.media_type,
            file_url=file_url(view.doc_id),
        )
        return json_response(detail.model_dump_json().encode())

    def document_file(self, doc_id: str) -> FileResponse:
        """The document's original file, by id only (as an attachment)."""
        found = self.assistant.document_file(doc_id)
        return FileResponse(
            found.path,
            media_type=found.media_type,
            filename=found.filename,
            content_disposition_type="attachment",
        )

    def add(self, files: Annotated[list[UploadFile], File(description="Files")]) -> Response:
        """Add documents: each file is checked like `assistant docs add` checks it, copied into
        the corpus and indexed. 201 when at least one was added or updated; when every file
        is refused, 413 if they were all over ASSISTANT_MAX_FILE_MB, else 400."""
        limit = self.assistant.settings.max_file_bytes
        root = uploads_folder(self.assistant)
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f"{os.getpid()}-", dir=root) as tmp:
            paths, sizes = [], {}
            for n, upload in enumerate(files):
                path = Path(tmp) / str(n) / _upload_name(upload.filename)
                path.parent.mkdir()
                with path.open("wb") as out:
                    shutil.copyfileobj(upload.file, out, 1 << 20)
                paths.append(path)
                sizes[path.name] = path.stat().st_size
            report, rejected = self.assistant.add_files(paths)
        if not (report.added or report.updated) and rejected:
            too_big = all(sizes.get(e.path, 0) > limit for e in rejected)
            more = f" (and {len(rejected) - 1} more refused)" if len(rejected) > 1 else ""
            raise UploadRefusedError(413 if too_big else 400, f"{rejected[0]}{more}")
        result = UploadOut(
            added=list(report.added),
            updated=list(report.updated),
            rejected=[RejectedOut(file=e.path, reason=e.reason) for e in rejected],
            failed=[RejectedOut(file=e.path, reason=e.reason) for e in report.failed],
            summary=report.summary(),
        )
        return json_response(result.model_dump_json().encode(), 201)

    def remove(self, doc_id: str) -> RemovedOut:
        """Remove a document from the corpus folder and the index (also a file of the corpus
        that failed to index, such as a link, which is removed itself)."""
        try:
            removed = self.assistant.remove(doc_id)
        except ValueError:
            removed = False
        if not removed:
            raise DocumentNotFoundError(_not_indexed(doc_id))
        return RemovedOut(removed=doc_id)

    # --- health ----------------------------------------------------------------------------
    def health(self) -> HealthOut:
        """For load balancers: the index answers (else 503). Needs no login."""
        settings = self.assistant.settings
        return HealthOut(
            status="ok",
            index_version=self.assistant.store.version(),
            documents=len(self.assistant.documents()),
            answerer=f"LLM {settings.llm_model}" if settings.uses_llm else "offline composer",
        )


class UploadRefusedError(ValueError):
    """Every file of an upload was refused; `status` is 413 or 400."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def uploads_folder(assistant: Assistant) -> Path:
    """Where uploads wait while they are checked: one folder per request, named after the
    process, under the data folder (never served)."""
    return assistant.settings.data_dir / "uploads"


def rest_router(assistant: Assistant) -> APIRouter:
    remove_stale_folders(uploads_folder(assistant))  # once, as the app starts
    h = RestHandlers(assistant)
    router = APIRouter(prefix=REST_PREFIX, tags=["REST API"])
    answer_events = {
        "text/event-stream": {
            "schema": {"type": "string"},
            "example": 'event: delta\ndata: {"text": "More than 547,000 people ... [1] "}\n\n'
            'event: answer\ndata: {"question": "...", "text": "...", "citations": [...]}\n\n',
        }
    }
    router.add_api_route(
        "/ask",
        h.ask,
        methods=["POST"],
        summary="Answer a question, with verified citations",
        response_model=AnswerOut,
        responses={
            200: {"description": "The Answer (stream: true: events)", "content": answer_events},
            **errors(400, 401, 409, 413, 429, 503),
        },
    )
    router.add_api_route(
        "/documents",
        h.documents,
        methods=["GET"],
        summary="List the indexed documents",
        responses=errors(401, 503),
    )
    router.add_api_route(
        "/documents",
        h.add,
        methods=["POST"],
        summary="Add documents (a multipart upload)",
        status_code=201,
        response_model=UploadOut,
        responses=errors(400, 401, 409, 413, 503),
    )
    router.add_api_route(
        "/documents/{doc_id:path}/file",
        h.document_file,
        methods=["GET"],
        summary="Download a document's original file",
        response_class=FileResponse,
        responses={200: {"description": "The original file (an attachment)"}, **errors(401, 404)},
    )
    router.add_api_route(
        "/documents/{doc_id:path}",
        h.document,
        methods=["GET"],
        summary="One document: metadata and text",
        response_model=DocumentDetailOut,
        responses=errors(401, 404, 503),
    )
    router.add_api_route(
        "/documents/{doc_id:path}",
        h.remove,
        methods=["DELETE"],
        summary="Remove a document",
        responses=errors(401, 404, 409, 503),
    )
    router.add_api_route(
        "/health", h.health, methods=["GET"], summary="Health", responses=errors(503)
    )
    return router


def _events(items: Iterator[str | Answer]) -> Iterator[bytes]:
    """`delta` events (the text as written, a preview), then the verified `answer`; a
    failure midway ends the stream with one `error` event."""
    try:
        for item in items:
            if isinstance(item, Answer):
                yield sse("answer", answer_json(without_secrets(item)))
                return
            for piece in filter(None, _SENTENCE_END.split(item)):
                yield sse("delta", bounded_json({"text": piece}))
    except Exception as exc:  # the response has started: the error goes in the stream
        if not is_user_error(exc):
            print(f"error while streaming an answer: {exc!r}", file=sys.stderr, flush=True)
        message = one_line(exc) if is_user_error(exc) else "The answer failed; try again."
        yield sse("error", bounded_json({"error": message}))


def _upload_name(name: str | None) -> str:
    """The uploaded file's own name (no folders), safe to create in a fresh folder; the corpus
    reduces it further, like the CLI does."""
    base = _UNSAFE_NAME.sub("_", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    return base if base.strip(". ") else "upload"


def _not_indexed(doc_id: str) -> str:
    listed = f"GET {REST_PREFIX}/documents"
    return f"no document with id {doc_id[:200]!r} is indexed; list them with {listed}"

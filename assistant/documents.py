"""One indexed document, found by its id only: its original file (for download) and its text
(for the viewer). Nothing here takes a path from a user: an id that is not in the index, a
sidecar, or anything that resolves outside the corpus folder is "not found"."""

from __future__ import annotations

import mimetypes
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.files import CorpusError, Parser, load_document

_SIDECAR = ".meta.yaml"
_TYPES = {
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class DocumentNotFoundError(LookupError):
    """No indexed document has this id (one line for the user)."""


@dataclass(frozen=True)
class DocumentFile:
    """The original file of an indexed document."""

    doc_id: str
    path: Path
    filename: str
    media_type: str


@dataclass(frozen=True)
class DocumentView:
    """An indexed document's text as the index has it, for a viewer."""

    doc_id: str
    title: str
    date: str
    text: str
    pages: tuple[tuple[int, int, int], ...]  # (page number, start, end) spans in text
    sections: tuple[tuple[int, str], ...]  # (start offset, heading)
    file: DocumentFile


def document_file(corpus_dir: Path, doc_id: str, indexed: Collection[str]) -> DocumentFile:
    """The file behind `doc_id`, which must be an id of the index; raises DocumentNotFoundError."""
    if not isinstance(doc_id, str) or doc_id not in indexed or doc_id.endswith(_SIDECAR):
        raise DocumentNotFoundError(_missing(doc_id))
    root = corpus_dir.resolve()
    path = (root / doc_id).resolve()
    if root not in path.parents or not path.is_file():
        raise DocumentNotFoundError(_missing(doc_id))
    media = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    return DocumentFile(doc_id, path, path.name, media or "application/octet-stream")


def document_view(
    corpus_dir: Path, doc_id: str, indexed: Collection[str], *, max_bytes: int, parse: Parser
) -> DocumentView:
    """The document's text, loaded the way ingestion loads it, so citation spans line up;
    `parse` bounds the parse in time and memory, as ingestion's is (ingest/worker.py)."""
    found = document_file(corpus_dir, doc_id, indexed)
    try:
        doc = load_document(found.path, corpus_dir, max_bytes=max_bytes, parse=parse)
    except CorpusError as exc:
        raise DocumentNotFoundError(f"the document {doc_id!r} cannot be read: {exc}") from None
    return DocumentView(doc_id, doc.title, doc.date, doc.text, doc.pages, doc.sections, found)


def _missing(doc_id: object) -> str:
    shown = str(doc_id)[:200]
    return f"no document with id {shown!r} is indexed; list them with 'assistant docs list'"

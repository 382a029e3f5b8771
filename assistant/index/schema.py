"""How our dataclasses are kept in Chroma: chunk and document records as metadata, the
version range every record carries (server backend), and filters by document."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from assistant.types import Chunk, DocRecord
from assistant.units import decode_units, encode_units

KINDS = ("chunks", "sentences", "docs")
NEVER = 10**15  # v_to of a record no version has removed
UNIT_VECTOR = [
    1.0
]  # document and pointer records carry no meaning in their vector; Chroma needs one


def doc_filter(doc_ids: Sequence[str] | None) -> dict[str, Any] | None:
    if not doc_ids:
        return None
    return {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": list(doc_ids)}}


def chunk_meta(c: Chunk) -> dict[str, Any]:
    return {
        "chunk_id": c.id,
        "doc_id": c.doc_id,
        "ordinal": c.ordinal,
        "start": c.start,
        "end": c.end,
        "title": c.title,
        "date": c.date,
        "section": c.section,
        "page": c.page if c.page is not None else -1,
        "sentences": encode_units(c.sentences),
    }


def chunk_from(text: str, meta: dict[str, Any]) -> Chunk:
    start = int(meta["start"])
    sentences = decode_units(str(meta["sentences"]), text, start)
    page = int(meta["page"])
    return Chunk(
        id=str(meta["chunk_id"]),
        doc_id=str(meta["doc_id"]),
        ordinal=int(meta["ordinal"]),
        text=text,
        start=start,
        end=int(meta["end"]),
        title=str(meta["title"]),
        date=str(meta["date"]),
        section=str(meta["section"]),
        page=page if page >= 0 else None,
        sentences=sentences,
    )


def doc_meta(r: DocRecord) -> dict[str, Any]:
    return {
        "doc_id": r.doc_id,
        "title": r.title,
        "date": r.date,
        "sha256": r.sha256,
        "chunks": r.chunks,
        "indexed_at": r.indexed_at,
    }


def doc_record(meta: dict[str, Any]) -> DocRecord:
    return DocRecord(
        str(meta["doc_id"]),
        str(meta["title"]),
        str(meta["date"]),
        str(meta["sha256"]),
        int(meta["chunks"]),
        str(meta["indexed_at"]),
    )


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")

"""The citation check measured on a labelled fault set (evals/faults/, built by
evals/faults/build_faults.py from the recorded public replies): how many supported sentences it
keeps, and how many injected faults it removes. Loading is I/O; scoring is pure.

A supported sentence is kept when its text (markers aside) is in the verified answer. A fault
is removed when its sentence is not shown, or, for a citation pointed at the wrong passage,
when the shown sentence no longer cites that passage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.types import Chunk, Sentence
from assistant.verify.citations import Verified, strip_markers, verify

KINDS = ("number", "date", "name", "citation", "appended", "injected")


@dataclass(frozen=True)
class FaultItem:
    id: str
    kind: str  # "original" or one of KINDS
    question: str
    passages: tuple[Chunk, ...]
    reply: str
    supported: tuple[str, ...] = ()  # an original's sentences, as written
    fault: str = ""  # the faulty sentence, without markers
    marker: int | None = None  # a citation fault's wrong marker


@dataclass(frozen=True)
class FaultReport:
    supported: int
    kept: int
    faults: dict[str, int]  # per kind
    removed: dict[str, int]  # per kind
    misses: tuple[str, ...] = field(default=())  # "id: what went wrong", for reading

    @property
    def kept_share(self) -> float:
        return self.kept / self.supported if self.supported else 1.0

    @property
    def removed_share(self) -> float:
        total = sum(self.faults.values())
        return sum(self.removed.values()) / total if total else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "supported_sentences": self.supported,
            "supported_kept": self.kept,
            "supported_kept_share": round(self.kept_share, 4),
            "faults": self.faults,
            "faults_removed": self.removed,
            "faults_removed_share": round(self.removed_share, 4),
            "misses": list(self.misses),
        }


def load_faults(folder: Path) -> list[FaultItem]:
    chunks = {c.id: c for c in map(_chunk, _rows(folder / "passages.jsonl"))}
    return [
        FaultItem(
            id=row["id"],
            kind=row["kind"],
            question=row["question"],
            passages=tuple(chunks[i] for i in row["passages"]),
            reply=row["reply"],
            supported=tuple(row.get("supported", ())),
            fault=(row.get("fault") or {}).get("sentence", ""),
            marker=(row.get("fault") or {}).get("marker"),
        )
        for row in _rows(folder / "faults.jsonl")
    ]


def score_faults(items: Sequence[FaultItem]) -> FaultReport:
    supported = kept = 0
    faults = dict.fromkeys(KINDS, 0)
    removed = dict.fromkeys(KINDS, 0)
    misses: list[str] = []
    for item in items:
        checked = verify(item.reply, item.passages, item.question)
        if item.kind == "original":
            for sentence in item.supported:
                supported += 1
                if _shown(sentence, checked):
                    kept += 1
                else:
                    misses.append(f"{item.id}: supported sentence removed: {sentence}")
            continue
        faults[item.kind] += 1
        if _fault_removed(item, checked):
            removed[item.kind] += 1
        else:
            misses.append(f"{item.id}: fault kept: {item.fault}")
    return FaultReport(supported, kept, faults, removed, tuple(misses))


def _shown(sentence: str, checked: Verified) -> bool:
    return _norm(strip_markers(sentence)) in _norm(strip_markers(checked.text))


def _fault_removed(item: FaultItem, checked: Verified) -> bool:
    if not _shown(item.fault, checked):
        return True
    if item.marker is None:
        return False
    wrong = item.passages[item.marker - 1].id
    return wrong not in _cited_after(item.fault, checked)


def _cited_after(sentence: str, checked: Verified) -> set[str]:
    """The chunk ids the markers right after the shown sentence point at."""
    text = checked.text
    at = text.find(sentence.rstrip(".")) if sentence else -1
    if at < 0:
        return set()
    tail = text[at + len(sentence.rstrip(".")) :]
    numbers = re.match(r"\.?((?:\s*\[\d+\])*)", tail)
    ids = {c.n: c.chunk_id for c in checked.citations}
    return {ids[int(n)] for n in re.findall(r"\[(\d+)\]", numbers.group(1) if numbers else "")}


def _norm(text: str) -> str:
    return " ".join(text.split()).rstrip(".").lower()


def _chunk(row: dict[str, Any]) -> Chunk:
    text, start = row["text"], row["start"]
    sentences = tuple(
        Sentence(a, b, text[a - start : b - start], kind, context)
        for a, b, kind, context in row["sentences"]
    )
    return Chunk(
        id=row["id"],
        doc_id=row["doc_id"],
        ordinal=row["ordinal"],
        text=text,
        start=start,
        end=row["end"],
        title=row["title"],
        date=row["date"],
        section=row["section"],
        page=row["page"],
        sentences=sentences,
    )


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]

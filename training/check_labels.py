"""Check one document's training labels: keys, kinds, answer units that exist and may answer,
counts per kind.

    python training/check_labels.py training/labels/NAME.jsonl
    python training/check_labels.py training/labels-2/NAME.jsonl   # the second round
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from assistant.ingest.chunking import pysbd_splitter, split_units
from assistant.ingest.files import load_document
from assistant.units import is_answer_unit

CORPUS = Path(__file__).resolve().parent / "corpus"
KINDS = {
    "fact",
    "number",
    "date",
    "name",
    "list",
    "table",
    "comparison",
    "paraphrase",
    "followup",
    "multipart",
    "near_miss",
}
KEYS = {"id", "question", "kind", "answers", "answer"}
OPTIONAL = {"history", "tempting"}  # tempting: a near miss's units a careless reader would give


def document_for(labels: Path) -> Path:
    matches = [
        p for p in CORPUS.iterdir() if p.stem == labels.stem and not p.name.endswith(".meta.yaml")
    ]
    if len(matches) != 1:
        raise SystemExit(f"no single document named {labels.stem}.* in {CORPUS}")
    return matches[0]


def problems(row: dict, units: list) -> list[str]:
    found = []
    keys = set(row)
    if not keys >= KEYS or keys - KEYS - OPTIONAL:
        return [f"keys must be {sorted(KEYS)} (+ {sorted(OPTIONAL)}): {sorted(keys)}"]
    if row["kind"] not in KINDS:
        found.append(f"unknown kind {row['kind']!r}")
    if (row["kind"] == "near_miss") != (row["answers"] == []):
        found.append("answers is [] exactly for a near_miss")
    for n in row["answers"]:
        if not isinstance(n, int) or not 1 <= n <= len(units):
            found.append(f"unit {n!r} does not exist (1..{len(units)})")
        elif not is_answer_unit(units[n - 1]):
            found.append(f"unit {n} ({units[n - 1].kind}) is context, never an answer")
    if row.get("tempting") and row["kind"] != "near_miss":
        found.append("tempting is for near misses only")
    for n in row.get("tempting", []):
        if not isinstance(n, int) or not 1 <= n <= len(units):
            found.append(f"tempting unit {n!r} does not exist (1..{len(units)})")
    if row["kind"] == "followup" and not row.get("history"):
        found.append("a followup needs history")
    return found


def main(path: str) -> int:
    labels = Path(path)
    doc = load_document(document_for(labels), CORPUS)
    units = split_units(doc, pysbd_splitter())
    rows = [
        json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    bad = 0
    for qid, n in Counter(r.get("id") for r in rows).items():
        if n > 1:
            print(f"{qid}: id used {n} times")
            bad += 1
    for row in rows:
        for problem in problems(row, units):
            print(f"{row.get('id')}: {problem}")
            bad += 1
    counts = Counter(r.get("kind") for r in rows)
    print(f"{len(rows)} questions; {dict(sorted(counts.items()))}; {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

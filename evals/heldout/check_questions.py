"""Check a file of held-out questions: keys, categories, facts in the answer, evidence verbatim
in the text the real loaders extract from evals/heldout/corpus; print counts per category.

    python evals/heldout/check_questions.py FILE.jsonl
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from assistant.ingest.files import scan_corpus

CORPUS = Path(__file__).resolve().parent / "corpus"
KEYS = {"id", "question", "answer", "facts", "evidence", "answerable", "category"}
CATEGORIES = {
    "fact",
    "list",
    "table",
    "crossdoc",
    "temporal",
    "paraphrase",
    "followup",
    "multipart",
    "unanswerable",
}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def problems(row: dict, corpus_text: str) -> list[str]:
    found = []
    keys = set(row)
    if not keys >= KEYS or keys - KEYS - {"history"}:
        found.append(f"keys must be {sorted(KEYS)} (+ history): {sorted(keys)}")
        return found
    if row["category"] not in CATEGORIES:
        found.append(f"unknown category {row['category']!r}")
    if row["answerable"] != (row["category"] != "unanswerable"):
        found.append("answerable must be false exactly for category unanswerable")
    if not row["answerable"]:
        if row["answer"] or row["facts"] or row["evidence"]:
            found.append("an unanswerable item has answer '', facts [] and evidence []")
        return found
    if not row["facts"] or not row["evidence"]:
        found.append("an answerable item needs facts and evidence")
    for fact in row["facts"]:
        variants = fact if isinstance(fact, list) else [fact]
        if not any(norm(v) in norm(row["answer"]) for v in variants):
            found.append(f"fact {fact!r} is not in the answer")
    for excerpt in row["evidence"]:
        if norm(excerpt) not in corpus_text:
            found.append(f"evidence not verbatim in the extracted text: {excerpt[:70]!r}")
    if row["category"] == "followup" and not row.get("history"):
        found.append("a followup needs history")
    return found


def main(path: str) -> int:
    docs, errors = scan_corpus(CORPUS)
    if errors:
        print("corpus files that do not load:", *errors, sep="\n  ")
    corpus_text = " || ".join(norm(d.text) for d in docs)
    rows = [
        json.loads(line)
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    bad = 0
    ids = Counter(r.get("id") for r in rows)
    for qid, n in ids.items():
        if n > 1:
            print(f"{qid}: id used {n} times")
            bad += 1
    for row in rows:
        for problem in problems(row, corpus_text):
            print(f"{row.get('id')}: {problem}")
            bad += 1
    counts = Counter(r.get("category") for r in rows)
    print(f"{len(rows)} questions; {dict(sorted(counts.items()))}; {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

"""Near-duplicate questions across question sets (issue 22): the rule and the pairs it finds.

Rule: two questions are near-duplicates (the same question, asking for the same fact) when the
cosine of their MiniLM embeddings is at least COSINE (0.97), or when their content-word sets
(lower case, stop words out) have a Jaccard overlap of at least JACCARD (0.8). Lower thresholds
pair contrasts that ask for different facts on purpose: "first" against "third ministerial
meeting" has cosine 0.968, "three" against "four pillars" 0.962; those stay.

    python evals/near_duplicates.py A.jsonl B.jsonl [C.jsonl ...]   # pairs across files
    python evals/near_duplicates.py --within A.jsonl                # pairs inside one file

Prints one JSON line per pair (ids, cosine, jaccard, both questions); the caller decides which
side to drop (the README of each set says which it dropped and why).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

COSINE = 0.97
JACCARD = 0.8
_STOP = frozenset(
    "a an the of in on at to for by with from and or is are was were be been did does do what "
    "which who whom whose when where how why many much it its this that these those as under "
    "about according into their there than".split()
)


def content_words(question: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9$]+", question.lower()) if w not in _STOP)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def load(path: Path) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [{"id": r["id"], "question": r["question"], "set": path.as_posix()} for r in rows]


def pairs(rows: list[dict[str, str]], within: bool) -> list[dict[str, object]]:
    from assistant.index.embedding import Embedder, resolve_model

    vectors = Embedder(resolve_model("all-MiniLM-L6-v2")).encode([r["question"] for r in rows])
    vectors = np.asarray(vectors) / np.linalg.norm(vectors, axis=1, keepdims=True)
    found = []
    for i, j in combinations(range(len(rows)), 2):
        a, b = rows[i], rows[j]
        if (a["set"] == b["set"]) != within:
            continue
        cos = float(vectors[i] @ vectors[j])
        jac = jaccard(content_words(a["question"]), content_words(b["question"]))
        if cos >= COSINE or jac >= JACCARD:
            found.append(
                {
                    "a": a["id"],
                    "b": b["id"],
                    "cosine": round(cos, 3),
                    "jaccard": round(jac, 3),
                    "qa": a["question"],
                    "qb": b["question"],
                }
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--within", action="store_true", help="pairs inside each file")
    args = parser.parse_args(argv)
    rows = [row for path in args.files for row in load(path)]
    for pair in pairs(rows, args.within):
        print(json.dumps(pair, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

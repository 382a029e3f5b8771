"""Give every question of evals/realistic/questions.jsonl without a "split" a random one.

    .venv/bin/python evals/realistic/assign_split.py

Run once, committed with its result: the split is chosen at random with a fixed seed,
stratified by category (each category is shuffled and dealt alternately into dev and test,
starting with a random side), so both splits hold about half of every category. Items that
already have a split keep it, so adding questions later never moves old ones between splits.
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

SEED = 14  # the issue that asked for the set; fixed so the split is reproducible
SPLITS = ("dev", "test")
QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"


def assign(items: list[dict], rng: random.Random) -> int:
    """Set "split" on items that lack it, in place; returns how many were assigned."""
    by_category: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        if "split" not in item:
            by_category[item["category"]].append(item)
    for category in sorted(by_category):
        group = by_category[category]
        rng.shuffle(group)
        first = rng.randrange(2)
        for i, item in enumerate(group):
            item["split"] = SPLITS[(first + i) % 2]
    return sum(len(g) for g in by_category.values())


def main() -> int:
    lines = [line for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [json.loads(line) for line in lines]
    assigned = assign(items, random.Random(SEED))
    text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    QUESTIONS.write_text(text, encoding="utf-8")
    counts = {s: sum(item["split"] == s for item in items) for s in SPLITS}
    shown = ", ".join(f"{s}: {n}" for s, n in counts.items())
    print(f"assigned {assigned} of {len(items)}; {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

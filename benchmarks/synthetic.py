"""A deterministic synthetic corpus of policy-like text (never committed)."""

from __future__ import annotations

import random
from pathlib import Path

COUNTRIES = [
    "Guatemala",
    "Costa Rica",
    "Canada",
    "Mexico",
    "Colombia",
    "Ecuador",
    "Panama",
    "Honduras",
    "Belize",
    "Peru",
    "Chile",
    "Uruguay",
    "Paraguay",
    "Jamaica",
    "Haiti",
]
BODIES = [
    "the Ministry of Labor",
    "the migration authority",
    "the national refugee office",
    "the border agency",
    "USAID",
    "UNHCR",
    "the IOM mission",
    "the regional secretariat",
]
ACTIONS = [
    "announced",
    "expanded",
    "launched",
    "pledged to fund",
    "signed an agreement on",
    "reported progress on",
    "committed to review",
    "opened new offices for",
]
TOPICS = [
    "labor pathways",
    "asylum processing",
    "temporary protection",
    "family reunification",
    "border management",
    "integration services",
    "anti-smuggling enforcement",
    "refugee resettlement",
    "regularization permits",
    "work authorization",
]


def sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(COUNTRIES)} and {rng.choice(BODIES)} {rng.choice(ACTIONS)} "
        f"{rng.choice(TOPICS)} reaching {rng.randint(100, 900_000):,} people by "
        f"{rng.choice(['March', 'June', 'October'])} {rng.randint(2020, 2030)}."
    )


def write_corpus(folder: Path, first: int, count: int, seed: int = 1) -> None:
    """Documents first..first+count-1, each 3-8 paragraphs of 3-6 sentences (~5 chunks)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(first, first + count):
        rng = random.Random(seed * 1_000_003 + i)
        paragraphs = [
            " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))
            for _ in range(rng.randint(3, 8))
        ]
        text = f"Policy note {i}\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / f"note-{i:05d}.txt").write_text(text, encoding="utf-8")

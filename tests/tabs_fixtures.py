"""What the tabs' browser and accessibility tests share: an app prepared with the committed
baseline among its reports and a small question set with known failures.

Imported by the test modules (pytest puts tests/ on sys.path); not a conftest plugin.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

from conftest_web import REPO, RunningApp

# A question set with known failures, whatever the answerer does well: a fact the corpus never
# states, a question labelled unanswerable that the document answers, and evidence that is in
# no document (so retrieval cannot find it). k1 is a control that passes.
QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "k1",
        "question": "Which country hosted the third ministerial meeting of the Los Angeles "
        "Declaration?",
        "answer": "Guatemala hosted the third ministerial meeting.",
        "facts": ["Guatemala"],
        "evidence": ["Guatemala hosted the third Ministry of the Los Angeles Declaration"],
        "answerable": True,
        "category": "fact",
    },
    {
        "id": "k2",
        "question": "Who led the US delegation to the third ministerial meeting?",
        "answer": "Secretary of State Antony Blinken, with the Zanzibar Quartet.",
        "facts": ["Blinken", "Zanzibar Quartet"],
        "evidence": ["Secretary of State Antony Blinken led the US delegation"],
        "answerable": True,
        "category": "fact",
    },
    {
        "id": "k3",
        "question": "How many people used CBP One?",
        "answer": "",
        "facts": [],
        "evidence": [],
        "answerable": False,
        "category": "unanswerable",
    },
    {
        "id": "k4",
        "question": "How many individuals used CBP One and presented at a port of entry?",
        "answer": "More than 547,000, at the zebra crossing.",
        "facts": ["zebra crossing"],
        "evidence": ["The zebra crossing on Main Street was repainted in 1999"],
        "answerable": True,
        "category": "number",
    },
]


def with_baseline_and_known_failures(app: RunningApp) -> None:
    """Copy the committed baseline into the app's reports and make QUESTIONS its evaluation
    set (the app reads both when the Evaluation tab opens or runs)."""
    evals = app.root / "evals"
    shutil.copytree(REPO / "evals" / "reports" / "baseline", evals / "reports" / "baseline")
    lines = [json.dumps(q) for q in QUESTIONS]
    (evals / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

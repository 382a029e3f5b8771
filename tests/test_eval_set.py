"""Sanity checks for the evaluation set in ``evals/questions.jsonl``."""

import json
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
QUESTIONS_PATH = REPO_ROOT / "evals" / "questions.jsonl"
CORPUS_DIR = REPO_ROOT / "corpus"

REQUIRED_KEYS = {"id", "question", "answer", "facts", "evidence", "answerable", "category"}
OPTIONAL_KEYS = {"history"}
CATEGORIES = {
    "fact",
    "number",
    "list",
    "paraphrase",
    "followup",
    "multipart",
    "unanswerable",
}
MIN_ITEMS = 80
MIN_UNANSWERABLE = 15


def normalize(text: str) -> str:
    """Collapse whitespace runs to one space and lowercase."""
    return re.sub(r"\s+", " ", text).strip().lower()


def _load_lines() -> list[str]:
    lines = QUESTIONS_PATH.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return [json.loads(line) for line in _load_lines()]


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    paths = sorted(p for p in CORPUS_DIR.rglob("*") if p.is_file() and p.suffix in {".txt", ".md"})
    assert paths, "no corpus documents found"
    return [normalize(p.read_text(encoding="utf-8")) for p in paths]


def test_every_line_is_a_json_object() -> None:
    lines = _load_lines()
    assert lines, "questions file is empty"
    for number, line in enumerate(lines, 1):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"line {number} is not valid JSON: {exc}")
        assert isinstance(item, dict), f"line {number} is not a JSON object"


def test_keys_are_exactly_the_required_ones(items: list[dict]) -> None:
    for item in items:
        keys = set(item)
        assert keys >= REQUIRED_KEYS, f"{item.get('id')}: missing {REQUIRED_KEYS - keys}"
        extra = keys - REQUIRED_KEYS - OPTIONAL_KEYS
        assert not extra, f"{item.get('id')}: unexpected keys {extra}"


def test_field_types(items: list[dict]) -> None:
    for item in items:
        item_id = item["id"]
        assert isinstance(item_id, str) and item_id, item_id
        assert isinstance(item["question"], str) and item["question"].strip(), item_id
        assert isinstance(item["answer"], str), item_id
        assert isinstance(item["answerable"], bool), item_id
        assert item["category"] in CATEGORIES, f"{item_id}: bad category {item['category']!r}"
        assert isinstance(item["evidence"], list), item_id
        assert all(isinstance(e, str) and e.strip() for e in item["evidence"]), item_id
        assert isinstance(item["facts"], list), item_id
        for fact in item["facts"]:
            if isinstance(fact, list):
                assert fact, f"{item_id}: empty list of alternatives"
                assert all(isinstance(alt, str) and alt.strip() for alt in fact), item_id
            else:
                assert isinstance(fact, str) and fact.strip(), item_id


def test_ids_are_unique(items: list[dict]) -> None:
    ids = [item["id"] for item in items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate ids: {duplicates}"


def test_minimum_sizes(items: list[dict]) -> None:
    assert len(items) >= MIN_ITEMS
    unanswerable = [item for item in items if not item["answerable"]]
    assert len(unanswerable) >= MIN_UNANSWERABLE


def test_answerable_items_have_facts_and_evidence(items: list[dict]) -> None:
    for item in items:
        if item["answerable"]:
            assert item["answer"].strip(), f"{item['id']}: empty answer"
            assert item["facts"], f"{item['id']}: no facts"
            assert item["evidence"], f"{item['id']}: no evidence"


def test_unanswerable_items_are_empty(items: list[dict]) -> None:
    for item in items:
        if not item["answerable"]:
            assert item["answer"] == "", item["id"]
            assert item["facts"] == [], item["id"]
            assert item["evidence"] == [], item["id"]


def test_unanswerable_category_matches_flag(items: list[dict]) -> None:
    for item in items:
        assert (item["category"] == "unanswerable") == (not item["answerable"]), item["id"]


def test_evidence_occurs_in_corpus(items: list[dict], corpus_texts: list[str]) -> None:
    missing = [
        (item["id"], excerpt)
        for item in items
        for excerpt in item["evidence"]
        if not any(normalize(excerpt) in text for text in corpus_texts)
    ]
    assert not missing, f"evidence not found in corpus: {missing}"


def test_history_turns_are_valid(items: list[dict]) -> None:
    for item in items:
        if "history" not in item:
            continue
        history = item["history"]
        assert isinstance(history, list) and history, f"{item['id']}: empty history"
        for turn in history:
            assert isinstance(turn, dict), item["id"]
            assert set(turn) == {"role", "content"}, f"{item['id']}: bad turn keys"
            assert turn["role"] in {"user", "assistant"}, f"{item['id']}: bad role"
            assert isinstance(turn["content"], str) and turn["content"].strip(), item["id"]


def test_followups_have_history(items: list[dict]) -> None:
    for item in items:
        if item["category"] == "followup":
            assert item.get("history"), f"{item['id']}: followup without history"

"""The Evaluation tab picks the question set written for the served documents and never
compares a run with a baseline of other documents, in Debian's Chromium against the real app:
the served corpus is one document of its own (the shipped one removed), beside the default set
(written for the shipped document, with its committed baseline) and a set written for it.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator

import pytest
from browser_kit import chromium, shot, tab
from conftest_web import REPO, RunningApp, prepare, running_app
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

RUN_MS = 120_000
PILOT = "pacific-coast-migration-pilot.md"
PILOT_CHOICE = "pilot (1 of 1 evidence quotes in these documents)"
PILOT_TEXT = """# Pacific Coast Migration Pilot

The Pacific Coast Migration Pilot is a fictional programme invented for this test. In its first
year, the pilot enrolled exactly 4,321 participants across three harbour towns.
"""
PILOT_SET = {
    "id": "p001",
    "question": "How many participants did the Pacific Coast Migration Pilot enroll?",
    "answer": "4,321 participants.",
    "facts": ["4,321"],
    "evidence": ["the pilot enrolled exactly 4,321 participants across three harbour towns"],
    "answerable": True,
    "category": "fact",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    root = tmp_path_factory.mktemp("web-eval-sets")
    prepare(root)
    for shipped in (root / "corpus").iterdir():
        shipped.unlink()
    (root / "corpus" / PILOT).write_text(PILOT_TEXT, encoding="utf-8")
    (root / "evals" / "pilot").mkdir()
    (root / "evals" / "pilot" / "questions.jsonl").write_text(
        json.dumps(PILOT_SET) + "\n", encoding="utf-8"
    )
    baseline = REPO / "evals" / "reports" / "baseline"
    shutil.copytree(baseline, root / "evals" / "reports" / "baseline")
    with running_app(root) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def open_evaluation(browser: Browser, app: RunningApp, width: int) -> Page:
    phone = width < 500
    context = browser.new_context(
        viewport={"width": width, "height": 900}, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app.url)
    expect(page.locator("#status")).to_contain_text("Embedding model", timeout=30_000)
    tab(page, "Evaluation")
    return page


def test_the_set_written_for_the_served_documents_is_chosen_and_run(
    browser: Browser, app: RunningApp
) -> None:
    """At 1280 px: the committed baseline (the default set's) is shown with a warning, the set
    written for the served document is chosen, and its run is compared with no baseline."""
    page = open_evaluation(browser, app, 1280)
    try:
        run_line = page.locator("#eval-run")
        expect(run_line).to_contain_text("The default set over the 1 served document")
        expect(run_line.locator(".eval-mismatch")).to_contain_text("written for other documents")
        expect(page.locator("#eval-set input")).to_have_value(PILOT_CHOICE)
        shot(page, "21-eval-set-mismatch-1280", full_page=False)
        page.locator("#run-eval").click()
        expect(run_line).to_contain_text("The pilot set over the 1 served document", timeout=RUN_MS)
        expect(run_line).to_contain_text("1 of 1 of its evidence quotes are in them")
        expect(run_line.locator(".eval-mismatch")).to_have_count(0)
        expect(run_line).to_contain_text(
            "Not compared with the committed baseline: it is of another question set"
        )
        expect(page.locator("#eval-metrics")).not_to_contain_text("Baseline")
        expect(page.locator("#eval-results")).to_contain_text("p001")
        shot(page, "22-eval-set-run-1280", full_page=False)
    finally:
        page.context.close()


def test_a_set_for_other_documents_runs_with_a_warning_and_no_baseline(
    browser: Browser, app: RunningApp
) -> None:
    """At 390 px, after the run above: the default set, chosen by hand, runs over the served
    document; the run says the set does not belong to it and compares with no baseline."""
    page = open_evaluation(browser, app, 390)
    try:
        run_line = page.locator("#eval-run")
        expect(run_line).to_contain_text("The pilot set")
        page.locator("#eval-set input").click()
        page.get_by_role("option", name=re.compile(r"^default \(")).click()
        page.locator("#run-eval").click()
        expect(run_line).to_contain_text(
            "The default set over the 1 served document", timeout=RUN_MS
        )
        expect(run_line.locator(".eval-mismatch")).to_contain_text("written for other documents")
        expect(run_line).to_contain_text(
            "Not compared with the committed baseline: this set was written for other documents"
        )
        expect(page.locator("#eval-metrics")).not_to_contain_text("Baseline")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page is {overflow}px wider than the phone"
        shot(page, "23-eval-other-set-phone", full_page=False)
    finally:
        page.context.close()

"""The Documents and Evaluation tabs in Debian's Chromium (Playwright, sync API), against the
real app on loopback: the picker's types, one progress bar per upload, a rejected file in the
error style, open / download / remove on a row (with the confirmation and where focus goes),
counts and plurals; a real evaluation run of a small question set with known failures, its
failures in words and filtered by category and by reason, the change against the committed
baseline, readable dates; and a phone layout where no number breaks across lines.
Screenshots go to artifacts/screenshots/.

The tests share one server and one browser and run in file order (each step builds on the
previous one's state only where its docstring says so).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from browser_kit import chromium, shot, tab
from conftest_web import RunningApp, running_app
from playwright.sync_api import Browser, BrowserContext, Page, expect
from tabs_fixtures import with_baseline_and_known_failures

from assistant.ingest.files import SUPPORTED_SUFFIXES

pytestmark = pytest.mark.browser

SHIPPED_DOC = "2024-05-08-third-ministerial-los-angeles-declaration-fact-sheet.txt"
NOTES = "harbour pilot notes.txt"  # a space in the id: the download link must encode it
NOTES_TEXT = (
    "The harbour pilot enrolled exactly 4,321 participants in its first year. Its "
    "coordinators met every second Thursday in the town of Puerto Quetzal Norte.\n"
)
READABLE_DATE = re.compile(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC\b")
RAW_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app on the shipped corpus, with the committed baseline among its reports and a
    question set with known failures as its evaluation set."""
    with running_app(tmp_path_factory.mktemp("web-tabs")) as running:
        with_baseline_and_known_failures(running)
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield context
    context.close()


@pytest.fixture(scope="module")
def page(desktop: BrowserContext, app: RunningApp) -> Page:
    page = desktop.new_page()
    page.set_default_timeout(30_000)
    open_app(page, app)
    return page


def open_app(page: Page, app: RunningApp) -> None:
    page.goto(app.url)
    expect(page.locator("#status")).to_contain_text("Embedding model", timeout=30_000)


def row(page: Page, doc_id: str) -> Any:
    return page.locator(f'#docs-table tr[data-doc="{doc_id}"]')


def focused(page: Page) -> str:
    """The focused element, as `tag#id.class[data-action=...][data-doc=...]`."""
    return str(
        page.evaluate(
            """() => { const e = document.activeElement;
              return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                (e.className ? '.' + String(e.className).split(' ').join('.') : '') +
                (e.dataset.action ? `[data-action=${e.dataset.action}]` : '') +
                (e.dataset.doc ? `[data-doc=${e.dataset.doc}]` : ''); }"""
        )
    )


# Counts, while an event runs, how many status trackers show a progress bar at the same time.
_WATCH_PROGRESS = """() => {
  window.__bars = 0;
  const count = () => {
    const shown = [...document.querySelectorAll('.progress-level, .progress-bar')]
      .filter(e => e.offsetParent !== null)
      .map(e => e.closest('[data-testid=status-tracker]'));
    window.__bars = Math.max(window.__bars, new Set(shown).size);
  };
  window.__observer = new MutationObserver(count);
  window.__observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                            characterData: true});
}"""


# --- documents -----------------------------------------------------------------------------------


def test_the_picker_offers_only_the_supported_types(page: Page) -> None:
    tab(page, "Documents")
    accept = page.locator("#upload input[type=file]").get_attribute("accept") or ""
    assert sorted(t.strip() for t in accept.split(",")) == sorted(SUPPORTED_SUFFIXES)
    expect(page.locator("#docs-table .docs-count")).to_have_text("1 document indexed, 14 passages")


def test_an_upload_shows_one_progress_bar_its_row_and_the_rejected_file_in_error_style(
    page: Page, app: RunningApp, tmp_path: Path
) -> None:
    notes = tmp_path / NOTES
    notes.write_text(NOTES_TEXT, encoding="utf-8")
    empty = tmp_path / "empty-notes.txt"
    empty.write_text("", encoding="utf-8")
    tab(page, "Documents")
    page.locator("#upload input[type=file]").set_input_files([notes, empty])
    expect(page.locator("#upload").get_by_role("button", name="Remove this file")).to_have_count(2)
    page.evaluate(_WATCH_PROGRESS)
    page.locator("#add-docs").click()
    result = page.locator("#add-result")
    expect(result).to_contain_text("1 added", timeout=60_000)
    page.evaluate("() => window.__observer.disconnect()")
    assert page.evaluate("() => window.__bars") == 1, "one upload, one progress bar"

    added = row(page, NOTES)
    expect(added.locator('td[data-label="Passages"]')).to_have_text("1 passage")
    expect(added.locator(".doc-title")).to_have_text("Harbour pilot notes")
    expect(page.locator("#docs-table .docs-count")).to_have_text("2 documents indexed, 15 passages")
    expect(page.locator("#status")).to_contain_text("2 documents, 15 passages")

    errors = result.locator(".docs-errors")
    expect(errors).to_have_attribute("role", "alert")
    expect(errors).to_contain_text("1 file was not added")
    expect(errors).to_contain_text("Rejected: empty-notes.txt: the file is empty")
    error_colour = errors.evaluate("e => getComputedStyle(e).borderLeftColor")
    ok_colour = result.locator(".docs-message").evaluate("e => getComputedStyle(e).borderLeftColor")
    assert error_colour == "rgb(185, 28, 28)" and ok_colour != error_colour
    assert (app.root / "corpus" / NOTES).is_file()
    assert not (app.root / "corpus" / "empty-notes.txt").exists()
    assert not list((app.root / "gradio").rglob(NOTES))  # the upload left Gradio's cache
    shot(page, "tabs-01-documents-uploaded-1280")


def test_each_row_downloads_its_own_file(page: Page, app: RunningApp) -> None:
    """After the upload above: two rows, each linking to the API's file route."""
    links = page.locator("#docs-table a.doc-act")
    expect(links).to_have_count(2)
    for doc_id in (SHIPPED_DOC, NOTES):
        link = row(page, doc_id).locator("a.doc-act")
        expect(link).to_have_text("Download")
        expect(link).to_have_attribute("href", f"/api/v1/documents/{quote(doc_id, safe='')}/file")
    expect(row(page, NOTES).locator("a.doc-act")).to_have_attribute(
        "href", "/api/v1/documents/harbour%20pilot%20notes.txt/file"
    )


def test_open_shows_the_text_in_a_viewer_that_takes_focus_and_gives_it_back(page: Page) -> None:
    open_button = row(page, NOTES).locator('button[data-action="open"]')
    open_button.click()
    viewer = page.locator("#doc-viewer .doc-viewer")
    expect(viewer).to_be_visible()
    expect(viewer.locator("h3")).to_have_text("Harbour pilot notes")
    expect(viewer.locator(".doc-text")).to_contain_text("enrolled exactly 4,321 participants")
    expect(viewer.locator("a")).to_have_attribute(
        "href", "/api/v1/documents/harbour%20pilot%20notes.txt/file"
    )
    expect(page.locator("#doc-viewer-title")).to_be_focused()
    shot(page, "tabs-02-viewer-1280")
    viewer.get_by_role("button", name="Close the viewer of Harbour pilot notes").click()
    expect(viewer).to_be_hidden()
    expect(open_button).to_be_focused()

    # the other document, then Escape; then the first one again
    row(page, SHIPPED_DOC).locator('button[data-action="open"]').click()
    expect(viewer.locator("h3")).to_contain_text("Fact Sheet: Third Ministerial Meeting")
    expect(viewer.locator(".doc-text")).to_contain_text("547,000 individuals used CBP One")
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    assert focused(page) == f"button.doc-act[data-action=open][data-doc={SHIPPED_DOC}]"
    open_button.click()
    expect(viewer).to_be_visible()
    expect(viewer.locator("h3")).to_have_text("Harbour pilot notes")
    expect(page.locator("#doc-viewer-title")).to_be_focused()


def test_remove_asks_first_then_removes_the_row_and_refreshes_the_counts(
    page: Page, app: RunningApp
) -> None:
    """The notes are open in the viewer (above): removing them closes it too."""
    remove = row(page, NOTES).locator('button[data-action="remove"]')
    remove.click()
    dialog = page.locator("#docs-table dialog.docs-confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Remove “Harbour pilot notes” ({NOTES})")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    shot(page, "tabs-03-remove-confirmation-1280", full_page=False)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(remove).to_be_focused()
    expect(row(page, NOTES)).to_have_count(1)
    assert (app.root / "corpus" / NOTES).is_file()

    remove.click()
    dialog.get_by_role("button", name="Remove").click()
    message = page.locator("#remove-result")
    expect(message).to_have_text(f"Removed {NOTES} from the corpus and the index.")
    expect(message).to_be_focused()
    expect(row(page, NOTES)).to_have_count(0)
    expect(row(page, SHIPPED_DOC)).to_have_count(1)
    expect(page.locator("#docs-table .docs-count")).to_have_text("1 document indexed, 14 passages")
    expect(page.locator("#status")).to_contain_text("1 document, 14 passages")
    expect(page.locator("#doc-viewer .doc-viewer")).to_have_count(0)
    assert not (app.root / "corpus" / NOTES).exists()
    shot(page, "tabs-04-removed-1280")


def test_a_tampered_row_opens_and_removes_nothing(page: Page, app: RunningApp) -> None:
    """A page edited to name a path instead of an indexed id: the server refuses, in words."""
    before = sorted(p.name for p in (app.root / "corpus").iterdir())
    bogus = "../../etc/passwd"
    open_button = row(page, SHIPPED_DOC).locator('button[data-action="open"]')
    open_button.evaluate("(e, id) => { e.dataset.doc = id; }", bogus)
    open_button.click()
    error = page.locator("#doc-viewer-error")
    expect(error).to_contain_text("The document cannot be opened: no document with id")
    expect(error).to_be_focused()

    row(page, SHIPPED_DOC).locator('button[data-action="remove"]').click()
    dialog = page.locator("#docs-table dialog.docs-confirm")
    dialog.evaluate("(e, id) => { e.dataset.doc = id; }", bogus)
    dialog.get_by_role("button", name="Remove").click()
    expect(page.locator("#remove-result")).to_have_text(
        f"Nothing removed: {bogus} is not indexed (any more)."
    )
    expect(row(page, SHIPPED_DOC)).to_have_count(1)
    assert sorted(p.name for p in (app.root / "corpus").iterdir()) == before


# --- evaluation ----------------------------------------------------------------------------------


def test_the_evaluation_tab_opens_on_the_committed_baseline_with_readable_dates(
    page: Page,
) -> None:
    tab(page, "Evaluation")
    run_line = page.locator("#eval-run")
    expect(run_line).to_contain_text("Run 20261204-2310")
    expect(run_line).to_contain_text("4 Dec 2026, 23:10 UTC")
    expect(run_line).to_contain_text("This is the committed baseline")
    expect(page.locator("#eval-failures .eval-count")).to_contain_text("19 failing questions")
    run = page.locator("#run-eval")
    assert "secondary" in (run.get_attribute("class") or "")
    assert "primary" not in (run.get_attribute("class") or "")


def test_a_run_shows_its_failures_in_words_and_the_change_from_the_baseline(
    page: Page, app: RunningApp
) -> None:
    page.evaluate(_WATCH_PROGRESS)
    page.locator("#run-eval").click()
    run_line = page.locator("#eval-run")
    expect(run_line).to_contain_text("4 questions, 3 with failures", timeout=120_000)
    page.evaluate("() => window.__observer.disconnect()")
    assert page.evaluate("() => window.__bars") == 1, "one run, one progress bar"
    expect(run_line).to_contain_text("Compared with the committed baseline: run 20261204-2310")
    assert READABLE_DATE.search(run_line.inner_text())
    assert not RAW_DATE.search(run_line.inner_text())

    report = _latest_run(app)
    metrics = page.locator("#eval-metrics")
    hit = metrics.locator("tr", has_text="hit@k")
    new_hit = report["metrics"]["hit_at_k"]
    assert new_hit < 1.0  # k4's evidence is in no document
    expect(hit.locator('td[data-label="This run"]')).to_have_text(f"{new_hit:.3f}")
    expect(hit.locator('td[data-label="Baseline"]')).to_have_text("1.000")
    expect(hit.locator('td[data-label="Change"]')).to_have_text(f"▼ −{1 - new_hit:.3f} worse")
    expect(hit.locator('td[data-label="Target"]')).to_have_text("≥ 0.95 ✗ missed")
    refusal = metrics.locator("tr", has_text="refusal rate").first
    expect(refusal.locator('td[data-label="Change"]')).to_have_text("▼ −0.773 worse")
    false_refusals = metrics.locator("tr", has_text="false refusal rate")
    expect(false_refusals.locator('td[data-label="Change"]')).to_have_text("▼ −0.053 better")
    expect(page.locator("#eval-chart img")).to_have_attribute("alt", re.compile("Bar chart"))
    assert page.locator("#eval-chart img").evaluate("e => e.complete && e.naturalWidth > 600")

    failures = page.locator("#eval-failures")
    expect(failures.locator(".eval-failure")).to_have_count(3)
    k2 = failures.locator("#fail-k2")
    expect(k2).to_contain_text(
        "Expected fact missing. The answer does not state the expected fact: Zanzibar Quartet"
    )
    expect(k2.locator("ul.reasons q")).to_have_text("Zanzibar Quartet")
    command = (
        'assistant ask --explain "Who led the US delegation to the third ministerial meeting?"'
    )
    expect(k2.locator("code")).to_have_text(command)
    k2.get_by_role("button", name="Copy the command that explains k2").click()
    expect(k2.locator("button.copy")).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == command
    expect(failures.locator("#fail-k3")).to_contain_text(
        "Answered an unanswerable question. Answered, though the documents do not answer"
    )
    k4 = failures.locator("#fail-k4")
    expect(k4).to_contain_text("Evidence not retrieved. None of the 5 passages retrieved")
    expect(k4.locator("ul.reasons q").first).to_have_text("zebra crossing")
    assert not re.search(r"[0-9a-f]{16}:\d+", failures.inner_text()), "no chunk ids shown"
    expect(page.locator("#eval-results")).to_contain_text("k1")
    shot(page, "tabs-05-evaluation-1280")


def test_failures_filter_by_category_and_by_reason(page: Page) -> None:
    """On the run above."""
    cards = page.locator("#eval-failures .eval-failure")
    choose(page, "#eval-category", "unanswerable (1)")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_id("fail-k3")
    expect(page.locator("#eval-failures .eval-count")).to_contain_text(
        "Showing 1 of 3 failing questions."
    )
    choose(page, "#eval-category", "All categories (3)")
    choose(page, "#eval-reason", "Expected fact missing (2)")
    expect(cards).to_have_count(2)
    assert [c.get_attribute("id") for c in cards.all()] == ["fail-k2", "fail-k4"]
    choose(page, "#eval-category", "fact (1)")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_id("fail-k2")
    choose(page, "#eval-reason", "Answered an unanswerable question (1)")
    expect(cards).to_have_count(0)
    expect(page.locator("#eval-failures")).to_contain_text("No failure matches these filters.")
    shot(page, "tabs-06-evaluation-filtered-1280")


def choose(page: Page, dropdown: str, option: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def _latest_run(app: RunningApp) -> dict[str, Any]:
    reports = [
        p
        for p in (app.root / "evals" / "reports").glob("*/report.json")
        if p.parent.name != "baseline"
    ]
    assert reports, "the run wrote no report"
    newest = max(reports, key=lambda p: p.stat().st_mtime)
    return dict(json.loads(newest.read_text(encoding="utf-8")))


# --- phone ---------------------------------------------------------------------------------------


def test_on_a_phone_no_number_breaks_across_lines(browser: Browser, app: RunningApp) -> None:
    """After the run above: the evaluation (metrics, failures, every question) and the
    documents at 390 px. A number or date is one line box, inside the page's width."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    phone = context.new_page()
    phone.set_default_timeout(30_000)
    try:
        open_app(phone, app)
        tab(phone, "Evaluation")
        expect(phone.locator("#eval-metrics tr", has_text="hit@k")).to_be_visible()
        phone.locator("#eval-results summary").click()
        _assert_numbers_unbroken(phone, "#eval-panel", at_least=30)
        shot(phone, "tabs-07-evaluation-phone")
        tab(phone, "Documents")
        expect(row(phone, SHIPPED_DOC)).to_be_visible()
        _assert_numbers_unbroken(phone, "#docs-panel", at_least=3)
        shot(phone, "tabs-08-documents-phone")
    finally:
        context.close()


def _assert_numbers_unbroken(page: Page, panel: str, at_least: int) -> None:
    numbers = page.evaluate(
        """(panel) => [...document.querySelectorAll(panel + ' .num')]
             .filter(e => e.offsetParent !== null)
             .map(e => ({text: e.textContent, lines: e.getClientRects().length,
                         right: e.getBoundingClientRect().right}))""",
        panel,
    )
    assert len(numbers) >= at_least, numbers
    broken = [n["text"] for n in numbers if n["lines"] != 1]
    assert not broken, f"numbers broken across lines: {broken}"
    outside = [n["text"] for n in numbers if n["right"] > 390]
    assert not outside, f"numbers past the screen's edge: {outside}"
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"

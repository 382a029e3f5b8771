"""The web app in Debian's Chromium (Playwright, sync API), against the real app on loopback
with the shipped corpus: chat with linked and highlighted sources, a follow-up, feedback, the
brief, uploading / asking about / removing a document, the evaluation view, a phone viewport,
and no request leaving this machine. Screenshots go to artifacts/screenshots/.

The tests share one server and one browser and run in file order (each step builds on the
previous one's state only where its docstring says so).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from conftest_web import REPO, RunningApp, running_app
from filelock import FileLock
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = REPO / "artifacts" / "screenshots"
ANSWER_S = 60_000  # ms to wait for an answer
NEW_DOC = "pacific-coast-migration-pilot.md"
NEW_TITLE = "Pacific Coast Migration Pilot"
NEW_DOC_TEXT = f"""# {NEW_TITLE}

## Results

The {NEW_TITLE} is a fictional programme invented for this test. In its first year, the
Pacific Coast Migration Pilot enrolled exactly 4,321 participants across three harbour towns.
Its coordinators met every second Thursday in the town of Puerto Quetzal Norte.
"""


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(tmp_path_factory.mktemp("web-browser")) as running:
        yield running


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) "
            "to run the browser tests"
        )
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def requests_seen() -> list[str]:
    """Every URL any page of this module requested."""
    return []


@pytest.fixture(scope="module")
def desktop(browser: Browser, requests_seen: list[str]) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.on("request", lambda r: requests_seen.append(r.url))
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


def shot(page: Page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def ask(page: Page, question: str) -> None:
    """Type the question and press Enter; wait for the n-th answer (or refusal) to be final."""
    before = page.locator("#chat .answer:not(.streaming), #chat .refusal").count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#chat .answer:not(.streaming), #chat .refusal")).to_have_count(
        before + 1, timeout=ANSWER_S
    )


def last_answer(page: Page) -> str:
    return page.locator("#chat .answer:not(.streaming), #chat .refusal").last.inner_text()


def tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


# --- chat ----------------------------------------------------------------------------------------


def test_status_line_shows_answerer_model_and_index(page: Page) -> None:
    status = page.locator("#status")
    expect(status).to_contain_text("offline composer")
    expect(status).to_contain_text("all-MiniLM-L6-v2")
    expect(status).to_contain_text("1 document, 14 chunks")
    shot(page, "01-start-1280")


def test_an_answer_links_each_citation_to_its_highlighted_source(page: Page) -> None:
    ask(page, "How many people used CBP One?")
    assert "547,000" in last_answer(page)
    link = page.locator("#chat a.cite").first
    expect(link).to_have_attribute("href", "#src-1-1")
    card = page.locator("#src-1-1")
    expect(card).to_contain_text("Fact Sheet: Third Ministerial Meeting")
    expect(card).to_contain_text("2024-05-08")
    expect(card.locator(".src-meta")).to_contain_text("section")
    mark = card.locator("mark")
    expect(mark).to_contain_text("547,000 individuals used CBP One")
    link.click()
    assert page.url.endswith("#src-1-1")
    expect(card).to_be_in_viewport()
    assert card.evaluate("e => e.matches(':target')")
    # at 1280 px the sources panel sits beside the chat
    chat_box = page.locator("#chat").bounding_box()
    sources_box = page.locator("#sources").bounding_box()
    assert chat_box and sources_box and sources_box["x"] > chat_box["x"] + chat_box["width"] - 1
    shot(page, "02-answer-and-source-1280")


def test_a_follow_up_uses_the_conversation(page: Page) -> None:
    """After the CBP One question above."""
    ask(page, "And how many have been approved through Safe Mobility Offices?")
    assert "21,000" in last_answer(page)
    expect(page.locator("#chat .searched").last).to_contain_text("Searched for:")
    expect(page.locator("#src-2-1 mark")).to_be_visible()
    page.locator("#chat .answer").last.locator("a.cite").first.click()
    expect(page.locator("#src-2-1")).to_be_in_viewport()
    shot(page, "03-follow-up-1280")


def test_a_question_outside_the_documents_is_a_distinct_refusal(page: Page) -> None:
    ask(page, "What is the capital of Mongolia?")
    refusal = page.locator("#chat .refusal").last
    expect(refusal).to_contain_text("Not found in the documents")
    expect(refusal.locator("ol.closest li")).to_have_count(3)
    expect(page.locator("#turn-3 .src-none")).to_be_visible()
    color = refusal.evaluate("e => getComputedStyle(e).borderLeftColor")
    answer_color = page.locator("#chat .answer").first.evaluate(
        "e => getComputedStyle(e).borderLeftColor"
    )
    assert color != answer_color
    shot(page, "04-refusal-1280")


def test_a_question_that_cannot_be_asked_shows_its_message_and_is_kept(page: Page) -> None:
    answers = page.locator("#chat .answer:not(.streaming), #chat .refusal")
    before = answers.count()
    box = page.locator("#question textarea")
    long_question = "Why " * 600
    box.fill(long_question)
    box.press("Enter")
    expect(page.get_by_text("the limit is 2,000")).to_be_visible()
    expect(box).to_have_value(long_question)
    expect(answers).to_have_count(before)
    expect(page.locator("#chat .question")).to_have_count(before)
    box.fill("")


def test_thumbs_are_stored_as_feedback(page: Page, app: RunningApp) -> None:
    """Rates the first answer (CBP One) up, then changes its mind to down."""
    path = app.root / "data" / "feedback.jsonl"

    def entries() -> list[dict[str, Any]]:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    page.locator('#chat button[aria-label="Like"]').first.click()
    expect(page.get_by_text("your feedback was recorded")).to_be_visible()
    (up,) = entries()
    assert up["rating"] == "up" and up["question"] == "How many people used CBP One?"
    assert up["category"] == "feedback" and up["answerable"] is True and up["turn"] == 1
    assert any("547,000" in quote for quote in up["evidence"])
    assert up["citations"] and up["timestamp"] and up["conversation"]
    page.locator('#chat button[aria-label="Dislike"]').first.click()
    expect(page.locator('#chat button[aria-label="Disliked"]')).to_have_count(1)
    for _ in range(50):  # the rating is written by the server, just after the click
        if len(entries()) == 2:
            break
        page.wait_for_timeout(100)
    down = entries()[-1]
    assert down["rating"] == "down"
    assert (down["conversation"], down["turn"]) == (up["conversation"], up["turn"])


def test_the_conversation_exports_as_a_markdown_brief(page: Page) -> None:
    with page.expect_download() as info:
        page.locator("#export-brief").click()
    download = info.value
    assert download.suggested_filename.endswith(".md")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert "## 1. How many people used CBP One?" in text and "547,000" in text
    assert "## 2. And how many have been approved" in text and "21,000" in text
    assert "**Not found in the documents.**" in text
    assert text.count("**Sources**") == 2
    assert "   > From January 2023 through the end of March 2024, more than 547,000" in text


def test_new_conversation_clears_chat_sources_and_brief(page: Page) -> None:
    page.locator("#new-chat").click()
    expect(page.locator("#chat .answer")).to_have_count(0)
    expect(page.locator("#sources .src-card")).to_have_count(0)
    expect(page.locator("#export-brief")).to_be_disabled()
    expect(page.locator("#chat button.example").first).to_be_visible()


def test_an_example_question_is_asked_with_one_click(page: Page) -> None:
    page.locator("#chat button.example", has_text="Which country hosted").click()
    expect(page.locator("#chat .answer:not(.streaming)")).to_have_count(1, timeout=ANSWER_S)
    assert "Guatemala" in last_answer(page)
    expect(page.locator("#src-1-1 mark")).to_be_visible()


# --- documents -----------------------------------------------------------------------------------


def test_upload_ask_about_and_remove_a_document(
    page: Page, app: RunningApp, tmp_path: Path
) -> None:
    good = tmp_path / NEW_DOC
    good.write_text(NEW_DOC_TEXT, encoding="utf-8")
    empty = tmp_path / "empty-notes.txt"
    empty.write_text("", encoding="utf-8")
    tab(page, "Documents")
    table = page.locator("#docs-table")
    expect(table).to_contain_text("Fact Sheet: Third Ministerial Meeting")
    page.locator("#upload input[type=file]").set_input_files([good, empty])
    expect(page.locator("#upload").get_by_role("cell", name=NEW_DOC)).to_be_visible()
    page.locator("#add-docs").click()
    result = page.locator("#add-result")
    expect(result).to_contain_text("1 added", timeout=ANSWER_S)
    expect(result).to_contain_text("Rejected: empty-notes.txt:")
    expect(table).to_contain_text(NEW_TITLE)
    expect(page.locator("#status")).to_contain_text("2 documents")
    assert (app.root / "corpus" / NEW_DOC).is_file()
    assert not (app.root / "corpus" / "empty-notes.txt").exists()
    assert (app.root / "gradio").is_dir()
    assert not list((app.root / "gradio").rglob(NEW_DOC))  # the upload left Gradio's cache
    shot(page, "05-documents-uploaded-1280")

    tab(page, "Chat")
    ask(page, "How many participants did the Pacific Coast Migration Pilot enroll?")
    assert "4,321" in last_answer(page)
    turn = page.locator("#chat .answer:not(.streaming)").count()
    card = page.locator(f"#src-{turn}-1")
    expect(card).to_contain_text(NEW_TITLE)
    expect(card.locator(".src-doc")).to_have_text(NEW_DOC)
    expect(card.locator("mark")).to_contain_text("4,321 participants")
    shot(page, "06-answer-from-uploaded-document-1280")

    tab(page, "Documents")
    page.locator(f'#docs-table button[data-action="remove"][data-doc="{NEW_DOC}"]').click()
    page.locator("#docs-table dialog[open] button[data-action=confirm-remove]").click()
    expect(page.locator("#remove-result")).to_contain_text(f"Removed {NEW_DOC}")
    expect(table).not_to_contain_text(NEW_TITLE)
    expect(table).to_contain_text("Fact Sheet: Third Ministerial Meeting")
    expect(page.locator("#status")).to_contain_text("1 document,")
    assert not (app.root / "corpus" / NEW_DOC).exists()
    shot(page, "07-document-removed-1280")
    tab(page, "Chat")


def test_a_busy_index_is_reported_cleanly(page: Page, app: RunningApp, tmp_path: Path) -> None:
    """While another ingestion holds the index lock, an upload says so and changes nothing."""
    doc = tmp_path / "busy.md"
    doc.write_text("# Busy\n\nA document added while the index is busy.\n", encoding="utf-8")
    tab(page, "Documents")
    with FileLock(str(app.root / "index" / ".ingest.lock")):
        page.locator("#upload input[type=file]").set_input_files([doc])
        expect(page.locator("#upload").get_by_role("cell", name="busy.md")).to_be_visible()
        page.locator("#add-docs").click()
        expect(page.locator("#add-result")).to_contain_text(
            "Nothing added: another ingestion is running"
        )
    assert not (app.root / "corpus" / "busy.md").exists()
    expect(page.locator("#status")).to_contain_text("1 document,")
    tab(page, "Chat")


# --- evaluation ----------------------------------------------------------------------------------


def test_the_evaluation_view_runs_and_shows_metrics_chart_and_results(page: Page) -> None:
    tab(page, "Evaluation")
    expect(page.locator("#eval-run")).to_contain_text("No evaluation has been run yet")
    page.locator("#run-eval").click()
    metrics = page.locator("#eval-metrics")
    expect(metrics).to_contain_text("hit@k", timeout=120_000)
    expect(metrics).to_contain_text("citation precision")
    expect(page.locator("#eval-run")).to_contain_text("5 questions")
    expect(page.locator("#eval-chart img")).to_be_visible()
    results = page.locator("#eval-results")
    for qid in ("q001", "q002", "q003", "q004", "q005"):
        expect(results).to_contain_text(qid)
    shot(page, "08-evaluation-1280")
    # opening the tab again shows the saved report
    page.reload()
    expect(page.locator("#status")).to_contain_text("Embedding model")
    tab(page, "Evaluation")
    expect(page.locator("#eval-metrics")).to_contain_text("hit@k")
    expect(page.locator("#eval-run")).to_contain_text("5 questions")
    tab(page, "Chat")


# --- phone and network ---------------------------------------------------------------------------


def test_phone_width_renders_the_chat_without_horizontal_overflow(
    browser: Browser, app: RunningApp, requests_seen: list[str]
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.on("request", lambda r: requests_seen.append(r.url))
    phone = context.new_page()
    try:
        open_app(phone, app)
        shot(phone, "09-start-phone", full_page=False)
        ask(phone, "How many people used CBP One?")
        assert "547,000" in last_answer(phone)
        overflow = phone.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page is {overflow}px wider than the phone"
        chat_box = phone.locator("#chat").bounding_box()
        sources_box = phone.locator("#sources").bounding_box()
        assert chat_box and sources_box
        assert sources_box["y"] >= chat_box["y"] + chat_box["height"]  # stacked below
        assert chat_box["x"] >= 0 and chat_box["x"] + chat_box["width"] <= 390
        shot(phone, "10-answer-phone")
        phone.locator("#chat a.cite").first.click()
        expect(phone.locator("#src-1-1")).to_be_in_viewport()
        shot(phone, "11-source-phone", full_page=False)
    finally:
        context.close()


def test_every_request_stayed_on_this_machine(page: Page, requests_seen: list[str]) -> None:
    assert requests_seen, "no request was recorded"
    outside = [
        url
        for url in requests_seen
        if not (
            url.startswith(("data:", "blob:"))
            or urlparse(url).hostname in ("127.0.0.1", "localhost")
        )
    ]
    assert not outside, f"requests left this machine: {sorted(set(outside))}"
    assert not any(re.search(r"fonts\.(googleapis|gstatic)\.com", u) for u in requests_seen)

"""The web app in Debian's Chromium (Playwright, sync API), against the real app on loopback
with the shipped corpus: the first screen (what the assistant knows, About), chat with linked
and highlighted sources that never move the chat, the document viewer at the quote, Copy, a
follow-up, refusals, feedback, the brief, uploading / asking about / removing a document, the
evaluation view, a phone viewport (the source sheet), and no request leaving this machine.
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
from urllib.parse import urlparse

import pytest
from browser_kit import chromium, shot, tab
from conftest_web import RunningApp, running_app
from filelock import FileLock
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    expect,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

pytestmark = pytest.mark.browser

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
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def requests_seen() -> list[str]:
    """Every URL any page of this module requested."""
    return []


@pytest.fixture(scope="module")
def desktop(browser: Browser, requests_seen: list[str]) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
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
    expect(page.locator("#chat button.example").first).to_be_visible()


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


def still(page: Page) -> dict[str, float]:
    """Where the page is scrolled and where the question box sits on the screen."""
    box = page.locator("#question textarea").bounding_box()
    assert box is not None
    return {"scroll": page.evaluate("window.scrollY"), "x": box["x"], "y": box["y"]}


def in_view(page: Page, selector: str) -> bool:
    """The element is (or, once a smooth scroll ends, comes) wholly inside the viewport."""
    return settles(
        page,
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
            return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; }""",
        selector,
    )


def inside(page: Page, inner: str, outer: str) -> bool:
    """The element `inner` shows (or comes to show) within the visible area of `outer`."""
    return settles(
        page,
        """([a, b]) => { const r = document.querySelector(a).getBoundingClientRect();
            const o = document.querySelector(b).getBoundingClientRect();
            return r.height > 0 && r.top >= o.top - 1 && r.bottom <= o.bottom + 1; }""",
        [inner, outer],
    )


def settles(page: Page, condition: str, arg: Any) -> bool:
    try:
        page.wait_for_function(condition, arg=arg, timeout=5_000)
    except PlaywrightTimeoutError:
        return False
    return True


def focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement.className || document.activeElement.id"))


# --- chat ----------------------------------------------------------------------------------------


def test_the_first_screen_says_what_the_assistant_knows_in_plain_words(page: Page) -> None:
    expect(page.locator("#scope-line")).to_contain_text(
        "Answers come only from 1 document, dated 8 May 2024"
    )
    scope = page.locator("#chat .scope")
    expect(scope).to_contain_text("Fact Sheet: Third Ministerial Meeting")
    expect(scope).to_contain_text("8 May 2024")
    examples = page.locator("#chat button.example")
    assert 1 <= examples.count() <= 4
    texts = examples.all_inner_texts()
    assert all(t.endswith("?") for t in texts)
    assert len({" ".join(t.split()[:2]) for t in texts}) >= min(2, len(texts))  # varied forms
    # the technical settings are in the About panel, closed at first
    expect(page.locator("#status")).to_be_hidden()
    expect(page.get_by_text("Embedding model")).to_be_hidden()
    about = page.locator("#about-toggle")
    expect(about).to_have_attribute("aria-expanded", "false")
    shot(page, "01-start-1280")
    about.click()
    expect(about).to_have_attribute("aria-expanded", "true")
    status = page.locator("#status")
    expect(status).to_be_visible()
    expect(status).to_contain_text("no language model")  # words, not a component's name
    expect(status).to_contain_text("all-MiniLM-L6-v2")
    expect(status).to_contain_text("1 document, 14 passages")
    expect(page.locator("#about-text")).to_contain_text("only from the indexed documents")
    shot(page, "01b-about-1280")
    about.click()
    expect(status).to_be_hidden()


def test_a_citation_highlights_its_source_beside_the_chat_without_moving_it(page: Page) -> None:
    ask(page, "How many people used CBP One?")
    assert "547,000" in last_answer(page)
    link = page.locator("#chat a.cite").first
    expect(link).to_have_attribute("href", "#src-1-1")
    card = page.locator("#src-1-1")
    expect(card).to_contain_text("Fact Sheet: Third Ministerial Meeting")
    expect(card).to_contain_text("8 May 2024")  # dates as people write them, everywhere
    expect(card.locator(".src-meta")).to_contain_text("section")
    mark = card.locator("mark")
    expect(mark).to_contain_text("547,000 individuals used CBP One")
    # at 1280 px the sources panel sits beside the chat
    chat_box = page.locator("#chat").bounding_box()
    sources_box = page.locator("#sources").bounding_box()
    assert chat_box and sources_box and sources_box["x"] > chat_box["x"] + chat_box["width"] - 1
    before = still(page)
    link.hover()
    preview = page.locator("#cite-preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("547,000 individuals used CBP One")
    link.click()
    expect(card).to_have_class(re.compile(r"\bactive\b"))
    assert still(page) == before  # the page did not scroll: the chat is where it was
    assert in_view(page, "#question textarea")
    assert inside(page, "#src-1-1", "#sources") and in_view(page, "#src-1-1")
    assert page.evaluate("document.activeElement.id") == "src-1-1"  # focus went to the card
    shot(page, "02-answer-and-source-1280", full_page=False)
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.classList.contains('cite')")  # ... and back


def test_a_card_opens_the_whole_document_at_the_quote(page: Page) -> None:
    """After the CBP One question above."""
    card = page.locator("#src-1-1")
    href = (
        "/api/v1/documents/2024-05-08-third-ministerial-los-angeles-declaration-fact-sheet.txt/file"
    )
    expect(card.locator("a.src-download")).to_have_attribute("href", href)
    before = still(page)
    opener = card.locator("button.src-open")
    opener.click()
    viewer = page.locator(".overlay.viewer")
    expect(viewer).to_be_visible()
    quote = viewer.locator("#viewer-quote")
    expect(quote).to_contain_text("more than 547,000 individuals used CBP One")
    expect(viewer.locator(".overlay-title")).to_contain_text("Fact Sheet: Third Ministerial")
    expect(viewer.locator("a.viewer-download")).to_have_attribute("href", href)
    # the whole document, scrolled so that the quote is in the viewer's visible area
    text = viewer.locator(".viewer-text")
    expect(text).to_contain_text("Nearly two years ago")
    expect(text).to_contain_text("temporary protection status")
    expect(text).not_to_contain_text("date 2024-05-08")
    assert inside(page, "#viewer-quote", ".viewer-text") and in_view(page, "#viewer-quote")
    assert "viewer-text" in focused(page)
    assert page.locator("[role=dialog][aria-modal=true]").count() == 1
    shot(page, "02b-viewer-1280", full_page=False)
    page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    assert "src-open" in focused(page)  # focus is back on the button that opened it
    assert still(page) == before


def test_a_card_downloads_the_original_file(page: Page, app: RunningApp) -> None:
    """After the CBP One question above: the card's link serves the corpus file, by id."""
    with page.expect_download() as got:
        page.locator("#src-1-1 a.src-download").click()
    download = got.value
    name = "2024-05-08-third-ministerial-los-angeles-declaration-fact-sheet.txt"
    assert download.suggested_filename == name
    assert Path(download.path()).read_bytes() == (app.root / "corpus" / name).read_bytes()


def test_copy_gives_plain_text_with_the_numbered_sources(page: Page) -> None:
    """After the CBP One question above."""
    page.locator("#chat button.copy-answer").first.click()
    expect(page.locator("#chat button.copy-answer").first).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    answer, sources = copied.split("\n\nSources:\n")
    assert "547,000" in answer and answer.rstrip().endswith("[1]")
    assert sources.startswith(
        "[1] Fact Sheet: Third Ministerial Meeting of the Los Angeles Declaration on Migration "
        "and Protection, 8 May 2024, section “Strengthening Human Implementation”\n"
    )
    assert "    “From January 2023 through the end of March 2024, more than 547,000" in sources
    assert "<" not in copied and "class=" not in copied


def test_a_follow_up_uses_the_conversation(page: Page) -> None:
    """After the CBP One question above."""
    ask(page, "And how many have been approved through Safe Mobility Offices?")
    assert "21,000" in last_answer(page)
    expect(page.locator("#chat .searched").last).to_contain_text("Searched for:")
    expect(page.locator("#src-2-1 mark")).to_be_visible()
    groups = page.locator("#sources .src-group")
    expect(groups).to_have_count(2)
    assert groups.nth(0).get_attribute("id") == "turn-1"  # the chat's order, oldest first
    before = still(page)
    page.locator("#chat .answer").last.locator("a.cite").first.click()
    expect(page.locator("#src-2-1")).to_have_class(re.compile(r"\bactive\b"))
    assert inside(page, "#src-2-1", "#sources") and in_view(page, "#src-2-1")
    assert still(page) == before
    # an earlier answer's citation brings its card back into the panel, still in place
    page.locator("#chat .answer").first.locator("a.cite").first.click()
    assert inside(page, "#src-1-1", "#sources") and still(page) == before
    shot(page, "03-follow-up-1280")


def test_a_question_outside_the_documents_is_refused_once(page: Page) -> None:
    ask(page, "What is the capital of Mongolia?")
    refusal = page.locator("#chat .refusal").last
    text = refusal.inner_text()
    assert text.count("Not found in the documents") == 1 and "could not find" not in text
    expect(refusal).to_contain_text("never mention")  # the reason, in words
    expect(refusal.locator(".closest li")).to_have_count(0)  # nothing close: no passages
    expect(refusal).to_contain_text("The documents cover: Fact Sheet: Third Ministerial")
    expect(page.locator("#turn-3 .src-none")).to_be_visible()
    color = refusal.evaluate("e => getComputedStyle(e).borderLeftColor")
    answer_color = page.locator("#chat .answer").first.evaluate(
        "e => getComputedStyle(e).borderLeftColor"
    )
    assert color != answer_color
    shot(page, "04-refusal-1280")


def test_a_refusal_with_close_passages_lists_them_without_metadata(page: Page) -> None:
    ask(page, "How many Ecuadorians used CBP One?")
    refusal = page.locator("#chat .refusal").last
    items = refusal.locator(".closest li")
    assert 1 <= items.count() <= 3
    expect(refusal).to_contain_text("The closest passages, which do not answer it")
    expect(refusal.locator(".closest")).to_contain_text("CBP One")
    expect(refusal).not_to_contain_text("date 2024-05-08")
    assert refusal.inner_text().count("Fact Sheet") <= 1  # the title once, not per passage
    assert refusal.inner_text().count("Not found in the documents") == 1


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
    assert "**Not found in the documents: " in text and "could not find" not in text
    assert text.count("**Sources**") == 2
    assert "   > From January 2023 through the end of March 2024, more than 547,000" in text


def test_new_conversation_clears_chat_sources_and_brief(page: Page) -> None:
    page.locator("#new-chat").click()
    expect(page.locator("#chat .answer")).to_have_count(0)
    expect(page.locator("#sources .src-card")).to_have_count(0)
    expect(page.locator("#export-brief")).to_be_disabled()
    expect(page.locator("#chat button.example").first).to_be_visible()


def test_an_example_question_is_asked_with_one_click(page: Page) -> None:
    example = page.locator("#chat button.example").first
    question = example.inner_text()
    example.click()
    expect(page.locator("#chat .answer:not(.streaming)")).to_have_count(1, timeout=ANSWER_S)
    expect(page.locator("#chat .question").first).to_have_text(question)
    expect(page.locator("#chat .refusal")).to_have_count(0)  # the examples are answered ...
    assert "[1]" in last_answer(page)
    expect(page.locator("#src-1-1 mark")).to_be_visible()  # ... with a quoted source


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
    expect(card.locator('mark[data-n="1"]')).to_contain_text("4,321 participants")
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


def test_phone_width_opens_sources_in_a_sheet_without_moving_the_chat(
    browser: Browser, app: RunningApp, requests_seen: list[str]
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.on("request", lambda r: requests_seen.append(r.url))
    phone = context.new_page()
    try:
        open_app(phone, app)
        assert in_view(phone, "#question textarea")
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
        expect(phone.locator("#chat a.sources-cue")).to_be_visible()  # a cue: they are below
        shot(phone, "10-answer-phone")
        before = still(phone)
        link = phone.locator("#chat a.cite").first
        link.click()
        sheet = phone.locator(".overlay.sheet")
        expect(sheet).to_be_visible()
        expect(sheet.locator("mark")).to_contain_text("547,000 individuals used CBP One")
        assert "overlay-panel" in focused(phone)
        assert in_view(phone, ".overlay.sheet .src-card")
        shot(phone, "11-source-phone", full_page=False)
        # the viewer, from the sheet, at the quote
        sheet.locator("button.src-open").click()
        expect(phone.locator("#viewer-quote")).to_contain_text("547,000 individuals")
        assert inside(phone, "#viewer-quote", ".viewer-text") and in_view(phone, "#viewer-quote")
        shot(phone, "12-viewer-phone", full_page=False)
        phone.locator(".overlay.viewer button.overlay-close").click()
        assert "src-open" in focused(phone)  # back in the sheet, on the button
        sheet.locator("button.overlay-close").click()
        expect(phone.locator(".overlay")).to_have_count(0)
        assert "cite" in focused(phone)  # back on the [1] that opened it
        assert still(phone) == before  # the chat never moved
        phone.locator("#chat button.copy-answer").first.click()
        copied = phone.evaluate("navigator.clipboard.readText()")
        assert "547,000" in copied and "\n\nSources:\n[1] Fact Sheet" in copied
        assert "<" not in copied
        ask(phone, "What is the capital of Mongolia?")
        refusal = phone.locator("#chat .refusal").last
        assert refusal.inner_text().count("Not found in the documents") == 1
        assert "could not find" not in refusal.inner_text()
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

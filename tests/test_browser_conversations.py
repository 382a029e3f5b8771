"""Saved conversations and the Word brief in Debian's Chromium, against the real app (real
Chroma, real model) on loopback: conversations are saved as questions are answered, listed in
the sidebar most recent first, reopened with their sources, renamed, deleted only after a
confirmation, kept across a reload and a restart of the server, and kept apart per signed-in
user; the brief downloads as .docx beside .md. At 1280 and 390 px; screenshots go to
artifacts/screenshots/.

The tests run in file order on one data folder; the server is restarted between them where a
docstring says so.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_kit import chromium, shot
from conftest_web import RunningApp, running_app
from docx import Document
from playwright.sync_api import Browser, Page, expect

from assistant.query.plan import read_question
from assistant.query.questions import condense
from assistant.types import Turn

pytestmark = pytest.mark.browser

ANSWER_S = 60_000
Q1 = "How many people used CBP One?"
Q2 = "And how many have been approved through Safe Mobility Offices?"
Q3 = "What is the capital of Mongolia?"
USER, PASSWORD = "ana", "a-long-test-password-1"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-conversations")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def open_page(browser: Browser, app: RunningApp, width: int = 1280) -> Page:
    phone = width < 500
    context = browser.new_context(
        viewport={"width": width, "height": 900 if not phone else 844},
        is_mobile=phone,
        has_touch=phone,
        accept_downloads=True,
        reduced_motion="reduce",  # screenshots of the settled page, not of a sliding drawer
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app.url)
    return page


def ready(page: Page) -> None:
    expect(page.locator("#status")).to_contain_text("Embedding model", timeout=30_000)
    expect(page.locator("#question textarea")).to_be_visible()


def ask(page: Page, question: str) -> None:
    answers = page.locator("#chat .answer:not(.streaming), #chat .refusal")
    before = answers.count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    expect(answers).to_have_count(before + 1, timeout=ANSWER_S)


def listed(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("#saved-list label").all_inner_texts()]


def test_conversations_are_saved_listed_reopened_and_kept_across_a_reload(
    browser: Browser, root: Path
) -> None:
    with running_app(root) as app:
        page = open_page(browser, app)
        ready(page)
        expect(page.locator("#saved-list label")).to_have_count(0)
        ask(page, Q1)
        ask(page, Q2)
        expect(page.locator("#saved-list label")).to_have_count(1)
        assert listed(page) == [Q1]
        expect(page.locator("#saved-list input:checked")).to_have_count(1)
        expect(page.locator("#saved-name input")).to_have_value(Q1)
        page.locator("#new-chat").click()
        expect(page.locator("#chat .answer")).to_have_count(0)
        expect(page.locator("#chat button.example").first).to_be_visible()
        expect(page.locator("#saved-list input:checked")).to_have_count(0)
        ask(page, Q3)
        expect(page.locator("#saved-list label")).to_have_count(2)
        assert listed(page) == [Q3, Q1]  # most recent first
        # a reload brings back the conversation this browser had open
        page.reload()
        ready(page)
        expect(page.locator("#chat .refusal")).to_have_count(1)
        expect(page.locator("#chat .question").first).to_have_text(Q3)
        # the first one, reopened: answers, their sources and the briefs as they were
        page.locator("#saved-list label", has_text=Q1).click()
        expect(page.locator("#chat .answer:not(.streaming)")).to_have_count(2)
        assert "547,000" in page.locator("#chat .answer").first.inner_text()
        expect(page.locator("#src-1-1 mark")).to_contain_text("547,000 individuals used CBP One")
        expect(page.locator("#src-2-1 mark")).to_be_visible()
        expect(page.locator("#export-brief")).to_be_enabled()
        expect(page.locator("#export-docx")).to_be_enabled()
        shot(page, "13-saved-conversations-1280", full_page=False)
        page.context.close()


def test_they_survive_a_restart_and_the_brief_downloads_as_word(
    browser: Browser, root: Path
) -> None:
    """The server is started again on the data folder of the test above."""
    with running_app(root) as app:
        page = open_page(browser, app)
        ready(page)
        expect(page.locator("#saved-list label")).to_have_count(2)
        assert listed(page) == [Q3, Q1]
        page.locator("#saved-list label", has_text=Q1).click()
        expect(page.locator("#chat .answer:not(.streaming)")).to_have_count(2)
        # a follow-up in a reopened conversation is asked with its history
        ask(page, "And how many were approved for refugee resettlement?")
        expect(page.locator("#chat .question")).to_have_count(3)
        with page.expect_download() as got:
            page.locator("#export-docx").click()
        download = got.value
        assert download.suggested_filename.endswith(".docx")
        doc = Document(io.BytesIO(Path(download.path()).read_bytes()))
        texts = [p.text for p in doc.paragraphs]
        styles = {p.text: p.style.name if p.style else "" for p in doc.paragraphs}
        assert f"1. {Q1}" in texts and f"2. {Q2}" in texts
        assert any("547,000" in t and t.rstrip().endswith("[1]") for t in texts)
        sources = [t for t in texts if t.startswith("[1] Fact Sheet: Third Ministerial")]
        assert len(sources) >= 2  # numbered sources, one list per answer
        quotes = [t for t, s in styles.items() if s == "Quote"]
        assert any("more than 547,000 individuals used CBP One" in q for q in quotes)
        with page.expect_download() as got:
            page.locator("#export-brief").click()
        assert got.value.suggested_filename.endswith(".md")
        page.context.close()


def test_rename_and_delete_only_after_confirming(browser: Browser, root: Path) -> None:
    with running_app(root) as app:
        page = open_page(browser, app)
        ready(page)
        page.locator("#saved-list label", has_text=Q1).click()
        expect(page.locator("#chat .answer:not(.streaming)")).to_have_count(3)
        # no trash icon that clears the chat without asking; the chat's label not drawn over it
        expect(page.locator('#chat button[aria-label="Clear"]')).to_be_hidden()
        label = page.locator('#chat label[data-testid="block-label"]').bounding_box()
        assert label is None or label["width"] <= 1
        name = page.locator("#saved-name input")
        name.fill("CBP One and Safe Mobility figures")
        page.locator("#rename-chat").click()
        expect(page.locator("#saved-note")).to_contain_text("Renamed to")
        expect(page.locator("#saved-list label").first).to_have_text(
            "CBP One and Safe Mobility figures"
        )
        name.fill("   ")
        page.locator("#rename-chat").click()
        expect(page.locator("#saved-note")).to_contain_text("Type a name for the conversation")
        page.locator("#delete-chat").click()
        expect(page.locator("#delete-question")).to_contain_text("Delete this conversation")
        shot(page, "14-delete-confirm-1280", full_page=False)
        page.locator("#cancel-delete").click()
        expect(page.locator("#delete-confirm")).to_be_hidden()
        expect(page.locator("#saved-list label")).to_have_count(2)
        page.locator("#delete-chat").click()
        page.locator("#confirm-delete").click()
        expect(page.locator("#saved-note")).to_contain_text(
            "Deleted “CBP One and Safe Mobility figures”"
        )
        expect(page.locator("#saved-list label")).to_have_count(1)
        assert listed(page) == [Q3]
        expect(page.locator("#chat .answer")).to_have_count(0)
        page.context.close()


def test_the_sidebar_is_a_drawer_on_a_phone(browser: Browser, root: Path) -> None:
    with running_app(root) as app:
        page = open_page(browser, app, width=390)
        ready(page)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page is {overflow}px wider than the phone"
        shot(page, "15-start-phone", full_page=False)
        toggle = page.locator("#saved-sidebar .toggle-button")
        expect(toggle).to_have_attribute("aria-expanded", "false")  # closed at first on a phone
        expect(toggle).to_have_accessible_name("Saved conversations")
        assert page.locator("#question textarea").bounding_box()["x"] >= 0  # type: ignore[index]
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        label = page.locator("#saved-list label", has_text=Q3)
        expect(label).to_be_visible()
        shot(page, "16-saved-drawer-phone", full_page=False)
        label.click()
        expect(page.locator("#chat .refusal")).to_have_count(1)
        expect(toggle).to_have_attribute("aria-expanded", "false")  # closed once chosen
        expect(page.locator("#chat .refusal")).to_be_visible()
        shot(page, "17-reopened-phone", full_page=False)
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        page.context.close()


def test_each_signed_in_user_sees_only_their_own(browser: Browser, root: Path) -> None:
    """With a login, the conversations saved without one (the local user's) are not shown, and
    what the signed-in user asks is saved under their name."""
    env = {"ASSISTANT_AUTH_USERNAME": USER, "ASSISTANT_AUTH_PASSWORD": PASSWORD}
    with running_app(root, env=env) as app:
        page = open_page(browser, app)
        page.get_by_label("username").fill(USER)
        page.get_by_label("password").fill(PASSWORD)
        page.get_by_role("button", name="Login").click()
        ready(page)
        expect(page.locator("#saved-list label")).to_have_count(0)
        ask(page, Q1)
        expect(page.locator("#saved-list label")).to_have_count(1)
        page.context.close()
    with sqlite3.connect(root / "data" / "conversations.sqlite3") as db:
        owners = db.execute("SELECT user, title FROM conversations ORDER BY user").fetchall()
    assert owners == [(USER, Q1), ("local", Q3)]


def test_only_a_question_that_depends_on_the_conversation_carries_it(
    browser: Browser, root: Path
) -> None:
    """An unrelated question after a related one is searched as typed (no "Searched for"
    line); a follow-up's line shows exactly the query searched."""
    with running_app(root) as app:
        page = open_page(browser, app)  # a new browser: a new conversation
        ready(page)
        ask(page, Q1)
        ask(page, "migration")
        expect(page.locator("#chat .message-row, #chat .question")).not_to_have_count(0)
        assert page.locator("#chat .searched").count() == 0  # searched as typed
        follow_up = "And how many were approved through Safe Mobility Offices?"
        ask(page, follow_up)
        history = [Turn("user", Q1), Turn("assistant", "..."), Turn("user", "migration")]
        expected = read_question(follow_up, condense(follow_up, history)).query
        assert expected != follow_up
        line = page.locator("#chat .searched")
        expect(line).to_have_count(1)
        expect(line.locator("q")).to_have_text(expected)
        shot(page, "18-follow-up-searched-1280", full_page=False)
        page.context.close()


def test_refusals_name_what_is_missing_open_their_passages_and_hint_at_english(
    browser: Browser, root: Path
) -> None:
    """At 1280 and 390 px: a name the documents never mention is named; the closest passages
    open in the viewer at their place; a question in Spanish is told to ask in English."""
    with running_app(root) as app:
        for width in (1280, 390):
            page = open_page(browser, app, width)  # a new browser: a new conversation
            ready(page)
            ask(page, "How many Brazilians used CBP One?")
            refusal = page.locator("#chat .refusal").last
            expect(refusal).to_contain_text("the documents never mention “Brazilians”")
            opener = refusal.locator("a.closest-open").first
            expect(opener).to_be_visible()
            title = refusal.locator(".closest-from cite")
            expect(title).to_have_text(
                "Fact Sheet: Third Ministerial Meeting of the Los Angeles Declaration on "
                "Migration and Protection"
            )  # whole
            opener.click()
            viewer = page.locator(".overlay.viewer")
            expect(viewer.locator("#viewer-quote")).to_contain_text("CBP One")
            assert "viewer-text" in str(page.evaluate("document.activeElement.className"))
            shot(page, f"19-refusal-passage-open-{width}", full_page=False)
            page.keyboard.press("Escape")
            expect(viewer).to_have_count(0)
            ask(page, "¿Quién organizó la reunión sobre los refugiados?")
            expect(page.locator("#chat .refusal")).to_have_count(2)
            expect(page.locator("#chat .refusal").last).to_contain_text(
                "Questions are read in English"
            )
            shot(page, f"20-refusal-hints-{width}", full_page=False)
            page.context.close()


def test_beyond_the_limit_the_least_recently_used_conversation_leaves_the_sidebar(
    browser: Browser, tmp_path: Path
) -> None:
    """With ASSISTANT_MAX_CONVERSATIONS=2 (a data folder of its own), a third conversation
    removes the oldest from the sidebar, and the note under it names the one removed."""
    first, second, third = Q1, Q3, "How many people have been approved through Safe Mobility?"
    with running_app(tmp_path, env={"ASSISTANT_MAX_CONVERSATIONS": "2"}) as app:
        page = open_page(browser, app)
        ready(page)
        for n, question in enumerate((first, second), start=1):
            if n > 1:
                page.locator("#new-chat").click()
                expect(page.locator("#chat .question")).to_have_count(0)
            ask(page, question)
            expect(page.locator("#saved-list label")).to_have_count(n)
        assert listed(page) == [second, first]
        expect(page.locator("#saved-note")).to_have_text("")
        page.locator("#new-chat").click()
        expect(page.locator("#chat .question")).to_have_count(0)
        ask(page, third)
        expect(page.locator("#saved-list label", has_text=first)).to_have_count(0)
        expect(page.locator("#saved-list label")).to_have_count(2)
        assert listed(page) == [third, second]
        expect(page.locator("#saved-note")).to_contain_text(
            f"Removed your least recently used “{first}”: at most 2 conversations are kept."
        )
        # the sidebar agrees after a reload: the removed one is gone, not merely hidden
        page.reload()
        ready(page)
        expect(page.locator("#saved-list label")).to_have_count(2)
        assert listed(page) == [third, second]
        page.context.close()

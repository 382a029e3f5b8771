"""WCAG 2.2 AA on the chat tab and the About panel, in Debian's Chromium at 1280x900 and
390x844: axe-core (tests/axe_check.py) finds no serious or critical violation on the first
screen, after an answer with citations, after a refusal, with a source open (the highlighted
card, or the sheet on a phone), with the document viewer open, and with About open; and what
axe cannot see is checked directly: focus you can see on the question box, 24 px targets for
the citations and the controls of ours, and focus moved to what was opened and back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_check import blocking_violations
from browser_kit import chromium
from conftest_web import RunningApp, running_app
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

ANSWER_S = 60_000
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(tmp_path_factory.mktemp("web-a11y")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture(params=list(SIZES), scope="module")
def page(request: pytest.FixtureRequest, browser: Browser, app: RunningApp) -> Iterator[Page]:
    """One page per screen size; the tests below run in order on it."""
    width, height = SIZES[request.param]
    phone = width < 500
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app.url)
    expect(page.locator("#chat button.example").first).to_be_visible(timeout=30_000)
    # axe judges colours as they are when it runs: check the settled page, not a fade
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
    yield page
    context.close()


def wide(page: Page) -> bool:
    return (page.viewport_size or {"width": 0})["width"] > 500


def clean(page: Page, state: str) -> None:
    problems = blocking_violations(page)
    assert not problems, f"{state} at {page.viewport_size}:\n" + "\n".join(problems)


def ask(page: Page, question: str) -> None:
    answers = page.locator("#chat .answer:not(.streaming), #chat .refusal")
    before = answers.count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    expect(answers).to_have_count(before + 1, timeout=ANSWER_S)
    expect(page.locator("#export-brief")).to_be_enabled()


CONTRAST_JS = """(sel) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const el = document.querySelector(sel);
  let bg = el;
  while (bg && rgb(getComputedStyle(bg).backgroundColor)[3] === 0) bg = bg.parentElement;
  const a = lum(rgb(getComputedStyle(el).color));
  const b = lum(rgb(getComputedStyle(bg || document.body).backgroundColor));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def contrast(page: Page, selector: str) -> float:
    """Text against its nearest painted background (for what axe leaves as "incomplete":
    text on a floating layer)."""
    return float(page.evaluate(CONTRAST_JS, selector))


def active_class(page: Page) -> str:
    return str(page.evaluate("document.activeElement.className || document.activeElement.id"))


def test_the_first_screen(page: Page) -> None:
    clean(page, "first screen")
    box = page.locator("#question textarea")
    box.focus()
    outline = box.evaluate(
        "e => [getComputedStyle(e).outlineStyle, parseFloat(getComputedStyle(e).outlineWidth)]"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline  # a focus you can see
    label = box.evaluate("e => e.getAttribute('aria-label') || e.labels?.[0]?.textContent || ''")
    assert label.strip(), "the question box has no label"


def test_the_about_panel(page: Page) -> None:
    toggle = page.locator("#about-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#about")).to_be_visible()
    clean(page, "About open")
    toggle.click()
    expect(page.locator("#about")).to_be_hidden()
    toggle.click()
    expect(page.locator("#about")).to_be_visible()
    page.keyboard.press("Escape")  # Escape closes it too, and focus is on its button
    expect(page.locator("#about")).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("document.activeElement.id") == "about-toggle"


PLACEHOLDER_JS = """() => {
  const box = document.querySelector('#question textarea');
  return [getComputedStyle(box, '::placeholder').color, box.placeholder];
}"""


def test_the_question_box_placeholder_is_readable(page: Page) -> None:
    color, text = page.evaluate(PLACEHOLDER_JS)
    assert text.startswith("Ask about the documents")
    # the placeholder's colour (opacity 1) against the box's own background
    page.evaluate(
        "(c) => { const s = document.createElement('span'); s.id = 'ph-probe'; s.textContent = 'x';"
        " s.style.color = c; document.querySelector('#question textarea').after(s); }",
        color,
    )
    try:
        assert contrast(page, "#ph-probe") >= 4.5, color
    finally:
        page.evaluate("() => document.querySelector('#ph-probe').remove()")


def test_an_answer_with_citations(page: Page) -> None:
    ask(page, "How many people used CBP One?")
    clean(page, "answer with citations")
    for selector in (
        "#chat a.cite",
        "#chat button.copy-answer",
        "#sources button.src-open",
        "#sources a.src-download",
    ):
        box = page.locator(selector).first.bounding_box()
        if box is None:  # not shown at this size (none of these is hidden on purpose)
            raise AssertionError(f"{selector} is not visible at {page.viewport_size}")
        assert box["width"] >= 24 and box["height"] >= 24, (selector, box)


def test_a_source_opened_from_its_citation(page: Page) -> None:
    link = page.locator("#chat a.cite").first
    if wide(page):  # the quote's preview, on hover or focus
        link.focus()
        expect(page.locator("#cite-preview")).to_be_visible()
        clean(page, "quote preview")
        for part in ("#cite-preview .cite-preview-title", "#cite-preview div + div"):
            assert contrast(page, part) >= 4.5, part
    link.click()
    if wide(page):
        assert page.evaluate("document.activeElement.id") == "src-1-1"
    else:
        expect(page.locator(".overlay.sheet")).to_be_visible()
        assert "overlay-panel" in active_class(page)
    clean(page, "source open")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.classList.contains('cite')")


def test_the_document_viewer(page: Page) -> None:
    page.locator("#sources button.src-open").first.click()
    expect(page.locator("#viewer-quote")).to_be_visible()
    assert "viewer-text" in active_class(page)
    clean(page, "viewer open")
    page.keyboard.press("Escape")
    expect(page.locator(".overlay")).to_have_count(0)
    assert "src-open" in active_class(page)


def test_a_refusal(page: Page) -> None:
    ask(page, "What is the capital of Mongolia?")
    expect(page.locator("#chat .refusal")).to_be_visible()
    clean(page, "after a refusal")


def test_chat_messages_are_named_by_their_words_not_their_html(page: Page) -> None:
    """After the answers above."""
    labels = page.evaluate(
        "() => [...document.querySelectorAll('#chat [aria-label]')]"
        ".map(e => e.getAttribute('aria-label'))"
    )
    assert any(label.startswith("Answer: ") for label in labels), labels
    assert not [label for label in labels if "<" in label or "class=" in label]


def test_overlays_cover_the_chats_scroll_arrow(page: Page) -> None:
    """Gradio's scroll-down arrow shows once the chat is scrolled up; the viewer covers it."""
    page.locator("#chat .bubble-wrap").evaluate("e => { e.scrollTop = 0; }")
    page.locator("#sources button.src-open").first.click()
    expect(page.locator("#viewer-quote")).to_be_visible()
    covered = page.evaluate(
        """() => [...document.querySelectorAll('#chat .scroll-down-button-container button')]
          .map((b) => { const r = b.getBoundingClientRect();
            if (!r.width || r.bottom < 0 || r.top > innerHeight) return true;
            const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            return Boolean(top && top.closest('.overlay')); })"""
    )
    page.keyboard.press("Escape")
    assert all(covered), covered
    expect(page.locator(".overlay")).to_have_count(0)


def test_the_saved_conversations_and_their_confirmation(page: Page) -> None:
    """After the answers above: the sidebar (a drawer on phones) and Delete's confirmation."""
    toggle = page.locator("#saved-sidebar .toggle-button")
    if not wide(page):
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#saved-list input:checked")).to_have_count(1)  # this one, listed
    clean(page, "saved conversations open")
    page.locator("#delete-chat").click()
    expect(page.locator("#confirm-delete")).to_be_visible()
    clean(page, "delete confirmation")
    page.locator("#cancel-delete").click()
    expect(page.locator("#confirm-delete")).to_be_hidden()
    if not wide(page):
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")


def test_one_message_at_a_time(page: Page) -> None:
    """A rating's thanks, then a question over the limit: the second message replaces the
    first on the screen rather than piling up over the sources."""
    page.locator('#chat button[aria-label="Like"]').first.click()
    expect(page.locator(".toast-body")).to_have_count(1)
    box = page.locator("#question textarea")
    box.fill("Why " * 600)
    box.press("Enter")
    expect(page.locator(".toast-body")).to_have_count(2)
    shown = page.evaluate(
        "() => [...document.querySelectorAll('.toast-body')]"
        ".filter(t => t.getBoundingClientRect().height > 0).map(t => t.innerText)"
    )
    assert len(shown) == 1 and "the limit is 2,000" in shown[0], shown
    box.fill("")

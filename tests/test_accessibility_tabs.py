"""axe-core (WCAG 2.2 AA and best practices: contrast, names and labels, target size...) on the
Documents and Evaluation tabs, at 1280x900 and 390x844 and on the dark theme, in every state a
user reaches: the table and an upload result with a rejected file, the viewer open, the remove
confirmation open; an evaluation run with failures compared with the committed baseline, its
questions unfolded. Each check covers the tab's own panel (the page around it belongs to the
chat's tests) and fails on any serious or critical violation. Beside axe: every control of the
tabs is at least 24 px both ways and shows a visible focus outline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_check import blocking_violations
from browser_kit import SHOTS, chromium
from conftest_web import RunningApp, running_app
from playwright.sync_api import Browser, Page, expect
from tabs_fixtures import with_baseline_and_known_failures

pytestmark = pytest.mark.browser

SHIPPED_DOC = "2024-05-08-third-ministerial-los-angeles-declaration-fact-sheet.txt"
VIEWS = {
    "1280": {"viewport": {"width": 1280, "height": 900}},
    "390": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "1280-dark": {"viewport": {"width": 1280, "height": 900}, "color_scheme": "dark"},
}
# The tabs' own controls (Gradio's dropdowns and upload box have their own focus styles).
CONTROLS = (
    "#docs-panel .doc-act, #docs-panel .viewer-meta a, #eval-panel button.copy, "
    "#eval-panel summary, #eval-panel figcaption a, #run-eval"
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(tmp_path_factory.mktemp("a11y-tabs")) as running:
        with_baseline_and_known_failures(running)
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def evaluated(app: RunningApp, browser: Browser) -> RunningApp:
    """The app once an evaluation ran from its page (the run with failures is the latest)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(app.url)
        page.get_by_role("tab", name="Evaluation").click()
        expect(page.locator("#eval-run")).to_contain_text("committed baseline", timeout=30_000)
        page.locator("#run-eval").click()
        expect(page.locator("#eval-run")).to_contain_text("4 questions", timeout=120_000)
    finally:
        page.close()
    return app


@pytest.fixture(params=list(VIEWS))
def page(request: pytest.FixtureRequest, browser: Browser, app: RunningApp) -> Iterator[Page]:
    context = browser.new_context(**VIEWS[request.param])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app.url)
    expect(page.locator("#status")).to_contain_text("Embedding model", timeout=30_000)
    yield page
    context.close()


def assert_accessible(page: Page, panel: str, state: str) -> None:
    """No serious or critical violation in the panel, once it is still: while an event runs
    Gradio dims its outputs (opacity 0.2), and they fade back in over 0.15 s."""
    page.wait_for_function(
        """(panel) => { const root = document.querySelector(panel);
             return !root.querySelector('.pending') &&
                    root.getAnimations({subtree: true}).length === 0; }""",
        arg=panel,
    )
    problems = blocking_violations(page, include=panel)
    assert not problems, f"{state}:\n" + "\n".join(problems)


def assert_controls_usable(page: Page) -> None:
    """Every visible control of the tabs: at least 24x24 px, and a visible outline (>= 2 px)
    when focused from the keyboard."""
    page.keyboard.press("Shift")  # keyboard modality: focus() then matches :focus-visible
    found = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
             .filter(e => e.offsetParent !== null)
             .map(e => { e.focus(); const s = getComputedStyle(e), r = e.getBoundingClientRect();
               return {name: e.getAttribute('aria-label') || e.textContent.trim(),
                       width: r.width, height: r.height, outline: s.outlineStyle,
                       outlineWidth: parseFloat(s.outlineWidth)}; })""",
        CONTROLS,
    )
    assert found, "no control found"
    small = [f for f in found if f["width"] < 24 or f["height"] < 24]
    assert not small, f"targets under 24 px: {small}"
    unfocused = [f for f in found if f["outline"] == "none" or f["outlineWidth"] < 2]
    assert not unfocused, f"no visible focus: {unfocused}"


def view(request: pytest.FixtureRequest) -> str:
    return str(request.node.callspec.params["page"])


def test_the_documents_tab(
    page: Page, app: RunningApp, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    name = f"a11y notes {view(request)}.txt"
    notes = tmp_path / name
    notes.write_text("Notes for the accessibility check of the documents tab.\n", "utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    page.get_by_role("tab", name="Documents").click()
    expect(page.locator(f'#docs-table tr[data-doc="{SHIPPED_DOC}"]')).to_be_visible()
    page.locator("#upload input[type=file]").set_input_files([notes, empty])
    expect(page.locator("#upload").get_by_role("button", name="Remove this file")).to_have_count(2)
    page.locator("#add-docs").click()
    expect(page.locator("#add-result .docs-errors")).to_contain_text("empty.txt", timeout=60_000)
    assert_accessible(page, "#docs-panel", "table and upload result")

    row = page.locator(f'#docs-table tr[data-doc="{name}"]')
    row.locator('button[data-action="open"]').click()
    expect(page.locator("#doc-viewer-title")).to_be_focused()
    assert_accessible(page, "#docs-panel", "viewer open")
    assert_controls_usable(page)

    row.locator('button[data-action="remove"]').click()
    dialog = page.locator("#docs-table dialog.docs-confirm")
    expect(dialog).to_be_visible()
    assert_accessible(page, "#docs-panel", "remove confirmation open")
    dialog.get_by_role("button", name="Remove").click()
    expect(page.locator("#remove-result")).to_be_focused()
    assert_accessible(page, "#docs-panel", "after a removal")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"a11y-documents-{view(request)}.png"), full_page=True)


def test_the_evaluation_tab(
    page: Page, evaluated: RunningApp, request: pytest.FixtureRequest
) -> None:
    page.get_by_role("tab", name="Evaluation").click()
    expect(page.locator("#eval-run")).to_contain_text("Compared with the committed baseline")
    expect(page.locator("#eval-failures .eval-failure")).to_have_count(3)
    page.locator("#eval-results summary").click()
    expect(page.locator("#eval-results table")).to_be_visible()
    assert_accessible(page, "#eval-panel", "a run with failures, against the baseline")
    assert_controls_usable(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"a11y-evaluation-{view(request)}.png"), full_page=True)

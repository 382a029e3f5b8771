"""axe-core accessibility checks for the browser tests: the engine comes from the local npm
install (`make test` runs `npm ci` in tests/axe), is injected into the page by Playwright, and
nothing is loaded from outside the machine.

Imported by the browser test modules (pytest puts tests/ on sys.path); not a conftest plugin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
# WCAG 2.0-2.2 A and AA, plus axe's best practices for landmarks and labels.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Rules axe marks experimental (off by default) that check WCAG criteria all the same: 2.5.3
# Label in Name (the visible text of a control is part of its accessible name).
EXPERIMENTAL = ["label-content-name-mismatch"]


def axe_results(page: Any, include: str = "body") -> dict[str, Any]:
    """Run axe-core on the page (or the part matched by `include`) and return its results."""
    if not AXE_JS.is_file():
        raise AssertionError(
            f"{AXE_JS} is missing: run `make test` (it installs axe-core with npm) or "
            "`npm ci --prefix tests/axe`"
        )
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return dict(
        page.evaluate(
            "([sel, tags, extra]) => axe.run(document.querySelector(sel), "
            "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], "
            "rules: Object.fromEntries(extra.map((r) => [r, {enabled: true}]))})",
            [include, TAGS, EXPERIMENTAL],
        )
    )


def blocking_violations(page: Any, include: str = "body") -> list[str]:
    """One line per serious or critical violation: rule, impact, help and the first targets."""
    lines = []
    for v in axe_results(page, include)["violations"]:
        if v.get("impact") in BLOCKING:
            targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
            lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])}: {targets}]")
    return lines

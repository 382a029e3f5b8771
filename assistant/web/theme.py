"""The look: Gradio's default theme on system fonts (no web font is fetched from anywhere), the
page's CSS from static/*.css (one file per area), and the few styles outside the app's
container."""

from __future__ import annotations

from importlib import resources

import gradio as gr

_SANS = ["Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Liberation Sans", "DejaVu Sans"]
_MONO = ["SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "DejaVu Sans Mono"]
_CSS_FILES = ("base.css", "chat.css", "documents.css", "evaluation.css")  # in this order

# Outside the app's container, which Gradio scopes `css` to: narrower page margins on phones,
# and the footer's links readable (Gradio greys them out to 1.9:1; AA needs 4.5:1) and at least
# 24 px high.
HEAD = """<style>
@media (max-width: 640px) {
  .gradio-container .main.app { padding-left: 8px !important; padding-right: 8px !important; }
}
footer { opacity: 1 !important; }
footer, footer a, footer button, footer .show-api, footer .built-with, footer .settings {
  color: #374151 !important; opacity: 1 !important; }
.dark footer, .dark footer a, .dark footer button, .dark footer .show-api,
.dark footer .built-with, .dark footer .settings { color: #d1d5db !important; }
footer a, footer button { min-height: 24px; display: inline-flex; align-items: center; }
</style>"""


def theme() -> gr.themes.Base:
    """The default theme on system fonts (no web font is fetched from anywhere), with an accent
    dark enough for text."""
    return gr.themes.Default(
        font=[gr.themes.Font(name) for name in _SANS] + ["sans-serif"],
        font_mono=[gr.themes.Font(name) for name in _MONO] + ["monospace"],
    ).set(
        # The accent colours text (the selected tab, links): orange-500 is 2.8:1 on white,
        # orange-700 is 5.2:1 (AA asks 4.5:1). The dark theme's is set in base.css.
        color_accent="*primary_700",
    )


def css() -> str:
    """The page's CSS: the static files, in order."""
    static = resources.files("assistant.web").joinpath("static")
    return "\n".join(static.joinpath(name).read_text(encoding="utf-8") for name in _CSS_FILES)

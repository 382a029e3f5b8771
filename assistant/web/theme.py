"""The look: Gradio's default theme on system fonts (no web font is fetched from anywhere), the
page's CSS from static/*.css (one file per area), and the few styles outside the app's
container."""

from __future__ import annotations

from importlib import resources

import gradio as gr

_SANS = ["Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Liberation Sans", "DejaVu Sans"]
_MONO = ["SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "DejaVu Sans Mono"]
_CSS_FILES = ("base.css", "chat.css", "documents.css", "evaluation.css")  # in this order

# Outside the app's container, which Gradio scopes `css` to: narrower page margins on phones.
HEAD = """<style>
@media (max-width: 640px) {
  .gradio-container .main.app { padding-left: 8px !important; padding-right: 8px !important; }
}
</style>"""


def theme() -> gr.themes.Base:
    """The default theme on system fonts: no web font is fetched from anywhere."""
    return gr.themes.Default(
        font=[gr.themes.Font(name) for name in _SANS] + ["sans-serif"],
        font_mono=[gr.themes.Font(name) for name in _MONO] + ["monospace"],
    )


def css() -> str:
    """The page's CSS: the static files, in order."""
    static = resources.files("assistant.web").joinpath("static")
    return "\n".join(static.joinpath(name).read_text(encoding="utf-8") for name in _CSS_FILES)

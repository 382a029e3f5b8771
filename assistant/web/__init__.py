"""The web app: `build_app(assistant)` lays out and wires the Gradio Blocks (chat with sources,
documents, evaluation, and the `ask` API endpoint); `serve(settings)` syncs the index and serves
the app on settings.host:settings.port behind the security gate.

One job per module:
  layout.py      build_app: the title, the status line, the tabs and the API, put together
  chat.py        the Chat tab: layout, callbacks, wiring (conversation, sources, ratings, brief)
  documents.py   the Documents tab: layout, callbacks, wiring (table, add, remove, status line)
  evaluation.py  the Evaluation tab: layout, callbacks, wiring (run, latest report)
  api.py         the named `ask` endpoint
  render.py      pure HTML/Markdown renderers of answers and sources, and escaping
  events.py      what the tabs' callbacks and wiring share (event options, skipped outputs)
  theme.py       theme on system fonts; CSS from static/*.css
  gate.py        the security gate (ASGI middleware): hosts, origins, login, limits, headers
  launch.py      launch, serve, `python app.py`; exposure warnings, blocked paths
"""

from assistant.web.gate import Gate, GatePolicy
from assistant.web.launch import blocked_paths, exposure_warnings, launch, main, serve
from assistant.web.layout import build_app
from assistant.web.throttle import LoginThrottle

__all__ = [
    "Gate",
    "GatePolicy",
    "LoginThrottle",
    "blocked_paths",
    "build_app",
    "exposure_warnings",
    "launch",
    "main",
    "serve",
]

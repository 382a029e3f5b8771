"""The web app: `build_app(assistant)` lays out and wires the Gradio Blocks (chat with sources,
documents, evaluation, and the `ask` API endpoint); `api_app(assistant)` builds the REST and
OpenAI-compatible APIs; `serve(settings)` syncs the index and serves both on
settings.host:settings.port behind the security gate.

One job per module:
  layout.py      build_app: the title, the status line, the tabs and the API, put together
  chat.py        the Chat tab: layout, callbacks, wiring (conversation, sources, ratings, brief)
  documents.py   the Documents tab: layout, callbacks, wiring (table, add, remove, status line)
  evaluation.py  the Evaluation tab: layout, callbacks, wiring (run, latest report)
  api.py         Gradio's named `ask` endpoint
  rest.py        the REST API under /api/v1 (ask, documents, health)
  openai_compat.py  the OpenAI-compatible API under /v1 (chat completions, models)
  schemas.py     the APIs' typed requests and responses; history and answer-size bounds
  http_errors.py which status and body shape each error gets, per route
  server.py      composition: the APIs' app, its error handlers and docs page, the gate
  render.py      pure HTML/Markdown renderers of answers and sources, and escaping
  scope.py       the first screen's scope: documents, dates, vetted example questions, cached
  examples.py    example questions of several forms written from the indexed units (pure)
  events.py      what the tabs' callbacks and wiring share (event options, skipped outputs)
  folders.py     working folders named after their process; those a killed process left, removed
  theme.py       theme on system fonts; CSS from static/*.css
  gate.py        the security gate (ASGI middleware): hosts, origins, login, limits, headers
  throttle.py    failed logins by client and by account
  forwarded.py   forwarded headers, from trusted proxies only, parsed strictly
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

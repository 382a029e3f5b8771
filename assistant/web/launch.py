"""Serving the app: `serve(settings)` syncs the index (the first run builds it) and serves the
app and its APIs on settings.host:settings.port behind the security gate (composed in
server.py); `main` is `python app.py`. Gradio's telemetry is off and nothing in the page is
loaded from outside this machine."""

import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.config import Settings
from assistant.errors import UserError, run_for_user
from assistant.progress import progress_bar
from assistant.service import build_assistant
from assistant.web.layout import build_app
from assistant.web.render import TITLE
from assistant.web.server import api_app, app_kwargs
from assistant.web.theme import HEAD, css, theme


def launch(app: gr.Blocks, settings: Settings, *, api: Any = None, block: bool = True) -> str:
    """Serve the app (and `api`, the APIs' app, under /api/v1 and /v1) on
    settings.host:settings.port; returns the local URL (when not blocking)."""
    kwargs = app_kwargs(settings, api, app)
    try:
        url = _launch(app, settings, kwargs)
    except OSError as exc:
        raise UserError(
            f"cannot serve on {settings.host}:{settings.port}: {str(exc).split('. ')[0]}; "
            "is the port in use? Set ASSISTANT_PORT to another one"
        ) from None
    for line in exposure_warnings(settings):
        print(f"warning: {line}", file=sys.stderr, flush=True)
    print(f"{TITLE} is running at {url}  (Ctrl+C to stop)", flush=True)
    if block:
        try:
            app.block_thread()
        finally:
            app.close()
    return url


def exposure_warnings(settings: Settings) -> list[str]:
    """What to tell the operator when the app is reachable from other machines."""
    lines = []
    if settings.api_token is not None and settings.login is None:
        lines.append(
            "ASSISTANT_API_TOKEN is set but there is no login, so the APIs take no token; set "
            "ASSISTANT_AUTH_USERNAME and ASSISTANT_AUTH_PASSWORD to require one"
        )
    if settings.host in ("127.0.0.1", "localhost", "::1"):
        return lines
    if settings.login is None:
        lines.append(
            f"serving on {settings.host} without a login: anyone who can reach this port can "
            "ask, upload and remove documents; set ASSISTANT_AUTH_USERNAME and "
            "ASSISTANT_AUTH_PASSWORD, or keep ASSISTANT_HOST=127.0.0.1 behind a proxy"
        )
    if not settings.host_names:
        lines.append(
            "requests for any host name are answered, and browsers only from the origin a "
            "request is addressed to; list the names users reach this app by in "
            "ASSISTANT_ALLOWED_HOSTS (needed when a proxy in front rewrites the Host header)"
        )
    return lines


def blocked_paths(settings: Settings) -> list[str]:
    """Folders and files Gradio must never serve, whatever else allows them: the corpus, the
    index, the data (feedback), the evaluation set and any .env (uploads stay allowed)."""
    uploads = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")
    uploads = uploads.resolve()
    candidates = [
        settings.corpus_dir,
        settings.index_dir,
        settings.data_dir,
        settings.evals_dir / "questions.jsonl",
        Path(".env"),
    ]
    paths = []
    for path in (p.resolve() for p in candidates):
        if path == uploads or path in uploads.parents:
            continue  # blocking it would refuse every upload
        paths.append(str(path))
    return paths


def _launch(app: gr.Blocks, settings: Settings, kwargs: dict[str, Any]) -> str:
    app.queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)
    # uvicorn, which Gradio starts, reads the proxies it believes X-Forwarded-* from here (it
    # trusts 127.0.0.1 by default, which would let any local caller pick the address the login
    # throttle counts); the gate alone handles forwarded headers, from
    # ASSISTANT_TRUSTED_PROXIES. Gradio has no parameter for it.
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    _, url, _ = app.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        auth=settings.login,
        auth_message=f"Log in to the {TITLE}.",
        prevent_thread_lock=True,
        quiet=True,
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        enable_monitoring=False,
        strict_cors=True,
        footer_links=["api"],
        run_history=False,
        allowed_paths=[str((settings.evals_dir / "reports").resolve())],
        blocked_paths=blocked_paths(settings),
        max_file_size=int(settings.max_file_bytes * 2),
        app_kwargs=kwargs,
        theme=theme(),
        css=css(),
        head=HEAD,
    )
    return str(url)


def serve(settings: Settings) -> None:
    """Build the assistant, sync the index (the first run builds it), then serve the app.
    Against a shared Chroma server a replica syncs only an empty index: ingestion there is
    run once, by one process, and a replica with another corpus folder must not prune it.
    A busy port is reported before any of that, not after a long first sync."""
    check_port_free(settings)
    assistant = build_assistant(settings)
    if not settings.chroma_host or not assistant.documents():
        print(f"Syncing the index of {settings.corpus_dir} ...", flush=True)
        report = assistant.sync(progress=progress_bar())
        for error in report.failed:
            print(f"failed: {error}", file=sys.stderr)
        print(report.summary(), flush=True)
    assistant.embedder.encode(["warm up"])  # load the model now, not on the first question
    launch(build_app(assistant), settings, api=api_app(assistant))


def check_port_free(settings: Settings) -> None:
    """UserError (one line) when settings.host:settings.port cannot be listened on now."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as exc:
            raise UserError(
                f"cannot serve on {settings.host}:{settings.port}: "
                f"{exc.strerror or type(exc).__name__}; is the port in use? Set ASSISTANT_PORT "
                "to another one"
            ) from None


def main() -> None:
    """`python app.py`: serve with the settings from the environment (ASSISTANT_*, .env), like
    `assistant serve`."""
    raise SystemExit(run_for_user(lambda: serve(Settings())))

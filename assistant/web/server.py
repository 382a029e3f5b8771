"""The server's composition: one process, one ASGI app. Gradio's app is the outer one (its
launch runs the server, the queue and the login); the APIs are a FastAPI app of their own
(REST under /api/v1, OpenAI-compatible under /v1, their OpenAPI document and docs page),
reached through a route placed first in Gradio's router. The security gate is middleware of
the outer app, so it stands in front of every route, the APIs' included.

`api_app(assistant)` builds the APIs; `app_kwargs(settings, api)` is what Gradio's launch gets.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from assistant.chain import QuestionError
from assistant.config import Settings
from assistant.documents import DocumentNotFoundError
from assistant.errors import UserError
from assistant.history import HistoryError as TurnsError
from assistant.index.clients import StoreError
from assistant.index.embedding import EmbeddingModelError
from assistant.ingest.sync import IndexBusyError
from assistant.service import Assistant
from assistant.web.gate import Endpoints, Gate, GatePolicy
from assistant.web.http_errors import REST_PREFIX, error_bytes, is_api
from assistant.web.openai_compat import ChatError, openai_router
from assistant.web.render import TITLE
from assistant.web.rest import UploadRefusedError, rest_router
from assistant.web.schemas import HistoryError
from assistant.web.throttle import LoginThrottle

VERSION = "1"
# Which status each problem gets, on every API route
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (QuestionError, 400),
    (HistoryError, 400),
    (TurnsError, 400),
    (ChatError, 400),
    (DocumentNotFoundError, 404),
    (IndexBusyError, 409),
    (StoreError, 503),
    (EmbeddingModelError, 503),
)
_DOCS_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js")


def api_app(assistant: Assistant) -> FastAPI:
    """The REST and OpenAI-compatible APIs, their OpenAPI document and docs page."""
    app = FastAPI(
        title=f"{TITLE} API",
        version=VERSION,
        description="Answers with verified citations from the indexed documents, and the "
        'documents themselves. Errors are {"error": "one line"} (the /v1 routes use '
        "OpenAI's error shape). With the login on, send `Authorization: Bearer <token>` or "
        "the session cookie of a login.",
        openapi_url=f"{REST_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        middleware=[Middleware(_CatchAll)],
    )
    app.include_router(rest_router(assistant))
    app.include_router(openai_router(assistant))
    app.add_api_route(f"{REST_PREFIX}/docs", _docs_page, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        f"{REST_PREFIX}/docs/assets/{{name}}", _docs_asset, methods=["GET"], include_in_schema=False
    )
    for kind, status in STATUS:
        app.add_exception_handler(kind, _status_handler(status))
    app.add_exception_handler(UploadRefusedError, _upload_refused)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    return app


def app_kwargs(settings: Settings, api: Any = None, blocks: Any = None) -> dict[str, Any]:
    """What Gradio's launch passes to its FastAPI app: the gate as middleware (checking calls
    of `blocks`' events against their inputs), and the route to the APIs (when given) first
    in its router."""
    try:
        policy = GatePolicy.from_settings(settings)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    throttle = LoginThrottle(
        settings.login_max_failures, settings.login_window_s, settings.login_block_s
    )
    return {
        "middleware": [
            Middleware(Gate, policy=policy, throttle=throttle, endpoints=Endpoints.of(blocks))
        ],
        "routes": [ApiRoute(api)] if api is not None else [],
    }


class ApiRoute(BaseRoute):
    """Every request under /api/v1 or /v1, handed unchanged (same path) to the APIs' app."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def matches(self, scope: Scope) -> tuple[Match, dict[str, Any]]:
        if scope["type"] == "http" and is_api(scope.get("path", "")):
            return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)


# --- errors --------------------------------------------------------------------------------------


def error_response(request: Request, status: int, message: str, **headers: str) -> Response:
    return Response(
        error_bytes(request.url.path, status, message),
        status_code=status,
        media_type="application/json",
        headers=headers or None,
    )


def _status_handler(status: int) -> Any:
    async def handle(request: Request, exc: Exception) -> Response:
        return error_response(request, status, str(exc))

    return handle


async def _upload_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UploadRefusedError)
    return error_response(request, exc.status, str(exc))


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(request, 400, validation_message(exc.errors()))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"No such route: {request.url.path[:200]}; see {REST_PREFIX}/docs."
    elif exc.status_code == 405:
        message = f"{request.method} is not accepted on {request.url.path[:200]}."
    elif exc.status_code == 400:
        message = "The request body is not valid JSON."
    else:
        message = str(exc.detail)
    return error_response(request, exc.status_code, message, **(exc.headers or {}))


def validation_message(errors: Any) -> str:
    """One line from pydantic's errors: where (body.history.0.role -> history[0].role) and
    what."""
    if not errors:
        return "The request is not valid."
    first = errors[0]
    kind = first.get("type", "")
    loc = list(first.get("loc", ()))
    if loc and loc[0] in ("body", "query", "path"):
        loc = loc[1:]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if kind in ("json_invalid", "json_type"):
        return "The request body is not valid JSON: send a JSON object."
    if kind == "missing" and not where:
        return "The request has no body: send a JSON object."
    message = str(first.get("msg", "is not valid"))
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return f"{where or 'body'}: {message}{more}"


class _CatchAll:
    """Any other failure: a 500 with one line for the client, the traceback in the server's
    log (never in a response)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = False

        async def watch(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            if started or scope["type"] != "http":
                return
            body = error_bytes(
                scope.get("path", ""), 500, "The server failed to answer this request; try again."
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})


# --- the docs page: Swagger UI 5 from the fastapi-offline package (no CDN) -----------------------

_DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{TITLE} API</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<main id="api-docs"></main>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script>
SwaggerUIBundle({{url: "openapi.json", dom_id: "#api-docs", validatorUrl: null,
  deepLinking: false, queryConfigEnabled: false, tryItOutEnabled: false}});
</script>
</body>
</html>
"""


def _docs_page() -> HTMLResponse:
    return HTMLResponse(_DOCS_PAGE)


def _docs_asset(name: str) -> FileResponse:
    if name not in _DOCS_ASSETS:
        raise HTTPException(404)
    from importlib.resources import files

    path = files("fastapi_offline") / "static" / name
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(str(path), media_type=media, headers={"cache-control": "max-age=86400"})

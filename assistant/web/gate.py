"""The security gate: ASGI middleware in front of Gradio's routes, adding what Gradio leaves
out, for every route at once: Host and Origin checks (DNS rebinding, cross-site requests), the
login on every route but the login page's own, throttled logins, no remote fetches through
/file=URL, bounded request bodies, a bounded pool for direct (unqueued) API calls, and the
security headers (a Content-Security-Policy that keeps everything on this server) on every
response. SECURITY.md has the threat model and every limit with its setting.
"""

from __future__ import annotations

import json
import math
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from assistant.config import Settings

_API = "/gradio_api"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
# What the login page needs before there is a session (Gradio's public frontend code and
# theme, and the login itself); every other route answers 401 without one.
_PUBLIC_PATHS = frozenset(
    {
        "/",
        "/login",
        "/login/",
        "/logout",
        "/favicon.ico",
        "/theme.css",
        "/manifest.json",
        "/robots.txt",
        f"{_API}/theme.css",
        f"{_API}/login_check",
        f"{_API}/login_check/",
        f"{_API}/startup-events",  # Gradio's launch calls it; it runs the startup once
    }
)
_PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon")
_LOGIN_PATHS = frozenset({"/login", "/login/"})
_UPLOAD_PATHS = frozenset({f"{_API}/upload", f"{_API}/upload/"})
_DIRECT_PREFIXES = (f"{_API}/run/", f"{_API}/api/")
# Routes whose JSON bodies name the files an event gets (FileData); checked before Gradio
# reads them, since Gradio downloads a file named by a public URL.
_CALL_PREFIXES = (*_DIRECT_PREFIXES, f"{_API}/call/", f"{_API}/queue/join")
_REMOTE_PATH = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.I)
_REMOTE = re.compile(r"(?:^|/)(?:file|proxy)=\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.I)
# Nothing in the page comes from anywhere but this server: no remote image, font, frame or
# connection even if some markup slipped through (scripts are Gradio's own, inline).
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' data: blob:; "
    "font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class LoginThrottle:
    """Failed logins per client: after `max_failures` within `window_s` seconds, the client's
    logins are refused for `block_s` seconds. In memory, one per app; it tracks at most
    `max_clients` clients (the oldest are forgotten first)."""

    def __init__(
        self,
        max_failures: int,
        window_s: float,
        block_s: float,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.block_s = block_s
        self.max_clients = max_clients
        self.clock = clock
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._blocked: dict[str, float] = {}  # client -> blocked until
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float:
        """Seconds until the client may try again (0: now)."""
        with self._lock:
            until = self._blocked.get(client, 0.0)
            left = until - self.clock()
            if left <= 0:
                self._blocked.pop(client, None)
                return 0.0
            return left

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            recent = [t for t in self._failures.pop(client, []) if now - t < self.window_s]
            recent.append(now)
            if len(recent) >= self.max_failures:
                self._blocked[client] = now + self.block_s
                recent = []
            self._failures[client] = recent
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)
            if len(self._blocked) > self.max_clients:
                for key in [k for k, until in self._blocked.items() if until <= now]:
                    del self._blocked[key]

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


@dataclass(frozen=True)
class GatePolicy:
    hosts: frozenset[str]  # accepted Host names (lower case, no port); empty: any
    origins: frozenset[str]  # host names accepted in Origin whatever the Host says
    login: bool  # every route but the login page's needs a session
    direct_calls: int  # direct API calls answered at once ...
    direct_waiting: int  # ... and waiting; beyond: 503 at once
    max_body: int  # bytes, any request but an upload
    max_upload: int  # bytes, one upload request

    @classmethod
    def from_settings(cls, settings: Settings) -> GatePolicy:
        # Origins from any port of these names are the app's own (a proxy in front of it);
        # on loopback names only the exact origin of the request's Host is.
        extra = {h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip()}
        extra.add(settings.host.strip("[]").lower())
        return cls(
            hosts=settings.host_names,
            origins=frozenset(extra - {"*", "0.0.0.0", "::", "", *_LOOPBACK}),
            login=settings.login is not None,
            direct_calls=settings.concurrency,
            direct_waiting=settings.queue_size,
            max_body=settings.max_request_kb * 1024,
            max_upload=int(settings.max_file_bytes * 2) * 10 + 1_000_000,
        )


class Gate:
    """ASGI middleware in front of Gradio's routes (see the module docstring)."""

    def __init__(self, app: Any, policy: GatePolicy, throttle: LoginThrottle) -> None:
        self.app = app
        self.policy = policy
        self.throttle = throttle
        self._slots: Any = None  # asyncio.Semaphore, made in the server's loop
        self._waiting = 0
        self._refused_origins: set[str] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await _refuse(scope, send, *refusal)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        path, method = scope.get("path", ""), scope["method"]
        receive, send = self._bounded(scope, receive), _secured(send)
        if method == "POST" and path.startswith(_CALL_PREFIXES):
            body = await _read_body(receive)
            if body is None:
                await _refuse(scope, send, 413, "The request is too large.", {})
                return
            problem = _body_problem(body)
            if problem is not None:
                await _refuse(scope, send, *problem, {})
                return
            receive = _replay(body, receive)
        if path in _LOGIN_PATHS and method == "POST":
            await self._login(scope, receive, send)
        elif method == "POST" and path.startswith(_DIRECT_PREFIXES):
            await self._direct(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _refusal(self, scope: dict[str, Any]) -> tuple[int, str, dict[str, str]] | None:
        headers = _headers(scope)
        host = headers.get("host", "")
        hosts = [host, *([headers["x-forwarded-host"]] if "x-forwarded-host" in headers else [])]
        if self.policy.hosts and not all(_host_name(h) in self.policy.hosts for h in hosts):
            return 400, "Invalid Host header: this server does not answer to that name.", {}
        origin = headers.get("origin")
        if origin is not None and not self._same_site(origin, hosts):
            self._note_refused_origin(origin)
            return 403, "Cross-origin requests are not accepted.", {}
        # From another site (or another port of this one), a browser may only follow a link
        # to the page itself: not load a route as an image or script, nor navigate to /logout.
        path = scope.get("path", "")
        if headers.get("sec-fetch-site") in ("cross-site", "same-site") and (
            headers.get("sec-fetch-mode") != "navigate" or path != "/"
        ):
            return 403, "Cross-site requests are not accepted.", {}
        if _REMOTE.search(_unquoted(path)):
            return 403, "This server does not fetch remote files.", {}
        if self.policy.login and not _public(path) and not _signed_in(scope, headers):
            return 401, "Not authenticated: log in first.", {}
        limit = self.policy.max_upload if path in _UPLOAD_PATHS else self.policy.max_body
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > limit:
            return 413, f"The request is too large (the limit is {limit:,} bytes).", {}
        return None

    def _note_refused_origin(self, origin: str) -> None:
        """One line on stderr per refused origin (the first 100): behind a proxy that rewrites
        the Host header, the app's own public origin shows up here until it is listed."""
        if origin not in self._refused_origins and len(self._refused_origins) < 100:
            self._refused_origins.add(origin)
            print(
                f"refused requests from origin {origin[:100]!r}; if that is this app's own "
                "address, add its host name to ASSISTANT_ALLOWED_HOSTS",
                file=sys.stderr,
                flush=True,
            )

    def _same_site(self, origin: str, hosts: list[str]) -> bool:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False  # "null", file:, extensions
        netloc = parts.netloc.lower()
        return any(netloc == h.lower() for h in hosts) or _host_name(netloc) in self.policy.origins

    async def _login(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        client = _client(scope)
        wait = self.throttle.retry_after(client)
        if wait > 0:
            await _refuse(
                scope,
                send,
                429,
                f"Too many failed logins: try again in {math.ceil(wait)} s.",
                {"retry-after": str(math.ceil(wait))},
            )
            return
        status: list[int] = []

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] == 200:
            self.throttle.succeeded(client)
        elif status and status[0] in (400, 401, 403):
            self.throttle.failed(client)

    async def _direct(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        import asyncio

        if self._slots is None:
            self._slots = asyncio.Semaphore(self.policy.direct_calls)
        if self._slots.locked() and self._waiting >= self.policy.direct_waiting:
            await _refuse(scope, send, 503, BUSY, {"retry-after": "5"})
            return
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()

    def _bounded(self, scope: dict[str, Any], receive: Any) -> Any:
        """Stops reading a body (chunked, so no Content-Length) past the limit."""
        path = scope.get("path", "")
        limit = self.policy.max_upload if path in _UPLOAD_PATHS else self.policy.max_body
        seen = 0

        async def bounded() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    return {"type": "http.disconnect"}
            return message

        return bounded


BUSY = (
    "The assistant is busy: every answering slot and waiting place is taken. Try again in a moment."
)


async def _read_body(receive: Any) -> bytes | None:
    """The whole body (bounded by the receive it reads from); None if the client went away or
    the body was too large."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Any) -> Any:
    sent = False

    async def again() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _body_problem(body: bytes) -> tuple[int, str] | None:
    """A reason to refuse an API call's JSON body: unreadable, or naming a remote file."""
    if not body.strip():
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return 400, "The request body is not valid JSON."
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            path = item.get("path")
            if isinstance(path, str) and _REMOTE_PATH.match(path):
                return 403, "This server does not fetch remote files."
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        name = key.decode("latin-1").lower()
        if name not in headers:  # the first of repeated headers counts
            headers[name] = value.decode("latin-1")
    return headers


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _unquoted(path: str) -> str:
    for _ in range(3):  # double and triple encoding
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    return path


def _public(path: str) -> bool:
    return path in _PUBLIC_PATHS or path.startswith(_PUBLIC_PREFIXES)


def _signed_in(scope: dict[str, Any], headers: dict[str, str]) -> bool:
    """A session cookie that Gradio's login issued (Gradio keeps its tokens on its app)."""
    app = scope.get("app")
    tokens = getattr(app, "tokens", None)
    cookie_id = getattr(app, "cookie_id", None)
    if not tokens or cookie_id is None:
        return False
    from starlette.requests import cookie_parser

    cookies = cookie_parser(headers.get("cookie", ""))
    return any(
        cookies.get(name) in tokens
        for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}")
    )


def _client(scope: dict[str, Any]) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _secured(send: Any) -> Any:
    """Adds the security headers to every response."""

    async def secured(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            names = {k.lower() for k, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in _HEADERS if k not in names]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return secured


async def _refuse(
    scope: dict[str, Any], send: Any, status: int, detail: str, extra: dict[str, str]
) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"error": detail, "detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *[(k.encode(), v.encode()) for k, v in extra.items()],
        *_HEADERS,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

"""The security gate: ASGI middleware in front of every route (Gradio's, the REST API's and
the OpenAI-compatible API's), adding what Gradio leaves out, for all of them at once: forwarded
headers believed only from trusted proxies, Host and Origin checks (DNS rebinding, cross-site
requests), the login on every route but the login page's own (a session cookie, or for the
APIs a bearer token), logins throttled by client and by account, no remote fetches through
/file=URL, bounded request bodies, a bounded pool for direct (unqueued) answers, and the
security headers (a Content-Security-Policy that keeps everything on this server) on every
response. SECURITY.md has the threat model and every limit with its setting.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from assistant.config import Settings
from assistant.web.forwarded import ForwardedError, TrustedProxies, apply_forwarded
from assistant.web.http_errors import REST_PREFIX, error_bytes, is_api
from assistant.web.throttle import LoginThrottle

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
        f"{REST_PREFIX}/health",  # for load balancers: no documents, no answers
    }
)
_PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon")
_LOGIN_PATHS = frozenset({"/login", "/login/"})
_UPLOAD_PATHS = frozenset({f"{_API}/upload", f"{_API}/upload/", f"{REST_PREFIX}/documents"})
_DIRECT_PREFIXES = (f"{_API}/run/", f"{_API}/api/")
# Answers outside Gradio's queue share the direct pool (busy: 429 there, 503 for Gradio's)
_ANSWER_PATHS = frozenset({f"{REST_PREFIX}/ask", "/v1/chat/completions"})
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


_NO_PROXIES = TrustedProxies()
_LOGIN_ACCOUNT = "login"  # the app has one account: every failed login counts against it


@dataclass(frozen=True)
class GatePolicy:
    hosts: frozenset[str]  # accepted Host names (lower case, no port); empty: any
    origins: frozenset[str]  # host names accepted in Origin whatever the Host says
    login: bool  # every route but the login page's needs a session
    direct_calls: int  # direct API calls answered at once ...
    direct_waiting: int  # ... and waiting; beyond: 503 at once
    max_body: int  # bytes, any request but an upload
    max_upload: int  # bytes, one upload request
    body_timeout_s: float = 10.0  # a body arrives within this (an upload: no longer pause)
    proxies: TrustedProxies = _NO_PROXIES  # whose forwarded headers are believed
    # With the login on, the APIs also take `Authorization: Bearer <token>`: the digest of the
    # token (ASSISTANT_API_TOKEN, else the login password); its failures count as failed logins
    token_digest: bytes | None = field(default=None, repr=False)
    token_account: str = _LOGIN_ACCOUNT

    @classmethod
    def from_settings(cls, settings: Settings) -> GatePolicy:
        # Origins from any port of these names are the app's own (a proxy in front of it);
        # on loopback names only the exact origin of the request's Host is.
        extra = {h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip()}
        extra.add(settings.host.strip("[]").lower())
        login = settings.login
        token = settings.api_token.get_secret_value() if settings.api_token else ""
        return cls(
            hosts=settings.host_names,
            origins=frozenset(extra - {"*", "0.0.0.0", "::", "", *_LOOPBACK}),
            login=login is not None,
            direct_calls=settings.concurrency,
            direct_waiting=settings.queue_size,
            max_body=settings.max_request_kb * 1024,
            max_upload=int(settings.max_file_bytes * 2) * 10 + 1_000_000,
            body_timeout_s=settings.body_timeout_s,
            proxies=TrustedProxies.parse(settings.trusted_proxies),
            token_digest=_digest((token or login[1]).encode()) if login else None,
            token_account="api-token" if token else _LOGIN_ACCOUNT,
        )


class Gate:
    """ASGI middleware in front of every route (see the module docstring)."""

    def __init__(
        self,
        app: Any,
        policy: GatePolicy,
        throttle: LoginThrottle,
        endpoints: Endpoints | None = None,
    ) -> None:
        self.app = app
        self.policy = policy
        self.throttle = throttle
        self.endpoints = endpoints or Endpoints()
        self._slots: Any = None  # asyncio.Semaphore, made in the server's loop
        self._waiting = 0
        self._refused_origins: set[str] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            scope = apply_forwarded(scope, self.policy.proxies)
        except ForwardedError as exc:
            await _refuse(scope, send, 400, str(exc), {})
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await _refuse(scope, send, *refusal)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        path, method = scope.get("path", ""), scope["method"]
        send = _secured(send)
        upload = path in _UPLOAD_PATHS
        body = _Body(
            path,
            receive,
            send,
            self.policy.max_upload if upload else self.policy.max_body,
            self.policy.body_timeout_s,
            whole=not upload,
        )
        receive, send = body.receive, body.send
        answers = method == "POST" and (path.startswith(_DIRECT_PREFIXES) or path in _ANSWER_PATHS)
        if method == "POST" and (answers or path.startswith(_CALL_PREFIXES)):
            # the whole body first (within its limit and deadline), and only then an answering
            # slot: a client that sends slowly holds a connection, never a slot
            data = await body.read()
            if data is None:
                return  # refused (413, 408) or the client went away
            calls = path.startswith(_CALL_PREFIXES)
            problem = _body_problem(data, path, self.endpoints) if calls else None
            if problem is not None:
                await _refuse(scope, send, *problem, {})
                return
            receive = _replay(data, receive)
        if path in _LOGIN_PATHS and method == "POST":
            await self._login(scope, receive, send)
        elif answers:
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
            refusal = self._bearer(scope, headers) if is_api(path) else None
            if refusal is not None or not is_api(path):
                return refusal or (401, "Not authenticated: log in first.", {})
        limit = self.policy.max_upload if path in _UPLOAD_PATHS else self.policy.max_body
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > limit:
            return 413, f"The request is too large (the limit is {limit:,} bytes).", {}
        return None

    def _bearer(
        self, scope: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, str, dict[str, str]] | None:
        """None if the request carries the API's bearer token; else why not. A wrong token is
        a failed login (same throttle, same account)."""
        challenge = {"www-authenticate": 'Bearer realm="api"'}
        scheme, _, token = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or self.policy.token_digest is None:
            return 401, _NOT_AUTHENTICATED, challenge
        attempt = self.throttle.begin(_client(scope), self.policy.token_account)
        if attempt.wait > 0:
            wait = str(math.ceil(attempt.wait))
            return 429, f"Too many failed logins: try again in {wait} s.", {"retry-after": wait}
        # header bytes arrive decoded as latin-1: encoding them back gives the bytes sent (UTF-8)
        ok = hmac.compare_digest(_digest(token.strip().encode("latin-1")), self.policy.token_digest)
        self.throttle.finish(attempt, ok)
        return None if ok else (401, "The API token is wrong.", challenge)

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
        """A login attempt is reserved before Gradio checks it and counted when it answers,
        so concurrent attempts cannot all be checked before a block applies."""
        attempt = self.throttle.begin(_client(scope), _LOGIN_ACCOUNT)
        if attempt.wait > 0:
            wait = str(math.ceil(attempt.wait))
            message = f"Too many failed logins: try again in {wait} s."
            await _refuse(scope, send, 429, message, {"retry-after": wait})
            return
        status: list[int] = []

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            code = status[0] if status else 0
            outcome = {200: True, 400: False, 401: False, 403: False}.get(code)
            self.throttle.finish(attempt, outcome)

    async def _direct(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        import asyncio

        if self._slots is None:
            self._slots = asyncio.Semaphore(self.policy.direct_calls)
        if self._slots.locked() and self._waiting >= self.policy.direct_waiting:
            # the APIs say 429 (OpenAI clients retry it); Gradio's direct route keeps its 503
            status = 429 if is_api(scope.get("path", "")) else 503
            await _refuse(scope, send, status, BUSY, {"retry-after": "5"})
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


_NOT_AUTHENTICATED = (
    "Not authenticated: send the header 'Authorization: Bearer <token>' (ASSISTANT_API_TOKEN, "
    "or the login password when it is not set), or log in first."
)


BUSY = (
    "The assistant is busy: every answering slot and waiting place is taken. Try again in a moment."
)


class _Body:
    """A request's body, counted against its limit whether or not it says its length (chunked
    bodies too) and read within a deadline: the whole body within `timeout_s` (`whole`), or
    no pause longer than that (uploads, which may be large). Past either, the client gets 413
    or 408 and the app sees the client gone; whatever the app answers then is dropped."""

    def __init__(
        self, path: str, receive: Any, send: Any, limit: int, timeout_s: float, *, whole: bool
    ) -> None:
        import asyncio

        self.path = path
        self._receive, self._send = receive, send
        self.limit, self.timeout_s, self.whole = limit, timeout_s, whole
        self._clock = asyncio.get_running_loop().time
        self._deadline = self._clock() + timeout_s
        self._seen = 0
        self._done = False  # the body has been read to its end
        self._started = False  # a response has started
        self._refused = False

    async def receive(self) -> Any:
        import asyncio

        if self._refused:
            return {"type": "http.disconnect"}
        if self._done:
            return await self._receive()  # after the body: only a disconnect can come
        wait = self._deadline - self._clock() if self.whole else self.timeout_s
        try:
            message = await asyncio.wait_for(self._receive(), max(wait, 0.0))
        except TimeoutError:
            what = "The request body" if self.whole else "The upload paused for longer than"
            return await self._refuse(
                408,
                f"{what} did not arrive within {self.timeout_s:g} s; send it at once."
                if self.whole
                else f"{what} {self.timeout_s:g} s; send it at once.",
            )
        if message["type"] == "http.request":
            self._seen += len(message.get("body", b""))
            if self._seen > self.limit:
                return await self._refuse(
                    413, f"The request is too large (the limit is {self.limit:,} bytes)."
                )
            self._done = not message.get("more_body", False)
        return message

    async def read(self) -> bytes | None:
        """The whole body; None when it was refused or the client went away."""
        chunks: list[bytes] = []
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                return None
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def send(self, message: dict[str, Any]) -> None:
        if self._refused:
            return
        self._started = self._started or message["type"] == "http.response.start"
        await self._send(message)

    async def _refuse(self, status: int, detail: str) -> dict[str, Any]:
        if not self._started:
            self._refused = True
            await _refuse({"type": "http", "path": self.path}, self._send, status, detail, {})
        return {"type": "http.disconnect"}


def _replay(body: bytes, receive: Any) -> Any:
    sent = False

    async def again() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


@dataclass(frozen=True)
class Endpoint:
    """What a Gradio event takes: its inputs (the page sends them all) and those an API call
    sends (State inputs are skipped there)."""

    name: str
    inputs: tuple[str, ...]
    api_inputs: tuple[str, ...]


@dataclass(frozen=True)
class Endpoints:
    """The app's Gradio events by api_name and by fn_index, for checking a call's `data`
    before Gradio sees it (Gradio's own check answers `{"error": null}` when errors are
    not shown)."""

    by_name: dict[str, Endpoint] = field(default_factory=dict)
    by_index: dict[int, Endpoint] = field(default_factory=dict)

    @classmethod
    def of(cls, blocks: Any) -> Endpoints:
        """From a gr.Blocks (its `fns`, as Gradio 6 keeps them)."""
        by_name: dict[str, Endpoint] = {}
        by_index: dict[int, Endpoint] = {}
        for index, fn in getattr(blocks, "fns", {}).items():
            inputs = list(getattr(fn, "inputs", []) or [])
            name = fn.api_name if isinstance(getattr(fn, "api_name", None), str) else ""
            names = _parameters(getattr(fn, "fn", None))
            if len(names) != len(inputs):
                names = [_input_name(b) for b in inputs]
            endpoint = Endpoint(
                name or f"event {index}",
                tuple(names),
                tuple(n for n, b in zip(names, inputs, strict=True) if not _skipped(b)),
            )
            by_index[int(index)] = endpoint
            if name:
                by_name[name] = endpoint
        return cls(by_name, by_index)

    def problem(self, path: str, data: Any) -> str | None:
        """Why a call's body does not fit its event, or None (unknown events are Gradio's to
        refuse)."""
        if not isinstance(data, dict):
            return "The request body must be a JSON object with a `data` list."
        if path.startswith(f"{_API}/queue/join"):
            index = data.get("fn_index")
            endpoint = self.by_index.get(index) if isinstance(index, int) else None
        else:
            endpoint = self.by_name.get(path.rstrip("/").rsplit("/", 1)[-1])
        values = data.get("data")
        if endpoint is None:
            return None
        if not isinstance(values, list):
            return f"`data` must be a list of {endpoint.name}'s inputs: {_listed(endpoint)}."
        n = len(values)
        if n < len(endpoint.inputs) and n != len(endpoint.api_inputs):
            return (
                f"{endpoint.name} takes {len(endpoint.api_inputs)} inputs in `data` "
                f"({_listed(endpoint)}); got {n}."
            )
        return None


def _parameters(fn: Any) -> list[str]:
    """The names of a handler's positional parameters ([] when it has none to read)."""
    import inspect

    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in parameters if p.kind in kinds]


def _skipped(block: Any) -> bool:
    return bool(getattr(block, "skip_api", False))


def _input_name(block: Any) -> str:
    label = getattr(block, "label", None)
    return str(label) if label else type(block).__name__


def _listed(endpoint: Endpoint) -> str:
    return "[" + ", ".join(endpoint.api_inputs) + "]"


def _body_problem(body: bytes, path: str, endpoints: Endpoints) -> tuple[int, str] | None:
    """A reason to refuse an event call's JSON body: unreadable, naming a remote file, or not
    the inputs its event takes."""
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
            remote = item.get("path")
            if isinstance(remote, str) and _REMOTE_PATH.match(remote):
                return 403, "This server does not fetch remote files."
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    # the keyword form (call/v2) is matched to the parameters by Gradio itself
    keywords = path.startswith(f"{_API}/call/v2/")
    wrong = None if keywords else endpoints.problem(path, data)
    return (400, wrong) if wrong else None


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
    body = error_bytes(scope.get("path", ""), status, detail)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *[(k.encode(), v.encode()) for k, v in extra.items()],
        *_HEADERS,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _digest(token: bytes) -> bytes:
    return hashlib.sha256(token).digest()

"""Chroma clients: the embedded folder and the server, every server call retried with backoff
for about five seconds (a restart, a network blip), then one-line StoreError; the settings and
the error every index module shares."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import AuthorizationError, ChromaAuthError

from assistant.errors import UserError

GRACE_S = 60.0  # a superseded version stays readable this long after the commit that replaced it
_RETRY_DELAYS_S = (0.25, 0.5, 1.0, 1.25, 2.0)  # about 5 s of retries, then StoreError
_HTTP_TIMEOUT = httpx.Timeout(60.0, connect=5.0)  # the client's default is no timeout at all
HNSW = {"hnsw": {"space": "cosine"}}


class StoreError(UserError, RuntimeError):
    """The index could not be reached or read; the message says what to do."""


@dataclass(frozen=True)
class StoreConfig:
    collection: str
    index_dir: Path | None = None  # embedded when set
    host: str | None = None  # server when set
    port: int = 8000
    ssl: bool = False
    token: str | None = None
    grace_s: float = GRACE_S  # server: how long removed records stay for readers still on them

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}" if self.host else str(self.index_dir)


# --- Chroma clients ----------------------------------------------------------------------


def open_client(config: StoreConfig) -> Any:
    """A client for the Chroma server of config."""
    where = config.where
    headers = {"Authorization": f"Bearer {config.token}"} if config.token else None

    def connect() -> Any:
        return chromadb.HttpClient(
            host=config.host or "",
            port=config.port,
            ssl=config.ssl,
            headers=headers,
            settings=chroma_settings(),
        )

    try:
        client = retry(where, connect)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(
            f"cannot open the Chroma index at {where} ({detail(exc)}); check "
            "ASSISTANT_CHROMA_HOST, ASSISTANT_CHROMA_PORT and ASSISTANT_CHROMA_TOKEN"
        ) from exc
    set_timeout(client)
    return client


def chroma_settings() -> ChromaSettings:
    """A new object each time: chromadb's clients write their own fields into it."""
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def persistent(folder: Path) -> Any:
    try:
        return chromadb.PersistentClient(path=str(folder), settings=chroma_settings())
    except Exception as exc:
        raise StoreError(
            f"cannot open the Chroma index at {folder} ({detail(exc)}); check ASSISTANT_INDEX_DIR"
        ) from exc


def get_collection(client: Any, name: str) -> Any:
    return client.get_collection(name, embedding_function=None)


def get_or_create(client: Any, name: str) -> Any:
    return client.get_or_create_collection(name, configuration=HNSW, embedding_function=None)


def batch_limit(client: Any, wanted: int | None, where: str = "the index") -> int:
    limit = int(retry(where, client.get_max_batch_size))
    return max(1, min(limit, wanted) if wanted else limit)


def copy_chroma(source: Path, target: Path) -> None:
    """A consistent copy of a committed Chroma folder: SQLite through its backup API (a
    reader may be writing its bookkeeping row), the vector index files as they are (only a
    writer changes them, and the committed folder has none)."""
    for path in source.iterdir():
        if path.is_dir():
            shutil.copytree(path, target / path.name)
    src = sqlite3.connect(f"file:{source / 'chroma.sqlite3'}?mode=ro", uri=True)
    dst = sqlite3.connect(target / "chroma.sqlite3")
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Guarded:
    """A Chroma server collection whose calls survive a server restart: every method call
    goes through `retry`. The collection is looked up on first use."""

    def __init__(self, where: str, get: Callable[[], Any]) -> None:
        self._where = where
        self._get = get
        self._target: Any = None

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self._target is None:
                self._target = retry(self._where, self._get)
            return retry(self._where, getattr(self._target, name), *args, **kwargs)

        return call


def retry(where: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs), retried while the server cannot be reached (every call here is a
    read or an idempotent write: upserts and deletes by id). Then one line, as StoreError."""
    for delay in (*_RETRY_DELAYS_S, None):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if refused(exc):
                raise StoreError(
                    f"the Chroma server at {where} refused the request ({detail(exc)}); "
                    "check ASSISTANT_CHROMA_TOKEN"
                ) from exc
            if not unreachable(exc):
                raise
            if delay is None:
                raise StoreError(
                    f"the Chroma server at {where} is not reachable ({detail(exc)}; retried "
                    f"for {sum(_RETRY_DELAYS_S):.0f} s); check it is running"
                ) from exc
            time.sleep(delay)
    raise AssertionError("unreachable")


def unreachable(exc: BaseException) -> bool:
    """A connection-level failure (the client hides some inside a ValueError); a read that
    timed out is not retried: the server is up but slow, and waiting more would not help."""
    return any(
        isinstance(e, httpx.TransportError) and not isinstance(e, httpx.ReadTimeout)
        for e in (exc, exc.__cause__, exc.__context__)
    )


_REFUSALS = re.compile(r"\b(401|403)\b|unauthori[sz]ed|forbidden|authori[sz]ation required")


def refused(exc: BaseException) -> bool:
    """The server (or the proxy in front of it) rejected the credentials. The client raises a
    bare Exception (a ValueError while connecting) with the response body for errors that are
    not Chroma's own."""
    if isinstance(exc, ChromaAuthError | AuthorizationError):
        return True
    plain = type(exc) is Exception or isinstance(exc, ValueError)  # as the client wraps it
    return plain and bool(_REFUSALS.search(str(exc).lower()))


def detail(exc: BaseException) -> str:
    """The error as one short line: markup stripped, the first line, at most 160 characters."""
    text = " ".join(re.sub(r"<[^>]+>", " ", str(exc)).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def set_timeout(client: Any) -> None:
    """chromadb's HTTP client waits forever by default; a vanished server must not hang a
    replica's request. Reaches into the client's httpx session, skipped if it is not there."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = _HTTP_TIMEOUT

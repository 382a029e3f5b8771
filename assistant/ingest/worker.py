"""Parse files in a child process bounded in time and memory; an overrun is killed, not waited on.

`with ParseWorker(limits) as parse: doc = load_document(path, corpus, parse=parse)`. One child
serves many files; after a kill, the next file starts a fresh one. `CachedParser` is what a
process uses for every parse (ingestion, uploads, the document viewer, the API): one worker,
one parse at a time, results and refusals remembered by content hash. The child is a plain
`python -m assistant.ingest.worker` that imports only the loaders, caps its own address space
(RLIMIT_AS), and talks to the parent over a socket pair with multiprocessing's Connection.
"""

from __future__ import annotations

import hashlib
import logging
import resource
import socket
import subprocess
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType

from assistant.ingest.formats import parse_bytes
from assistant.ingest.formats.common import CorpusError, Parsed


@dataclass(frozen=True)
class ParseLimits:
    timeout_s: float = 60.0
    memory_mb: int = 1024


class ParseWorker:
    def __init__(self, limits: ParseLimits) -> None:
        self.limits = limits
        self._child: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __call__(self, suffix: str, data: bytes) -> Parsed:
        conn = self._connection()
        conn.send((suffix, data))
        if not conn.poll(self.limits.timeout_s):
            self.close()
            raise CorpusError(
                f"reading the file took longer than {self.limits.timeout_s:g} s, so it was "
                "stopped; split or simplify it, or raise ASSISTANT_PARSE_TIMEOUT_S"
            )
        try:
            ok, value = conn.recv()
        except (EOFError, OSError):  # the child died: the memory cap, or a crashing parser
            self.close()
            raise CorpusError(memory_message(self.limits.memory_mb)) from None
        if not ok:
            raise CorpusError(value)
        return value

    def close(self) -> None:
        conn, self._conn = self._conn, None
        child, self._child = self._child, None
        if conn is not None:
            conn.close()
        if child is not None:
            child.kill()
            child.wait()

    @staticmethod
    def _started(conn: Connection) -> bool:
        try:
            return conn.poll(_START_S) and conn.recv() == _READY
        except (EOFError, OSError):  # it died starting (a memory cap below what Python needs)
            return False

    def _connection(self) -> Connection:
        if self._conn is not None and self._child is not None and self._child.poll() is None:
            return self._conn
        self.close()
        mine, theirs = socket.socketpair()
        command = [sys.executable, "-m", "assistant.ingest.worker", str(theirs.fileno())]
        with theirs:
            self._child = subprocess.Popen(
                [*command, str(self.limits.memory_mb)],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        self._conn = Connection(mine.detach())
        # the time limit is the parse's: a fresh child's start (its imports: seconds on a busy
        # machine) is waited for first, up to _START_S
        if not self._started(self._conn):
            self.close()
            raise CorpusError(
                f"the file reader did not start within {_START_S:g} s; the machine may be "
                "overloaded: retry"
            )
        return self._conn


class CachedParser:
    """Every parse of a process goes through here: in a ParseWorker child (killed past the
    time or memory limit), one at a time (so parsing takes at most one core, however many
    viewers ask at once), and remembered by content hash, refusals included: a document
    viewed again, or an upload checked and then indexed, is parsed once, and a file that
    was stopped at a limit is not parsed again (until it changes or leaves the cache).

    The cache holds at most `max_entries` results and `max_chars` characters of text, the
    least recently used leaving first."""

    def __init__(
        self, limits: ParseLimits, max_entries: int = 64, max_chars: int = 20_000_000
    ) -> None:
        if max_entries <= 0 or max_chars <= 0:
            raise ValueError("the parse cache needs room for at least one entry")
        self.limits = limits
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.parses = 0  # files handed to a worker (not found in the cache)
        self._worker = ParseWorker(limits)
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Parsed | str] = OrderedDict()
        self._chars = 0

    def __call__(self, suffix: str, data: bytes) -> Parsed:
        key = hashlib.sha256(suffix.encode() + b"\0" + data).hexdigest()
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            else:
                self.parses += 1
                try:
                    found = self._worker(suffix, data)
                except CorpusError as exc:
                    found = str(exc)
                self._remember(key, found)
        if isinstance(found, str):
            raise CorpusError(found)
        return found

    def close(self) -> None:
        with self._lock:
            self._worker.close()

    def _remember(self, key: str, value: Parsed | str) -> None:
        size = _chars(value)
        if size > self.max_chars:
            return
        self._cache[key] = value
        self._chars += size
        while len(self._cache) > self.max_entries or self._chars > self.max_chars:
            _, old = self._cache.popitem(last=False)
            self._chars -= _chars(old)


def _chars(value: Parsed | str) -> int:
    return len(value) if isinstance(value, str) else len(value.text) + 1


def memory_message(memory_mb: int) -> str:
    return (
        f"reading the file needed more than {memory_mb} MB of memory, so it was stopped; "
        "split it, or raise ASSISTANT_PARSE_MEMORY_MB"
    )


_READY = "ready"  # what a child sends once it can parse
_START_S = 120.0


def serve(fd: int, memory_mb: int) -> None:
    """The child's loop: (suffix, data) in, (True, Parsed) or (False, one-line reason) out."""
    cap = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a broken PDF's warnings, by thousands
    conn = Connection(fd)
    conn.send(_READY)
    while True:
        try:
            suffix, data = conn.recv()
        except EOFError:
            return
        try:
            reply: tuple[bool, object] = (True, parse_bytes(suffix, data))
        except CorpusError as exc:
            reply = (False, str(exc))
        except MemoryError:
            reply = (False, memory_message(memory_mb))
        del data
        conn.send(reply)


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]))

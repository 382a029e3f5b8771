"""The login throttle: failed logins counted per client address and per account, so that
neither many addresses against one account nor one address against many accounts gets more
than a few guesses. SECURITY.md has the numbers and why the account block is bounded.

An attempt is reserved before it is evaluated (`begin`) and counted when its outcome is known
(`finish`), under one lock: attempts under way count as failures until they finish, so a burst
of concurrent logins gets no more evaluations than the limit.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Attempt:
    """A reserved login attempt: `wait` > 0 means refused (seconds until the next try);
    otherwise evaluate it and hand it back to `finish`."""

    keys: tuple[str, ...]
    wait: float = 0.0


class LoginThrottle:
    """After `max_failures` failed logins within `window_s` seconds from one client, or
    against one account from any clients, that client's (or account's) logins are refused for
    `block_s` seconds; attempts during a block are not evaluated and do not extend it. A client
    address that has logged in successfully is exempt from account blocks (never from its own),
    so an attacker elsewhere cannot lock the real user out of a browser they already used. In
    memory, one per app, tracking at most `max_keys` clients and accounts (oldest forgotten)."""

    def __init__(
        self,
        max_failures: int,
        window_s: float,
        block_s: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.block_s = block_s
        self.max_keys = max_keys
        self.clock = clock
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._blocked: dict[str, float] = {}  # key -> blocked until
        self._pending: dict[str, int] = {}  # key -> attempts being evaluated
        self._known: OrderedDict[str, None] = OrderedDict()  # clients that logged in
        self._lock = threading.Lock()

    def begin(self, client: str, account: str | None = None) -> Attempt:
        """Reserve an attempt by `client` at `account` (None: no account is named)."""
        with self._lock:
            now = self.clock()
            keys = [f"client:{client}"]
            if account is not None and client not in self._known:
                keys.append(f"account:{account[:200]}")
            wait = max(self._blocked_for(key, now) for key in keys)
            if wait > 0:
                return Attempt(tuple(keys), wait)
            for key in keys:
                if len(self._recent(key, now)) + self._pending.get(key, 0) >= self.max_failures:
                    return Attempt(tuple(keys), 1.0)  # the attempts under way may block it
            for key in keys:
                self._pending[key] = self._pending.get(key, 0) + 1
            return Attempt(tuple(keys))

    def finish(self, attempt: Attempt, ok: bool | None) -> None:
        """The outcome of an attempt `begin` allowed: True (logged in), False (wrong
        credentials) or None (neither, e.g. a malformed request: nothing is counted)."""
        if attempt.wait > 0:
            return
        with self._lock:
            now = self.clock()
            for key in attempt.keys:
                left = self._pending.get(key, 0) - 1
                if left > 0:
                    self._pending[key] = left
                else:
                    self._pending.pop(key, None)
            if ok:
                client = attempt.keys[0].removeprefix("client:")
                self._known[client] = None
                self._known.move_to_end(client)
                for key in attempt.keys:
                    self._failures.pop(key, None)
            elif ok is False:
                for key in attempt.keys:
                    self._failed(key, now)
            self._forget_oldest(now)

    # --- internals (the lock is held) --------------------------------------------------------
    def _blocked_for(self, key: str, now: float) -> float:
        left = self._blocked.get(key, 0.0) - now
        if left <= 0:
            self._blocked.pop(key, None)
            return 0.0
        return left

    def _recent(self, key: str, now: float) -> list[float]:
        return [t for t in self._failures.get(key, []) if now - t < self.window_s]

    def _failed(self, key: str, now: float) -> None:
        recent = [*self._recent(key, now), now]
        self._failures.pop(key, None)
        if len(recent) >= self.max_failures:
            self._blocked[key] = now + self.block_s
            recent = []
        self._failures[key] = recent

    def _forget_oldest(self, now: float) -> None:
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)
        while len(self._known) > self.max_keys:
            self._known.popitem(last=False)
        if len(self._blocked) > self.max_keys:
            for key in [k for k, until in self._blocked.items() if until <= now]:
                del self._blocked[key]

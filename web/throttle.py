"""Slow down password guessing: a few failed sign-ins per account name and
per client address, then a pause.

Kept in each worker process's memory (no shared state to set up): with W
workers an attacker gets at most W times the allowance, still a handful of
guesses a minute where Argon2 alone would allow hundreds.

>>> throttle = LoginThrottle(allowed=2, window_s=60)
>>> throttle.blocked(["ana", "10.0.0.1"], now=0)
0
>>> for _ in range(2): throttle.failed(["ana", "10.0.0.1"], now=1)
>>> throttle.blocked(["ana"], now=2)
59
>>> throttle.blocked(["ana"], now=61)
0
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable


class LoginThrottle:
    def __init__(self, allowed: int = 5, window_s: float = 300, max_keys: int = 50_000) -> None:
        self.allowed = allowed
        self.window_s = window_s
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key) or deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def blocked(self, keys: Iterable[str], now: float | None = None) -> int:
        """Seconds to wait before another attempt for any of ``keys`` (0: go ahead)."""
        now = time.monotonic() if now is None else now
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.allowed:
                    wait = max(wait, times[0] + self.window_s - now)
        return int(wait)

    def failed(self, keys: Iterable[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._failures) > self.max_keys:  # a flood of names: forget, do not grow
                self._failures.clear()
            for key in keys:
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times

    def succeeded(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

"""Slow down password guessing: a few failed sign-ins per account name and
per client address, then a pause.

The failures are kept in a table of ``users.db`` (web.accounts; SQLite in
WAL mode, so a write does not block readers), shared by every gunicorn
worker process: W workers do not give an attacker W times the allowance,
and a restart does not reset it. Each failure is one row (key, time);
rows older than the window are deleted as new ones come in.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "users.db"
>>> worker_1, worker_2 = LoginThrottle(path, allowed=2, window_s=60), LoginThrottle(path, allowed=2, window_s=60)
>>> worker_1.blocked(["name:ana", "addr:10.0.0.1"], now=0)
0
>>> worker_1.failed(["name:ana", "addr:10.0.0.1"], now=1); worker_2.failed(["name:ana"], now=1)
>>> worker_2.blocked(["name:ana"], now=2), worker_1.blocked(["addr:10.0.0.1"], now=2)
(59, 0)
>>> worker_1.blocked(["name:ana"], now=61)
0
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures (key, at);
CREATE INDEX IF NOT EXISTS login_failures_at ON login_failures (at);
"""
MAX_KEY = 200  # characters of a key kept (a name is at most 64; an address less)


class ThrottleUnavailable(RuntimeError):
    """The failures table cannot be read or written (one line); signing in
    is refused rather than left unthrottled."""


class LoginThrottle:
    def __init__(self, path: Path, allowed: int = 5, window_s: float = 300) -> None:
        self.path = Path(path)
        self.allowed = allowed
        self.window_s = window_s

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._open() as db:
                yield db
        except (sqlite3.Error, OSError) as exc:
            raise ThrottleUnavailable(f"cannot record sign-in attempts in {self.path.name}: {exc}") from None

    @contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():  # private, like the accounts kept beside it
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch(mode=0o600, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            yield db
        finally:
            db.close()

    def blocked(self, keys: Iterable[str], now: float | None = None) -> int:
        """Seconds to wait before another attempt for any of ``keys`` (0: go ahead)."""
        now = time.time() if now is None else now
        keys = [k[:MAX_KEY] for k in keys]
        if not keys:
            return 0
        with self._db() as db:
            rows = db.execute(
                f"SELECT COUNT(*), MIN(at) FROM login_failures WHERE at > ? AND key IN ({','.join('?' * len(keys))}) "
                "GROUP BY key", [now - self.window_s, *keys]).fetchall()
        waits = [first + self.window_s - now for count, first in rows if count >= self.allowed]
        return int(max(waits, default=0.0))

    def failed(self, keys: Iterable[str], now: float | None = None) -> None:
        """One more failed attempt for each of ``keys``."""
        now = time.time() if now is None else now
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM login_failures WHERE at <= ?", (now - self.window_s,))
            db.executemany("INSERT INTO login_failures (key, at) VALUES (?, ?)", [(k[:MAX_KEY], now) for k in keys])
            db.execute("COMMIT")

    def succeeded(self, keys: Iterable[str]) -> None:
        """Forget the failures of ``keys`` (the account signed in)."""
        keys = [k[:MAX_KEY] for k in keys]
        if not keys:
            return
        with self._db() as db:
            db.execute(f"DELETE FROM login_failures WHERE key IN ({','.join('?' * len(keys))})", keys)

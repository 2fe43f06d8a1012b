"""Accounts, roles and API tokens, kept in ``users.db`` in the index folder.

Roles: ``reader`` (search, read, download), ``editor`` (also saves and
deletes saved searches), ``admin`` (as editor; the role for whoever runs
the site). Passwords are hashed with Argon2id (argon2-cffi); API tokens
are random and only their SHA-256 is stored, so neither can be read back
from the file. Changing a password or removing an account ends its
sessions (each account has a ``session_version`` that sessions carry).

>>> import tempfile, pathlib
>>> accounts = AccountStore(pathlib.Path(tempfile.mkdtemp()) / "users.db")
>>> accounts.add("ana", "reader", "correct horse battery")
>>> accounts.check_password("ana", "correct horse battery").role, accounts.check_password("ana", "wrong")
('reader', None)
>>> token = accounts.new_token("ana", "scripts")
>>> accounts.user_for_token(token).name
'ana'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLES = ("reader", "editor", "admin")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # Argon2 hashes any length; a cap keeps a login POST cheap
TOKEN_PREFIX = "fst_"
FILE_NAME = "users.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT NOT NULL,
    session_version INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY, name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    label TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL
);
"""

_HASHER = PasswordHasher()  # Argon2id with argon2-cffi's current defaults (RFC 9106 low-memory profile)
_DUMMY_HASH = _HASHER.hash("an unknown user still costs one hash")


class AccountError(ValueError):
    """A name, role or password that cannot be used; one line for users."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    session_version: int
    created_at: str

    @property
    def can_write(self) -> bool:
        return self.role in ("editor", "admin")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name or ""):
        raise AccountError(f"bad account name {name[:70]!r}: 1-64 letters, digits, '.', '_', '@' or '-'")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long: at most {MAX_PASSWORD} characters")
    return password


def accounts_path(index_root: Path) -> Path:
    """Beside the index and saved.db: ``<index>/users.db``."""
    return Path(index_root) / FILE_NAME


class AccountStore:
    """The accounts file. One connection per use (cheap with SQLite); the
    file is created 0600 on first write."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self, write: bool = False) -> sqlite3.Connection:
        if write and not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch(mode=0o600, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("PRAGMA foreign_keys=ON")
        if write:
            db.executescript(SCHEMA)
        return db

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        if not self.path.exists():
            return []
        db = self._connect()
        try:
            return db.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise
        finally:
            db.close()

    # -- reading -------------------------------------------------------------
    def has_users(self) -> bool:
        return bool(self._read("SELECT 1 FROM users LIMIT 1"))

    def users(self) -> list[User]:
        return [User(*row) for row in self._read(
            "SELECT name, role, session_version, created_at FROM users ORDER BY name")]

    def get(self, name: str) -> User | None:
        rows = self._read("SELECT name, role, session_version, created_at FROM users WHERE name=?", (name,))
        return User(*rows[0]) if rows else None

    def check_password(self, name: str, password: str) -> User | None:
        """The account if ``password`` is its password, else None. An unknown
        name costs one hash too, so timing does not tell which names exist."""
        rows = self._read("SELECT password FROM users WHERE name=?", (name,)) if NAME_PATTERN.fullmatch(name or "") else []
        stored = rows[0][0] if rows else _DUMMY_HASH
        if not password or len(password) > MAX_PASSWORD:
            return None
        try:
            _HASHER.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if not rows:
            return None
        if _HASHER.check_needs_rehash(stored):
            self._write("UPDATE users SET password=? WHERE name=?", (_HASHER.hash(password), name))
        return self.get(name)

    def user_for_token(self, token: str) -> User | None:
        if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        rows = self._read("SELECT u.name, u.role, u.session_version, u.created_at FROM tokens t "
                          "JOIN users u ON u.name = t.name WHERE t.digest=?", (token_digest(token),))
        return User(*rows[0]) if rows else None

    def tokens(self, name: str) -> list[tuple[str, str]]:
        """(label, created_at) of an account's tokens."""
        return self._read("SELECT label, created_at FROM tokens WHERE name=? ORDER BY created_at", (name,))

    # -- writing -------------------------------------------------------------
    def _write(self, sql: str, args: tuple = ()) -> int:
        db = self._connect(write=True)
        try:
            return db.execute(sql, args).rowcount
        finally:
            db.close()

    def add(self, name: str, role: str, password: str) -> None:
        check_name(name)
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        check_password(password)
        try:
            self._write("INSERT INTO users (name, role, password, created_at) VALUES (?, ?, ?, ?)",
                        (name, role, _HASHER.hash(password), _now()))
        except sqlite3.IntegrityError:
            raise AccountError(f"an account named {name!r} exists") from None

    def _require(self, name: str) -> None:
        if self.get(name) is None:
            raise AccountError(f"no account named {name[:70]!r}")

    def set_password(self, name: str, password: str) -> None:
        """A new password; the account's sessions end."""
        self._require(name)
        check_password(password)
        self._write("UPDATE users SET password=?, session_version=session_version+1 WHERE name=?",
                    (_HASHER.hash(password), name))

    def set_role(self, name: str, role: str) -> None:
        self._require(name)
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        self._write("UPDATE users SET role=?, session_version=session_version+1 WHERE name=?", (role, name))

    def remove(self, name: str) -> None:
        """The account, its tokens and (through its session version) its sessions."""
        self._require(name)
        self._write("DELETE FROM users WHERE name=?", (name,))

    def new_token(self, name: str, label: str = "") -> str:
        """A new API token for ``name``, returned once (only its digest is kept)."""
        self._require(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self._write("INSERT INTO tokens (digest, name, label, created_at) VALUES (?, ?, ?, ?)",
                    (token_digest(token), name, label[:100], _now()))
        return token

    def revoke_tokens(self, name: str) -> int:
        self._require(name)
        return self._write("DELETE FROM tokens WHERE name=?", (name,))

"""CSRF tokens for the site's few POST forms, tied to the visitor's session.

A random secret is made once and kept in the index folder (``web-secret``,
mode 0600), so every gunicorn worker signs and checks with the same key. A
token is ``<issued unix time>.<HMAC-SHA256(secret, time and binding)>``,
where the binding is a random value kept in the visitor's signed session
cookie (web.saved_routes; anonymous visitors get one too): another site
cannot read the token from our pages (same-origin policy), and a token
read or leaked from one visitor's page is worthless with another's cookie,
after signing in (a new session) or after signing out.

>>> import tempfile, pathlib
>>> signer = CsrfSigner(pathlib.Path(tempfile.mkdtemp()) / "web-secret")
>>> token = signer.token("session-a")
>>> signer.check(token, "session-a"), signer.check(token, "session-b"), signer.check(token, None)
(True, False, False)
>>> signer.check("1.forged", "session-a"), signer.check(None, "session-a")
(False, False)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path

SECRET_NAME = "web-secret"
MAX_AGE_S = 7 * 24 * 3600  # a page left open for a week can still save


class CsrfSigner:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._secret: bytes | None = None
        self._lock = threading.Lock()

    def secret(self) -> bytes:
        """The shared secret, created on first use; raises OSError when the
        index folder cannot be read or written."""
        if self._secret is None:
            with self._lock:
                if self._secret is None:
                    self._secret = self._load_or_create()
        return self._secret

    def _load_or_create(self) -> bytes:
        try:
            return self._read()
        except FileNotFoundError:
            pass
        # Written whole to a private temporary file, then hard-linked into
        # place: link() fails if another worker won the race, and then we
        # read theirs, so all workers end up with one secret.
        temp = self.path.with_name(f".{SECRET_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            try:
                os.link(temp, self.path)
            except FileExistsError:
                pass
        finally:
            temp.unlink(missing_ok=True)
        return self._read()

    def _read(self) -> bytes:
        text = self.path.read_text().strip()
        if len(text) < 32:
            raise OSError(f"{self.path} is too short to be a secret")
        return text.encode()

    def _mac(self, issued: str, binding: str) -> str:
        return hmac.new(self.secret(), f"csrf:{issued}:{binding}".encode("utf-8", "replace"),
                        hashlib.sha256).hexdigest()

    def token(self, binding: str, now: float | None = None) -> str:
        """A token for forms shown to the session whose binding value is ``binding``."""
        issued = str(int(now if now is not None else time.time()))
        return f"{issued}.{self._mac(issued, binding)}"

    def check(self, token: str | None, binding: str | None, now: float | None = None) -> bool:
        """True for a token this site issued to the session bound to ``binding``
        less than MAX_AGE_S ago; False for anything else (no session: False)."""
        # A time is at most 12 digits and a MAC 64 hex digits: anything longer
        # is refused before int() (which raises past 4,300 digits).
        if not token or not binding or len(token) > 100:
            return False
        issued, _, mac = token.partition(".")
        if not (issued.isascii() and issued.isdigit()) or len(issued) > 12 or not mac:
            return False
        age = (now if now is not None else time.time()) - int(issued)
        return -300 <= age <= MAX_AGE_S and hmac.compare_digest(mac, self._mac(issued, binding))


def new_binding() -> str:
    """A random binding value for a session that has none yet."""
    return secrets.token_urlsafe(18)

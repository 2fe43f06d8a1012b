"""Who is asking, and what they may do: sessions, API tokens, the login page.

Three ways to run the site (decided on every request, so adding the first
account to a running site locks it at once):

- **open local mode**: no accounts in ``users.db`` and no ``--public``.
  Everyone is the machine's owner (full rights), but only clients on the
  loopback interface are answered: today's ``foiasearch serve``.
- **accounts**: at least one account. Visitors sign in at ``/login``
  (a signed session cookie: HttpOnly, SameSite=Lax, Secure over https or
  with ``--secure-cookies``); scripts send ``Authorization: Bearer TOKEN``.
  Without ``--public``, nothing but the login page is shown to others.
- **public** (``--public``): anonymous visitors may search and read; they
  cannot change anything, see no private collection and no server path,
  download originals only with ``--public-originals``, and exports are
  capped. Accounts still sign in for more.

Roles: reader (read), editor and admin (also save and delete searches).

>>> Visitor("ana", "reader").can_write, Visitor(None, ANONYMOUS).sees_private, Visitor(None, LOCAL).can_write
(False, False, True)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, Response, current_app, g, jsonify, redirect, render_template, request,
                   session)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import Forbidden

from foiasearch.search.api import Query
from foiasearch.web.accounts import AccountStore, User, accounts_path
from foiasearch.web.deadline import search_budget  # noqa: F401 - the views take it from here
from foiasearch.web.settings import SiteSettings
from foiasearch.web.throttle import LoginThrottle, ThrottleUnavailable

ANONYMOUS = "anonymous"
LOCAL = "local"  # open local mode: the owner of the machine
SESSION_HOURS = 12
OPEN_ENDPOINTS = {"static", "auth.login_page", "auth.login", "auth.logout"}
ORIGINAL_ENDPOINTS = {"web.document_original"}
bp = Blueprint("auth", __name__)


@dataclass(frozen=True)
class Visitor:
    name: str | None
    role: str  # local | anonymous | reader | editor | admin
    via_token: bool = False

    @property
    def signed_in(self) -> bool:
        return self.name is not None

    @property
    def can_write(self) -> bool:
        return self.role in (LOCAL, "editor", "admin")

    @property
    def sees_private(self) -> bool:
        """Private collections are for the owner and for signed-in accounts."""
        return self.role != ANONYMOUS

    @property
    def sees_paths(self) -> bool:
        """Server paths (the index folder, files' paths) are not for the public."""
        return self.role != ANONYMOUS


def public_paths(paths: list[str]) -> list[str]:
    """Paths as the public sees them: the file names, not where they sit on the server.

    >>> public_paths(["/srv/foia/board/minutes.pdf"])
    ['minutes.pdf']
    """
    return [os.path.basename(p) or p for p in paths]


def hidden_collections() -> tuple[str, ...]:
    """The private collections the current visitor may not see."""
    return () if visitor().sees_private else settings().private_collections


def visible(query: Query) -> Query:
    """``query`` as the current visitor may run it: private collections
    hidden at the engine (search.api Query.hidden_collections), so no
    output (hits, counts, facets, suggestions, exports, feeds) has them."""
    return dataclasses.replace(query, hidden_collections=hidden_collections())


def is_hidden(collections: list[str]) -> bool:
    """Whether any of a document's collections is hidden from the visitor.

    >>> # is_hidden(["board"]) for an anonymous visitor with private_collections=("Board",)
    """
    hidden = {c.strip().lower() for c in hidden_collections()}
    return bool(hidden) and any(c.strip().lower() in hidden for c in collections if c)


def settings() -> SiteSettings:
    return current_app.extensions["foiasearch_settings"]


def accounts() -> AccountStore:
    return current_app.extensions["foiasearch_accounts"]


def visitor() -> Visitor:
    """The current request's visitor (set before every request)."""
    return g.get("visitor") or Visitor(None, ANONYMOUS)


# -- sessions --------------------------------------------------------------------
class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, keyed from the index folder's secret
    (web-secret, shared by all workers), Secure over https."""

    def get_signing_serializer(self, app: Flask):
        try:
            secret = app.extensions["foiasearch_csrf"].secret()
        except OSError:
            return None  # no secret: no sessions (the login page says so)
        app.secret_key = hmac.new(secret, b"session", hashlib.sha256).hexdigest()
        return super().get_signing_serializer(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure or app.extensions["foiasearch_settings"].secure_cookies)


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").split("%")[0]).is_loopback
    except ValueError:
        return False


def _identify() -> Visitor | Response:
    """The visitor from a bearer token, a session, or the site's mode."""
    store, conf = accounts(), settings()
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = store.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            return _unauthorized("the API token is not valid (send Authorization: Bearer TOKEN)")
        return Visitor(user.name, user.role, via_token=True)
    name = session.get("user")
    if isinstance(name, str):
        user = store.get(name)
        if user is not None and session.get("v") == user.session_version:
            return Visitor(user.name, user.role)
        session.clear()  # removed, or its password changed: the session ends
    if conf.public or store.has_users():
        return Visitor(None, ANONYMOUS)
    return Visitor(None, LOCAL)


def _unauthorized(message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="foiasearch"'
    return response


def gate():
    """Before every request: who is asking, and may they see this at all."""
    found = _identify()
    if isinstance(found, Response):
        return found
    g.visitor = found
    conf, endpoint = settings(), request.endpoint or ""
    if found.role == LOCAL and not _is_loopback(request.remote_addr):
        raise Forbidden("This site has no accounts yet, so it answers only on this machine: "
                        "add one with 'foiasearch users add NAME --role admin', or serve it with --public.")
    if endpoint in OPEN_ENDPOINTS:
        return None
    if found.role == ANONYMOUS and not conf.public:
        if request.path.startswith("/api/"):
            return _unauthorized("sign in: send Authorization: Bearer TOKEN (foiasearch users token NAME)")
        return redirect(f"/login?next={_quote_next(request.full_path)}", code=303)
    if request.method not in ("GET", "HEAD", "OPTIONS") and not found.can_write:
        raise Forbidden("Your account can read but not change anything here." if found.signed_in
                        else "Sign in with an editor's account to change anything here.")
    if endpoint in ORIGINAL_ENDPOINTS and found.role == ANONYMOUS and not conf.originals_for_anonymous:
        raise Forbidden("Original files are not offered to the public here; the text is on the document page.")
    return None


def _quote_next(path: str) -> str:
    from urllib.parse import quote

    return quote(path.rstrip("?"), safe="/")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only.

    >>> [safe_next(t) for t in ("/saved?x=1", "//evil.example/", "https://evil.example/", "/\\\\evil", None)]
    ['/saved?x=1', '/', '/', '/', '/']
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return "/"
    return target[:2000]


# -- pages ---------------------------------------------------------------------------
def form_token() -> str | None:
    """A CSRF token for the login and logout forms (anyone may use them)."""
    from foiasearch.web.saved_routes import csrf_token_any

    return csrf_token_any()


@bp.get("/login")
def login_page():
    return render_template("login.html", next=safe_next(request.args.get("next")), error=None,
                           name="", token=form_token())


@bp.post("/login")
def login():
    from foiasearch.web.saved_routes import require_csrf

    require_csrf()
    name = request.form.get("name", "").strip()[:64]
    password = request.form.get("password", "")
    target = safe_next(request.form.get("next"))
    keys = [f"name:{name.lower()}", f"addr:{request.remote_addr}"]
    throttle: LoginThrottle = current_app.extensions["foiasearch_throttle"]
    try:
        wait = throttle.blocked(keys)
        if wait:
            return render_template("login.html", next=target, name=name, token=form_token(),
                                   error=f"Too many failed attempts: try again in {wait + 1} seconds."), 429
        user: User | None = accounts().check_password(name, password)
        if user is None:
            throttle.failed(keys)
            return render_template("login.html", next=target, name=name, token=form_token(),
                                   error="Wrong account name or password."), 401
        throttle.succeeded(keys[:1])
    except ThrottleUnavailable as exc:
        current_app.logger.warning("sign-in refused: %s", exc)
        return render_template("login.html", next=target, name=name, token=form_token(),
                               error="Signing in is unavailable right now; the server log says why."), 503
    session.clear()  # a fresh session: nothing carried over from before signing in
    session.permanent = True
    session["user"], session["v"] = user.name, user.session_version
    return redirect(target, code=303)


@bp.post("/logout")
def logout():
    from foiasearch.web.saved_routes import require_csrf

    require_csrf()
    session.clear()
    return redirect("/", code=303)


def install(app: Flask) -> None:
    """Accounts, sessions and the gate, for ``create_app``."""
    users_db = accounts_path(app.extensions["foiasearch"].location.root)
    app.extensions["foiasearch_accounts"] = AccountStore(users_db)
    app.extensions["foiasearch_throttle"] = LoginThrottle(users_db, allowed=5, window_s=300)  # shared by the workers
    app.session_interface = SessionInterface()
    app.config.update(SESSION_COOKIE_NAME="foiasearch_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS))
    app.before_request(gate)
    app.register_blueprint(bp)
    app.add_template_global(visitor)
    app.add_template_global(form_token)

    @app.after_request
    def private_pages(response: Response) -> Response:
        # Pages differ by who asks: no shared cache may keep one for another.
        response.headers.add("Vary", "Cookie")
        response.headers.add("Vary", "Authorization")
        if visitor().signed_in and "private" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "private, no-store"
        return response

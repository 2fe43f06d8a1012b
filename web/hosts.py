"""The Host allow-list: answer only requests addressed to a name we serve.

A hostile web page can rebind its own DNS name to 127.0.0.1; the browser
then treats our pages as same-origin with it and lets its scripts read
documents and CSRF tokens. Those requests still carry the attacker's name
in ``Host``, so refusing unknown names (before Flask, which would try to
build URLs from them) closes that door. Loopback names are allowed by
default; ``serve --allowed-host NAME`` adds names (``.example.org`` also
allows its subdomains, ``*`` allows any well-formed name).

>>> guard = HostAllowList(["search.example.org", ".archive.example"])
>>> [guard.allows(h) for h in ("localhost:8080", "127.0.0.1", "[::1]:80", "search.example.org",
...                           "a.archive.example", "evil.example", "a" * 70 + ".example", "x y")]
[True, True, True, True, True, False, False, False]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

LOOPBACK = ("localhost", "127.0.0.1", "::1")
# A DNS name (labels of 1-63 letters, digits, hyphens; 253 in all) or an IP literal.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
_IPV6 = re.compile(r"^[0-9a-f:.]{2,45}$")
_PORT = re.compile(r"^[0-9]{1,5}$")


def _port(text: str) -> bool:
    return bool(_PORT.match(text)) and int(text) <= 65535


def host_name(header: str | None) -> str | None:
    """The lower-cased name in a Host header without its port, or None when
    the header is missing or malformed.

    >>> host_name("Example.ORG.:8080"), host_name("[::1]:80"), host_name("a:b:c"), host_name(None)
    ('example.org', '::1', None, None)
    """
    if not header or len(header) > 300:
        return None
    header = header.strip().lower()
    if header.startswith("["):
        name, bracket, rest = header[1:].partition("]")
        if not bracket or not _IPV6.match(name) or (rest and not (rest.startswith(":") and _port(rest[1:]))):
            return None
        return name
    name, colon, port = header.partition(":")
    if colon and not _port(port):
        return None
    name = name.rstrip(".")
    return name if _NAME.match(name) else None


class HostAllowList:
    def __init__(self, allowed: Iterable[str] = ()) -> None:
        names = [a.strip().lower().rstrip(".") for a in allowed if a and a.strip()]
        self.any = "*" in names
        self.exact = set(LOOPBACK) | {n.strip("[]") for n in names if not n.startswith(".")}
        self.suffixes = tuple(n for n in names if n.startswith(".") and len(n) > 1)

    def allows(self, header: str | None) -> bool:
        name = host_name(header)
        if name is None:
            return False
        if self.any or name in self.exact:
            return True
        return any(name == s[1:] or name.endswith(s) for s in self.suffixes)


class HostGuard:
    """WSGI middleware: a request whose Host is not allowed gets a plain 400
    before the app sees it.

    >>> # app.wsgi_app = HostGuard(app.wsgi_app, HostAllowList(["search.example.org"]))
    """

    def __init__(self, app: Callable, allowed: HostAllowList) -> None:
        self.app = app
        self.allowed = allowed

    def __call__(self, environ: dict, start_response: Callable):
        header = environ.get("HTTP_HOST") or environ.get("SERVER_NAME")
        if self.allowed.allows(header):
            return self.app(environ, start_response)
        body = (b"400 Bad Request: this server does not answer to that host name "
                b"(the operator can add it with: foiasearch serve --allowed-host NAME)\n")
        start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                           ("Content-Length", str(len(body))), ("Connection", "close")])
        return [body]

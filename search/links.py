"""Which links from documents may be shown: absolute http(s) URLs only.

A page's canonical link or a feed item's link is data from the document,
so it may be ``javascript:``, ``data:``, protocol-relative (``//evil``) or
hide a scheme behind control characters; such links are dropped.

>>> safe_http_url("https://example.org/a?b=1")
'https://example.org/a?b=1'
>>> [safe_http_url(u) for u in ("javascript:alert(1)", "//evil.example/", "data:text/html,x",
...                             "java\\tscript:x", "http:///nohost", " https://ok.example/ ")]
[None, None, None, None, None, 'https://ok.example/']
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URL_LENGTH = 4000
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\<>\"']")


def safe_http_url(url: str | None) -> str | None:
    """``url`` stripped, if it is an absolute http or https URL with a host
    and no whitespace, control or quoting characters; else None."""
    if not url:
        return None
    url = url.strip()
    if len(url) > MAX_URL_LENGTH or _UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a bad port or IPv6 literal
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url

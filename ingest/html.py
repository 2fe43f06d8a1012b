"""HTML pages (saved blog posts, press releases) -> one Document.

Basic extraction: the title and the text of the main content element, with
navigation, sidebars, scripts and comment threads removed.

>>> accepts(b"<!doctype html><title>x</title>", "a.html")
True
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from ingest.document import Document, IngestError, IngestResult, Page
from ingest.options import IngestOptions

_MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|head|body|title|article|div|p)\b", re.I)
_BOILERPLATE_TAGS = ["script", "style", "noscript", "nav", "footer", "aside", "form", "header", "iframe", "svg"]
_BOILERPLATE_CLASS = re.compile(r"\b(comments?|sidebar|share|social|related|menu|nav|footer|widget)\b", re.I)


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > len(head) // 20


def accepts(head: bytes, name: str) -> bool:
    """True when ``head`` looks like HTML markup (any extension)."""
    return not _looks_binary(head) and bool(_MARKUP.search(head))


def ingest(path: Path, options: IngestOptions) -> IngestResult:
    raw = path.read_bytes()
    soup = BeautifulSoup(raw, "lxml")
    title = _title(soup)
    for tag in soup(_BOILERPLATE_TAGS):
        tag.decompose()
    for tag in soup.find_all(class_=_BOILERPLATE_CLASS):
        if tag.name not in ("html", "body", "article", "main"):
            tag.decompose()
    main = soup.find("article") or soup.find("main") or soup.body or soup
    text = _clean(main.get_text("\n"))
    if not text and not title:
        raise IngestError("no text: the page has no readable content")
    doc = Document(kind="post", title=title, pages=[Page(number=1, text=text)])
    return IngestResult("ok", documents=[doc])


def _title(soup: BeautifulSoup) -> str:
    for attrs in ({"property": "og:title"}, {"name": "twitter:title"}):
        meta = soup.find("meta", attrs=attrs)
        if meta and meta.get("content", "").strip():
            return _clean(meta["content"])
    h1 = soup.find("h1")
    if soup.title and soup.title.string:
        return _clean(soup.title.string)
    return _clean(h1.get_text(" ")) if h1 else ""


def _clean(text: str) -> str:
    lines = (re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)

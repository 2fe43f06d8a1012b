"""Feeds and WordPress exports -> one Document per published entry.

- WordPress WXR (an RSS 2.0 file with ``xmlns:wp``, http or https, any 1.x
  version): posts (kind ``"post"``) and pages (kind ``"page"``); drafts,
  attachments, menu items and other post types are skipped and counted.
- RSS 2.0 items and Atom entries: kind ``"post"``.

Entry bodies are HTML fragments: every part is content, so they are cleaned
(:func:`ingest.html.fragment_text`) rather than run through boilerplate removal.

>>> accepts(b'<?xml version="1.0"?><rss version="2.0"><channel>', "export.xml")
True
>>> accepts(b'<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml">', "a.html")
False
"""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import lxml.etree

from foiasearch.ingest.document import Document, IngestError, IngestResult, Page
from foiasearch.ingest.html import fragment_text
from foiasearch.ingest.htmlmeta import iso_date
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.textnorm import merge_terms, squash

ATOM = "http://www.w3.org/2005/Atom"
MAX_BYTES = 500 * 1024 * 1024
# After an optional BOM, XML declaration, comments and doctype, the root element.
_PROLOG = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<!DOCTYPE[^>]*>|<\?[^>]*\?>)\s*)*<([A-Za-z][\w.:-]*)", re.S)
_FEED_ROOTS = {b"rss", b"feed", b"rdf:RDF"}
_SKIP_COUNT = {"attachment": "skipped_attachments", "nav_menu_item": "skipped_menu_items"}
_DRAFT_STATUSES = {"draft", "auto-draft", "pending"}


def accepts(head: bytes, name: str) -> bool:
    """True when the file's root element is ``<rss>``, ``<feed>`` or ``<rdf:RDF>``."""
    match = _PROLOG.match(head)
    return bool(match) and match.group(1) in _FEED_ROOTS


def ingest(path: Path, options: IngestOptions) -> IngestResult:
    """Every published entry of a feed or WXR export as its own Document."""
    if path.stat().st_size > MAX_BYTES:
        raise IngestError("feed too large to process")
    # recover: exports are often slightly broken; no entities or network: XXE-safe
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = lxml.etree.parse(str(path), parser).getroot()
    except (lxml.etree.XMLSyntaxError, OSError) as exc:
        raise IngestError(f"unreadable feed: {exc}") from None
    if root is None:
        raise IngestError("unreadable feed: no XML root element")
    local = lxml.etree.QName(root).localname
    if local == "feed":
        documents, counts = _atom(root), {}
    elif local in ("rss", "RDF"):
        documents, counts = _rss(root)
    else:
        raise IngestError(f"not a feed: root element <{local}>")
    if not documents:
        return IngestResult("skipped", reason="feed has no published entries", counts=counts)
    return IngestResult("ok", documents=documents, counts=counts)


# ---------------------------------------------------------------- RSS 2.0 and WXR

def _fields(el: Any) -> dict[str, list[Any]]:
    """Children by ``prefix:localname`` with our own prefixes (the file's may differ)."""
    found: dict[str, list[Any]] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        qname = lxml.etree.QName(child)
        found.setdefault(_prefix(qname.namespace) + qname.localname, []).append(child)
    return found


def _prefix(namespace: str | None) -> str:
    ns = namespace or ""
    if "wordpress.org/export" in ns:
        return "excerpt:" if "excerpt" in ns else "wp:"
    if "purl.org/rss/1.0/modules/content" in ns:
        return "content:"
    if "purl.org/dc/" in ns:
        return "dc:"
    return ""


def _text(fields: dict[str, list[Any]], key: str) -> str:
    values = fields.get(key)
    return (values[0].text or "").strip() if values else ""


def _rss(root: Any) -> tuple[list[Document], dict[str, int]]:
    channel = next((el for el in root.iter() if isinstance(el.tag, str)
                    and lxml.etree.QName(el).localname == "channel"), None)
    if channel is None:
        raise IngestError("not a feed: RSS without <channel>")
    info = _fields(channel)
    site, language = squash(_text(info, "title")) or None, _text(info, "language") or None
    # WXR maps author logins (dc:creator) to display names
    names = {}
    for author in info.get("wp:author", []):
        author_fields = _fields(author)
        login = _text(author_fields, "wp:author_login")
        names[login] = squash(_text(author_fields, "wp:author_display_name")) or login
    # RSS 1.0 (rdf:RDF) keeps items beside the channel, RSS 2.0 inside it
    items = [el for el in root.iter() if isinstance(el.tag, str) and lxml.etree.QName(el).localname == "item"]
    documents: list[Document] = []
    counts: dict[str, int] = {}
    for item in items:
        fields = _fields(item)
        is_wxr = any(key.startswith("wp:") for key in fields)
        kind = _text(fields, "wp:post_type") or "post"
        status = _text(fields, "wp:status") or "publish"
        skip = _skip_reason(kind, status) if is_wxr else None
        if skip:
            counts[skip] = counts.get(skip, 0) + 1
            continue
        documents.append(_rss_document(fields, kind, names, site, language, len(documents)))
    return documents, counts


def _skip_reason(kind: str, status: str) -> str | None:
    if kind in _SKIP_COUNT:
        return _SKIP_COUNT[kind]
    if kind not in ("post", "page"):
        return "skipped_other_types"
    if status in _DRAFT_STATUSES:
        return "skipped_drafts"
    if status != "publish":  # private, future, trash
        return "skipped_unpublished"
    return None


def _rss_document(fields: dict[str, list[Any]], kind: str, names: dict[str, str],
                  site: str | None, language: str | None, index: int) -> Document:
    tags, categories = [], []
    for cat in fields.get("category", []):
        # WXR: domain="post_tag" / "category"; plain RSS categories are topic labels (tags)
        (categories if cat.get("domain") == "category" else tags).append(cat.text or "")
    body = _text(fields, "content:encoded") or _text(fields, "description")
    comments = [fragment_text(_text(_fields(c), "wp:comment_content"))
                for c in fields.get("wp:comment", []) if _text(_fields(c), "wp:comment_approved") == "1"]
    creators = [squash(c.text) for c in fields.get("dc:creator", []) + fields.get("author", [])]
    excerpt = squash(fragment_text(_text(fields, "excerpt:encoded")))
    description = excerpt or (squash(fragment_text(_text(fields, "description")))[:300]
                              if _text(fields, "content:encoded") else "")
    part = _text(fields, "wp:post_id") or _text(fields, "guid") or _text(fields, "link") or str(index)
    return Document(
        kind="page" if kind == "page" else "post",
        title=squash(fragment_text(_text(fields, "title"))),
        pages=[Page(number=1, text=fragment_text(body))],
        part=part,
        url=_text(fields, "link") or None,
        authors=merge_terms(names.get(c, c) for c in creators),
        date=_wxr_date(fields, "wp:post_date") or _rfc822(_text(fields, "pubDate"))
        or iso_date(_text(fields, "dc:date")),
        modified=_wxr_date(fields, "wp:post_modified"),
        site=site, language=language, description=description or None,
        tags=merge_terms(tags), categories=merge_terms(categories),
        comments="\n\n".join(c for c in comments if c),
    )


def _wxr_date(fields: dict[str, list[Any]], key: str) -> str | None:
    """WXR's ``*_gmt`` value is UTC; the local one has no zone. ``0000-00-00`` is unset."""
    gmt = _text(fields, key + "_gmt")
    if gmt and not gmt.startswith("0000"):
        value = iso_date(gmt.replace(" ", "T") + "+00:00")
        if value:
            return value
    local = _text(fields, key)
    return iso_date(local.replace(" ", "T")) if local and not local.startswith("0000") else None


def _rfc822(value: str) -> str | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        return iso_date(value)


# ---------------------------------------------------------------- Atom

def _atom(root: Any) -> list[Document]:
    ns = {"a": ATOM}
    site = squash("".join(root.xpath("a:title//text()", namespaces=ns))) or None
    language = root.get("{http://www.w3.org/XML/1998/namespace}lang")
    feed_authors = root.xpath("a:author/a:name/text()", namespaces=ns)
    documents = []
    for index, entry in enumerate(root.xpath("a:entry", namespaces=ns)):
        def first(xpath: str) -> str:
            found = entry.xpath(xpath, namespaces=ns)
            return found[0].strip() if found else ""

        links = entry.xpath("a:link[not(@rel) or @rel='alternate']/@href", namespaces=ns)
        authors = entry.xpath("a:author/a:name/text()", namespaces=ns) or feed_authors
        summary = entry.xpath("a:summary", namespaces=ns)
        content = entry.xpath("a:content", namespaces=ns)
        documents.append(Document(
            kind="post",
            title=squash(_atom_body(entry.xpath("a:title", namespaces=ns))),
            pages=[Page(number=1, text=_atom_body(content or summary))],
            part=first("a:id/text()") or (links[0] if links else str(index)),
            url=links[0].strip() if links else None,
            authors=merge_terms(authors),
            date=iso_date(first("a:published/text()")) or iso_date(first("a:updated/text()")),
            modified=iso_date(first("a:updated/text()")),
            site=site, language=entry.get("{http://www.w3.org/XML/1998/namespace}lang") or language,
            description=(squash(_atom_body(summary)) or None) if content else None,
            tags=merge_terms(c.get("label") or c.get("term") or "" for c in entry.xpath("a:category", namespaces=ns)),
        ))
    return documents


def _atom_body(elements: list[Any]) -> str:
    """Atom text constructs: type text (plain), html (escaped markup) or xhtml (inline)."""
    if not elements:
        return ""
    el = elements[0]
    kind = el.get("type", "text")
    if kind == "xhtml":
        markup = "".join(lxml.etree.tostring(child, encoding="unicode") for child in el)
        return fragment_text(re.sub(r"\sxmlns(:\w+)?=\"[^\"]*\"", "", markup))
    if kind in ("html", "text/html"):
        return fragment_text(el.text or "")
    return squash(el.text) if "\n" not in (el.text or "") else fragment_text(
        "<pre>" + (el.text or "").replace("&", "&amp;").replace("<", "&lt;") + "</pre>")

"""HTML pages (saved blog posts, press releases) -> one Document.

The bytes are decoded whatever their charset (:mod:`ingest.htmlenc`), parsed
once with lxml, the metadata read from the tree (:mod:`ingest.htmlmeta`) and
the article body and comment thread extracted by trafilatura.

Why trafilatura and not hand-written beautifulsoup4 heuristics: on the shared
evaluation pages (bench/html_extraction.py) it kept more article text and less
boilerplate than readability-lxml, and a hand-written extractor would have to
re-learn its many site rules. With ``favor_precision`` it drops more
boilerplate for a small loss of recall; it returns comments separately, so
they never mix into the main text.

>>> accepts(b"<!doctype html><title>x</title>", "a.html")
True
>>> accepts(b"<?xml version='1.0'?><rss version='2.0'>", "feed.xml")
False
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice
from pathlib import Path

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import Extractor

from foiasearch.ingest.document import Document, IngestError, IngestResult, Page
from foiasearch.ingest.htmlenc import decode_html
from foiasearch.ingest.htmlmeta import page_meta
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.textnorm import clean_text

_MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|head|body|title|article|div|p)\b", re.I)
MAX_BYTES = 50 * 1024 * 1024  # larger is not a web page; refuse rather than exhaust memory
# trafilatura's passes grow faster than linearly: a generated 20 MB page took 169 s.
# Real articles have a few thousand elements; above this the simple extractor runs.
MAX_TRAFILATURA_ELEMENTS = 30_000
_COMMENT_BLOCK = re.compile(r"(^|[\s_-])comments?($|[\s_-])|disqus", re.I)


_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])


def _looks_binary(head: bytes) -> bool:
    """True for bytes that are not text: a NUL, or over 5% control bytes.

    >>> _looks_binary(b"<p>" + bytes(range(1, 9)) * 3), _looks_binary(b"<p>" + b"x" * 40 + b"\\x07")
    (True, False)
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 with a byte-order mark is text
    if b"\x00" in head:
        return True
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))  # counted in C
    return control > len(head) // 20


def accepts(head: bytes, name: str) -> bool:
    """True when ``head`` looks like HTML markup (any extension)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "ignore").encode("utf-8", "ignore")
    return not _looks_binary(head) and bool(_MARKUP.search(head))


def ingest(path: Path, options: IngestOptions) -> IngestResult:
    """One page -> ``IngestResult("ok", [Document(kind="post", ...)])``."""
    size = path.stat().st_size
    if size > MAX_BYTES:  # before reading it (ingest_bytes checks the rest)
        raise IngestError(f"HTML page too large ({size // 2**20} MB > {MAX_BYTES // 2**20} MB)")
    return ingest_bytes(path.read_bytes())


def ingest_bytes(raw: bytes) -> IngestResult:
    """One page's bytes (its file read whole) -> ``IngestResult("ok", [Document(kind="post", ...)])``.

    >>> ingest_bytes(b"<title>T</title><p>Body.</p>").documents[0].text
    'Body.'
    """
    if not raw:
        raise IngestError("empty file")
    if len(raw) > MAX_BYTES:
        raise IngestError(f"HTML page too large ({len(raw) // 2**20} MB > {MAX_BYTES // 2**20} MB)")
    if _looks_binary(raw[:4096]):
        raise IngestError("not HTML: binary content")
    return IngestResult("ok", documents=[document_from_html(raw)])


def document_from_html(raw: bytes | str, kind: str = "post") -> Document:
    """A Document from the bytes (or decoded text) of one HTML page or fragment.

    >>> doc = document_from_html(b"<title>T</title><article><p>Governor Quinn wrote to DHS.</p></article>")
    >>> doc.title, doc.text
    ('T', 'Governor Quinn wrote to DHS.')
    """
    text = decode_html(raw)[0] if isinstance(raw, bytes) else raw
    tree = parse_html(text)
    meta = page_meta(tree)
    lead = lead_paragraph(tree, meta.title)  # before main_text, which may change the tree
    body, comments = main_text(tree)
    if lead and _words_key(lead) not in _words_key(body):
        body = f"{lead}\n\n{body}" if body else lead
    if not body and not meta.title:
        raise IngestError("no text: the page has no readable content")
    return Document(
        kind=kind, title=meta.title, pages=[Page(number=1, text=body)], url=meta.url,
        authors=meta.authors, date=meta.date, modified=meta.modified, site=meta.site,
        language=meta.language, description=meta.description, tags=meta.tags,
        categories=meta.categories, comments=comments,
    )


_LEAD_MIN_WORDS = 10
_NOT_LEAD = re.compile(r"byline|author|date|time|meta|credit|caption", re.I)
_BYLINE = re.compile(r"(?i)(by|von|par|por|posted|published)\b")


def _words_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def lead_paragraph(tree: lxml.html.HtmlElement, title: str) -> str:
    """The lead (standfirst) printed right under the headline, which
    article extractors often drop because it sits in the page header.

    The headline is the first ``h1``/``h2`` whose text is the page title;
    the lead is the first paragraph of 10 words or more among the next few
    elements beside it.

    >>> tree = parse_html("<header><h2>Opt out</h2><p>Illinois tells ICE it will no longer "
    ...                   "share fingerprints with the federal program.</p></header><article><p>Body.</p></article>")
    >>> lead_paragraph(tree, "Opt out")
    'Illinois tells ICE it will no longer share fingerprints with the federal program.'
    """
    key = _words_key(title)
    if not key:
        return ""
    # //h1|//h2, in document order: one walk that lxml filters in C
    for heading in tree.getroottree().getroot().iter("h1", "h2"):
        if _words_key(heading.text_content()) != key:
            continue
        for sibling in islice(heading.itersiblings(), 3):
            if not isinstance(sibling.tag, str) or sibling.tag in ("h1", "h2", "h3"):
                break
            if sibling.tag != "p" or _NOT_LEAD.search(sibling.get("class") or ""):
                continue  # (a byline's class spares reading its text)
            text = clean_text(" ".join(sibling.text_content().split()))
            if _BYLINE.match(text):
                continue
            if len(text.split()) >= _LEAD_MIN_WORDS:
                return text
        return ""
    return ""


# lxml.html's parser picks each element's class in a Python method (forms and
# their fields get classes of their own), called every time Python code
# touches an element: thousands of calls per page from trafilatura's passes.
# This parser gives every element lxml.html's HtmlElement by a lookup in C
# (issue 18); nothing here or in trafilatura uses the form classes' extras.
_PARSER = lxml.html.HTMLParser()
_PARSER.set_element_class_lookup(lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))


def parse_html(text: str) -> lxml.html.HtmlElement:
    """Parse decoded HTML; never raises for bad markup.

    libxml2 stops nesting at 255 levels (what lies deeper is dropped), which
    also keeps trafilatura's recursive passes safe on 10,000-deep pages.
    """
    # lxml refuses str input that carries an XML encoding declaration
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text[:512]) + text[512:]
    if not text.strip():
        raise IngestError("no text: the page is empty")
    try:
        tree = lxml.html.document_fromstring(text, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise IngestError(f"unparseable HTML: {exc}") from None
    return tree


def main_text(tree: lxml.html.HtmlElement) -> tuple[str, str]:
    """``(article body, comment thread)`` of a parsed page."""
    if _nodes(tree) > MAX_TRAFILATURA_ELEMENTS:
        return _simple_main_text(tree)
    fast = _marks_its_article(tree)
    result = _trafilatura(tree, fast)
    if fast and (result is None or len(result.text or "") < FAST_MIN_CHARS):
        result = _trafilatura(tree, fast=False)  # a short article: the fallbacks may find more
    if result is None:
        return "", ""
    return clean_text(result.text or ""), clean_text(result.comments or "")


# What tree.iter() walks (elements, comments, processing instructions),
# counted in C instead of one Python object per node.
_NODES = lxml.etree.XPath(
    "count(descendant-or-self::*|descendant::comment()|descendant::processing-instruction())")


def _nodes(tree: lxml.html.HtmlElement) -> int:
    """How many nodes ``tree.iter()`` yields.

    >>> _nodes(parse_html("<p>a<!-- c --><b>b</b></p>"))  # html, body, p, comment, b
    5
    """
    return int(_NODES(tree))


def _trafilatura(tree: lxml.html.HtmlElement, fast: bool):
    return trafilatura.bare_extraction(tree, options=_extractor(fast))


@lru_cache(maxsize=2)
def _extractor(fast: bool) -> Extractor:
    """trafilatura's settings for our calls, built once per process: built
    per call (its default) they read its configuration file's values again,
    about half a millisecond a page (issue 18). trafilatura supports a
    shared Extractor: it copies one before changing it.

    >>> _extractor(True) is _extractor(True), _extractor(True).focus, _extractor(False).fast
    (True, 'precision', False)
    """
    return Extractor(output_format="python", fast=fast, precision=True, comments=True, tables=True,
                     dedup=False, with_metadata=False)


# Below this many characters a fast-mode extraction is tried again in full
# (trafilatura's own MIN_EXTRACTED_SIZE): a short <article> came back empty.
FAST_MIN_CHARS = 250


def _marks_its_article(tree: lxml.html.HtmlElement) -> bool:
    """True when the page marks its content with ``<article>`` or ``<main>``:
    trafilatura's own extractor then finds it, and its fast mode (no second
    opinion from readability and jusText) keeps the same text, unless it is
    short (FAST_MIN_CHARS). Measured
    (bench/html_extraction.py, issue 18): fast mode changed the text of 2
    of the evaluation pages, both without such an element, where it lost 3
    of 62 snippets; it cut a synthetic post's extraction time by about a
    quarter with the same text on all 400 tried.

    >>> _marks_its_article(parse_html("<body><article><p>x</p></article></body>"))
    True
    >>> _marks_its_article(parse_html("<body><div><p>x</p></div></body>"))
    False
    """
    return next(tree.iter("article", "main"), None) is not None


_DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "template", "svg", "button")
_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre table tr td th figure figcaption "
    "section article header footer dl dt dd hr address".split()
)
_SHORTCODE = re.compile(r"\[/?[a-z][a-z0-9_-]*(?:\s[^\]]*)?\]")
_CAPTION_ATTRIBUTE = re.compile(r"""\[(?:wp_)?caption\b[^\]]*?\scaption=(["'])(.*?)\1[^\]]*\]""", re.S)


def fragment_text(markup: str) -> str:
    """Plain text of an HTML fragment whose every part is content (a feed entry,
    a WXR post body): scripts dropped, blocks on their own lines, entities
    decoded, WordPress ``[shortcodes]`` removed, whitespace normalised.

    >>> fragment_text("<p>Opt&nbsp;out</p><script>x()</script>[gallery ids=1]<p>now</p>")
    'Opt out\\n\\nnow'
    >>> fragment_text('[caption id="a1" caption="Detainees at the gate."]<img src="x.jpg">[/caption]')
    'Detainees at the gate.'
    """
    if not markup or not markup.strip():
        return ""
    # The old caption form keeps its text in an attribute the shortcode
    # removal below would drop: make it a paragraph of its own first.
    markup = _CAPTION_ATTRIBUTE.sub(lambda m: f"<p>{m.group(2)}</p>", markup)
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return clean_text(_SHORTCODE.sub("", markup))
    for el in root.xpath("|".join(f"//{t}" for t in _DROP_TAGS)):
        el.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS:
            el.text = "\n" + (el.text or "")
    return clean_text(_SHORTCODE.sub("", _block_text(root)))


def _simple_main_text(tree: lxml.html.HtmlElement) -> tuple[str, str]:
    """Linear-time extraction for huge pages: drop page furniture, keep the
    first <article>/<main> (else <body>); comment blocks go apart."""
    for el in tree.xpath("//nav|//header|//footer|//aside|//form|//script|//style|//noscript"):
        el.drop_tree()
    comments = []
    for el in tree.xpath("//*[@id or @class]"):
        if _COMMENT_BLOCK.search(f"{el.get('id', '')} {el.get('class', '')}") and el.getparent() is not None:
            comments.append(_block_text(el))
            el.drop_tree()
    main = next(iter(tree.xpath("//article|//main")), None)
    if main is None:
        main = tree.find("body") if tree.find("body") is not None else tree
    return _block_text(main), clean_text("\n".join(comments))


def _block_text(root: lxml.html.HtmlElement) -> str:
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
    return clean_text(root.text_content())

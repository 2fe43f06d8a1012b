"""Metadata of an HTML page: title, authors, dates, URL, site, language, tags.

Sources in order of trust: JSON-LD (Article, NewsArticle, BlogPosting...),
Open Graph and ``article:*`` meta, ``rel=tag``/``rel=category`` links,
WordPress ``tag-*``/``category-*`` classes, Dublin Core, ``<time>`` elements,
the keywords meta. The first source that has a value wins, field by field.

>>> import lxml.html
>>> tree = lxml.html.document_fromstring(
...     '<html lang="en"><head><title>Opt out | ICE Watch</title>'
...     '<meta property="og:site_name" content="ICE Watch">'
...     '<meta property="article:tag" content=" S-Comm "><meta property="article:tag" content="s-comm">'
...     '</head><body><p>x</p></body></html>')
>>> meta = page_meta(tree)
>>> meta.title, meta.site, meta.tags, meta.language
('Opt out', 'ICE Watch', ['S-Comm'], 'en')
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import Any, Iterable
from urllib.parse import unquote

from dateutil import parser as dateparser
from htmldate import find_date
from lxml.etree import XPath

from foiasearch.ingest.textnorm import merge_terms, squash

_ARTICLE_TYPES = re.compile(r"(Article|BlogPosting|Posting|Report|NewsArticle)$", re.I)
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|»|·|::)\s+")
_WP_CLASS = re.compile(r"^(tag|category)-(.+)$")
_BYLINE_PREFIX = re.compile(r"^\s*(by|von|par|por)\s*[:\-]?\s+", re.I)
_CDATA = re.compile(r"^\s*(//)?\s*<!\[CDATA\[|(//)?\s*\]\]>\s*$")
# containers whose links are site navigation, not this post's tags
# (a post's own <footer class="entry-footer"> holds its tags: footers are not excluded)
_NAV_CONTAINER = re.compile(r"^(nav|aside) |menu|(^|[\s_-])nav|sidebar|widget|taxonomy-list|tag-?cloud|related|headlines", re.I)
_BYLINE_CLASS = re.compile(r"byline|author", re.I)
_NOT_BYLINE_CLASS = re.compile(r"avatar|bio|box|comment|description|image|photo|social|about", re.I)
_URLISH = re.compile(r"^(https?:)?//|^www\.", re.I)

# Every lookup compiled once: ``tree.xpath(text)`` compiles its expression on
# each call, about 6 us apiece, a tenth of a synthetic post's metadata time
# (issue 18). Each is evaluated at most once per page (page_meta).
_REL_LINKS = XPath("//a[@rel]")
_WORDPRESS_POST = XPath('//article[contains(@class,"type-")] | //div[contains(@class," type-post")]')
_AUTHOR_MARKS = tuple(XPath(x) for x in ('//*[@itemprop="author"]', '//article//address', '//main//address'))
_CLASSED = XPath('//*[@class][not(self::body)][not(self::html)][not(self::article)]')


@dataclass
class PageMeta:
    """What :func:`page_meta` found; empty values where a page says nothing."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    modified: str | None = None
    url: str | None = None
    site: str | None = None
    language: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


# The tags whose elements page_meta reads, found in one walk of the tree
# (:func:`elements_by_tag`) instead of one XPath walk each: 9 against 25 us on
# a synthetic post, 77 against 450 us on the shared corpus' pages (issue 18).
# Tags common in a page (a, div) stay with XPath, which filters them in C.
_WALKED = ("script", "title", "h1", "link", "time", "meta")
_LDJSON = str.maketrans("LDJSON", "ldjson")  # XPath's translate(@type,"LDJSON","ldjson")


def elements_by_tag(tree: Any, tags: tuple[str, ...] = _WALKED) -> dict[str, list]:
    """Each of ``tags``' elements in the whole document of ``tree``, in
    document order: what ``//script``, ``//title``... find, from one walk
    (lxml picks the tags in C).

    >>> import lxml.html
    >>> found = elements_by_tag(lxml.html.document_fromstring("<title>T</title><h1>A</h1><p><h1>B</h1>"))
    >>> [el.text for el in found["h1"]], len(found["meta"])
    (['A', 'B'], 0)
    """
    found: dict[str, list] = {tag: [] for tag in tags}
    for el in tree.getroottree().getroot().iter(*tags):
        found[el.tag].append(el)
    return found


def page_meta(tree: Any) -> PageMeta:
    """Collect metadata from a parsed ``lxml.html`` document."""
    walked = elements_by_tag(tree)
    objects = _json_ld_objects(walked["script"])  # read once: the article and the site both come from them
    ld = _json_ld_article(objects)
    metas = _meta_map(walked["meta"])

    def meta(*keys: str) -> str:
        return next((v[0] for k in keys if (v := metas.get(k))), "")

    def meta_all(*keys: str) -> list[str]:
        return [value for k in keys for value in metas.get(k, [])]

    links = _REL_LINKS(tree)  # tags, categories and rel=author bylines
    rel_tags, rel_categories = _rel_links(links)
    wp_tags, wp_categories = _wordpress_classes(tree)
    site = squash(_ld_name(ld.get("publisher")) or meta("og:site_name", "application-name")
                  or _json_ld_site(objects)) or None
    title = _title(walked, ld, meta, site)
    authors = _authors(ld.get("author")) or _split_names(
        [a for a in meta_all("author", "article:author", "dc.creator", "dcterms.creator",
                             "parsely-author", "sailthru.author") if not _URLISH.match(a)]
    ) or _split_names(_byline_texts(tree, links))
    times = [el for el in walked["time"] if el.get("datetime") is not None][:20]  # //time[@datetime]

    date = (iso_date(ld.get("datePublished")) or iso_date(meta(
        "article:published_time", "og:published_time", "datepublished", "dc.date",
        "dcterms.created", "dc.date.issued", "dcterms.date", "date", "pubdate", "publishdate",
        "parsely-pub-date", "sailthru.date")) or _time_element(times, published=True)
        or iso_date(ld.get("dateCreated")) or _visible_date(tree))
    modified = (iso_date(ld.get("dateModified")) or iso_date(meta(
        "article:modified_time", "og:updated_time", "dcterms.modified", "last-modified"))
        or _time_element(times, published=False))
    # A post's tags are the union of every place that lists them: themes print
    # some in rel=tag links, SEO plugins others in article:tag, WordPress all
    # as tag-* classes (slugs: used only for tags no other source names).
    tags = unite_slugs(merge_terms(_keywords(ld.get("keywords")) + meta_all("article:tag") + rel_tags
                                   + _split_commas(meta_all("dc.subject", "dcterms.subject"))), wp_tags) \
        or merge_terms(_split_commas(meta_all("keywords", "news_keywords")))
    categories = merge_terms(_split_commas(_as_list(ld.get("articleSection")))) \
        or merge_terms(_split_commas(meta_all("article:section"))) or unite_slugs(rel_categories, wp_categories)
    return PageMeta(
        title=title, authors=authors, date=date, modified=modified,
        url=_canonical(walked["link"], ld, meta), site=site, language=_language(tree, ld, meta),
        description=squash(ld.get("description") if isinstance(ld.get("description"), str) else ""
                           ) or squash(meta("og:description", "description", "dc.description",
                                            "twitter:description")) or None,
        tags=tags, categories=categories,
    )


# ---------------------------------------------------------------- JSON-LD

def _json_ld_objects(scripts: list) -> list[dict]:
    """The JSON-LD objects of a page whose ``<script>`` elements are ``scripts``."""
    objects: list[dict] = []
    # //script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]
    for script in (s for s in scripts if "ld+json" in (s.get("type") or "").translate(_LDJSON)):
        # Drupal wraps it in <![CDATA[ ]]> (or //<![CDATA[ ... //]]>)
        text = _CDATA.sub("", script.text or "")
        try:
            data = json.loads(text, strict=False)
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common; the other sources still count
        objects += _walk(data, 0)
    # Yoast-style graphs point at nodes by {"@id": ...}: resolve authors and publishers
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str) and len(o) > 1}
    for obj in objects:
        for key in ("author", "publisher"):
            value = obj.get(key)
            refs = value if isinstance(value, list) else [value]
            obj[key] = [by_id.get(r.get("@id"), r) if isinstance(r, dict) else r for r in refs]
    return objects


def _walk(data: Any, depth: int) -> Iterable[dict]:
    """Every dict inside a JSON-LD value, graphs and nested entities included."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in data:
                yield from _walk(data[key], depth + 1)


def _types(obj: dict) -> list[str]:
    kinds = obj.get("@type") or []
    return [kinds] if isinstance(kinds, str) else [k for k in kinds if isinstance(k, str)]


def _json_ld_article(objects: list[dict]) -> dict:
    """The first Article-like JSON-LD object, else {} (a WebPage is a weak fallback)."""
    fallback: dict = {}
    for obj in objects:
        kinds = _types(obj)
        if any(_ARTICLE_TYPES.search(k) for k in kinds):
            return obj
        if not fallback and "WebPage" in kinds and ("datePublished" in obj or "author" in obj):
            fallback = obj
    return fallback


def _json_ld_site(objects: list[dict]) -> str:
    for obj in objects:
        if "WebSite" in _types(obj):
            return _ld_name(obj)
    return ""


def _ld_name(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or ""
    return value if isinstance(value, str) else ""


def _authors(value: Any) -> list[str]:
    names = [_ld_name(v) for v in (value if isinstance(value, list) else [value])]
    return _split_names([n for n in names if n and not _URLISH.match(n)])


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _keywords(value: Any) -> list[str]:
    return _split_commas(_as_list(value))


def _split_commas(values: list[str]) -> list[str]:
    return [part for v in values for part in v.split(",")]


# ---------------------------------------------------------------- meta and links

def _meta_map(metas: list) -> dict[str, list[str]]:
    """``<meta>`` content (of the page's ``metas``) by lower-cased name/property/itemprop, in document order."""
    found: dict[str, list[str]] = {}
    for el in metas:
        content = el.get("content")
        if content is None or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (el.get(attr) or "").strip().lower()
            if key:
                found.setdefault(key, []).append(content.strip())
    return found


def _rel_links(links: list) -> tuple[list[str], list[str]]:
    """Tags and categories from ``<a rel="tag">`` / ``<a rel="category tag">``
    among the page's ``<a rel>`` links (``links``)."""
    tags, categories = [], []
    in_nav: dict = {}  # ancestor -> whether it is navigation: a post's tags share theirs
    for link in links:
        rel = (link.get("rel") or "").lower().split()
        if "tag" not in rel and "category" not in rel:
            continue
        if any(_is_nav(a, in_nav) for a in link.iterancestors() if a.tag not in ("html", "body")):
            continue
        text = squash(link.text_content())
        href = link.get("href") or ""
        if "category" in rel or "/category/" in href:
            categories.append(text)
        else:
            tags.append(text)
    return merge_terms(tags), merge_terms(categories)


def _is_nav(el: Any, seen: dict) -> bool:
    """Whether ``el`` is a navigation container (``_NAV_CONTAINER``), remembered in ``seen``."""
    found = seen.get(el)
    if found is None:
        found = seen[el] = bool(_NAV_CONTAINER.search(f"{el.tag} {el.get('class', '')} {el.get('id', '')}"))
    return found


@lru_cache(maxsize=4096)  # a site's posts share their tags: most slugs were made before
def slug(term: str) -> str:
    """WordPress's slug of a term name, to match a ``tag-*`` class to a name.

    >>> slug("Amazon.com"), slug("Méditerranée"), slug("gas-leak")
    ('amazon-com', 'mediterranee', 'gas-leak')
    """
    # as WordPress's sanitize_title_with_dashes: accents dropped, "." -> "-",
    # other punctuation (apostrophes) removed, spaces -> "-"
    plain = unicodedata.normalize("NFKD", unquote(term)).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"[^a-z0-9 _-]", "", plain.replace(".", "-"))
    return re.sub(r"[\s-]+", "-", plain).strip("-")


def unite_slugs(names: list[str], slugs: list[str]) -> list[str]:
    """``names`` plus the ``slugs`` (from WordPress classes, already
    de-hyphenated) that none of the names stands for.

    >>> unite_slugs(["Amazon.com", "Gas leak", "Dad's"], ["amazon com", "gas leak 2", "dads", "opt out"])
    ['Amazon.com', 'Gas leak', "Dad's", 'opt out']
    """
    known = {slug(n) for n in names}
    # WordPress makes a clashing slug unique with "-2", "-3"...
    return merge_terms(names + [s for s in slugs if slug(s) not in known
                                and re.sub(r"-\d$", "", slug(s)) not in known])


def _wordpress_classes(tree: Any) -> tuple[list[str], list[str]]:
    """WordPress marks the post element ``post-12 tag-s-comm category-news``."""
    tags, categories = [], []
    for el in _WORDPRESS_POST(tree)[:1]:
        for cls in (el.get("class") or "").split():
            match = _WP_CLASS.match(cls)
            if match:
                # slugs lose their case: a fallback only, so "gas-leak" -> "gas leak"
                name = unquote(match.group(2)).replace("-", " ")
                (tags if match.group(1) == "tag" else categories).append(name)
    return merge_terms(tags), merge_terms(categories)


def _title(walked: dict[str, list], ld: dict, meta: Any, site: str | None) -> str:
    headline = ld.get("headline") or ld.get("name")
    candidates = [headline if isinstance(headline, str) else "",
                  meta("og:title", "twitter:title", "dc.title", "dcterms.title", "title")]
    titles = walked["title"]
    candidates.append(titles[0].text_content() if titles else "")
    title = next((squash(t) for t in candidates if squash(t)), "")
    if not title or not _TITLE_SEPARATORS.search(title):  # nothing to cut: no need of the <h1>
        return title or _first_h1(walked["h1"])
    return strip_site_suffix(title, site, _first_h1(walked["h1"]))


def strip_site_suffix(title: str, site: str | None, h1: str = "") -> str:
    """Cut ``" | Site name"`` (or a leading ``"Site - "``) when the cut part is the
    site name, or when the remaining part is the page's ``<h1>``.

    >>> strip_site_suffix("Illinois opts out | ICE Watch", "ICE Watch")
    'Illinois opts out'
    >>> strip_site_suffix("Left - right: a debate", None)
    'Left - right: a debate'
    """
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    site_key = (site or "").casefold()
    h1_key = h1.casefold()
    for keep, cut in ((0, slice(1, None)), (-1, slice(None, -1))):
        rest = " ".join(parts[cut]).casefold()
        if site_key and (rest == site_key or site_key in rest or rest in site_key):
            return _rejoin(title, parts, keep)
        if h1_key and parts[keep].casefold() == h1_key:
            return _rejoin(title, parts, keep)
    return title


def _rejoin(title: str, parts: list[str], keep: int) -> str:
    return parts[0].strip() if keep == 0 else parts[-1].strip()


def _first_h1(h1: list) -> str:
    return squash(h1[0].text_content()) if h1 else ""


def _canonical(links: list, ld: dict, meta: Any) -> str | None:
    """The canonical URL among the page's ``<link>`` elements (``links``), else og:url or JSON-LD's."""
    for link in links:
        if link.get("href") is None:  # //link[@rel][@href]
            continue
        if "canonical" in (link.get("rel") or "").lower().split():
            return link.get("href").strip()
    url = meta("og:url")
    if not url and isinstance(ld.get("url"), str):
        url = ld["url"]
    return url.strip() or None


def _language(tree: Any, ld: dict, meta: Any) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    lang = lang or meta("content-language", "dc.language", "og:locale")
    if not lang and isinstance(ld.get("inLanguage"), str):
        lang = ld["inLanguage"]
    return lang.strip().replace("_", "-") or None


def _byline_texts(tree: Any, links: list) -> list[str]:
    """Visible bylines: rel=author links (among the page's ``<a rel>``
    ``links``), itemprop=author, then elements whose class says
    byline/author (not avatars, bios or comment authors)."""
    # each further source looked up only when the ones before it named nobody
    for elements in chain([rel_author(links)], (xpath(tree) for xpath in _AUTHOR_MARKS)):
        found = [_byline_name(el) for el in elements[:3]]
        if any(found):
            return [f for f in found if f]
    for el in _CLASSED(tree):
        cls = el.get("class") or ""
        if not _BYLINE_CLASS.search(cls) or _NOT_BYLINE_CLASS.search(cls):
            continue
        if any("comment" in (a.get("class") or "") or "comment" in (a.get("id") or "")
               for a in el.iterancestors()):
            continue
        name = _byline_name(el)
        if name:
            return [name]
    return []


def rel_author(links: list) -> list:
    """The links among ``links`` whose ``rel`` has the word "author": what
    ``//a[contains(concat(" ",@rel," ")," author ")]`` finds among a page's
    ``<a rel>``, without a second walk of the tree.

    >>> import lxml.html
    >>> tree = lxml.html.fromstring('<p><a rel="author">A</a><a rel="authors">B</a><a rel="me author">C</a></p>')
    >>> [a.text for a in rel_author(_REL_LINKS(tree))]
    ['A', 'C']
    """
    return [a for a in links if " author " in f" {a.get('rel')} "]


def _byline_name(el: Any) -> str:
    text = squash(" ".join(el.itertext()))
    text = re.sub(r"(?i)^(view all posts by|posts by|written by|geschrieben von|écrit par)\s+", "", text)
    text = _BYLINE_PREFIX.sub("", text)
    text = re.split(r"\s*[,|]\s*|\s+(?:on|am|le|el)\s+\d", text)[0].strip()
    # a name is a few words with a capital letter, not a sentence or a date
    if not (0 < len(text) <= 60 and len(text.split()) <= 6 and re.search(r"[A-ZÀ-Þ]", text)):
        return ""
    if re.search(r"\d", text):
        return ""
    return text


def _split_names(values: list[str]) -> list[str]:
    """``"A and B; C"`` -> [A, B, C]; ``"Bacon, Jr."`` stays one name."""
    names: list[str] = []
    for value in values:
        value = _BYLINE_PREFIX.sub("", squash(value))
        names += re.split(r"\s*;\s*|\s+(?:and|&|und|et)\s+", value)
    return merge_terms(n for n in names if len(n) <= 100)


def _time_element(times: list, published: bool) -> str | None:
    """Among a page's first ``<time datetime>`` elements (``times``), the
    published one, or the updated one."""
    for el in times:
        marks = " ".join(filter(None, (el.get("class"), el.get("itemprop"), el.getparent().get("class")
                                       if el.getparent() is not None else ""))).lower()
        is_updated = "updat" in marks or "modif" in marks
        if is_updated != (not published):
            continue
        if published or is_updated:
            value = iso_date(el.get("datetime"))
            if value:
                return value
    return None


def _visible_date(tree: Any) -> str | None:
    """Last resort: htmldate (trafilatura's date finder) reads dates printed in the page."""
    try:
        found = find_date(tree, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    except Exception:  # a helper's failure must not lose the rest of the metadata
        return None
    return found or None


def iso_date(value: Any) -> str | None:
    """An ISO 8601 string for a date in any common notation, else None.

    Date-only values stay date-only; a known timezone is kept.

    >>> iso_date("2019-12-30T05:01:00-0500"), iso_date("July 7, 2020"), iso_date("soon")
    ('2019-12-30T05:01:00-05:00', '2020-07-07', None)
    """
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    text = value.strip()
    try:
        parsed = dateparser.isoparse(text)
    except (ValueError, OverflowError):
        try:
            parsed = dateparser.parse(text)
        except (ValueError, OverflowError, TypeError):
            return None
    if not 1990 <= parsed.year <= 2100:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) or not re.search(r"\d:\d", text):
        return parsed.date().isoformat()
    return parsed.isoformat()

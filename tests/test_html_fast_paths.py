"""Issue 18, reading a post: the quicker ways give exactly what the plain
ways gave (exemption scans skipped where no citation can start, an ASCII
text that needs no cleaning returned as it is, whitespace squashed by
str.split, the page's ``<a rel>`` links read once for tags and bylines, the
metadata's elements found in one walk, a small file read once)."""

from __future__ import annotations

import html as html_module
import re

import lxml.html
import pytest
from hypothesis import given, settings, strategies as st

from foiasearch.ingest import foia, html, registry
from foiasearch.ingest.html import parse_html
from foiasearch.ingest.htmlmeta import _LDJSON, _REL_LINKS, elements_by_tag, page_meta, rel_author, slug
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.textnorm import clean_text, squash
from tests.test_ingest_fast_paths import _eager_spans
from tests.test_textnorm import _by_regex

_CITATION_PARTS = ["(b)(3)", "( b ) ( 6 )", "(\tb)(7)(c)", "b7C", "b9", "ab6c", "B6", "7(1)(c)", "7 ( 1 ) (d)(v) and (vi)",
                   "7(1)", "140/", "Rule 12", "552", "FOIA", "ILCS", "withheld", "letter", "(", ")", "b", "7", "1",
                   " ", "\n", "\xa0", ","]


@given(st.lists(st.sampled_from(_CITATION_PARTS), max_size=14), st.booleans())
@settings(max_examples=500, deadline=None)
def test_exemption_spans_behind_their_hints_are_those_of_the_full_scans(parts, own_context):
    text = "".join(parts)
    context = text if own_context else "FOIA ILCS " + text
    assert foia.exemption_spans(text, context) == _eager_spans(text, context)
    if not any(hint.search(text) for hint in foia._FEDERAL_HINTS):
        assert foia._FEDERAL.search(text) is None
    if not foia._ILLINOIS_HINT.search(text):
        assert foia._ILLINOIS.search(text) is None


@given(st.text(alphabet=" \t\r\n\x0b\x0c\x1c\x1d\x1e\x1fab.", max_size=40))
@settings(max_examples=1000, deadline=None)
def test_ascii_text_is_cleaned_as_the_regex_cleaned_it(text):
    assert clean_text(text) == _by_regex(text)


def test_clean_ascii_text_is_returned_as_it_is():
    text = "Opt out.\nThe county said so.\n\nA second paragraph."
    assert clean_text(text) is text
    assert clean_text("a  b") == "a b" and clean_text("a\n\n\n\nb ") == "a\n\nb"


_RELS = ["author", "Author", "authors", "me author", "author me", "tag", "nofollow", "", " author ", "author\n"]


@given(st.lists(st.sampled_from(_RELS + [None]), max_size=8))
@settings(max_examples=300, deadline=None)
def test_rel_author_links_are_those_the_xpath_finds(rels):
    links = "".join(f'<a href="/{i}">N{i}</a>' if rel is None else f'<a rel="{rel}" href="/{i}">N{i}</a>'
                    for i, rel in enumerate(rels))
    tree = lxml.html.document_fromstring(f"<html><body><p>{links or 'x'}</p></body></html>")
    assert rel_author(_REL_LINKS(tree)) == tree.xpath('//a[contains(concat(" ",@rel," ")," author ")]')


def test_tag_links_that_share_a_menu_are_all_left_out():
    tree = lxml.html.document_fromstring(
        '<html><head><title>Opt out | Watch</title></head><body>'
        '<div class="menu"><ul><li><a rel="tag" href="/t/a">Elections</a></li>'
        '<li><a rel="tag" href="/t/b">Budget</a></li></ul></div>'
        '<article><h1>Opt out</h1><p>Text.</p><footer><a rel="tag" href="/t/c">FOIA</a>'
        '<a rel="category tag" href="/category/news">News</a> by <a rel="author" href="/u">Ana Ruiz</a>'
        '</footer></article></body></html>')
    meta = page_meta(tree)
    assert (meta.tags, meta.categories, meta.authors, meta.title) == (["FOIA"], ["News"], ["Ana Ruiz"], "Opt out")


def test_published_and_updated_time_elements_come_from_one_lookup():
    tree = lxml.html.document_fromstring(
        '<html><body><article><p>Posted <time class="updated" datetime="2024-03-07">7 March</time>'
        '<time class="published" datetime="2024-03-05">5 March</time></p><p>Text.</p></article></body></html>')
    meta = page_meta(tree)
    assert (meta.date, meta.modified) == ("2024-03-05", "2024-03-07")


PAGE = ("<!doctype html><html><head><title>Cook County ends detainers | Watch</title></head><body>"
        "<article><h1>Cook County ends detainers</h1>" + "<p>The sheriff said the county would stop holding"
        " people for ICE, and the board agreed with the plan.</p>" * 40 + "</article></body></html>")


@pytest.mark.parametrize("whole_bytes", [1 << 20, 100])
def test_a_page_read_whole_by_the_sniffer_is_the_page_read_again(tmp_path, monkeypatch, whole_bytes):
    path = tmp_path / "post"
    raw = PAGE.encode()
    path.write_bytes(raw)
    monkeypatch.setattr(registry, "WHOLE_BYTES", whole_bytes)  # 100: sniffed from its head, then read again
    start, fmt, whole = registry.read_start(path)
    assert fmt == "html" and whole == (whole_bytes > len(raw))
    assert start == (raw if whole else raw[:registry.SNIFF_BYTES])
    result = registry.ingest_file(path, IngestOptions())
    assert result.status == "ok"
    assert result.documents == html.ingest(path, IngestOptions()).documents
    assert result.documents[0].title == "Cook County ends detainers"


def test_a_small_file_that_is_not_a_page_is_read_no_further_than_its_head(tmp_path):
    """Only an HTML page is read whole: a PDF's parser reads the file itself,
    and a skipped file (an image) is never read past the sniffer's bytes."""
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"x" * (2 * registry.SNIFF_BYTES))
    image = tmp_path / "photo.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * (2 * registry.SNIFF_BYTES))
    for path, fmt in ((pdf, "pdf"), (image, None)):
        start, found, whole = registry.read_start(path)
        assert (found, whole, len(start)) == (fmt, False, registry.SNIFF_BYTES)


def test_bytes_that_are_not_a_page_fail_as_a_file_did():
    with pytest.raises(html.IngestError, match="empty file"):
        html.ingest_bytes(b"")
    with pytest.raises(html.IngestError, match="not HTML: binary content"):
        html.ingest_bytes(b"<p>\x00\x01")


_WHITESPACE = " \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000\u200b\ufeff"


@given(st.text(alphabet=_WHITESPACE + "ab&;#x3", max_size=40))
@settings(max_examples=1000, deadline=None)
def test_squash_is_the_regex_squash(text):
    assert squash(text) == re.sub(r"\s+", " ", html_module.unescape(text)).strip()


_PARTS = ['<script type="application/LD+JSON">{}</script>', "<script>x()</script>", '<script type="text/ld+json">',
          "</script>", "<title>T</title>", "<h1>H</h1>", "<h2>S</h2>", '<link rel="canonical" href="/c">',
          '<link rel="x">', '<link href="/h">', '<time datetime="2024-03-05">d</time>', "<time>t</time>",
          '<meta name="a" content="b">', "<div>", "</div>", "<p>", "text", "<svg><title>s</title></svg>",
          "<!-- <title>c</title> -->"]


@given(st.lists(st.sampled_from(_PARTS), max_size=16))
@settings(max_examples=300, deadline=None)
def test_elements_walked_once_are_those_each_xpath_finds(parts):
    tree = parse_html("<html><head>" + "".join(parts[:3]) + "</head><body>" + "".join(parts[3:]) + "</body></html>")
    walked = elements_by_tag(tree)
    for tag in walked:
        assert walked[tag] == tree.xpath(f"//{tag}")
    assert [s for s in walked["script"] if "ld+json" in (s.get("type") or "").translate(_LDJSON)] == \
        tree.xpath('//script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]')
    assert list(tree.iter("h1", "h2")) == tree.xpath("//h1|//h2")  # lead_paragraph's headings


def test_a_slug_is_made_once_per_term():
    slug.cache_clear()
    assert [slug("Gas leak"), slug("Gas leak"), slug("Amazon.com")] == ["gas-leak", "gas-leak", "amazon-com"]
    assert slug.cache_info().hits == 1

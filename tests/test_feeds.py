"""WordPress exports, RSS 2.0 and Atom files: one Document per published entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from foiasearch.ingest import feeds
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.registry import ingest_file, read_head, sniff_format

FIXTURES = Path(__file__).parent / "fixtures" / "html"
REPO = Path(__file__).resolve().parents[1]
CORPUS = next((p / "shared" / "corpus" for p in REPO.parents if (p / "shared" / "corpus" / "feeds").is_dir()), None)


@pytest.mark.parametrize("name", ["wxr_http.xml", "wxr_https.xml"])
def test_wxr_posts_and_pages_both_namespaces(name):
    result = ingest_file(FIXTURES / name)
    assert result.status == "ok"
    assert result.counts == {"skipped_drafts": 1, "skipped_attachments": 1, "skipped_menu_items": 1}
    post, page = result.documents
    assert (post.kind, page.kind) == ("post", "page")
    assert post.title == "Illinois leaves Secure Communities"
    assert post.authors == ["Maria Reyes"]  # login mapped to the display name
    assert post.date == "2011-05-04T14:00:00+00:00"
    assert post.modified == "2011-05-05T15:00:00+00:00"
    assert post.tags == ["S-Comm", "opt out"]
    assert post.categories == ["News"]
    assert post.url == "https://sanctuary.example.org/2011/05/illinois-leaves-s-comm/"
    assert post.text == ("Governor Pat Quinn wrote to DHS to end the state\u2019s agreement.\n\n"
                         "A rally in Chicago\nAdvocates called it a first step.")
    assert post.comments == "Great news for Illinois families."  # spam left out
    assert post.description == "The state opts out."
    assert page.date == "2010-01-01T12:00:00"  # no GMT date: local time, no zone invented
    assert len({d.part for d in result.documents}) == 2
    assert all("draft" not in d.text.lower() for d in result.documents)


def test_rss2_items():
    result = ingest_file(FIXTURES / "rss2.xml")
    first, second = result.documents
    assert first.kind == "post" and first.title == "Appeal won: sheriff releases emails"
    assert first.text == "After a two-year appeal the sheriff released 400 pages of e-mail.\n\nCafé owners were named."
    assert first.date == "2024-03-12T10:15:00-05:00"
    assert first.authors == ["Sam Ortiz"] and first.tags == ["FOIA", "Appeals"]
    assert first.site == "Records Desk Example"
    assert second.text == "The board meets on Friday to discuss the release schedule."
    assert first.part != second.part


def test_atom_entries():
    result = ingest_file(FIXTURES / "atom.xml")
    first, second = result.documents
    assert first.title == "Detention & due process"
    assert first.text == "Judges reviewed forty bond hearings."
    assert first.date == "2024-04-01T09:00:00+02:00"
    assert first.tags == ["Detention", "due-process"]
    assert first.authors == ["Jo Park"]  # the feed's author
    assert first.url == "https://border.example.com/detention"
    assert second.text == "Records show twelve transfers." and second.authors == ["Kim Lee"]


@pytest.mark.parametrize("name, fmt", [
    ("wxr_http.xml", "feeds"), ("rss2.xml", "feeds"), ("atom.xml", "feeds"),
    ("meta_jsonld.html", "html"), ("comments.html", "html"),
])
def test_sniffing_feeds_before_html(name, fmt):
    path = FIXTURES / name
    assert sniff_format(read_head(path), path.name) == fmt


def test_feed_without_entries_is_skipped_with_counts(tmp_path):
    path = tmp_path / "empty.xml"
    path.write_text('<?xml version="1.0"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">'
                    "<channel><title>x</title><item><wp:post_type>attachment</wp:post_type></item></channel></rss>")
    result = feeds.ingest(path, IngestOptions())
    assert result.status == "skipped" and result.counts == {"skipped_attachments": 1}


def test_truncated_feed_keeps_what_it_can(tmp_path):
    text = (FIXTURES / "rss2.xml").read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(text[: text.index(b"<title>Second item")])
    result = ingest_file(path)
    assert result.status == "ok" and result.documents[0].title.startswith("Appeal won")


@pytest.mark.skipif(CORPUS is None, reason="shared corpus not present")
def test_real_wxr_export_https_namespace():
    result = ingest_file(CORPUS / "feeds" / "wptt-themeunittestdata.wordpress.xml")
    assert result.status == "ok"
    kinds = [d.kind for d in result.documents]
    assert kinds.count("page") == 21
    assert kinds.count("post") == 56  # 58 posts less one draft, one scheduled
    assert result.counts["skipped_attachments"] == 37
    assert result.counts["skipped_menu_items"] == 70
    assert result.counts["skipped_drafts"] == 1
    assert len({d.part for d in result.documents}) == len(result.documents)
    assert all(d.url and d.date for d in result.documents)
    assert sum(not d.title for d in result.documents) <= 2  # the test data has untitled posts
    assert any(d.tags for d in result.documents) and any(d.categories for d in result.documents)

"""Atom feeds of saved searches, read back with feedparser."""

from __future__ import annotations

import feedparser
import pytest

from foiasearch.index.location import IndexLocation
from foiasearch.ingest.document import Document, Page
from foiasearch.search.whoosh.engine import SearchEngine
from foiasearch.search.atom import atom_feed
from foiasearch.search.saved import SavedStore
from foiasearch.search.api import Query
from tests.builders import write_html
from tests.synthetic import write_index
from tests.test_saved import cli


def test_feed_of_a_cli_built_index(runner, mixed_folder, index_dir, tmp_path):
    odd_title = "<script>alert(1)</script> & detainers"
    write_html(mixed_folder / "posts" / "odd.html", odd_title, "Detainers & <b>markup</b> as text.")
    cli(runner, "index", mixed_folder, "--index", index_dir, "--workers", "0")
    cli(runner, "saved", "add", "det", "detainers", "--index", index_dir)
    out = tmp_path / "det.atom"
    cli(runner, "saved", "feed", "det", "--url", "http://127.0.0.1:5000/saved/det.atom", "-o", out,
        "--index", index_dir)
    feed = feedparser.parse(out.read_bytes())
    assert feed.version == "atom10" and not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "foiasearch: det" and feed.feed.id == "http://127.0.0.1:5000/saved/det.atom"
    assert len(feed.entries) == 4
    titles = {e.title for e in feed.entries}
    assert odd_title in titles and "The TRUST Act in California" in titles
    pages = sorted(e.content[0].value.split(":")[0] for e in feed.entries if e.content[0].value.startswith("pp."))
    assert pages == ["pp. 1", "pp. 2"]  # the two releases name their matching pages
    assert all(e.updated_parsed for e in feed.entries)
    # reading the feed does not mark anything seen
    assert "4 new" in cli(runner, "saved", "list", "--index", index_dir).output


@pytest.fixture
def dated_index(tmp_path):
    location = IndexLocation(tmp_path / "ix")
    docs = [
        Document(kind="post", title="Old post", date="2011-03-15", tags=["ICE"], url="https://example.org/old",
                 pages=[Page(1, "opt out in 2011")]),
        Document(kind="post", title="Newer post", date="2015-06-01T12:00:00-05:00", pages=[Page(1, "opt out again")]),
        Document(kind="release", title="Undated release", ingested_at="2020-01-02T03:04:05+00:00",
                 pages=[Page(1, "nothing"), Page(2, "they may opt out")]),
        Document(kind="release", title="Undated, indexed long ago", ingested_at="2009-01-01T00:00:00+00:00",
                 pages=[Page(1, "opt out")]),
        Document(kind="post", title="Unrelated", date="2024-01-01", pages=[Page(1, "fingerprints")]),
    ]
    write_index(location, docs)
    return location


def test_newest_first_by_date_then_ingestion_time(dated_index):
    store = SavedStore.open(dated_index)
    saved = store.add("optout", Query('"opt out"'))
    with SearchEngine(dated_index) as engine:
        text = atom_feed(engine, saved, doc_url=lambda hit: f"http://127.0.0.1:5000/doc/{hit.id}", limit=3)
    feed = feedparser.parse(text)
    assert feed.version == "atom10" and not feed.bozo
    assert [e.title for e in feed.entries] == ["Undated release", "Newer post", "Old post"]
    assert [e.updated for e in feed.entries] == ["2020-01-02T03:04:05Z", "2015-06-01T17:00:00Z", "2011-03-15T00:00:00Z"]
    assert feed.feed.updated == "2020-01-02T03:04:05Z"
    assert feed.entries[2].link == "https://example.org/old" and feed.entries[2].tags[0].term == "ICE"
    assert feed.entries[0].link.startswith("http://127.0.0.1:5000/doc/")
    assert feed.entries[0].content[0].value.startswith("pp. 2: they may")


def test_empty_feed_is_valid(dated_index):
    saved = SavedStore.open(dated_index).add("none", Query("zebra"))
    with SearchEngine(dated_index) as engine:
        feed = feedparser.parse(atom_feed(engine, saved))
    assert feed.version == "atom10" and not feed.bozo and feed.entries == []

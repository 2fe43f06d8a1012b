"""The engine paths the web pages rely on (bitset facets and filters, the
per-searcher query cache, loose page matches), checked against Whoosh's own
filtering and against the stored documents."""

from __future__ import annotations

from collections import Counter

import pytest
from whoosh import query as wq

from foiasearch.index.build import index_documents
from foiasearch.ingest.document import Document, Page
from foiasearch.search.whoosh.engine import SearchEngine
from foiasearch.search.api import Query
from foiasearch.search.whoosh.query import filter_query, parse_text
from tests.web_corpus import build_web_corpus


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("enginecorpus")
    return build_web_corpus(root)


@pytest.fixture
def engine(built):
    with SearchEngine(built[0]) as engine:
        yield engine


def whoosh_matches(engine: SearchEngine, text: str, filters: dict[str, list[str]]) -> set[str]:
    """Doc ids matching, by Whoosh filtering alone (the slow, obvious way)."""
    searcher, _ = engine.searcher()
    parts = [parse_text(text), wq.Term("rtype", "doc")]
    selected = filter_query(filters)
    if selected is not None:
        parts.append(selected)
    return {searcher.stored_fields(d)["id"] for d in searcher.docs_for_query(wq.And(parts))}


def stored_counts(engine: SearchEngine, ids: set[str], facet: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for doc_id in ids:
        doc = engine.document(doc_id)
        values = {"tag": doc.tags, "actor": [a.name for a in doc.actors], "exemption": doc.exemptions,
                  "kind": [doc.kind], "year": [doc.date[:4]] if doc.date else []}[facet]
        counts.update(dict.fromkeys(values, 1))
    return dict(counts)


@pytest.mark.parametrize("text,filters", [
    ("", {}),
    ("opt out", {}),
    ("", {"tag": ["ICE"]}),
    ("opt out", {"tag": ["ICE", "California"], "actor": ["pat quinn"]}),
    ("detainer OR secure", {"year": ["2014", "2011"]}),
    ("", {"kind": ["release"], "exemption": ["B6"]}),
])
def test_totals_and_counts_agree_with_whoosh_and_the_store(engine, text, filters):
    results = engine.search(Query(text, filters, per_page=100), facets=True)
    expected = whoosh_matches(engine, text, filters)
    assert results.total == len(expected)
    assert {h.id for h in results.hits} == expected
    for facet in ("tag", "actor", "exemption", "kind", "year"):
        others = {k: v for k, v in filters.items() if k != facet}
        counted = {v.value: v.count for v in results.facets[facet]}
        assert counted == stored_counts(engine, whoosh_matches(engine, text, others), facet), facet


def test_relevance_order_matches_whoosh(engine):
    results = engine.search(Query("opt out"))
    searcher, _ = engine.searcher()
    top = searcher.search(parse_text("opt out"), filter=wq.Term("rtype", "doc"), limit=10)
    assert [h.id for h in results.hits] == [hit["id"] for hit in top]


def test_sorts_and_pages(engine):
    newest = engine.search(Query("", {"tag": ["Detainers"]}, sort="newest", per_page=10, page=2))
    assert newest.total == 25 and len(newest.hits) == 10
    every = engine.search(Query("", {"tag": ["Detainers"]}, sort="newest", per_page=25)).hits
    assert [h.id for h in newest.hits] == [h.id for h in every[10:20]]
    assert [h.date for h in every] == sorted((h.date for h in every), reverse=True)
    past_end = engine.search(Query("", {"tag": ["Detainers"]}, page=3, per_page=20))
    assert past_end.total == 25 and past_end.hits == []


def test_pages_that_each_hold_one_of_the_words(engine, built):
    # "memo" is on page 17 only, "fingerprints" on the routine pages: no page
    # has both, so the hit names the pages with either word.
    results = engine.search(Query("memo fingerprints"))
    assert [h.id for h in results.hits] == [built[1]["release"]]
    pages = results.hits[0].matching_pages
    assert 17 in pages and 2 in pages and 3 not in pages and 1 not in pages
    assert sorted(engine.matching_pages(built[1]["release"], '"opt out"')) == [3, 17]


def test_a_cached_query_sees_the_next_commit(tmp_path):
    location, _ = build_web_corpus(tmp_path)
    with SearchEngine(location) as engine:
        before = engine.search(Query("opt out"), facets=True)
        again = engine.search(Query("opt out"), facets=True)
        assert again.total == before.total
        index_documents(location, [(Document(kind="post", title="Another opt out", tags=["ICE"],
                                             pages=[Page(1, "One more county may opt out.")]), ["more.html"])])
        after = engine.search(Query("opt out"), facets=True)
        assert after.total == before.total + 1
        ice = {v.value: v.count for v in after.facets["tag"]}["ICE"]
        assert ice == {v.value: v.count for v in before.facets["tag"]}["ICE"] + 1

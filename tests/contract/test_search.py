"""Contract: query syntax, filters, facets, page hits, snippets, sorts and
paging, through search.api only."""

from __future__ import annotations

import pytest

from foiasearch.search.api import FACET_NAMES, Query, QueryError
from foiasearch.search.marks import to_plain
from tests.contract.conftest import ALL_IDS, FINGERPRINTS, ILLINOIS, MEMO, SPANISH, SPREAD


def ids(backend, text: str = "", **kwargs) -> set[str]:
    results = backend.search(Query(text, per_page=100, **kwargs))
    assert results.total == len(results.hits)
    return {hit.id for hit in results.hits}


def ordered(backend, text: str = "", **kwargs) -> list[str]:
    return [hit.id for hit in backend.search(Query(text, per_page=100, **kwargs)).hits]


# -- query syntax -------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("sheriff", {MEMO.id, SPREAD.id}),                     # a word
    ("sheriffs", {MEMO.id, SPREAD.id}),                    # stemmed
    ("SHERIFF", {MEMO.id, SPREAD.id}),                     # any case
    ("opt out", {MEMO.id, SPREAD.id, ILLINOIS.id}),        # words: AND, anywhere in the document
    ('"opt out"', {MEMO.id, ILLINOIS.id}),                 # a phrase
    ("detainer OR condado", {MEMO.id, SPREAD.id, SPANISH.id}),
    ("opt NOT illinois", {MEMO.id, SPREAD.id}),
    ("(fingerprints OR detainer) AND sheriff", {MEMO.id, SPREAD.id}),
    ("title:fingerprint", {FINGERPRINTS.id}),              # a field
    ("from:smith", {MEMO.id}),                             # printed e-mail sender, by its alias
    ("tag:illinois", {ILLINOIS.id}),                       # a facet value as a field
    ("sherif*", {MEMO.id, SPREAD.id}),                     # a prefix
    ("date:2011", {MEMO.id, ILLINOIS.id}),                 # a year
    ("date:[2011-04-01 TO 2012-12-31]", {ILLINOIS.id, SPANISH.id}),  # a date range
    ("date:[2011-04-01 TO 2011-06-01]", {ILLINOIS.id}),    # ... to the day, within one year
    ("zebra", set()),
])
def test_query_syntax(backend, text, expected):
    assert ids(backend, text) == expected


def test_empty_text_lists_every_document_newest_first(backend):
    assert ordered(backend) == [SPANISH.id, ILLINOIS.id, MEMO.id, FINGERPRINTS.id, SPREAD.id]


@pytest.mark.parametrize("query, message", [
    (Query("x" * 2001), "too long"),
    (Query("opt", {"colour": ["red"]}), "unknown filter"),
    (Query("opt", sort="random"), "unknown sort"),
    (Query("opt", page=0), "page"),
    (Query("opt", per_page=5000), "limit"),
])
def test_bad_queries_raise_query_error(backend, query, message):
    for call in (backend.search, backend.stream, backend.check):
        with pytest.raises(QueryError, match=message):
            call(query)


# -- filters ------------------------------------------------------------------------
@pytest.mark.parametrize("facet, value, expected", [
    ("tag", "ICE", {MEMO.id, SPANISH.id}),
    ("actor", "Pat Quinn", {MEMO.id, ILLINOIS.id}),
    ("kind", "release", {MEMO.id, SPREAD.id}),
    ("collection", "posts", {ILLINOIS.id, SPANISH.id, FINGERPRINTS.id}),
    ("year", "2011", {MEMO.id, ILLINOIS.id}),
    ("exemption", "b7", {SPREAD.id}),
    ("category", "News", {ILLINOIS.id}),
    ("site", "example.org", {ILLINOIS.id, FINGERPRINTS.id}),
    ("language", "es", {SPANISH.id}),
])
def test_every_facet_filters(backend, facet, value, expected):
    assert ids(backend, filters={facet: [value]}) == expected
    assert ids(backend, filters={facet: [value.upper()]}) == expected  # filters ignore case


def test_filters_or_within_a_facet_and_across(backend):
    assert ids(backend, filters={"tag": ["ICE", "Illinois"]}) == {MEMO.id, SPANISH.id, ILLINOIS.id}
    assert ids(backend, filters={"tag": ["ICE", "Illinois"], "language": ["en"]}) == {MEMO.id, ILLINOIS.id}
    assert ids(backend, "opt", filters={"kind": ["post"]}) == {ILLINOIS.id}
    assert ids(backend, filters={"tag": ["no such tag"]}) == set()


# -- facets -------------------------------------------------------------------------------
def counts(results, facet: str) -> dict[str, int]:
    return {v.value: v.count for v in results.facets[facet]}


def test_facet_counts_cover_every_facet(backend):
    results = backend.search(Query(""), facets=True)
    assert set(results.facets) == set(FACET_NAMES)
    assert counts(results, "tag") == {"ICE": 2, "Secure Communities": 2, "Detainers": 1, "Illinois": 1,
                                      "Fingerprints": 1}
    assert counts(results, "kind") == {"post": 3, "release": 2}
    assert [v.value for v in results.facets["year"]] == ["2012", "2011", "2010"]  # years: newest first
    assert [v.value for v in results.facets["tag"]][:2] == ["ICE", "Secure Communities"]  # most frequent first
    actors = {v.value: (v.count, v.type) for v in results.facets["actor"]}
    assert actors == {"ICE": (2, "agency"), "Pat Quinn": (2, "person"), "DHS": (1, "agency")}


def test_facet_counts_follow_the_query_and_keep_a_selection_open(backend):
    results = backend.search(Query("opt", {"kind": ["post"]}), facets=True)
    assert results.total == 1
    assert counts(results, "kind") == {"release": 2, "post": 1}  # its own selection left out: OR stays visible
    assert counts(results, "site") == {"example.org": 1}


def test_a_facet_limit_keeps_the_top_values_the_selected_ones_and_every_year(backend):
    query = Query("", {"tag": ["Fingerprints"]})
    whole = backend.search(query, facets=True)
    cut = backend.search(query, facets=True, facet_limit=2)
    assert [v.value for v in cut.facets["tag"]] == ["ICE", "Secure Communities", "Fingerprints"]  # selected: kept
    assert counts(cut, "tag")["Fingerprints"] == 1
    longer = {name: len(values) for name, values in whole.facets.items() if len(values) > 2 and name != "year"}
    assert cut.facet_totals == longer and longer["tag"] == 5  # how many each cut facet had
    for name, values in whole.facets.items():
        if name == "year":
            assert cut.facets[name] == values  # never cut: the histogram shows every year
        elif name != "tag":
            assert cut.facets[name] == values[:2]
    assert whole.facet_totals == {}


def test_facet_value_listing(backend):
    agencies = backend.facet_values("actor", type="agency")
    assert [(v.value, v.count) for v in agencies] == [("ICE", 2), ("DHS", 1)]
    assert [v.value for v in backend.facet_values("language", limit=1)] == ["en"]


def test_page_counts_of_exemptions_follow_the_selection(backend):
    # MEMO cites b5 on page 2 and b6 on page 3; SPREAD's b7 is on no page.
    assert backend.page_counts(Query("")) == {"b5": 1, "b6": 1, "b7": 0}
    assert backend.page_counts(Query("fingerprints")) == {"b5": 1, "b6": 1}
    assert backend.page_counts(Query("", {"kind": ["post"]})) == {}
    # the facet's own selection is left out, as in the facet counts
    assert backend.page_counts(Query("", {"exemption": ["b6"]}))["b5"] == 1


# -- page hits and snippets ------------------------------------------------------------
def test_page_hits_name_the_matching_pages(backend):
    hits = {hit.id: hit for hit in backend.search(Query('"opt out"')).hits}
    assert hits[MEMO.id].matching_pages == [2]
    assert hits[MEMO.id].snippet_page == 2
    assert hits[ILLINOIS.id].matching_pages == []  # posts have no page hits
    assert backend.matching_pages(MEMO.id, "detainer") == [3]


def test_words_spread_over_pages_name_the_pages_with_any_of_them(backend):
    hit = next(h for h in backend.search(Query("opt out")).hits if h.id == SPREAD.id)
    assert sorted(hit.matching_pages) == [2, 3]


def test_snippets_mark_the_words_on_the_best_page(backend):
    hits = {hit.id: hit for hit in backend.search(Query('"opt out"')).hits}
    assert "[opt] [out]" in to_plain(hits[MEMO.id].snippet, "[", "]")
    assert "Secure Communities" in to_plain(hits[MEMO.id].snippet)
    assert "[opt] [out]" in to_plain(hits[ILLINOIS.id].snippet, "[", "]")


def test_marking_a_page(backend):
    terms = backend.highlight_terms("fingerprints")
    assert to_plain(backend.mark_text("Fingerprint and fingerprints.", terms), "[", "]") == \
        "[Fingerprint] and [fingerprints]."
    assert backend.highlight_terms("") == set()


def test_hits_carry_the_document(backend):
    hit = next(h for h in backend.search(Query('"opt out"')).hits if h.id == MEMO.id)
    assert (hit.title, hit.kind, hit.date[:10], hit.collection) == ("Secure Communities memo", "release",
                                                                    "2011-03-15", "releases")
    assert hit.document.tags == ["ICE", "Secure Communities"]
    assert hit.citations() == ["DEF-000102 (p. 2)"]
    assert [e.sender for e in hit.emails()] == ["Smith, John"]
    assert hit.to_json()["pages"] == [2]


# -- sorts and paging -------------------------------------------------------------------
def test_sorts(backend):
    assert ordered(backend, sort="newest") == [SPANISH.id, ILLINOIS.id, MEMO.id, FINGERPRINTS.id, SPREAD.id]
    assert ordered(backend, sort="oldest") == [FINGERPRINTS.id, MEMO.id, ILLINOIS.id, SPANISH.id, SPREAD.id]
    scored = backend.search(Query("sheriff detainer", per_page=100)).hits
    assert [h.score for h in scored] == sorted((h.score for h in scored), reverse=True)
    assert all(h.score > 0 for h in scored)


def test_paging(backend):
    first = backend.search(Query("", per_page=2))
    second = backend.search(Query("", per_page=2, page=2))
    last = backend.search(Query("", per_page=2, page=3))
    assert (first.total, first.page_count) == (5, 3)
    assert [len(first.hits), len(second.hits), len(last.hits)] == [2, 2, 1]
    assert {h.id for h in first.hits + second.hits + last.hits} == ALL_IDS
    assert backend.search(Query("", per_page=2, page=9)).hits == []


def test_a_suggestion_when_nothing_matches(backend):
    results = backend.search(Query("fingreprints"), suggest=True)
    assert results.total == 0 and results.suggestion.lower().startswith("fingerprint")
    assert backend.search(Query(results.suggestion)).total > 0  # it finds something
    assert backend.search(Query("fingerprints"), suggest=True).suggestion is None


# -- documents and the index ----------------------------------------------------------------
def test_documents(backend):
    doc = backend.document(MEMO.id)
    assert [p.number for p in doc.pages] == [1, 2, 3] and "opt out" in doc.pages[1].text
    assert backend.document("0" * 64) is None
    meta = backend.document(MEMO.id, with_text=False)  # the page viewer's cheap check
    assert [(p.number, p.exemptions, p.bates, p.text) for p in meta.pages][1] == (2, ["b5"], "DEF-000102", "")
    assert backend.page_bates(MEMO.id, [2, 3]) == {2: "DEF-000102", 3: "DEF-000103"}
    assert backend.original_path(MEMO.id) is None  # its file was never on disk
    assert backend.has_original(MEMO.id) is False
    assert backend.originals_in_place([MEMO.id, "0" * 64]) == set()


def test_status_and_fingerprint(backend):
    status = backend.status()
    assert status.kinds == {"post": (3, 3), "release": (2, 6)}
    assert status.to_json()["kinds"]["release"] == {"documents": 2, "pages": 6}
    first, again = backend.fingerprint(), backend.fingerprint()
    assert first == again and first.backend == backend.name and len(first.value) == 16


def test_page_counts_of_exemptions(backend):
    # Every value the selected documents carry; b7 is the document's, on no page.
    assert backend.page_counts(Query("")) == {"b5": 1, "b6": 1, "b7": 0}
    assert backend.page_counts(Query("detainer")) == {"b5": 1, "b6": 1, "b7": 0}  # all pages of the documents
    assert backend.page_counts(Query('"opt out"')) == {"b5": 1, "b6": 1}
    assert backend.page_counts(Query("", {"exemption": ["b7"]})) == {"b5": 1, "b6": 1, "b7": 0}  # own selection left out
    assert backend.page_counts(Query("", {"kind": ["post"]})) == {}
    assert backend.open_original(MEMO.id) is None  # no recorded file is on disk

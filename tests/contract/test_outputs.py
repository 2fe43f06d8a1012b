"""Contract: the streamed result set, exports, saved searches and Atom
feeds, through search.api only."""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET

from foiasearch.search.api import Query, ResultStream, SearchBackend
from foiasearch.search.atom import atom_feed
from foiasearch.search.export import Export, ExportPart, stream
from foiasearch.search.saved import SavedStore, run_saved, saved_status
from tests.contract.conftest import ALL_IDS, FINGERPRINTS, ILLINOIS, MEMO, SPANISH, SPREAD, build

ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_backend_implements_the_protocols(backend):
    assert isinstance(backend, SearchBackend)
    assert isinstance(backend.stream(Query("opt")), ResultStream)


# -- the streamed result set ------------------------------------------------------------
def test_a_stream_gives_every_match_in_search_order(backend):
    for query in (Query("opt out"), Query(""), Query("sheriff detainer"), Query("", sort="oldest"),
                  Query("", {"kind": ["post"]}, sort="newest")):
        results = backend.stream(query)
        expected = [h.id for h in backend.search(Query(query.text, query.filters, query.sort, per_page=100)).hits]
        assert results.total == len(expected)
        assert list(results.ids()) == expected
        assert [h.id for h in results.hits(batch=2)] == expected  # batches do not change the order


def test_a_stream_builds_only_the_hits_asked_for(backend):
    results = backend.stream(Query(""))
    assert [h.id for h in results.hits(only={MEMO.id, SPANISH.id})] == [SPANISH.id, MEMO.id]
    memo = next(results.hits(only={MEMO.id}))
    assert memo.matching_pages == [] and memo.title == "Secure Communities memo"


def test_newest_first_by_date_else_by_indexing_time(backend):
    newest = backend.stream(Query("")).newest(10)
    assert [h.id for _, h in newest] == [SPANISH.id, ILLINOIS.id, SPREAD.id, MEMO.id, FINGERPRINTS.id]
    assert [when.date().isoformat() for when, _ in newest] == \
        ["2012-01-10", "2011-05-04", "2011-04-01", "2011-03-15", "2010-07-01"]
    assert all(when.tzinfo is not None for when, _ in newest)
    assert [h.id for _, h in backend.stream(Query("opt")).newest(1)] == [ILLINOIS.id]


# -- exports ------------------------------------------------------------------------------
def test_csv_export_rows_and_provenance(backend):
    export = Export.of_query(backend, Query('"opt out"'), saved_name="opt-out")
    rows = list(csv.DictReader(io.StringIO("".join(stream(export, "csv")))))
    assert {r["id"] for r in rows} == {MEMO.id, ILLINOIS.id} and export.total == 2
    memo = next(r for r in rows if r["id"] == MEMO.id)
    assert memo["pages"] == "2 (DEF-000102)" and memo["exemptions"] == "b5; b6"
    assert memo["actors"] == "ICE (agency); Pat Quinn (person)" and "[opt]" not in memo["snippet"]
    meta = export.meta
    assert meta["saved_search"] == "opt-out" and meta["total"] == 2
    assert meta["index"] == backend.fingerprint().to_json()
    assert "whoosh_generation" not in meta["index"]


def test_json_and_batch_exports(backend):
    export = Export.of_query(backend, Query("", {"language": ["es"]}))
    data = json.loads("".join(stream(export, "json")))
    assert [r["id"] for r in data["rows"]] == [SPANISH.id] and data["meta"]["filters"] == {"language": ["es"]}
    parts = [ExportPart(name, Query(text), backend.stream(Query(text))) for name, text in
             [("opt", '"opt out"'), ("prints", "fingerprints")]]
    lines = "".join(stream(Export(backend, parts, batch=True), "jsonl")).splitlines()
    names = [json.loads(line)["query_name"] for line in lines]
    assert sorted(names) == ["opt", "opt", "prints", "prints"]


# -- saved searches -------------------------------------------------------------------------
def test_saved_searches_report_what_is_new(backend_name, tmp_path):
    location = build(tmp_path / "ix", backend_name)
    from foiasearch.search.api import open_backend

    with open_backend(location, backend=backend_name) as opened, SavedStore.open(location) as store:
        store.add("opt", Query("opt", {"language": ["en"]}), backend=opened)
        [status] = saved_status(opened, store)
        assert (status.total, status.new, status.error) == (3, 3, None)
        first = run_saved(opened, store, "opt")
        assert first.new_ids == {MEMO.id, SPREAD.id, ILLINOIS.id} and first.saved.last_run is None
        again = run_saved(opened, store, "opt")
        assert again.new_ids == set() and again.total == 3 and again.saved.last_run is not None
        assert [h.id for h in again.hits(new_only=True)] == []
        assert {h.id for h in again.hits()} == {MEMO.id, SPREAD.id, ILLINOIS.id}


# -- feeds ------------------------------------------------------------------------------------
def test_atom_feed_of_a_saved_search(backend, tmp_path):
    store = SavedStore(tmp_path / "saved.db")
    saved = store.add("all", Query(""), backend=backend)
    feed = ET.fromstring(atom_feed(backend, saved, self_url="http://example.test/saved/all.atom", limit=3))
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == \
        ["Comunidades Seguras", "Illinois leaves Secure Communities", "Detainer policy records"]
    assert entries[0].find(f"{ATOM}updated").text == "2012-01-10T00:00:00Z"
    assert feed.find(f"{ATOM}updated").text == "2012-01-10T00:00:00Z"
    assert entries[1].find(f"{ATOM}link").get("href") == "https://example.org/illinois"
    assert {c.get("term") for c in entries[1].findall(f"{ATOM}category")} == {"Secure Communities", "Illinois"}
    assert len({e.find(f"{ATOM}id").text for e in entries}) == 3
    store.close()


def test_fingerprint_changes_with_a_commit(backend_name, tmp_path):
    from foiasearch.index.build import index_documents
    from foiasearch.ingest.document import Document, Page
    from foiasearch.search.api import open_backend

    location = build(tmp_path / "ix", backend_name)
    with open_backend(location, backend=backend_name) as opened:
        before = opened.fingerprint()
        stream_before = opened.stream(Query(""))
        time.sleep(1.1)  # the store's update time has whole seconds
        index_documents(location, [(Document(kind="post", title="New", pages=[Page(1, "A new post.")]),
                                    [str(tmp_path / "new.html")])], backend=backend_name)
        after = opened.fingerprint()
        assert after.value != before.value
        assert stream_before.fingerprint == before and stream_before.total == len(ALL_IDS)  # a snapshot
        assert opened.search(Query("")).total == len(ALL_IDS) + 1  # new commits are seen

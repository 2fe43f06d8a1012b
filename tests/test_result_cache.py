"""Whole search answers remembered per index state (search.resultcache), on
both backends, and a PostgreSQL-backed site that runs searches side by side
on its connection pool (web.serialized) while keeping the 429 answer."""

from __future__ import annotations

import threading
import time

import pytest

from foiasearch.index.build import index_documents
from foiasearch.index.location import IndexLocation
from foiasearch.ingest.document import Document, Page
from foiasearch.search.api import Query, open_backend, pin_state, unpin_state, with_result_cache
from foiasearch.search.budget import time_budget
from foiasearch.search.resultcache import ResultCache
from foiasearch.web import SiteSettings, create_app
from foiasearch.web.serialized import Busy, begin_request, end_request


def _post(n: int, text: str, **meta) -> tuple[Document, list[str]]:
    return (Document(kind="post", title=f"Post {n}", pages=[Page(1, text)], date=f"2012-01-{n:02d}", **meta),
            [f"/made-here/posts/{n:03d}.html"])


def _fill(location: IndexLocation) -> None:
    index_documents(location, [_post(n, f"Detainers held in county jail number {n}.", tags=["ICE" if n % 2 else "DHS"])
                               for n in range(1, 9)])


@pytest.fixture(params=["whoosh", "postgresql"])
def location(request, tmp_path) -> IndexLocation:
    if request.param == "whoosh":
        found = IndexLocation(tmp_path / "ix")
    else:
        found = IndexLocation.resolve(request.getfixturevalue("pg_url"))
    _fill(found)
    return found


def test_answers_are_remembered_until_any_commit(location, monkeypatch):
    backend = with_result_cache(open_backend(location), 16)
    engine, searched = backend._backend, []
    search = engine.search
    monkeypatch.setattr(engine, "search", lambda *a, **k: searched.append(a) or search(*a, **k))
    try:
        query = Query("detainers", {"tag": ["ICE"]})
        first = backend.search(query, facets=True)
        again = backend.search(Query("detainers", {"tag": ["ICE"]}), facets=True)
        assert len(searched) == 1 and again.total == first.total == 4  # remembered, not searched again
        assert again.to_json(with_facets=True) == first.to_json(with_facets=True)
        again.hits.clear()  # each caller has its own copy
        assert backend.search(query, facets=True).hits and backend.search(query).query is query
        assert backend.page_counts(query) == backend.page_counts(query)
        # Another writer commits: the next call reads the new state, nothing older is served.
        index_documents(location, [_post(20, "Detainers added later.", tags=["ICE"])])
        if location.backend == "whoosh":
            backend.search(Query("warm"))  # Whoosh takes up a commit on the next search (refresh)
        later = backend.search(Query("detainers", {"tag": ["ICE"]}), facets=True)
        assert later.total == 5 and "Post 20" in {hit.title for hit in later.hits}
        tags = {v.value: v.count for v in later.facets["tag"]}
        assert tags["ICE"] == 5
    finally:
        backend.close()


def test_the_same_answers_with_and_without_the_cache(location):
    with open_backend(location) as plain:
        cached = with_result_cache(open_backend(location), 16)
        try:
            for query in (Query("detainers"), Query("jail", sort="newest", page=2, per_page=3),
                          Query("", {"tag": ["DHS"]}), Query("nosuchword")):
                for _ in range(2):  # made, then remembered
                    got = cached.search(query, facets=True, suggest=True).to_json(with_facets=True)
                    assert got == plain.search(query, facets=True, suggest=True).to_json(with_facets=True)
        finally:
            cached.close()


def test_a_request_reads_the_index_state_once(location, monkeypatch):
    backend = with_result_cache(open_backend(location), 16)
    engine = backend._backend
    reads = []
    original = engine.fingerprint
    monkeypatch.setattr(engine, "fingerprint", lambda: reads.append(1) or original())
    try:
        pin_state()
        backend.search(Query("detainers"), facets=True)
        backend.page_counts(Query("detainers"))
        backend.search(Query("jail"))
        assert len(reads) == 1
        unpin_state()
        backend.search(Query("detainers"), facets=True)
        assert len(reads) == 2  # outside a request: every call
    finally:
        unpin_state()
        backend.close()


def test_the_cache_is_bounded_by_entries_and_bytes():
    cache = ResultCache(entries=3)
    for n in range(10):
        cache.get_or_make(n, lambda n=n: {"b5": n})
    assert len(cache) == 3 and cache.get_or_make(9, lambda: "made again") == {"b5": 9}
    assert cache.get_or_make(0, lambda: "made again") == "made again"  # the oldest went first
    small = ResultCache(entries=1000, max_bytes=8000)
    for n in range(100):
        small.get_or_make(n, lambda: "x" * 900)  # some 900 bytes pickled
    assert 5 <= len(small) <= 8
    assert small.get_or_make("huge", lambda: "x" * 2000) and "huge" not in small._answers  # over an eighth


def test_an_answer_made_past_its_time_budget_is_not_kept():
    """A backend may leave out a nicety (a spelling suggestion) when the
    budget ran out: such an answer is served once, not remembered."""
    cache = ResultCache()
    with time_budget(0.0):
        cache.get_or_make("late", lambda: {"partial": 1})
    assert cache.get_or_make("late", lambda: {"whole": 1}) == {"whole": 1}


def test_the_site_shows_a_new_commit_at_the_next_request(tmp_path):
    location = IndexLocation(tmp_path / "ix")
    _fill(location)
    client = create_app(location.root).test_client()  # the result cache is on by default
    assert client.get("/api/search?q=detainers").get_json()["total"] == 8
    assert client.get("/api/search?q=detainers").get_json()["total"] == 8
    index_documents(location, [_post(21, "Detainers, committed while served.")])
    assert client.get("/api/search?q=detainers").get_json()["total"] == 9
    off = create_app(location.root, settings=SiteSettings(result_cache=0))
    assert off.test_client().get("/api/search?q=detainers").get_json()["total"] == 9
    assert not hasattr(off.extensions["foiasearch"].get()._target, "_cache")


@pytest.mark.parametrize("kind", ["whoosh", "postgresql"])
def test_originals_in_place_are_looked_up_together(kind, tmp_path, request):
    """What a result list offers page thumbnails for: files still as indexed (size and mtime)."""
    folder = tmp_path / "releases"
    folder.mkdir()
    items = []
    for n in range(4):
        path = folder / f"release-{n}.pdf"
        path.write_bytes(b"%PDF-1.4 made here " + bytes([65 + n]) * (100 + n))
        items.append((Document(kind="release", title=f"Release {n}", pages=[Page(1, f"Detainers, release {n}.")]),
                      [str(path)]))
    location = IndexLocation(tmp_path / "ix") if kind == "whoosh" else IndexLocation.resolve(
        request.getfixturevalue("pg_url"))
    ids = index_documents(location, items)
    (folder / "release-1.pdf").write_bytes(b"edited since")  # another size
    (folder / "release-2.pdf").unlink()
    (folder / "release-3.pdf").unlink()
    (folder / "release-3.pdf").symlink_to(folder / "release-0.pdf")  # a file in its place, through a symlink
    with open_backend(location) as backend:
        assert backend.originals_in_place([*ids, "0" * 64]) == {ids[0]}
        assert {i for i in ids if backend.has_original(i)} == {ids[0]}
        assert backend.originals_in_place([]) == set()


def _search_in_request(backend, wait: float | None, results: list, hold: threading.Event | None = None) -> None:
    """One request's search (web.serialized), kept open until ``hold`` is set."""
    begin_request(None if wait is None else time.monotonic() + wait)
    try:
        results.append(backend.search(Query("detainers")).total)
        if hold is not None:
            hold.wait(30)
    except Busy as exc:
        results.append(exc)
    finally:
        end_request()


def test_a_pooled_backend_serves_requests_side_by_side_and_429s_past_its_pool(pg_url, monkeypatch):
    monkeypatch.setenv("FOIASEARCH_POOL_SIZE", "2")
    location = IndexLocation.resolve(pg_url)
    _fill(location)
    app = create_app(pg_url, settings=SiteSettings(result_cache=0))
    backend = app.extensions["foiasearch"].get()
    hold, held = threading.Event(), []
    first = threading.Thread(target=_search_in_request, args=(backend, None, held, hold))
    first.start()
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        # One request keeps a connection: a second one still runs at once ...
        second: list = []
        other = threading.Thread(target=_search_in_request, args=(backend, 0.5, second, hold))
        other.start()
        while not second and time.monotonic() < deadline:
            time.sleep(0.01)
        assert second == [8]
        # ... and with both connections taken, a third gets Busy (the site's 429) within its wait.
        third: list = []
        started = time.monotonic()
        _search_in_request(backend, 0.3, third)
        assert isinstance(third[0], Busy) and time.monotonic() - started < 2
    finally:
        hold.set()
        first.join(10)
        other.join(10)
    assert held == [8]
    assert app.test_client().get("/?q=detainers").status_code == 200  # free again


def test_every_store_commit_is_a_new_state_even_within_one_second(tmp_path, monkeypatch):
    """The Whoosh fingerprint moves with each commit of the store too, even when
    two commits share last_updated's second: an answer cached between a
    Whoosh commit and its store commit would otherwise outlive the store's."""
    import foiasearch.index.build as build

    monkeypatch.setattr(build, "_now", lambda: "2026-12-01T00:00:00+00:00")  # every commit in one second
    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "memo.html").write_text("<html><head><title>Detainer memo</title></head>"
                                      "<body><p>Detainers held in the county jail.</p></body></html>")
    location = IndexLocation(tmp_path / "ix")
    build.Indexer(location, workers=0).run([folder])
    states = []
    for _ in range(2):
        with open_backend(location) as backend:
            states.append(backend.fingerprint())
        build.Indexer(location, workers=0).run([folder])  # nothing new: the store commits, Whoosh does not
    assert states[0].state == states[1].state  # the same Whoosh generation
    assert states[0].value != states[1].value

"""The PostgreSQL backend through the CLI: --index postgresql://..., one-line
errors, and query text that must never become an SQL error.

The search features themselves are proved by tests/contract/ on both backends."""

from __future__ import annotations

import json

import psycopg
import pytest

from foiasearch.cli import main
from foiasearch.search.api import Query, QueryError, open_backend
from tests.pgcluster import free_port


def test_index_search_and_status_through_a_database_url(runner, mixed_folder, pg_url):
    first = runner.invoke(main, ["index", str(mixed_folder), "--index", pg_url, "-q", "--workers", "0"])
    assert first.exit_code == 0, first.output
    assert "6 indexed" in first.output and "3 failed" in first.output
    again = runner.invoke(main, ["index", str(mixed_folder), "--index", pg_url, "-q", "--workers", "0"])
    assert "0 indexed" in again.output and "unchanged" in again.output
    found = runner.invoke(main, ["search", '"opt out"', "--index", pg_url, "--json"])
    assert found.exit_code == 0, found.output
    titles = {hit["title"] for hit in json.loads(found.output)["hits"]}
    assert "Illinois withdraws from Secure Communities" in titles
    status = runner.invoke(main, ["status", "--index", pg_url])
    assert status.exit_code == 0 and "127.0.0.1" in status.output and "release" in status.output


def test_a_database_url_from_the_environment(runner, mixed_folder, pg_url, monkeypatch):
    monkeypatch.setenv("FOIASEARCH_INDEX", pg_url)
    assert runner.invoke(main, ["index", str(mixed_folder), "-q", "--workers", "0"]).exit_code == 0
    with open_backend() as backend:
        assert backend.name == "postgresql" and backend.search(Query("detainers")).total >= 1


@pytest.mark.parametrize("command", [["index", "."], ["search", "opt"], ["status"]])
def test_an_unreachable_database_is_one_line(runner, command):
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/foia"
    result = runner.invoke(main, [*command, "--index", url])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "cannot connect to postgresql://nobody@127.0.0.1" in lines[0], result.output
    assert "Traceback" not in result.output


HOSTILE = ["'; DROP TABLE documents; --", "opt\x00out", "a:* | b", "!!opt", "(((", '"', "opt & | !", "\\",
           "title:", "tag:'x'", "date:[x TO y]", "bates:[TO]", "date:2011-13-45", "-", "NOT", "OR AND",
           "' OR 1=1 --", "word:*", "%s %(x)s", "$1", "exemption:b5' OR '1'='1", "a" * 500 + "*",
           "bates:[DEF-000101 TO DEF-000102]", "exemption:b5", "bates:DEF-000101 opt", "date:[2011 TO]"]


def test_hostile_query_text_and_facet_values_never_reach_sql(mixed_folder, pg_url):
    from foiasearch.index.build import Indexer
    from foiasearch.index.location import IndexLocation

    location = IndexLocation.resolve(pg_url)
    Indexer(location, workers=0).run([mixed_folder])
    with open_backend(location) as backend:
        total = backend.search(Query("")).total
        for text in HOSTILE:
            try:
                backend.search(Query(text), facets=True, suggest=True)
                list(backend.stream(Query(text)).ids())
                backend.highlight_terms(text)
            except QueryError:
                pass  # a one-line message for the user; anything else would fail the test
            for facet in ("tag", "actor", "year"):
                assert backend.search(Query("", {facet: [text]}), facets=True).total == 0
        assert backend.search(Query("")).total == total
    with psycopg.connect(pg_url) as conn:  # nothing was dropped or changed
        assert conn.execute("SELECT count(*) FROM foiasearch.documents").fetchone()[0] == total


def test_saved_searches_live_in_the_database(runner, mixed_folder, pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-a"))
    assert runner.invoke(main, ["index", str(mixed_folder), "--index", pg_url, "-q", "--workers", "0"]).exit_code == 0
    added = runner.invoke(main, ["saved", "add", "opt", '"opt out"', "--index", pg_url])
    assert added.exit_code == 0, added.output
    first = runner.invoke(main, ["saved", "run", "opt", "--new", "--index", pg_url])
    assert first.exit_code == 0 and "Illinois" in first.output, first.output
    # another machine (another local cache folder) sees the same saved search and what it has seen
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-b"))
    listed = runner.invoke(main, ["saved", "list", "--index", pg_url])
    assert "opt" in listed.output, listed.output
    again = runner.invoke(main, ["saved", "run", "opt", "--new", "--index", pg_url])
    assert again.exit_code == 0 and "Illinois" not in again.output, again.output


def test_the_site_answers_503_while_the_database_is_down(mixed_folder, pg_cluster):
    from foiasearch.web import create_app
    from tests.pgcluster import Cluster

    own = Cluster.primary(pg_cluster.bindir)  # a server of its own, to stop
    try:
        url = own.create_database("site")
        from foiasearch.index.build import Indexer
        from foiasearch.index.location import IndexLocation

        Indexer(IndexLocation.resolve(url), workers=0).run([mixed_folder])
        client = create_app(url).test_client()
        assert client.get("/?q=detainers").status_code == 200
        own.stop("immediate")
        down = client.get("/?q=detainers")
        assert down.status_code == 503 and b"try again" in down.data and b"Traceback" not in down.data
        assert client.get("/?q=opt", headers={"Accept": "application/json"}).status_code == 503
        own.start()
        own.wait_ready()
        assert client.get("/?q=detainers").status_code == 200  # back without a restart
    finally:
        own.destroy()


def test_hidden_collections_are_as_if_not_indexed(mixed_folder, pg_url):
    from foiasearch.index.build import Indexer
    from foiasearch.index.location import IndexLocation

    location = IndexLocation.resolve(pg_url)
    Indexer(location, workers=0).run([mixed_folder])
    with open_backend(location) as backend:
        everything = backend.search(Query("", per_page=100), facets=True)
        assert "releases" in {v.value for v in everything.facets["collection"]}
        hidden = backend.search(Query("", per_page=100, hidden_collections=("Releases",)), facets=True)
        assert hidden.total < everything.total and all(h.collection != "releases" for h in hidden.hits)
        assert "releases" not in {v.value for v in hidden.facets["collection"]}
        assert not list(backend.stream(Query("detainers", hidden_collections=("releases",))).hits()) or all(
            h.collection != "releases" for h in backend.stream(Query("detainers", hidden_collections=("releases",))).hits())
        # a word only a hidden document has is never suggested
        assert backend.search(Query("fingerprnts", hidden_collections=("releases",)), suggest=True).suggestion is None
        assert backend.search(Query("fingerprnts"), suggest=True).suggestion == "fingerprints"

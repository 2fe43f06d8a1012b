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


def test_a_query_over_its_time_budget_is_stopped_by_the_server(mixed_folder, pg_url):
    """The site's budget (--query-seconds) reaches PostgreSQL as statement_timeout:
    a search held up in the server ends as the same one-line 400 Whoosh gives."""
    import time

    from foiasearch.index.build import Indexer
    from foiasearch.index.location import IndexLocation
    from foiasearch.search.budget import QueryTooSlow, time_budget
    from foiasearch.web import SiteSettings, create_app

    location = IndexLocation.resolve(pg_url)
    Indexer(location, workers=0).run([mixed_folder])
    client = create_app(pg_url, settings=SiteSettings(query_seconds=0.3)).test_client()
    with open_backend(location) as backend, psycopg.connect(pg_url) as blocker:
        assert backend.search(Query("detainers")).total >= 1
        # Another session holds the table: every search now waits in the server.
        blocker.execute("LOCK TABLE foiasearch.documents IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        with pytest.raises(QueryTooSlow, match="took longer than 0.3 s"):
            with time_budget(0.3):  # a word not searched yet: its matches are read from the table
                backend.search(Query("secure"), facets=True)
        assert time.monotonic() - started < 2  # stopped by the server, not left waiting for the lock
        page = client.get("/?q=detainers")
        assert page.status_code == 400 and b"took longer than 0.3 s" in page.data
        api = client.get("/api/search?q=detainers")
        assert api.status_code == 400 and "took longer" in api.get_json()["error"]
        blocker.rollback()
        # Nothing was left half-done: the pool's connections search again.
        assert backend.search(Query("detainers"), facets=True).total >= 1
        assert client.get("/?q=detainers").status_code == 200


QUERIES = ["", "the", "secure communities", "opt OR detainers", "-detainers", "county", "tag:ICE OR program",
           "detainers -date:2011", "-bates:X county"]  # the last two run whole in SQL (sql.OPAQUE)


def test_facet_counts_of_most_of_the_index_equal_counting_every_match(mixed_folder, pg_url):
    """A selection holding most of the index is counted as the index's counts
    (kept by triggers) less its complement: the same numbers as counting each match."""
    from foiasearch.index.build import Indexer
    from foiasearch.index.facet_registry import FACET_NAMES
    from foiasearch.index.location import IndexLocation
    from foiasearch.search.postgres.engine import _Selection

    location = IndexLocation.resolve(pg_url)
    Indexer(location, workers=0).run([mixed_folder])
    with open_backend(location) as backend:
        everyone = backend._all_documents()
        assert everyone == backend.search(Query("", per_page=100)).total > 3
        for text in QUERIES:
            for hidden in ((), ("releases",)):
                sel = _Selection(Query(text, hidden_collections=hidden))
                each = backend._key_counts(sel.where, sel.params, list(FACET_NAMES), matched=0)
                complement = backend._key_counts(sel.where, sel.params, list(FACET_NAMES), matched=everyone)
                assert sorted(each) == sorted(complement), (text, hidden)
        # The kept counts follow removals and re-indexing.
        (mixed_folder / "posts" / "illinois.html").unlink()
        Indexer(location, workers=0).run([mixed_folder])
        assert backend.search(Query("", per_page=100)).total == everyone - 1 == backend._all_documents()
        with psycopg.connect(pg_url) as conn:
            kept = dict(conn.execute("SELECT key, n FROM foiasearch.facet_counts WHERE n > 0 AND key <> ''").fetchall())
            counted = dict(conn.execute(
                "SELECT k, count(*) FROM foiasearch.documents, unnest(fkeys || epages) k GROUP BY k").fetchall())
            pages = dict(conn.execute("SELECT e, count(DISTINCT (doc_id, number)) FROM foiasearch.pages, "
                                      "unnest(exemptions) e GROUP BY e").fetchall())
        assert kept == counted
        assert backend.page_counts(Query("")) == pages == {k[5:]: n for k, n in kept.items() if k.startswith("page:")}


def test_facets_counted_in_the_worker_equal_counting_in_sql(mixed_folder, pg_url):
    """Facet and page counts from the worker's arrays (search.postgres.ordinals)
    are the SQL counts, for words, selections and hidden collections, and
    follow a commit (a new generation)."""
    from foiasearch.index.build import Indexer
    from foiasearch.index.location import IndexLocation

    location = IndexLocation.resolve(pg_url)
    Indexer(location, workers=0).run([mixed_folder])

    def answers(backend):
        found = []
        front = backend.search(Query(""), facets=True).facets
        picks = [{}] + [{name: [values[0].value]} for name, values in front.items() if values]
        picks.append({name: [v.value for v in values[:2]] for name, values in front.items() if values})
        for text in QUERIES:
            for filters in picks:
                for hidden in ((), ("releases",)):
                    query = Query(text, filters, hidden_collections=hidden)
                    r = backend.search(query, facets=True)
                    cut = backend.search(query, facets=True, facet_limit=1)  # the selected values stay
                    found.append((text, filters, hidden, r.total, [h.id for h in r.hits],
                                  {n: [(v.value, v.count, v.key, v.type) for v in vs] for n, vs in r.facets.items()},
                                  backend.page_counts(query),
                                  {n: [v.key for v in vs] for n, vs in cut.facets.items()}, cut.facet_totals))
        return found

    def narrow_heap_is_documents():
        """document_words holds each document's number and tsvectors, and nothing else."""
        with psycopg.connect(pg_url) as conn:
            return conn.execute("SELECT count(*) FILTER (WHERE (w.tsv, w.head) IS DISTINCT FROM (d.tsv, d.head)), count(*) "
                                "FROM foiasearch.documents d FULL JOIN foiasearch.document_words w USING (num)"
                                ).fetchone()

    with open_backend(location) as arrays, open_backend(location) as sql:
        sql._numbered = False  # as on a schema before documents.num
        assert arrays._words == "document_words"  # each word's matches read from the narrow heap
        arrays._refresh(), sql._refresh()
        assert arrays._numbers(wait=True) is not None and sql._numbers(wait=True) is None
        counted = answers(arrays)
        assert counted == answers(sql)
        assert sum(len(values) for *_, facets, _pages, _cut, _totals in counted for values in facets.values()) > 100
        assert any(totals for *_, totals in counted)  # some lists were cut
        (mixed_folder / "posts" / "illinois.html").unlink()
        changed = mixed_folder / "posts" / "trust-act.html"  # re-indexed: a new number for the same id
        changed.write_text(changed.read_text().replace("</body>", "<p>Amended by the sanctuary ordinance.</p></body>"))
        Indexer(location, workers=0).run([mixed_folder])
        arrays._refresh()
        arrays._numbers(wait=True)  # the new generation's arrays (else counted in SQL meanwhile)
        again = answers(arrays)
        assert again == answers(sql) and again != counted
        assert narrow_heap_is_documents() == (0, arrays._all_documents())
        assert arrays._ordinals.generation == arrays._generation


def test_a_common_word_ranks_a_bounded_set_of_candidates(mixed_folder, pg_url, monkeypatch):
    """Past CANDIDATES matches, the first pages rank the newest matches and
    those matching in titles, tags or actors; later pages rank every match."""
    from foiasearch.index.build import Indexer
    from foiasearch.index.location import IndexLocation
    from foiasearch.search.postgres import engine

    location = IndexLocation.resolve(pg_url)
    Indexer(location, workers=0).run([mixed_folder])
    with open_backend(location) as backend:
        full = backend.search(Query("secure OR communities OR program OR detainers", per_page=100))
        assert full.total >= 3
        monkeypatch.setattr(engine, "CANDIDATES", 1)
        first = backend.search(Query("secure OR communities OR program OR detainers", per_page=1))
        assert first.total == full.total and first.hits[0].id in {h.id for h in full.hits}
        # The title match is a candidate whatever its date.
        titled = backend.search(Query("illinois OR detainers", per_page=1))
        assert titled.hits[0].title == "Illinois withdraws from Secure Communities"
        later = backend.search(Query("secure OR communities OR program OR detainers", per_page=1, page=2))
        assert later.hits[0].id == full.hits[1].id
        newest = backend.search(Query("secure OR communities OR program OR detainers", per_page=100, sort="newest"))
        assert [h.id for h in newest.hits] == [h.id for h in backend.stream(
            Query("secure OR communities OR program OR detainers", sort="newest")).hits()]


def test_a_bulk_run_leaves_the_tables_vacuumed_and_the_heap_narrow(mixed_folder, pg_url, monkeypatch):
    """After TIDY_AFTER documents the writer's close() runs VACUUM (ANALYZE)
    (schema.tidy); the Document's JSON and body live in document_texts."""
    from foiasearch.index.build import Indexer
    from foiasearch.index.location import IndexLocation
    from foiasearch.index.postgres import writer

    monkeypatch.setattr(writer, "TIDY_AFTER", 1)
    location = IndexLocation.resolve(pg_url)
    Indexer(location, workers=0).run([mixed_folder])
    with psycopg.connect(pg_url) as conn:
        tidied = dict(conn.execute("SELECT relname, last_vacuum IS NOT NULL AND last_analyze IS NOT NULL "
                                   "FROM pg_stat_user_tables WHERE schemaname = 'foiasearch'").fetchall())
        columns = {r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = "
                                              "'foiasearch.documents'::regclass AND NOT attisdropped AND attnum > 0")}
    assert tidied["documents"] and tidied["document_texts"] and tidied["pages"]
    assert not {"data", "body"} & columns



def test_an_interrupted_run_is_not_kept_waiting_for_vacuum(mixed_folder, pg_url, monkeypatch):
    """Ctrl-C past TIDY_AFTER documents: what was committed stays, and close()
    does not start a VACUUM the user would wait for (the next run tidies)."""
    from foiasearch.index.build import Indexer
    from foiasearch.index.location import IndexLocation
    from foiasearch.index.postgres import writer

    monkeypatch.setattr(writer, "TIDY_AFTER", 1)
    seen = []

    def interrupt(done, total, path, outcome):
        seen.append(outcome)
        if seen.count("indexed") == 2:
            raise KeyboardInterrupt

    location = IndexLocation.resolve(pg_url)
    with pytest.raises(KeyboardInterrupt):
        Indexer(location, workers=0, commit_every=0, progress=interrupt).run([mixed_folder])
    with psycopg.connect(pg_url) as conn:
        written = conn.execute("SELECT count(*) FROM foiasearch.documents").fetchone()[0]
        vacuumed = conn.execute("SELECT last_vacuum FROM pg_stat_user_tables WHERE schemaname = 'foiasearch' "
                                "AND relname = 'documents'").fetchone()[0]
    assert written >= 1 and vacuumed is None

def test_the_narrow_heap_migration_keeps_every_document(pg_url):
    """An index made before migration 4 (JSON and body in documents) is moved, not lost."""
    from foiasearch.index.location import IndexLocation
    from foiasearch.index.postgres.schema import MIGRATIONS, ensure_schema, target_of

    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE SCHEMA foiasearch; SET search_path TO foiasearch, public")
        conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz "
                     "NOT NULL DEFAULT now())")
        for version, script in enumerate(MIGRATIONS[:3], start=1):
            conn.execute(script)
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
        conn.execute("INSERT INTO documents (id, kind, title, sort_date, page_count, data, body, author, path, sender, "
                     "recipient, subject, fkeys, bates, tsv, head) VALUES ('d1', 'post', 'Old', now(), 0, "
                     "'{\"kind\": \"post\", \"id\": \"d1\", \"title\": \"Old\"}', 'old body words', '', 'p', '', '', '', "
                     "'{kind:post}', '{}', to_tsvector('fs_english', 'old body words'), ''::tsvector)")
        conn.execute("INSERT INTO facet_labels VALUES ('kind:post', 'kind', 'post', NULL)")
    ensure_schema(target_of(IndexLocation.resolve(pg_url)))
    with open_backend(pg_url) as backend:
        found = backend.search(Query("body"), facets=True)
        assert [h.id for h in found.hits] == ["d1"] and "body" in found.hits[0].snippet
        assert backend.document("d1").title == "Old"
        assert [(v.value, v.count) for v in found.facets["kind"]] == [("post", 1)]
        assert backend._numbers(wait=True).counts(backend._numbers().present).sum() == 1  # documents.num
        assert backend._words == "document_words" and backend.search(Query("body")).total == 1  # from the arrays
    with psycopg.connect(pg_url) as conn:
        # A writer from before migration 8 inserts into documents alone: the database adds its words.
        columns = ", ".join(r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'foiasearch' "
            "AND table_name = 'documents' AND column_name NOT IN ('id', 'num') ORDER BY ordinal_position"))
        conn.execute(f"INSERT INTO foiasearch.documents (id, {columns}) "
                     f"SELECT 'd2', {columns} FROM foiasearch.documents WHERE id = 'd1'")
    with open_backend(pg_url) as backend:
        backend._numbers(wait=True)
        assert backend.search(Query("body")).total == 2
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT num IS NOT NULL FROM foiasearch.documents").fetchone()[0]
        # migration 8: every document's words in the narrow heap
        assert conn.execute("SELECT count(*) FROM foiasearch.documents d JOIN foiasearch.document_words w "
                            "USING (num) WHERE w.tsv = d.tsv AND w.head = d.head").fetchone()[0] == 2
        # the migration's rewrite is vacuumed: counts skip the rows of all-visible pages
        assert conn.execute("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE "
                            "schemaname = 'foiasearch' AND relname = 'documents'").fetchone()[0]

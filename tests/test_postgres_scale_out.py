"""Several indexers writing one database at once, and searches from a
streaming replica (PostgreSQL backend; throwaway servers, tests/pgcluster.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg

from foiasearch.index.build import Indexer
from foiasearch.index.location import IndexLocation
from foiasearch.search.api import Query, open_backend
from foiasearch.search.saved import SavedStore
from tests.builders import write_html, write_pdf

WORDS = "detainer sheriff county opt out secure communities fingerprints exemption memo release".split()


def make_corpus(root, posts: int = 60, releases: int = 6):
    for i in range(posts):
        words = " ".join(WORDS[(i + j) % len(WORDS)] for j in range(40))
        write_html(root / "posts" / f"post-{i:03}.html", f"Post {i} about {WORDS[i % len(WORDS)]}",
                   f"Number {i}. {words}.")
    for i in range(releases):
        write_pdf(root / "releases" / f"release-{i}.pdf",
                  [f"Release {i} page one about detainers.", f"Page two of release {i}, the county may opt out."])
    return root


def foiasearch(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "foiasearch", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_two_indexers_on_overlapping_folders_lose_nothing_and_duplicate_nothing(tmp_path, pg_url):
    corpus = make_corpus(tmp_path / "corpus")
    env = dict(os.environ, FOIASEARCH_INDEX=pg_url)
    # one indexes everything, the other the releases and then the posts: every file is written by both
    runs = [foiasearch("index", str(corpus), "-q", "--workers", "1", "--commit-every", "0.1", env=env),
            foiasearch("index", str(corpus / "releases"), str(corpus / "posts"), "-q", "--workers", "1",
                       "--commit-every", "0.1", env=env)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert all("0 failed" in out and "Traceback" not in out for out in outputs), outputs
    files = sorted(str(p) for p in corpus.rglob("*") if p.is_file())
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET search_path TO foiasearch")
        recorded = conn.execute("SELECT path, status FROM files ORDER BY path").fetchall()
        docs = conn.execute("SELECT count(*), count(DISTINCT id), count(DISTINCT title) FROM documents").fetchone()
        unlinked = conn.execute("SELECT count(*) FROM file_docs l LEFT JOIN documents d ON d.id = l.doc_id "
                                "WHERE d.id IS NULL").fetchone()[0]
        page_rows = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
    assert [p for p, _ in recorded] == files and {s for _, s in recorded} == {"indexed"}  # nothing lost
    assert docs == (len(files), len(files), len(files)) and unlinked == 0  # no duplicates, every link resolves
    assert page_rows == 60 + 6 * 2
    again = foiasearch("index", str(corpus), "-q", env=env)
    assert f"{len(files)} unchanged" in again.communicate(timeout=120)[0]


def test_searches_from_a_streaming_replica(tmp_path, pg_cluster):
    corpus = make_corpus(tmp_path / "corpus", posts=20, releases=2)
    url = pg_cluster.create_database("replicated")
    Indexer(IndexLocation.resolve(url), workers=0).run([corpus / "posts"])
    standby = pg_cluster.replica()  # pg_basebackup -R: a hot standby streaming from the primary
    try:
        replica_url = standby.url("replicated")
        Indexer(IndexLocation.resolve(url), workers=0).run([corpus / "releases"])  # streamed, not copied
        queries = [Query(""), Query("detainers", sort="newest"), Query("opt out", {"kind": ["release"]}),
                   Query('"secure communities"', per_page=5, page=2)]
        with open_backend(url) as primary, open_backend(replica_url) as replica:
            deadline = time.monotonic() + 60
            while replica.fingerprint().state != primary.fingerprint().state:  # caught up?
                assert time.monotonic() < deadline, "the replica did not catch up in 60 s"
                time.sleep(0.2)
            for query in queries:
                mine, theirs = primary.search(query, facets=True), replica.search(query, facets=True)
                assert theirs.total == mine.total > 0 or query.page > 1
                assert [(h.id, h.matching_pages, h.snippet) for h in theirs.hits] == \
                    [(h.id, h.matching_pages, h.snippet) for h in mine.hits]
                assert theirs.facets == mine.facets
            assert list(replica.stream(Query("county")).ids()) == list(primary.stream(Query("county")).ids())

        # serve --replica: searches read the standby, saving a search writes the primary
        from foiasearch.web import create_app

        app = create_app(url, replica=replica_url)
        holder = app.extensions["foiasearch"]
        assert holder.get().location.url == replica_url
        assert app.test_client().get("/?q=detainers").status_code == 200
        with SavedStore.open(holder.location) as store:
            store.add("detainers", Query("detainers"))
        with psycopg.connect(replica_url) as conn:
            deadline = time.monotonic() + 30
            while not conn.execute("SELECT count(*) FROM foiasearch.saved_searches").fetchone()[0]:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        standby.destroy()


def test_a_connection_lost_mid_index_is_one_line_and_the_next_run_completes(tmp_path, pg_cluster):
    from tests.pgcluster import Cluster

    # Enough files that the run is still going when the test sees its first
    # commit: 300 posts took 1.2 s with one worker once indexing got faster,
    # and a loaded machine let the run finish before the server stopped.
    files = 1500
    corpus = make_corpus(tmp_path / "corpus", posts=files, releases=0)
    own = Cluster.primary(pg_cluster.bindir)  # a server of its own, to stop mid-run
    try:
        url = own.create_database("crash")
        env = dict(os.environ, FOIASEARCH_INDEX=url)
        run = foiasearch("index", str(corpus), "-q", "--workers", "1", "--commit-every", "0.1", env=env)
        committed = 0
        deadline = time.monotonic() + 120
        while committed < 1:  # some files committed, most still to do
            assert run.poll() is None and time.monotonic() < deadline, "the run ended before the server stopped"
            time.sleep(0.1)
            try:
                with psycopg.connect(url) as conn:
                    committed = conn.execute("SELECT count(*) FROM foiasearch.files").fetchone()[0] \
                        if conn.execute("SELECT to_regclass('foiasearch.files')").fetchone()[0] else 0
            except psycopg.Error:
                committed = 0
        own.stop("immediate")
        output = run.communicate(timeout=120)[0]
        assert run.returncode == 1, output
        lines = output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and "127.0.0.1" in lines[0], output
        own.start()
        own.wait_ready()
        with psycopg.connect(url) as conn:  # what was committed is still there
            kept = conn.execute("SELECT count(*) FROM foiasearch.files f JOIN foiasearch.file_docs l USING (path) "
                                "JOIN foiasearch.documents d ON d.id = l.doc_id").fetchone()[0]
        assert kept >= committed
        again = foiasearch("index", str(corpus), "-q", "--workers", "1", env=env)
        output = again.communicate(timeout=300)[0]
        assert again.returncode == 0 and f"{files} files seen" in output and "0 failed" in output, output
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM foiasearch.documents").fetchone()[0] == files
    finally:
        own.destroy()

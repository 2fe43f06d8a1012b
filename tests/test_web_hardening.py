"""Hostile requests against the site (issue 17): Host names, CSRF tokens,
originals that changed or became symlinks, file names with newlines,
links in feeds, megabyte titles, the mode of files written with -o."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import feedparser
import pytest

from foiasearch.index.build import index_documents
from foiasearch.index.location import IndexLocation
from foiasearch.ingest.document import Document, Page
from foiasearch.web import SiteSettings, create_app
from tests.builders import write_html


def _post(root: Path, name: str, title: str, text: str, **meta) -> tuple[Document, list[str]]:
    path = write_html(root / "posts" / name, title[:100], text)
    return Document(kind="post", title=title, pages=[Page(1, text)], **meta), [str(path)]


@pytest.fixture()
def site(tmp_path):
    items = {
        "plain": _post(tmp_path, "plain.html", "Plain post", "Detainers in the county jail.", tags=["ICE"],
                       date="2012-01-01"),
        "js": _post(tmp_path, "js.html", "Script link", "Detainers and a hostile canonical link.",
                    url="javascript:alert(document.domain)", date="2012-01-02"),
        "data": _post(tmp_path, "data.html", "Data link", "Detainers with a data URL.",
                      url="data:text/html,<script>alert(1)</script>", date="2012-01-03"),
        "relative": _post(tmp_path, "rel.html", "Protocol-relative link", "Detainers elsewhere.",
                          url="//evil.example/x", date="2012-01-04"),
        "huge": _post(tmp_path, "huge.html", "Detainer " + "x" * 3_000_000, "Detainers under a huge title.",
                      date="2012-01-05"),
        "newline": _post(tmp_path, "bad\nname [1 of 1] indexed: forged.html", "Newline name",
                         "Detainers in a file with a newline in its name.", date="2012-01-06"),
    }
    location = IndexLocation(tmp_path / "ix")
    ids = dict(zip(items, index_documents(location, list(items.values()))))
    return tmp_path, location, ids


def client_for(location, **settings):
    return create_app(location.root, settings=SiteSettings(**settings)).test_client()


# -- Host allow-list -------------------------------------------------------------------
@pytest.mark.parametrize("host", ["evil.example", "a" * 70 + ".example", "a" * 300, "x y", "[::1", "127.0.0.1:99999",
                                  "rebind.attacker.example:8080"])
def test_unknown_or_malformed_host_is_refused_with_400(site, host):
    _, location, _ = site
    response = client_for(location).get("/?q=detainers", headers={"Host": host})
    assert response.status_code == 400
    assert b"--allowed-host" in response.data


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8080", "[::1]:8080", "LOCALHOST."])
def test_loopback_names_are_served_by_default(site, host):
    _, location, _ = site
    assert client_for(location).get("/", headers={"Host": host}).status_code == 200


def test_allowed_host_and_its_subdomains(site):
    _, location, _ = site
    client = client_for(location, allowed_hosts=("search.example.org", ".archive.example"))
    assert client.get("/", headers={"Host": "search.example.org"}).status_code == 200
    assert client.get("/", headers={"Host": "a.archive.example:443"}).status_code == 200
    assert client.get("/", headers={"Host": "example.org"}).status_code == 400


# -- CSRF and bodies ----------------------------------------------------------------------
@pytest.mark.parametrize("token", ["1" * 5000, "9" * 13 + ".ab", "١٢٣.abc", "." * 5000, "1." + "a" * 10_000])
def test_absurd_csrf_tokens_are_400_not_500(site, token):
    _, location, _ = site
    response = client_for(location).post("/saved", data={"csrf": token, "name": "x", "q": "a"})
    assert response.status_code == 400


def test_a_body_larger_than_the_forms_need_is_413_before_it_is_read(site):
    _, location, _ = site
    response = client_for(location).post("/saved", data={"csrf": "x", "q": "a" * 400_000})
    assert response.status_code == 413


# -- originals --------------------------------------------------------------------------
def test_original_with_a_newline_in_its_name_downloads_under_a_safe_name(site):
    _, location, ids = site
    response = client_for(location).get(f"/documents/{ids['newline']}/original")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition
    assert "bad_name" in disposition


def test_original_swapped_for_a_symlink_is_not_served(site):
    root, location, ids = site
    target = root / "posts" / "plain.html"
    secret = root / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    target.unlink()
    target.symlink_to(secret)
    response = client_for(location).get(f"/documents/{ids['plain']}/original")
    assert response.status_code == 404
    assert b"root:x" not in response.data


def test_original_changed_since_indexing_is_not_served(site):
    root, location, ids = site
    target = root / "posts" / "plain.html"
    info = target.stat()
    data = target.read_bytes()
    target.write_bytes(data.replace(b"Detainers", b"Xetainers"))  # same size
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))  # same mtime: only the hash tells
    assert client_for(location).get(f"/documents/{ids['plain']}/original").status_code == 404
    target.write_bytes(data)
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    response = client_for(location).get(f"/documents/{ids['plain']}/original")
    assert response.status_code == 200 and response.data == data


# -- links, titles -------------------------------------------------------------------------
def test_feeds_and_pages_carry_only_http_links(site):
    _, location, ids = site
    client = client_for(location)
    token = client.get("/").get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]
    assert client.post("/saved", data={"csrf": token, "name": "det", "q": "detainers"}).status_code == 303
    feed = client.get("/saved/det.atom", headers={"Host": "localhost"})
    assert feed.status_code == 200
    parsed = feedparser.parse(feed.data)
    links = [link["href"] for entry in parsed.entries for link in entry.links]
    assert len(parsed.entries) == 6
    assert all(link.startswith("http://localhost/documents/") for link in links), links
    for name in ("js", "data", "relative"):
        page = client.get(f"/documents/{ids[name]}").get_data(as_text=True)
        assert 'href="javascript' not in page and 'href="data:' not in page and 'href="//' not in page


def test_megabyte_title_is_capped_in_hits_exports_and_feeds(site):
    _, location, ids = site
    client = client_for(location)
    hits = client.get("/api/search?q=huge").get_json()["hits"]
    assert hits and len(hits[0]["title"]) <= 300
    export = client.get("/export.jsonl?q=huge")
    assert export.status_code == 200 and len(export.data) < 20_000
    page = client.get("/?q=huge")
    assert len(page.data) < 200_000


# -- files written with -o -----------------------------------------------------------------
def test_export_and_feed_files_follow_the_umask(site, tmp_path):
    _, location, _ = site
    env = {**os.environ, "FOIASEARCH_INDEX": str(location.root)}
    out = tmp_path / "out"
    out.mkdir()
    script = ("import os, sys; os.umask(0o022); from foiasearch.cli import main; "
              "sys.argv = ['foiasearch'] + sys.argv[1:]; main()")
    subprocess.run([sys.executable, "-c", script, "export", "detainers", "-o", str(out / "e.csv")],
                   env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", script, "saved", "add", "det", "detainers"], env=env, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "-c", script, "saved", "feed", "det", "-o", str(out / "f.atom")],
                   env=env, check=True, capture_output=True)
    for name in ("e.csv", "e.csv.meta.json", "f.atom"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644, name


def test_progress_lines_cannot_be_forged_by_a_file_name(tmp_path):
    folder = tmp_path / "in"
    write_html(folder / "a\n[9 of 9] indexed: forged.html", "Odd", "A file name with a newline.")
    result = subprocess.run([sys.executable, "-m", "foiasearch", "index", str(folder), "--index",
                             str(tmp_path / "ix"), "--workers", "0"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert len(lines) == 1 and "\\n" in lines[0], result.stderr


# -- the time budget per query ---------------------------------------------------------------
def test_a_query_over_its_time_budget_stops_with_one_line(site):
    from foiasearch.search.api import Query, open_backend
    from foiasearch.search.budget import QueryTooSlow, time_budget

    _, location, _ = site
    with open_backend(location) as backend:
        with pytest.raises(QueryTooSlow, match="took longer than"):
            with time_budget(0.0):
                backend.search(Query('"detainers county"~50 OR detain* OR county'))
        # Nothing half-done was kept: without a budget the same query runs whole.
        assert backend.search(Query('"detainers county"~50 OR detain* OR county')).total == 6
    response = client_for(location, query_seconds=0.0).get("/?q=jail+OR+link*")
    assert response.status_code == 400 and b"took longer than" in response.data
    api = client_for(location, query_seconds=0.0).get("/api/search?q=%22hostile+canonical%22~9")
    assert api.status_code == 400 and "took longer" in api.get_json()["error"]


# -- deadlines: a request waits for the busy backend only while its budget allows ------------
def _hold_backend(app):
    """Hold the worker's backend from another thread (as a long search would); call the result to let go."""
    backend = app.extensions["foiasearch"].get()
    taken, release = threading.Event(), threading.Event()

    def hold():
        with backend._lock:
            taken.set()
            release.wait(30)

    threading.Thread(target=hold, daemon=True).start()
    assert taken.wait(10)
    return release.set


def test_a_request_that_cannot_start_in_time_gets_a_fast_429(site):
    _, location, ids = site
    app = create_app(location.root, settings=SiteSettings(query_seconds=0.6))
    client = app.test_client()
    assert client.get("/?q=detainers").status_code == 200
    let_go = _hold_backend(app)
    try:
        started = time.monotonic()
        page = client.get("/?q=detainers")
        api = client.get("/api/search?q=detainers")
        document = client.get(f"/documents/{ids['plain']}")
        export = client.get("/export.csv?q=detainers")
        elapsed = time.monotonic() - started
    finally:
        let_go()
    for response in (page, api, document, export):
        assert response.status_code == 429 and response.headers["Retry-After"] == "2", response.status_code
    assert b"busy" in page.data and "busy" in api.get_json()["error"]
    assert elapsed < 4 * 0.6  # each waited at most its budget, not for the holder
    assert client.get("/?q=detainers").status_code == 200  # free again: answered as usual


def test_the_budget_counts_from_when_the_request_arrived(site):
    _, location, _ = site
    client = client_for(location, query_seconds=1.0)
    # As if it had waited 5 s in the worker's queue (web.server stamps the arrival).
    late = client.get("/?q=detainers", environ_base={"foiasearch.arrived": time.monotonic() - 5})
    assert late.status_code == 400 and b"waiting for the busy site" in late.data
    assert client.get("/?q=detainers").status_code == 200


def test_the_backend_is_free_after_every_request(site):
    _, location, ids = site
    app = create_app(location.root)
    client = app.test_client()
    backend = app.extensions["foiasearch"].get()
    for url in ("/?q=detainers", "/?q=%22unclosed", "/api/search?q=county", f"/documents/{ids['plain']}",
                "/documents/" + "0" * 64, "/export.csv?q=detainers", "/saved/nosuch.atom"):
        response = client.get(url)
        response.get_data()  # a download streams its rows after the view returned
        assert response.status_code < 500, url
        assert _free_for_another_thread(backend._lock), url  # not kept by the request's thread


def _free_for_another_thread(lock) -> bool:
    """Whether another thread can take ``lock`` now (an RLock is always free to its holder)."""
    got = []

    def take():
        if lock.acquire(blocking=False):
            got.append(True)
            lock.release()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join(10)
    return bool(got)


def test_a_lone_star_is_every_document_not_every_posting(site):
    from foiasearch.search.api import Query, open_backend

    _, location, ids = site
    with open_backend(location) as backend:
        everything = backend.search(Query("", per_page=1)).total
        assert backend.search(Query("*", per_page=1)).total == everything == len(ids)
        assert backend.search(Query("* NOT plain", per_page=1)).total == everything - 1


def test_a_served_index_takes_up_new_commits_in_the_background(site):
    """No search waits for a new commit's searcher and view (search.whoosh.refresh): the
    first search after a commit still sees the old snapshot, a moment later the new one."""
    tmp_path, location, ids = site
    app = create_app(location.root, settings=SiteSettings(refresh_in_background=True))
    client = app.test_client()

    def total() -> int:
        return client.get("/api/search?q=").get_json()["total"]

    assert total() == len(ids)
    app.extensions["foiasearch"].get()._target._refresh.check_every = 1.0  # not 5 s: a shorter test
    index_documents(location, [_post(tmp_path, "later.html", "Later post", "Detainers, added while served.",
                                     date="2013-01-01")])
    time.sleep(1.1)  # the engine looks for a new commit at most once a second (as set above)
    assert total() == len(ids)  # this search started the refresh; it did not wait for it
    deadline = time.monotonic() + 30
    while total() == len(ids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert total() == len(ids) + 1
    engine = app.extensions["foiasearch"].get()._target
    # The new commit's speller came with it: no search builds one.
    assert engine._speller_cache[0] == engine._searcher.reader().generation()

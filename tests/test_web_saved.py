"""Saved searches, exports and Atom feeds on the site, through Flask's test
client, on the real-file index of tests/web_corpus.py: CSRF tokens, names,
unknown names, bad queries, and downloads read back with csv/json/feedparser
and compared with the engine's own totals."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import time

import feedparser
import pytest
from bs4 import BeautifulSoup

from foiasearch.search.whoosh.engine import SearchEngine
from foiasearch.search.api import Query
from tests.web_corpus import add_late_post, build_web_corpus
from foiasearch.web import create_app
from foiasearch.web.csrf import MAX_AGE_S, SECRET_NAME


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("savedweb")
    location, ids = build_web_corpus(root)
    return root, location, ids


@pytest.fixture(scope="module")
def app(corpus):
    return create_app(corpus[1].root)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def ids(corpus):
    return corpus[2]


@pytest.fixture(scope="module")
def engine(corpus):
    with SearchEngine(corpus[1]) as eng:
        yield eng


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def token(client, url="/?q=opt+out") -> str:
    """The CSRF token of the save form on a search page."""
    return soup_of(client.get(url)).select_one("form.save input[name=csrf]")["value"]


def save(client, name, status=303, replace=False, **state):
    data = {"csrf": token(client), "name": name, **state}
    if replace:
        data["replace"] = "1"
    response = client.post("/saved", data=data)
    assert response.status_code == status, (name, response.status_code, response.get_data(as_text=True)[:300])
    return response


def saved_items(client) -> dict[str, BeautifulSoup]:
    response = client.get("/saved")
    assert response.status_code == 200
    return {li.h2.get_text(strip=True): li for li in soup_of(response).select("li.saved")}


def counts(item) -> tuple[int, int]:
    return (int(item.select_one(".counts .total").get_text().split()[0].replace(",", "")),
            int(item.select_one(".counts .new").get_text().split()[0].replace(",", "")))


# -- the search page -----------------------------------------------------------------
def test_search_page_offers_save_form_and_exports_of_the_current_view(client):
    soup = soup_of(client.get("/?q=opt+out&tag=ICE&sort=newest&page=1&more=tag"))
    form = soup.select_one("form.save")
    assert form["method"] == "post" and form["action"] == "/saved"
    assert soup.select_one("label[for=save-name]").get_text(strip=True) == "Save this search as"
    hidden = [(i["name"], i["value"]) for i in form.select("input[type=hidden]") if i["name"] != "csrf"]
    assert hidden == [("q", "opt out"), ("tag", "ICE"), ("sort", "newest")]
    links = {a.get_text(strip=True): a["href"] for a in soup.select(".exports a")}
    assert links == {"CSV": "/export.csv?q=opt+out&tag=ICE&sort=newest",
                     "JSON": "/export.json?q=opt+out&tag=ICE&sort=newest",
                     "JSON Lines": "/export.jsonl?q=opt+out&tag=ICE&sort=newest"}
    assert soup.select_one("nav.site-nav a")["href"] == "/saved"


# -- tokens ------------------------------------------------------------------------------
def test_post_without_a_valid_token_is_400_and_saves_nothing(client, app, tmp_path):
    state = {"name": "sneaky", "q": "opt out"}
    assert client.post("/saved", data=state).status_code == 400
    assert client.post("/saved", data={**state, "csrf": "1.forged"}).status_code == 400
    token(client)  # the session now has its CSRF binding
    with client.session_transaction() as session:
        binding = session["csrf"]
    expired = app.extensions["foiasearch_csrf"].token(binding, now=time.time() - MAX_AGE_S - 60)
    response = client.post("/saved", data={**state, "csrf": expired})
    assert response.status_code == 400 and "reload the page" in response.get_data(as_text=True)
    # a token from another site (another secret) is refused too
    other = create_app(tmp_path / "elsewhere")
    (tmp_path / "elsewhere").mkdir()
    foreign = other.extensions["foiasearch_csrf"].token(binding)
    assert client.post("/saved", data={**state, "csrf": foreign}).status_code == 400
    assert "sneaky" not in saved_items(client)
    for url in ("/saved/sneaky/delete", "/saved/sneaky/seen"):
        assert client.post(url, data={"csrf": "1.forged"}).status_code == 400


def test_secret_is_private_and_shared_by_workers(corpus, client):
    token(client)
    path = corpus[1].root / SECRET_NAME
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second_worker = create_app(corpus[1].root).test_client()  # the same browser, another worker process
    second_worker.set_cookie("foiasearch_session", client.get_cookie("foiasearch_session").value)
    response = second_worker.post("/saved", data={"csrf": token(client), "name": "fromworker1", "q": "opt"})
    assert response.status_code == 303
    second_worker.post("/saved/fromworker1/delete", data={"csrf": token(second_worker), "confirm": "1"})
    assert "fromworker1" not in saved_items(client)


# -- saving and the saved-searches page ---------------------------------------------------
def test_save_stays_on_the_results_and_the_list_has_counts_and_links(client, engine):
    response = save(client, "opt-out", q='"opt out"', tag="ICE", sort="newest")
    assert response.headers["Location"] == "/?q=%22opt+out%22&tag=ICE&sort=newest&saved=opt-out"
    results = soup_of(client.get(response.headers["Location"]))
    assert "3 documents match" in results.select_one(".total").get_text()
    notice = results.select_one(".saved-notice")
    assert notice.get_text(" ", strip=True).startswith("Saved this search as “opt-out”")
    assert notice.a["href"] == "/saved#saved-opt-out"
    soup = soup_of(client.get("/saved"))
    item = {li.h2.get_text(strip=True): li for li in soup.select("li.saved")}["opt-out"]
    expected = engine.search(Query('"opt out"', {"tag": ["ICE"]}, "newest")).total
    assert expected == 3
    assert counts(item) == (expected, expected)  # never marked seen: all new
    assert item.select_one(".saved-meta code").get_text() == '"opt out"'
    assert "Tag" in item.select_one(".saved-meta").get_text() and "ICE" in item.get_text()
    links = {a.get_text(strip=True): a["href"] for a in item.select("a")}
    assert links["Run it"] == "/?q=%22opt+out%22&tag=ICE&sort=newest"
    assert links["CSV"] == "/saved/opt-out/export.csv"
    assert links["JSON Lines"] == "/saved/opt-out/export.jsonl"
    assert links["Atom feed"] == "/saved/opt-out.atom"
    assert client.get(links["Run it"]).status_code == 200


def test_bad_name_and_query_that_will_not_run_give_one_line_not_500(client):
    response = save(client, "no spaces!", status=400, q="opt")
    assert "invalid name" in soup_of(response).select_one("#save-error").get_text()
    assert soup_of(response).select_one("#save-name")["value"] == "no spaces!"
    response = save(client, "emptyish", status=400, q="()")
    assert "no words to search for" in soup_of(response).select_one(".notice.error").get_text()
    assert client.post("/saved", data={"csrf": token(client), "name": "x", "page": "-1"}).status_code == 400
    assert "emptyish" not in saved_items(client)


def test_existing_name_offers_replace(client, engine):
    save(client, "dup", q="detainer")
    response = save(client, "dup", status=409, q="opt out")
    soup = soup_of(response)
    assert "exists" in soup.select_one("#save-error").get_text()
    assert soup.select_one("form.save input[name=replace]")["type"] == "checkbox"
    response = save(client, "dup", replace=True, q="opt out")
    assert response.headers["Location"] == "/?q=opt+out&saved=dup&replaced=1"
    assert "Replaced this search" in soup_of(client.get(response.headers["Location"])).select_one(".saved-notice").get_text()
    assert counts(saved_items(client)["dup"])[0] == engine.search(Query("opt out")).total == 3


def test_viewing_marks_nothing_seen_and_mark_as_seen_records_a_run(tmp_path):
    root = tmp_path / "fresh"
    location, _ = build_web_corpus(root)
    client = create_app(location.root).test_client()
    save(client, "zebras", q="zebras OR fingerprints")
    assert counts(saved_items(client)["zebras"]) == (1, 1)
    assert counts(saved_items(client)["zebras"]) == (1, 1)  # looking twice changes nothing
    response = client.post("/saved/zebras/seen", data={"csrf": token(client)})
    assert response.status_code == 303 and response.headers["Location"] == "/saved?done=seen&name=zebras"
    item = saved_items(client)["zebras"]
    assert counts(item) == (1, 0) and item.select_one(".counts time")
    add_late_post(root, location)
    assert counts(saved_items(client)["zebras"]) == (2, 1)


def test_delete_and_unknown_names(client):
    save(client, "gone", q="opt")
    asked = client.post("/saved/gone/delete", data={"csrf": token(client)})
    assert asked.status_code == 200 and "gone" in saved_items(client)  # deleting asks first
    confirm = soup_of(asked).select_one("form.confirm")
    assert confirm["action"] == "/saved/gone/delete" and confirm.select_one("input[name=confirm]")["value"] == "1"
    response = client.post("/saved/gone/delete", data={"csrf": token(client), "confirm": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/saved?done=deleted&name=gone"
    assert "gone" not in saved_items(client)
    tok = token(client)
    for url in ("/saved/gone/delete", "/saved/gone/seen"):
        assert client.post(url, data={"csrf": tok}).status_code == 404
    for url in ("/saved/gone.atom", "/saved/gone/export.csv", "/saved/no%20such/export.json",
                "/saved/x/export.xml", "/export.xml?q=opt"):
        assert client.get(url).status_code == 404, url
    # the message in the URL is only ever one of ours
    soup = soup_of(client.get("/saved?done=saved&name=%3Cscript%3E"))
    assert soup.select_one(".notice.done") is None


# -- exports ----------------------------------------------------------------------------
@pytest.mark.parametrize("qs,query", [
    ("q=opt+out", Query("opt out")),
    ("q=&tag=Detainers&sort=oldest", Query("", {"tag": ["Detainers"]}, "oldest")),
    ("q=%22opt+out%22&tag=ICE&actor=Pat+Quinn", Query('"opt out"', {"tag": ["ICE"], "actor": ["Pat Quinn"]})),
])
def test_search_exports_parse_back_and_match_the_engine(client, engine, qs, query):
    ids = list(engine.stream(query).ids())
    assert len(ids) == engine.search(query).total > 0
    response = client.get(f"/export.csv?{qs}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="foiasearch-export.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["id"] for r in rows] == ids  # same documents, same order
    response = client.get(f"/export.json?{qs}")
    assert response.mimetype == "application/json"
    data = json.loads(response.get_data(as_text=True))
    assert data["meta"]["total"] == len(ids) and data["meta"]["query"] == query.text
    assert data["meta"]["filters"] == query.filters and data["meta"]["saved_search"] is None
    assert [r["id"] for r in data["rows"]] == ids
    response = client.get(f"/export.jsonl?{qs}")
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Content-Disposition"].endswith('filename="foiasearch-export.jsonl"')
    assert [json.loads(line)["id"] for line in response.get_data(as_text=True).splitlines()] == ids


def test_release_row_cites_pages_and_bates(client, ids):
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv?q=%22opt+out%22&kind=release").get_data(as_text=True))))
    assert [(r["id"], r["pages"]) for r in rows] == [(ids["release"], "3; 17")]
    assert rows[0]["bates_range"] == "ICE-0001 to ICE-0020"


def test_csv_bom_for_excel(client):
    assert client.get("/export.csv?q=opt&bom=1").get_data(as_text=True).startswith("\ufeffid,")
    assert client.get("/export.csv?q=opt").get_data(as_text=True).startswith("id,")


@pytest.mark.parametrize("qs", ["q=%28%29", "page=-1", "nosuch=1", "sort=sideways", "q=" + "a" * 2001])
def test_bad_export_query_is_400(client, qs):
    response = client.get(f"/export.csv?{qs}")
    assert response.status_code == 400
    assert soup_of(response).select_one("main p").get_text()


def test_saved_exports_and_feed(client, engine, ids):
    save(client, "quinn", q="", actor="Pat Quinn", sort="newest")
    query = Query("", {"actor": ["Pat Quinn"]}, "newest")
    expected = list(engine.stream(query).ids())
    response = client.get("/saved/quinn/export.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="quinn.csv"'
    assert [r["id"] for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))] == expected
    data = client.get("/saved/quinn/export.json").get_json()
    assert data["meta"]["saved_search"] == "quinn" and [r["id"] for r in data["rows"]] == expected
    lines = client.get("/saved/quinn/export.jsonl").get_data(as_text=True).splitlines()
    assert len(lines) == len(expected) == 2

    response = client.get("/saved/quinn.atom")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "foiasearch: quinn"
    assert {link.href for link in feed.feed.links if link.rel == "self"} == {"http://localhost/saved/quinn.atom"}
    links = {e.title: e.link for e in feed.entries}
    assert len(feed.entries) == 2
    # the release has no source URL: its entry links to its page on this site
    assert links["Secure Communities e-mails"] == f"http://localhost/documents/{ids['release']}"
    assert links["Illinois withdraws from Secure Communities"] == "https://example.org/illinois"
    # reading exports and the feed marks nothing seen
    assert counts(saved_items(client)["quinn"]) == (2, 2)


def test_saved_search_that_no_longer_runs(corpus, client):
    from foiasearch.search.saved import SavedStore

    with SavedStore.open(corpus[1]) as store:  # e.g. saved by an older version
        store.db.execute("INSERT INTO saved VALUES ('broken', '()', '{}', 'relevance', '2024-01-01', NULL)")
    item = saved_items(client)["broken"]
    assert "no longer runs" in item.select_one(".counts .error").get_text()
    assert item.select_one("form[action='/saved/broken/seen']") is None
    assert client.get("/saved/broken/export.csv").status_code == 400
    assert client.get("/saved/broken.atom").status_code == 400
    assert client.post("/saved/broken/seen", data={"csrf": token(client)}).status_code == 400
    assert client.post("/saved/broken/delete", data={"csrf": token(client), "confirm": "1"}).status_code == 303

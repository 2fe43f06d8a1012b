"""The web app through Flask's test client: every route, facets, safety and
bad parameters, on an index of real files built by tests/web_corpus.py."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from tests.web_corpus import EVIL, add_late_post, build_web_corpus, html_page
from foiasearch.web import create_app


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("webcorpus")
    location, ids = build_web_corpus(root)
    return root, location, ids


@pytest.fixture(scope="module")
def client(corpus):
    _, location, _ = corpus
    app = create_app(location.root)
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)  # exercises the safety net
    return app.test_client()


@pytest.fixture(scope="module")
def ids(corpus):
    return corpus[2]


page = html_page


def api(client, url, status=200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:200])
    assert response.mimetype == "application/json"
    return response.get_json()


def facet_counts(soup: BeautifulSoup, facet: str) -> dict[str, int]:
    return {a["data-value"]: int(a.select_one(".count").get_text().replace(",", ""))
            for a in soup.select(f'#facet-{facet} a.facet-value')}


# -- the search page -------------------------------------------------------------
def test_search_page_shows_hits_with_snippet_total_and_metadata(client):
    soup = page(client, "/?q=opt+out")
    assert "3 documents match" in soup.select_one(".total").get_text(" ", strip=True)
    titles = [a.get_text(strip=True) for a in soup.select(".hit h2 a")]
    assert "Illinois withdraws from Secure Communities" in titles
    illinois = next(h for h in soup.select(".hit") if "Illinois" in h.h2.get_text())
    assert illinois.select_one(".kind").get_text() == "Post"
    assert "2011-05-04" in illinois.select_one(".meta").get_text()
    assert "example.org" in illinois.select_one(".meta").get_text()
    assert [m.get_text() for m in illinois.select(".snippet mark")] == ["opt", "out"]


def test_release_hit_links_its_matching_pages_to_anchors(client, ids):
    soup = page(client, "/?q=%22opt+out%22&kind=release")
    hit = soup.select_one(".hit")
    links = {a.get_text(): a["href"] for a in hit.select(".pages:not(.in-order) a")}
    assert set(links) == {"p. 3", "p. 17"}
    assert links["p. 17"] == f"/documents/{ids['release']}?q=%22opt+out%22&kind=release#p17"
    assert [a.get_text() for a in hit.select(".pages.in-order a")] == ["3", "17"]
    assert hit.select_one(".kind").get_text() == "FOIA release"
    assert hit.select_one(".meta").get_text().count("releases") == 1  # the collection


def test_facet_counts_or_within_and_across(client):
    soup = page(client, "/")
    tags = facet_counts(soup, "tag")
    assert tags["ICE"] == 3 and tags["Detainers"] == 25
    assert page(client, "/?tag=ICE").select_one(".total").get_text(" ", strip=True).startswith("3 documents")
    # OR within a facet ...
    data = api(client, "/api/search?tag=ICE&tag=California")
    assert data["total"] == 4
    # ... the facet's own counts ignore its own selection, so other values stay visible
    assert {v["value"]: v["count"] for v in data["facets"]["tag"]}["Detainers"] == 25
    # AND across facets
    data = api(client, "/api/search?tag=ICE&actor=Pat+Quinn")
    assert data["total"] == 2
    assert {h["title"] for h in data["hits"]} == {"Illinois withdraws from Secure Communities",
                                                   "Secure Communities e-mails"}
    assert {v["value"]: v["count"] for v in data["facets"]["kind"]} == {"post": 1, "release": 1}


def test_actor_values_are_labelled_by_type_and_exemption_facet_shows(client):
    soup = page(client, "/?q=opt+out")
    quinn = soup.select_one('#facet-actor a[data-value="Pat Quinn"]')
    assert quinn.select_one(".type").get_text() == "person"
    assert soup.select_one('#facet-actor a[data-value="ICE"] .type').get_text() == "agency"
    assert facet_counts(soup, "exemption") == {"b6": 1, "b7c": 1}
    assert facet_counts(soup, "year") == {"2012": 1, "2011": 2}
    assert facet_counts(soup, "collection") == {"posts": 2, "releases": 1}
    assert facet_counts(soup, "kind") == {"post": 2, "release": 1}


def test_selected_values_are_removable_chips(client):
    soup = page(client, "/?q=opt+out&tag=ICE&actor=Pat+Quinn&sort=newest")
    chips = {a.get_text(" ", strip=True): a["href"] for a in soup.select(".chips a.chip")}
    assert chips["Tag: ICE ×"] == "/?q=opt+out&actor=Pat+Quinn&sort=newest"
    assert chips["Actor: Pat Quinn ×"] == "/?q=opt+out&tag=ICE&sort=newest"
    assert "Clear all filters" in chips
    assert soup.select_one('#facet-tag a[data-value="ICE"]')["aria-pressed"] == "true"
    # the search box keeps the filters for the next query
    hidden = {(i["name"], i["value"]) for i in soup.select("form.search input[type=hidden]")}
    assert ("tag", "ICE") in hidden and ("actor", "Pat Quinn") in hidden


def test_show_more_and_find_a_value_without_javascript(client):
    soup = page(client, "/")
    assert len(soup.select("#facet-tag a.facet-value")) == 10
    more = soup.select_one("#facet-tag .facet-more a")
    assert more.get_text() == "Show 21 more"  # 31 tags in all
    soup = page(client, more["href"])
    assert len(soup.select("#facet-tag a.facet-value")) == 31
    assert soup.select_one("#facet-tag .facet-more a").get_text() == "Show fewer"
    # the find box is a GET form: its name filters the facet's values
    form = soup.select_one("#facet-actor form.facet-find")
    assert form is not None and form.select_one("input[type=search]")["name"] == "find_actor"
    soup = page(client, "/?find_actor=sheriff+0")
    assert [a["data-value"] for a in soup.select("#facet-actor a.facet-value")] == [
        f"Sheriff {n:02d}" for n in range(1, 10)]
    assert "No actor contains" in page(client, "/?find_actor=nobody").select_one("#facet-actor").get_text()


def test_sort_and_pagination_live_in_the_url(client):
    newest = api(client, "/api/search?tag=Detainers&sort=newest&limit=25")
    dates = [h["date"] for h in newest["hits"]]
    assert dates == sorted(dates, reverse=True)
    oldest = api(client, "/api/search?tag=Detainers&sort=oldest&limit=25")
    assert [h["date"] for h in oldest["hits"]] == sorted(dates)
    soup = page(client, "/?tag=Detainers&sort=oldest")
    assert len(soup.select(".hit")) == 20
    nav = {a.get_text(strip=True): a["href"] for a in soup.select(".pagination a")}
    assert nav["2"] == "/?tag=Detainers&sort=oldest&page=2"
    soup = page(client, nav["Next ›"])
    assert len(soup.select(".hit")) == 5
    assert soup.select_one(".hits")["start"] == "21"
    assert soup.select_one('.pagination a[aria-current="page"]').get_text() == "2"
    # a page past the end is an empty page with a way back, not an error
    soup = page(client, "/?tag=Detainers&page=9")
    assert not soup.select(".hit") and "first page" in soup.select_one(".notice").get_text()


def test_no_results_offers_a_readable_spelling_suggestion(client):
    soup = page(client, "/?q=detainr")
    assert soup.select_one(".total").get_text(" ", strip=True).startswith("No documents match")
    suggestion = soup.select_one(".suggestion a")
    assert suggestion.get_text() == "detainer"
    assert suggestion["href"] == "/?q=detainer"
    assert page(client, suggestion["href"]).select(".hit")


def test_a_query_that_cannot_run_gets_one_line(client):
    soup = page(client, "/?q=" + quote("()"), status=400)
    message = soup.select_one(".notice.error").get_text()
    assert "\n" not in message.strip() and "Traceback" not in message


# -- documents ---------------------------------------------------------------------
def test_document_page_metadata_pages_anchors_and_highlights(client, ids):
    soup = page(client, f"/documents/{ids['release']}?q=opt+out")
    assert soup.h1.get_text() == "Secure Communities e-mails"
    meta = soup.select_one(".doc-meta").get_text(" ", strip=True)
    for expected in ("FOIA release, 20 pages", "2011-03-15", "ICE", "Pat Quinn", "b6", "b7c",
                     "ICE-0001 – ICE-0020", "scomm-emails.pdf"):
        assert expected in meta
    assert [s["id"] for s in soup.select("section.page")] == [f"p{n}" for n in range(1, 21)]
    assert [m.get_text() for m in soup.select("#p17 mark")] == ["opt", "out"]
    assert not soup.select("#p2 mark")
    assert sorted({a["href"] for a in soup.select("#pages a")}) == ["#p17", "#p3"]
    assert "b6" in soup.select_one("#p17 .exemptions").get_text()


def test_document_post_links_source_and_facet_values(client, ids):
    soup = page(client, f"/documents/{ids['illinois']}")
    assert soup.select_one('.doc-meta a[href="https://example.org/illinois"]')["rel"] == [
        "noopener", "noreferrer", "nofollow"]
    assert soup.select_one('.doc-meta a[href="/?tag=ICE"]')
    assert soup.select_one('.doc-meta a[href="/?actor=Pat+Quinn"]')
    assert "Ana Ruiz" in soup.select_one(".doc-meta").get_text()


def test_text_download(client, ids):
    response = client.get(f"/documents/{ids['release']}.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "=== Page 17 ===" in text and "no county can opt out" in text


def test_original_download_serves_the_indexed_file_only(client, corpus, ids):
    root = corpus[0]
    response = client.get(f"/documents/{ids['release']}/original")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == (root / "releases" / "scomm-emails.pdf").read_bytes()
    html = client.get(f"/documents/{ids['evil']}/original")
    assert "attachment" in html.headers["Content-Disposition"]
    assert "sandbox" in html.headers["Content-Security-Policy"]
    for bad in ("/documents/..%2F..%2Fetc%2Fpasswd/original", "/documents/%2Fetc%2Fpasswd/original",
                "/documents/" + "0" * 64 + "/original", "/documents/../../etc/passwd"):
        assert client.get(bad).status_code == 404, bad


def test_original_of_a_file_that_is_gone_is_404(tmp_path):
    location, ids = build_web_corpus(tmp_path)
    (tmp_path / "posts" / "trust-act.html").unlink()
    client = create_app(location.root).test_client()
    response = client.get(f"/documents/{ids['trust']}/original")
    assert response.status_code == 404
    assert "no longer" in response.get_data(as_text=True)


def test_unknown_document_is_404(client):
    assert client.get("/documents/" + "f" * 64).status_code == 404
    assert client.get("/documents/nope.txt").status_code == 404
    assert api(client, "/api/documents/" + "f" * 64, status=404)["error"]


# -- JSON API ------------------------------------------------------------------------
def test_api_search_mirrors_the_page(client):
    data = api(client, "/api/search?q=opt+out&tag=ICE&sort=newest")
    assert data["query"] == "opt out" and data["total"] == 3
    assert [h["date"][:10] for h in data["hits"]] == ["2012-01-01", "2011-05-04", "2011-03-15"]
    hit = data["hits"][0]
    for key in ("id", "title", "kind", "paths", "url", "date", "pages", "snippet", "score", "tags", "actors"):
        assert key in hit
    assert set(data["facets"]) >= {"tag", "actor", "kind", "collection", "year", "exemption"}
    assert all(set(v) >= {"value", "count"} for v in data["facets"]["tag"])
    release = next(h for h in data["hits"] if h["kind"] == "release")
    assert sorted(release["pages"]) == [3, 17]


def test_api_document(client, ids):
    data = api(client, f"/api/documents/{ids['release']}")
    assert data["title"] == "Secure Communities e-mails" and data["page_count"] == 20
    assert data["pages"][16]["number"] == 17 and "opt out" in data["pages"][16]["text"]
    assert data["actors"][0] == {"name": "ICE", "type": "agency"}


# -- safety --------------------------------------------------------------------------
def test_untrusted_text_is_escaped_everywhere(client, ids):
    for url in ("/?q=opt+out", "/?q=script", f"/documents/{ids['evil']}?q=opt+out", "/?tag=%3Cb%3Ebold%3C%2Fb%3E"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body and "<b>bold" not in body, url
    soup = page(client, f"/documents/{ids['evil']}?q=opt+out")
    assert EVIL in soup.h1.get_text()  # shown as text
    assert not soup.select('a[href^="javascript"]')
    assert "javascript:alert(1)" in soup.select_one(".doc-meta").get_text()
    assert [m.get_text() for m in soup.select(".text mark")] == ["opt", "out", "opt", "out"]


def test_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("query_string", [
    "page=-1", "page=0", "page=abc", "page=1000000000", "limit=0", "limit=100000", "sort=sideways",
    "colour=red", "more=colour", "q=" + "a" * 10_000, "tag=" + "x" * 1000,
])
def test_bad_parameters_give_400_never_500(client, query_string):
    soup = page(client, "/?" + query_string, status=400)
    assert soup.select_one(".notice.error").get_text().strip()
    assert api(client, "/api/search?" + query_string, status=400)["error"]


@pytest.mark.parametrize("raw", [b"q=%ff%fe", b"q=\xff\xfe", b"tag=%C3%28", b"q=%00", b"q=opt&page=1%00",
                                 b"q=%E2%80%AE%F0%9F%92%A9"])
def test_odd_bytes_in_the_query_string_never_500(client, raw):
    # WSGI carries the raw query string as latin-1 text
    environ = {"QUERY_STRING": raw.decode("latin-1")}
    for path in ("/", "/api/search", "/documents/" + "0" * 64):
        assert client.get(path, environ_overrides=environ).status_code in (200, 400, 404)


def test_safety_net_turns_a_bug_into_a_short_page(client):
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_unknown_route_and_method(client):
    assert client.get("/nowhere").status_code == 404
    assert client.post("/").status_code == 405


def test_static_assets_are_local(client):
    soup = page(client, "/")
    for tag in soup.select("link[href], script[src]"):
        url = tag.get("href") or tag.get("src")
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200


# -- index lifecycle -----------------------------------------------------------------
def test_no_index_yet_gives_a_friendly_page(tmp_path):
    client = create_app(tmp_path / "none").test_client()
    response = client.get("/?q=opt")
    assert response.status_code == 503
    assert "foiasearch index" in response.get_data(as_text=True)
    assert client.get("/api/search").status_code == 503
    # ... and the index is picked up once it exists, without a restart
    build_web_corpus(tmp_path / "later")
    (tmp_path / "later" / "ix").rename(tmp_path / "none")
    assert client.get("/?q=opt").status_code == 200


def test_app_sees_new_commits_without_restart(tmp_path):
    location, _ = build_web_corpus(tmp_path)
    client = create_app(location.root).test_client()
    assert api(client, "/api/search?q=zebras")["total"] == 0
    add_late_post(tmp_path, location)
    data = api(client, "/api/search?q=zebras")
    assert data["total"] == 1
    assert {v["value"]: v["count"] for v in data["facets"]["tag"]} == {"Zebras": 1}
    assert api(client, "/api/search?tag=Zebras")["total"] == 1


def test_search_pages_are_shared_by_apps_of_one_site_and_never_stale(tmp_path):
    """A page made once is served again (X-Cache: hit) by any worker of the site
    (web.pagecache: one folder, several processes' apps), the same as made; a commit
    changes the key, so the next request shows it; a private collection stays private."""
    location, _ = build_web_corpus(tmp_path)
    app = create_app(location.root)
    other = create_app(location.root, pages=app.extensions["foiasearch_pages"])  # as web.server.serve's workers
    first, second = app.test_client(), other.test_client()
    made = first.get("/?q=border&sort=newest")
    kept = second.get("/?q=border&sort=newest")
    reordered = second.get("/?sort=newest&q=border")  # the same page, parameters in another order
    assert [r.headers["X-Cache"] for r in (made, kept, reordered)] == ["miss", "hit", "hit"]
    without_token = lambda r: re.sub(r'name="csrf" value="[^"]*"', "", r.get_data(as_text=True))
    assert without_token(made) == without_token(kept)
    before = BeautifulSoup(kept.get_data(as_text=True), "lxml").select_one(".total").get_text(" ", strip=True)
    add_late_post(tmp_path, location)
    after = second.get("/?q=border&sort=newest")
    assert after.headers["X-Cache"] == "miss"
    assert "Late arrival about zebras" in after.get_data(as_text=True)
    assert before != BeautifulSoup(after.get_data(as_text=True), "lxml").select_one(".total").get_text(" ", strip=True)
    # The visitor's own lines are not kept: the "Saved" notice follows the URL, a hit or not.
    noticed = second.get("/?q=border&sort=newest&saved=mine")
    assert noticed.headers["X-Cache"] == "hit" and "this search as “mine”" in noticed.get_data(as_text=True)


def test_without_the_result_cache_no_page_is_kept(tmp_path):
    from foiasearch.web.settings import SiteSettings

    location, _ = build_web_corpus(tmp_path)
    client = create_app(location.root, settings=SiteSettings(result_cache=0)).test_client()
    for _ in range(2):
        assert "X-Cache" not in client.get("/?q=border").headers

"""A private collection is invisible to visitors without access in every
output (issue 17, item 3): one test per output, on a public site whose
"board" folder is private. Signed-in accounts see it."""

from __future__ import annotations

import re
import shutil

import feedparser
import pytest

from foiasearch.index.build import index_documents
from foiasearch.index.location import IndexLocation
from foiasearch.ingest.document import Actor, Document, Page
from foiasearch.search.saved import SavedStore
from foiasearch.search.api import Query
from foiasearch.web import SiteSettings, create_app
from foiasearch.web.accounts import AccountStore, accounts_path
from tests.builders import write_html, write_pdf

SECRET_WORD = "quorumvote"  # only in the private collection
SECRET_TAG = "Closed session"
SECRET_ACTOR = "Treasurer Okonkwo"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("private")
    items = []
    for n in range(3):
        path = write_html(root / "posts" / f"post-{n}.html", f"Public detainer post {n}",
                          f"Detainer policy update {n} for the public.")
        items.append((Document(kind="post", title=f"Public detainer post {n}",
                               pages=[Page(1, f"Detainer policy update {n} for the public.")],
                               tags=["Detainers"], date=f"2013-0{n + 1}-01"), [str(path)]))
    public_pages = ["A public release about detainer holds. (b)(6)", "Nothing withheld here."]
    public_pdf = write_pdf(root / "releases" / "holds.pdf", public_pages)
    items.append((Document(kind="release", title="Public release on detainer holds",
                           pages=[Page(1, public_pages[0], exemptions=["b6"]), Page(2, public_pages[1])],
                           exemptions=["b6"], tags=["Detainers"], date="2013-06-01"), [str(public_pdf)]))
    board_pages = [f"Board minutes: the {SECRET_WORD} on detainer policy. (b)(6)", "Second page, budget. (b)(6)"]
    pdf = write_pdf(root / "board" / "minutes.pdf", board_pages)
    items.append((Document(kind="release", title="Board minutes on detainers",
                           pages=[Page(i + 1, t, exemptions=["b6"]) for i, t in enumerate(board_pages)],
                           exemptions=["b6"], tags=["Detainers", SECRET_TAG], actors=[Actor(SECRET_ACTOR, "person")],
                           date="2014-01-01"), [str(pdf)]))
    html = write_html(root / "board" / "memo.html", "Board memo", f"The {SECRET_WORD} memo about detainers.")
    items.append((Document(kind="post", title="Board memo", pages=[Page(1, f"The {SECRET_WORD} memo about detainers.")],
                           tags=[SECRET_TAG], url="https://example.org/memo", date="2014-02-01"), [str(html)]))
    location = IndexLocation(root / "ix")
    ids = index_documents(location, items)
    with SavedStore.open(location) as store:
        store.add("detainers", Query("detainer"))
        store.add("board-only", Query("", {"collection": ["board"]}))
    accounts = AccountStore(accounts_path(location.root))
    accounts.add("rita", "reader", PASSWORD)
    return root, location, {"public": ids[:4], "board": ids[4:]}


@pytest.fixture(scope="module")
def anonymous(site):
    settings = SiteSettings(public=True, public_originals=True, private_collections=("Board",))
    return create_app(site[1].root, settings=settings).test_client()


@pytest.fixture(scope="module")
def member(site):
    settings = SiteSettings(public=True, public_originals=True, private_collections=("Board",))
    client = create_app(site[1].root, settings=settings).test_client()
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"csrf": token, "name": "rita", "password": PASSWORD}).status_code == 303
    return client


def leaks(text: str) -> list[str]:
    return [s for s in (SECRET_WORD, SECRET_TAG, SECRET_ACTOR, "minutes.pdf", "memo.html", "Board m")
            if s.lower() in text.lower()]


def test_search_results_and_totals(anonymous, member):
    page = anonymous.get("/?q=detainer").get_data(as_text=True)
    assert "4 documents match" in page and not leaks(page)
    assert "6 documents match" in member.get("/?q=detainer").get_data(as_text=True)
    assert "No documents match" in anonymous.get(f"/?q={SECRET_WORD}").get_data(as_text=True)


def test_facet_values_and_counts(anonymous, member):
    data = anonymous.get("/api/search?q=").get_json()
    assert data["total"] == 4
    facets = data["facets"]
    assert {v["value"] for v in facets["collection"]} == {"posts", "releases"}
    assert {v["value"]: v["count"] for v in facets["tag"]} == {"Detainers": 4}
    assert facets["actor"] == []
    more = anonymous.get(f"/?q=&more=tag&find_tag=closed").get_data(as_text=True)
    assert not leaks(more)
    filtered = anonymous.get("/api/search?collection=board").get_json()
    assert filtered["total"] == 0 and not leaks(str(filtered))
    assert member.get("/api/search?q=").get_json()["total"] == 6


def test_exemption_page_counts(anonymous, member):
    def pages_of_b6(client) -> str:
        page = client.get("/?q=").get_data(as_text=True)
        box = page[page.index('id="facet-exemption"'):]
        return re.search(r'([0-9,]+) p\.</span>', box).group(1)

    assert pages_of_b6(anonymous) == "1"  # the board's two pages are not counted
    assert pages_of_b6(member) == "3"


def test_documents_text_and_api(anonymous, member, site):
    for doc_id in site[2]["board"]:
        for url in (f"/documents/{doc_id}", f"/documents/{doc_id}.txt", f"/api/documents/{doc_id}",
                    f"/documents/{doc_id}?q={SECRET_WORD}"):
            response = anonymous.get(url)
            assert response.status_code == 404, url
            assert not leaks(response.get_data(as_text=True)), url
        assert member.get(f"/documents/{doc_id}").status_code == 200


def test_originals(anonymous, member, site):
    for doc_id in site[2]["board"]:
        assert anonymous.get(f"/documents/{doc_id}/original").status_code == 404
        assert member.get(f"/documents/{doc_id}/original").status_code == 200
    assert anonymous.get(f"/documents/{site[2]['public'][0]}/original").status_code == 200


def test_page_images(anonymous, member, site):
    from foiasearch.web.pageimages import SIZES

    doc_id = site[2]["board"][0]
    for size in SIZES:
        assert anonymous.get(f"/documents/{doc_id}/pages/1/{size}.jpg").status_code == 404
    assert doc_id not in anonymous.get("/?q=detainer").get_data(as_text=True)  # no thumbnails either
    if shutil.which("pdftoppm"):  # the member gets the image (rendered by poppler)
        response = member.get(f"/documents/{doc_id}/pages/1/thumb.jpg")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["Cache-Control"].startswith("private")


def test_exports(anonymous, member):
    for fmt in ("csv", "json", "jsonl"):
        response = anonymous.get(f"/export.{fmt}?q=detainer")
        assert response.status_code == 200 and not leaks(response.get_data(as_text=True)), fmt
        assert anonymous.get(f"/export.{fmt}?q={SECRET_WORD}").headers["X-Export-Total"] == "0"
    assert anonymous.get("/export.json?q=detainer").get_json()["meta"]["total"] == 4
    assert member.get("/export.json?q=detainer").get_json()["meta"]["total"] == 6
    saved = anonymous.get("/saved/detainers/export.csv")
    assert saved.status_code == 200 and not leaks(saved.get_data(as_text=True))
    assert anonymous.get("/saved/board-only/export.csv").status_code == 404


def test_feeds(anonymous, member):
    feed = anonymous.get("/saved/detainers.atom")
    assert feed.status_code == 200 and not leaks(feed.get_data(as_text=True))
    assert len(feedparser.parse(feed.data).entries) == 4
    assert len(feedparser.parse(member.get("/saved/detainers.atom").data).entries) == 6
    assert anonymous.get("/saved/board-only.atom").status_code == 404


def test_json_api(anonymous):
    data = anonymous.get("/api/search?q=detainer&limit=100").get_json()
    assert data["total"] == 4 and not leaks(str(data))


def test_spelling_suggestions(anonymous, member):
    typo = SECRET_WORD[:-1] + "x"  # one letter off a word only the private collection has
    assert "suggestion" not in anonymous.get(f"/api/search?q={typo}").get_json()
    assert not leaks(anonymous.get(f"/?q={typo}").get_data(as_text=True))
    assert member.get(f"/api/search?q={typo}").get_json().get("suggestion") == SECRET_WORD

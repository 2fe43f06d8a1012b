"""Page images, the reader and the richer hits through Flask's test client,
on the web corpus plus a scanned release (tests/reader_corpus.py): real
PDFs, real pdftoppm renders."""

from __future__ import annotations

import io
import shutil
import threading
from urllib.parse import parse_qs, urlsplit

import pytest

from foiasearch.web import create_app
from foiasearch.web.pageimages import SIZES, PageImageError, PageImages
from tests.reader_corpus import build_reader_corpus
from tests.web_corpus import html_page

needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is missing")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("readercorpus")
    location, ids = build_reader_corpus(root)
    return root, location, ids


@pytest.fixture(scope="module")
def client(corpus):
    return create_app(corpus[1].root).test_client()


@pytest.fixture(scope="module")
def ids(corpus):
    return corpus[2]


soup_of = html_page


def image_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        return image.size


# -- page images ---------------------------------------------------------------------
@needs_pdftoppm
def test_page_image_is_rendered_once_cached_beside_the_index_and_served(client, corpus, ids):
    root, location, _ = corpus
    url = f"/documents/{ids['release']}/pages/17/page.jpg"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert image_size(response.data)[0] == SIZES["page"]
    assert "immutable" in response.headers["Cache-Control"]
    cached = location.root / "page-images" / ids["release"][:2] / ids["release"] / "17-page.jpg"
    assert cached.read_bytes() == response.data
    stamp = cached.stat().st_mtime_ns
    again = client.get(url)
    assert again.data == response.data and cached.stat().st_mtime_ns == stamp  # not rendered again
    thumb = client.get(f"/documents/{ids['release']}/pages/3/thumb.jpg")
    assert image_size(thumb.data)[0] == SIZES["thumb"]
    assert not [p for p in cached.parent.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")]


@needs_pdftoppm
def test_page_images_only_for_pages_of_indexed_releases(client, ids):
    release = ids["release"]
    for url in (f"/documents/{release}/pages/0/page.jpg", f"/documents/{release}/pages/21/page.jpg",
                f"/documents/{release}/pages/1/huge.jpg", f"/documents/{release}/pages/-1/page.jpg",
                f"/documents/{ids['illinois']}/pages/1/page.jpg", "/documents/" + "0" * 64 + "/pages/1/page.jpg",
                "/documents/..%2F..%2Fetc%2Fpasswd/pages/1/page.jpg", f"/documents/{release}/pages/x/page.jpg"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Traceback" not in response.get_data(as_text=True)


@needs_pdftoppm
def test_concurrent_renders_of_one_page_make_one_whole_file(corpus, ids, tmp_path):
    root = corpus[0]
    images = PageImages(tmp_path / "cache")
    pdf = root / "releases" / "scomm-emails.pdf"
    results, errors = [], []

    def render():
        try:
            results.append(images.render(pdf, ids["release"], 5, "page").read_bytes())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=render) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 6 and len(set(results)) == 1
    assert image_size(results[0])[0] == SIZES["page"]
    folder = images.path_for(ids["release"], 5, "page").parent
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) == ["5-page.jpg"]


@needs_pdftoppm
def test_a_failed_render_is_one_line_and_leaves_nothing(tmp_path):
    images = PageImages(tmp_path / "cache")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(PageImageError) as caught:
        images.render(broken, "ab" * 32, 1, "page")
    assert "\n" not in str(caught.value) and "pdftoppm" in str(caught.value)
    folder = images.path_for("ab" * 32, 1, "page").parent
    assert [p.name for p in folder.iterdir() if not p.name.endswith(".lock")] == []


# -- the reader ----------------------------------------------------------------------
def test_scanned_pages_show_the_image_first_and_say_why_there_is_no_text(client, ids):
    soup = soup_of(client, f"/documents/{ids['scan']}?q=detainer")
    p2, p3 = soup.select_one("#p2"), soup.select_one("#p3")
    assert "scanned" in p2["class"] and "scanned" in p3["class"]
    if shutil.which("pdftoppm"):
        assert p2.select_one("figure.image img")["src"] == f"/documents/{ids['scan']}/pages/2/page.jpg"
        assert p2.select_one("figure.image a")["href"].endswith("/pages/2/large.jpg")  # zoom
    assert "from the PDF file's metadata" in soup.select_one(".doc-meta").get_text()
    notice = p3.select_one(".notice").get_text(" ", strip=True)
    if shutil.which("tesseract"):
        assert "--no-ocr" in notice and "install tesseract" not in notice
    else:
        assert "install tesseract-ocr" in notice
    assert "OCR text" in p2.select_one(".page-head").get_text()


def test_a_posts_date_from_its_meta_tags_needs_no_note(tmp_path):
    from foiasearch.index.build import index_documents
    from foiasearch.index.location import IndexLocation
    from foiasearch.ingest.document import Document, Page
    from tests.builders import write_html

    path = write_html(tmp_path / "posts" / "p.html", "A post", "Detainers in the county.")
    location = IndexLocation(tmp_path / "ix")
    (doc_id,) = index_documents(location, [(Document(kind="post", title="A post", date="2012-01-01",
                                                      date_source="metadata", pages=[Page(1, "Detainers in the county.")]),
                                             [str(path)])])
    client = create_app(location.root).test_client()
    assert "metadata" not in soup_of(client, f"/documents/{doc_id}").select_one(".doc-meta").get_text()
    assert "metadata" not in soup_of(client, "/?q=detainers").select_one(".hit .meta").get_text()


def test_text_is_reflowed_headers_kept_and_tables_gathered(client, ids):
    soup = soup_of(client, f"/documents/{ids['scan']}")
    p1 = soup.select_one("#p1 .text")
    header = p1.select_one("p.lines")
    assert [line.strip() for line in header.get_text("\n").split("\n") if line.strip()][:2] == [
        "From: Whitaker, Dana", "Sent: Thursday, June 2, 2011 9:14 AM"]
    paragraph = [p for p in p1.select("p") if "sheriff asked" in p.get_text()][0]
    assert "decline detainer requests" in paragraph.get_text()  # the line break is gone
    assert not paragraph.select("br")
    cells = soup.select("#p5 .text p.cells span")
    assert [c.get_text() for c in cells][:4] == ["Name", "County", "Status", "Date"]


def test_search_words_exemption_citations_and_find_are_marked(client, ids):
    soup = soup_of(client, f"/documents/{ids['scan']}?q=exemption%3Ab5+detainer")
    assert [m.get_text() for m in soup.select("#p6 mark.exemption")] == ["(b)(5)"]
    assert soup.select_one("#p6 mark.exemption")["title"] == "Exemption b5"
    soup = soup_of(client, f"/documents/{ids['scan']}?q=detainer&exemption=b6")
    assert [m.get_text() for m in soup.select("#p1 mark.exemption")] == ["(b)(6)"]
    assert "detainer" in [m.get_text().lower() for m in soup.select("#p1 mark:not(.exemption)")]
    found = soup_of(client, f"/documents/{ids['scan']}?q=detainer&find=fingerprints")
    assert [a["href"] for a in found.select("div.found a[href^='#p']")] == ["#p4"]
    assert "fingerprints" in [m.get_text() for m in found.select("#p4 mark")]
    assert "found" in found.select_one("#p4")["class"]
    clear = found.select_one("div.found a:not([href^='#'])")["href"]
    assert "find=" not in clear and "q=detainer" in clear


def test_previous_and_next_match_and_jump_to_a_page(client, ids):
    soup = soup_of(client, f"/documents/{ids['release']}?q=%22opt+out%22")
    assert soup.select_one("#p3 a[rel=next]")["href"] == "#p17"
    assert not soup.select("#p3 a[rel=prev]")
    assert soup.select_one("#p10 a[rel=prev]")["href"] == "#p3"
    assert soup.select_one("#p17 a[rel=prev]")["href"] == "#p3"
    response = client.get(f"/documents/{ids['release']}?q=%22opt+out%22&tag=ICE&goto=12")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.endswith("#p12") and parse_qs(urlsplit(location).query) == {"q": ['"opt out"'], "tag": ["ICE"]}
    assert client.get(f"/documents/{ids['release']}?goto=999").headers["Location"].endswith("#p20")
    assert client.get(f"/documents/{ids['release']}?goto=abc").headers["Location"].endswith("#p1")


def test_back_to_the_search_keeps_query_filters_sort_and_page(client, ids):
    soup = soup_of(client, "/?q=opt&kind=release&sort=newest&page=1&limit=1")
    link = soup.select_one(".hit h2 a")["href"]
    assert parse_qs(urlsplit(link).query) == {"q": ["opt"], "kind": ["release"], "sort": ["newest"], "limit": ["1"]}
    back = soup_of(client, f"/documents/{ids['release']}?q=opt&kind=release&sort=newest&page=2&view=text")
    href = back.select_one(".back a")["href"]
    assert parse_qs(urlsplit(href).query) == {"q": ["opt"], "kind": ["release"], "sort": ["newest"], "page": ["2"]}
    assert not back.select("figure.image")  # view=text


def test_withholdings_strip_shows_where_exemptions_cluster(client, ids):
    soup = soup_of(client, f"/documents/{ids['scan']}?q=detainer")
    cells = soup.select(".strip .cell")
    assert len(cells) == 6
    assert [c["href"] for c in cells][:2] == ["#p1", "#p2"]
    assert "w2" in cells[5]["class"] and "w1" in cells[0]["class"] and "w0" in cells[3]["class"]
    assert "withholdings on 3 of 6" in soup.select_one(".withholdings h2").get_text()
    assert "b6 on 3 pages" in soup.select_one(".strip-codes").get_text(" ", strip=True)


# -- hits ------------------------------------------------------------------------------
def test_release_hit_shows_citation_page_exemptions_emails_and_both_orders(client, ids):
    soup = soup_of(client, "/?q=detainer&kind=release")
    hit = next(h for h in soup.select(".hit") if "scanned" in h.h2.get_text())
    cite = hit.select_one(".cite").get_text(" ", strip=True)
    assert cite.startswith("Cite:") and "DEF-000101 (p. 1)" in cite
    best = [a.get_text() for a in hit.select(".pages:not(.in-order) a")]
    in_order = [int(a.get_text()) for a in hit.select(".pages.in-order a")]
    assert sorted(int(b.split()[-1]) for b in best) == in_order and in_order == sorted(in_order)
    assert "b6" in hit.select_one(".pages .exemptions").get_text()
    assert "(PDF file metadata)" in hit.select_one(".meta").get_text(" ", strip=True)  # not the text's own date
    email = hit.select_one(".emails li").get_text(" ", strip=True)
    assert "From Dana Whitaker" in email and "Lan Nguyen" in email and "Detainer policy" in email
    if shutil.which("pdftoppm"):
        thumbs = hit.select(".thumbs img")
        assert thumbs and all(t["loading"] == "lazy" for t in thumbs)
        assert thumbs[0]["src"].endswith(f"/pages/{best[0].split()[-1]}/thumb.jpg")


def test_facets_are_explained_and_kinds_are_named(client):
    soup = soup_of(client, "/")
    helps = {s["id"]: s.select_one(".facet-help").get_text() for s in soup.select("section.facet")}
    assert "posts" in helps["facet-tag"] and "metadata" in helps["facet-year"]
    assert "pages" in helps["facet-exemption"]
    kinds = [a.select_one(".name").get_text(strip=True) for a in soup.select("#facet-kind a.facet-value")]
    assert "Page" not in kinds and "FOIA release" in kinds


def test_exemption_facet_counts_pages_and_leads_to_them(client):
    soup = soup_of(client, "/?q=detainer")
    b6 = soup.select_one('#facet-exemption a[data-value="b6"]')
    assert b6.select_one(".pages-count").get_text() == "3 p."  # pages 1, 2 and 6 of the scanned release
    filtered = soup_of(client, b6["href"])
    hit = filtered.select_one(".hit")
    assert "b6" in hit.select_one(".pages .exemptions").get_text()
    page_link = hit.select_one(".pages a")["href"]
    assert "exemption=b6" in page_link
    document = soup_of(client, page_link.split("#")[0])
    assert document.select("mark.exemption")
    # without a query, the exemption filter alone lists the pages that cite it
    alone = soup_of(client, "/?exemption=b6&kind=release")
    scan = next(h for h in alone.select(".hit") if "scanned" in h.h2.get_text())
    assert [a.get_text() for a in scan.select(".pages.citing a")] == ["p. 1", "p. 2", "p. 6"]
    assert "exemption=b6" in scan.select_one(".pages.citing a")["href"]


def test_date_histogram_bars_filter_by_year(client):
    soup = soup_of(client, "/")
    bars = soup.select(".histogram .bar")
    years = [b.select_one(".year").get_text() for b in bars]
    assert years == [str(y) for y in range(int(years[0]), int(years[-1]) + 1)]
    assert "2014" in years and "metadata" in soup.select_one(".histogram figcaption").get_text()
    bar = next(b for b in bars if b.select_one(".year").get_text() == "2014")
    assert bar["href"] == "/?year=2014"
    assert "h20" in bar.select_one(".fill")["class"]  # the tallest year
    assert "2014" in soup_of(client, bar["href"]).select_one(".chips").get_text()
    widths = {a["data-value"]: a["class"] for a in soup.select("#facet-tag a.facet-value")}
    assert "b10" in widths["Detainers"]


def test_private_collections_stay_out_of_page_counts_and_page_images(tmp_path):
    from foiasearch.index.build import index_documents
    from foiasearch.index.location import IndexLocation
    from foiasearch.ingest.document import Document, Page
    from foiasearch.web import SiteSettings
    from tests.builders import write_pdf

    items = []
    for folder, cited in (("public", 1), ("board", 2)):
        texts = [f"Detainer page {n}, withheld (b)(6)." if n <= cited else f"Detainer page {n}." for n in (1, 2, 3)]
        pdf = write_pdf(tmp_path / folder / "release.pdf", texts)
        items.append((Document(kind="release", title=f"{folder} release", exemptions=["b6"],
                               pages=[Page(n + 1, t, exemptions=["b6"] if "(b)(6)" in t else [])
                                      for n, t in enumerate(texts)]), [str(pdf)]))
    location = IndexLocation(tmp_path / "ix")
    public_id, board_id = index_documents(location, items)
    settings = SiteSettings(public=True, private_collections=("board",))
    anonymous = create_app(location.root, settings=settings).test_client()
    soup = soup_of(anonymous, "/?q=detainer")
    assert soup.select_one('#facet-exemption a[data-value="b6"] .pages-count').get_text() == "1 p."
    assert create_app(location.root).test_client().get("/?q=detainer").status_code == 200
    every = soup_of(create_app(location.root).test_client(), "/?q=detainer")
    assert every.select_one('#facet-exemption a[data-value="b6"] .pages-count').get_text() == "3 p."
    assert anonymous.get(f"/documents/{board_id}/pages/1/thumb.jpg").status_code == 404
    if shutil.which("pdftoppm"):
        assert anonymous.get(f"/documents/{public_id}/pages/1/thumb.jpg").status_code == 200

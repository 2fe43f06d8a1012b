"""Issue 16 in a real browser (Playwright driving Debian's chromium): the
page image beside its text (checked on the screenshot's pixels), lazy
thumbnails, the reader's navigation, the exemption workflow, the date
histogram, the phone layout and its tap targets, saving and deleting
saved searches, and the reader without JavaScript. Skips when Playwright
or chromium is missing."""

from __future__ import annotations

import io
import shutil
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.reader_corpus import build_reader_corpus
from tests.test_web_browser import base_url, browser  # noqa: F401 (fixtures: the app on loopback, chromium)
from tests.test_web_browser import playwright_api
from tests.test_web_browser import pytestmark  # noqa: F401 (skips without chromium)

PHONE = {"width": 390, "height": 844}
needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is missing")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("readerbrowser")
    return build_reader_corpus(root)


@pytest.fixture(scope="module")
def ids(corpus):
    return corpus[1]


def new_page(browser, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def page(browser):
    context, page = new_page(browser, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context, page = new_page(browser, viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    yield page
    context.close()


def wait_for_image(page, selector: str) -> None:
    page.locator(selector).first.scroll_into_view_if_needed()
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; }", arg=selector)


def crop(png: bytes, box: dict):
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    return image.crop((round(box["x"]), round(box["y"]), round(box["x"] + box["width"]),
                       round(box["y"] + box["height"])))


def mean_difference(a, b) -> float:
    from PIL import ImageChops, ImageStat

    return ImageStat.Stat(ImageChops.difference(a, b.resize(a.size))).mean[0]


# -- the page image beside its text ------------------------------------------------------
@needs_pdftoppm
def test_page_image_appears_beside_its_text_on_the_screen(page, base_url, ids):
    page.goto(f"{base_url}/documents/{ids['scan']}?q=detainer#p1")
    wait_for_image(page, "#p1 figure.image img")
    text = page.locator("#p1 .text").bounding_box()
    image = page.locator("#p1 figure.image img").bounding_box()
    # beside: to the right of the text, the two overlapping vertically, both on screen
    assert image["x"] >= text["x"] + text["width"] - 1
    assert image["y"] < text["y"] + text["height"] and text["y"] < image["y"] + image["height"]
    assert image["width"] > 300
    shot = page.screenshot()
    on_screen = crop(shot, image)
    served = urllib.request.urlopen(f"{base_url}/documents/{ids['scan']}/pages/1/page.jpg").read()
    from PIL import Image

    rendered = Image.open(io.BytesIO(served)).convert("L")
    visible = rendered.crop((0, 0, rendered.width, round(rendered.width * on_screen.height / on_screen.width)))
    assert mean_difference(on_screen, visible) < 12  # the screen shows the rendered page
    assert on_screen.getextrema()[0] < 80  # ink: the page's printed text, not a blank box
    assert mean_difference(crop(shot, text), on_screen) > 5  # and the text column is something else


@needs_pdftoppm
def test_a_scanned_page_shows_its_image_first_and_zooms(page, base_url, ids):
    page.goto(f"{base_url}/documents/{ids['scan']}#p2")
    wait_for_image(page, "#p2 figure.image img")
    image = page.locator("#p2 figure.image img").bounding_box()
    text = page.locator("#p2 .text").bounding_box()
    assert image["x"] + image["width"] <= text["x"] + 1  # the image on the left
    page.locator("#p2 figure.image img").click()  # zooms in place (app.js)
    page.wait_for_function("() => document.querySelector('#p2 figure.image img').naturalWidth === 2000")
    assert "zoomed" in page.locator("#p2").get_attribute("class")
    assert page.locator("#p2 figure.image img").bounding_box()["width"] > 1000
    page.locator("#p2 figure.image img").click()
    assert "zoomed" not in page.locator("#p2").get_attribute("class")


@needs_pdftoppm
def test_without_javascript_the_zoom_opens_the_large_image(browser, base_url, ids):
    context, page = new_page(browser, java_script_enabled=False)
    try:
        page.goto(f"{base_url}/documents/{ids['scan']}#p2")
        page.locator("#p2 figure.image img").click()
        page.wait_for_url("**/pages/2/large.jpg")
        assert page.evaluate("document.images[0].naturalWidth") == 2000
    finally:
        context.close()


@needs_pdftoppm
def test_thumbnails_of_matching_pages_load_lazily(page, base_url, ids):
    page.goto(f"{base_url}/?q=detainer&kind=release")
    thumbs = page.locator(".hit .thumbs img")
    assert thumbs.count() >= 2
    assert all(v == "lazy" for v in thumbs.evaluate_all("els => els.map(e => e.loading)"))
    wait_for_image(page, ".hit .thumbs img")
    assert page.evaluate("document.querySelector('.hit .thumbs img').naturalWidth") == 160


# -- the reader ----------------------------------------------------------------------------
def test_reader_next_match_jump_find_and_back_to_the_search(page, base_url, ids):
    search = f"{base_url}/?q=%22opt+out%22&tag=ICE&sort=oldest"
    page.goto(search)
    page.locator(".hit", has_text="Secure Communities e-mails").locator("h2 a").click()
    page.wait_for_url("**#p3")
    page.locator("#p3 a[rel=next]").click()
    page.wait_for_url("**#p17")
    assert page.locator("section.page:target").get_attribute("id") == "p17"
    page.fill("#goto", "12")
    page.keyboard.press("Enter")
    page.wait_for_url("**#p12")
    box = page.locator("#p12").bounding_box()
    assert 0 <= box["y"] < 900
    page.fill("#find", "fingerprints")
    page.keyboard.press("Enter")
    page.wait_for_url("**find=fingerprints*")
    assert page.locator("div.found a[href^='#p']").count() == 17  # every page but 1, 3 and 17
    assert page.locator("#p2 mark", has_text="fingerprints").count() == 1
    page.get_by_role("link", name="‹ Back to the search").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    assert parse_qs(urlsplit(page.url).query) == parse_qs(urlsplit(search).query)


def test_reader_text_is_reflowed_and_uses_the_width(page, base_url, ids):
    page.goto(f"{base_url}/documents/{ids['scan']}")
    paragraph = page.locator("#p1 .text p", has_text="sheriff asked")
    assert paragraph.evaluate("p => p.innerText").count("\n") == 0
    assert page.locator("main").bounding_box()["width"] > 1100  # not a narrow column


def test_reader_works_without_javascript(browser, base_url, ids):
    context, page = new_page(browser, java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{base_url}/documents/{ids['release']}?q=opt")
        page.fill("#goto", "9")
        page.get_by_role("button", name="Go").click()
        page.wait_for_url("**#p9")
        page.fill("#find", "memo")
        page.get_by_role("button", name="Find").click()
        assert page.locator("div.found a[href='#p17']").count() == 1
        page.get_by_role("link", name="Text", exact=True).click()
        assert page.locator("figure.image").count() == 0 and "view=text" in page.url
    finally:
        context.close()


# -- exemptions, histogram --------------------------------------------------------------------
def test_exemption_facet_leads_to_the_pages_and_marks_the_citation(page, base_url):
    page.goto(f"{base_url}/?q=detainer")
    facet = page.locator('#facet-exemption a[data-value="b6"]')
    assert facet.locator(".pages-count").inner_text() == "3 p."
    facet.click()
    page.wait_for_url("**exemption=b6*")
    page.locator(".hit .pages a").first.click()
    page.wait_for_url("**/documents/**")
    citation = page.locator("mark.exemption").first
    assert citation.inner_text() == "(b)(6)" and citation.is_visible()


def test_histogram_bar_filters_by_year(page, base_url):
    page.goto(f"{base_url}/")
    bar = page.locator(".histogram .bar", has=page.locator(".year", has_text="2014"))
    assert bar.locator(".fill").bounding_box()["height"] > 40
    bar.click()
    page.wait_for_url("**year=2014*")
    assert page.locator(".total").inner_text().startswith("25 documents")
    assert page.get_by_role("link", name="Remove filter Year: 2014").is_visible()


# -- a phone ------------------------------------------------------------------------------------
TAPPABLE = (".to-filters, .chip, .facet-value, .pagination a, .hit .pages a, .hit .thumbs a, form.sort select, "
            "form.search button, form.search input, .facet-more a, .site-nav a")


def small_targets(page, selector: str) -> list[str]:
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null)
               .map(e => [e.getBoundingClientRect(), e]).filter(([r]) => r.height < 44 || r.width < 24)
               .map(([r, e]) => `${e.tagName} ${e.className} ${e.textContent.trim().slice(0, 30)} ${r.width}x${r.height}`)""",
        selector)


def test_phone_filters_from_the_top_and_44px_targets(phone, base_url, ids):
    phone.goto(f"{base_url}/?q=opt+out&tag=ICE")
    link = phone.locator(".to-filters")
    box = link.bounding_box()
    assert link.is_visible() and box["y"] + box["height"] < PHONE["height"] and box["height"] >= 44
    assert small_targets(phone, TAPPABLE) == []
    link.click()
    assert phone.locator("#filters").bounding_box()["y"] < 100
    back = phone.locator(".to-results")
    assert back.is_visible() and back.bounding_box()["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.goto(f"{base_url}/documents/{ids['scan']}?q=detainer")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert small_targets(phone, ".back a, .stops a, .reader-bar button, .reader-bar input, .views a") == []


# -- saved searches ---------------------------------------------------------------------------
def test_saving_stays_on_the_results_and_deleting_asks_first(page, base_url):
    expect = playwright_api.expect
    page.goto(f"{base_url}/?q=opt+out&tag=ICE")
    page.fill("#save-name", "reader-test")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**saved=reader-test*")
    assert urlsplit(page.url).path == "/"
    assert page.locator(".total").inner_text().startswith("3 documents match")
    assert "reader-test" in page.locator(".saved-notice").inner_text()
    page.goto(f"{base_url}/saved")
    page.get_by_role("button", name="Delete reader-test").click()
    # expect() waits for the page each click loads; a bare count() could read the page before it
    expect(page.get_by_role("heading", name="Delete the saved search “reader-test”?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("button", name="Delete reader-test")).to_be_visible()
    assert page.locator("#saved-reader-test").count() == 1  # nothing deleted
    page.get_by_role("button", name="Delete reader-test").click()
    page.get_by_role("button", name="Delete it").click()
    page.wait_for_url("**done=deleted*")
    assert page.locator("#saved-reader-test").count() == 0


def test_a_long_release_fits_a_phone(phone, tmp_path):
    """The withholdings strip of a 400-page release wraps instead of widening the page."""
    import threading

    from werkzeug.serving import make_server

    from foiasearch.index.build import index_documents
    from foiasearch.index.location import IndexLocation
    from foiasearch.ingest.document import Document, Page
    from foiasearch.web import create_app

    location = IndexLocation(tmp_path / "ix")
    pages = [Page(n, f"Page {n} of a long release.", exemptions=["b6"] if n % 7 == 0 else []) for n in range(1, 401)]
    (doc_id,) = index_documents(location, [(Document(kind="release", title="Long release", pages=pages),
                                            [str(tmp_path / "long.pdf")])])
    server = make_server("127.0.0.1", 0, create_app(location.root), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        phone.goto(f"http://127.0.0.1:{server.server_port}/documents/{doc_id}")
        assert phone.locator(".strip .cell").count() == 400
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        server.shutdown()

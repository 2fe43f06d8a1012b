"""The search site in a real browser: Playwright drives Debian's chromium
against the app served on 127.0.0.1 (a werkzeug thread, and once the real
``foiasearch serve`` under gunicorn). Skips when either is missing."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.web_corpus import build_web_corpus

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("browsercorpus")
    return build_web_corpus(root)


@pytest.fixture(scope="module")
def base_url(corpus):
    from werkzeug.serving import make_server

    from foiasearch.web import create_app

    server = make_server("127.0.0.1", 0, create_app(corpus[0].root), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # a chromium that cannot start here
            pytest.skip(f"chromium did not start: {str(exc).splitlines()[0]}")
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def total(page) -> str:
    return page.locator(".total").inner_text().strip()


def count_of(page, facet: str, value: str) -> int:
    return int(page.locator(f'#facet-{facet} a[data-value="{value}"] .count').inner_text())


def search_click_facet_remove_chip(page, base_url: str) -> None:
    """The main journey, shared by the werkzeug and gunicorn tests."""
    page.goto(base_url + "/")
    page.get_by_label("Search documents").fill("opt out")
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=opt+out*")
    assert total(page).startswith("3 documents match")
    assert count_of(page, "actor", "Pat Quinn") == 2
    page.locator('#facet-actor a[data-value="Pat Quinn"]').click()
    page.wait_for_url("**actor=Pat+Quinn*")
    assert total(page).startswith("2 documents match")
    assert page.locator(".hit").count() == 2
    assert count_of(page, "kind", "release") == 1 and count_of(page, "kind", "post") == 1
    chip = page.get_by_role("link", name="Remove filter Actor: Pat Quinn")
    assert chip.is_visible()
    chip.click()
    page.wait_for_url(lambda url: "actor=" not in url)
    assert total(page).startswith("3 documents match")
    # back and forward restore the filtered view: it lives in the URL
    page.go_back()
    assert "actor=Pat+Quinn" in page.url and total(page).startswith("2 documents match")
    page.go_forward()
    assert total(page).startswith("3 documents match")


def test_search_facet_and_chip_in_the_browser(page, base_url):
    search_click_facet_remove_chip(page, base_url)


def test_page_link_lands_on_the_document_page_anchor(page, base_url, corpus):
    page.goto(base_url + "/?q=%22opt+out%22")
    page.locator(".hit .pages a", has_text="p. 17").click()
    page.wait_for_url("**#p17")
    assert page.url.startswith(f"{base_url}/documents/{corpus[1]['release']}?q=")
    target = page.locator("section.page:target")
    assert target.get_attribute("id") == "p17"
    assert target.is_visible()
    box, viewport = target.bounding_box(), page.viewport_size
    assert 0 <= box["y"] < viewport["height"]  # scrolled to the page
    assert page.locator("#p17 mark").all_inner_texts() == ["opt", "out"]


def test_multi_select_or_within_a_facet(page, base_url):
    page.goto(base_url + "/?tag=ICE")
    assert total(page).startswith("3 documents")
    page.locator('#facet-tag a[data-value="California"]').click()
    page.wait_for_url("**tag=California*")
    assert total(page).startswith("4 documents")
    assert page.locator(".chips a.chip").count() == 3  # two values and "Clear all filters"


def test_works_with_javascript_off(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base_url + "/?tag=Detainers")
        page.select_option("#sort", "oldest")
        page.get_by_role("button", name="Sort").click()  # shown when JS is off
        page.wait_for_url("**sort=oldest*")
        first = page.locator(".hit time").first.inner_text()
        assert first.startswith("2014-01") or first.startswith("2014-02")
        page.locator("#facet-tag .facet-more a").click()
        assert page.locator("#facet-tag a.facet-value").count() > 10
        page.fill("#find-actor", "sheriff 2")
        page.locator("#facet-actor form button").click()
        assert page.locator("#facet-actor a.facet-value").all_inner_texts()[0].startswith("Sheriff 20")
    finally:
        context.close()


def test_keyboard_focus_is_visible_and_page_fits_a_phone(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(base_url + "/?q=opt+out")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent")
        assert focused.strip() == "Skip to results"
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


# -- the real `foiasearch serve` under gunicorn ----------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_foiasearch_serve_under_gunicorn(page, corpus):
    port = _free_port()
    env = dict(os.environ)
    process = subprocess.Popen(
        [sys.executable, "-m", "foiasearch", "serve", "--index", str(corpus[0].root), "--port", str(port),
         "--workers", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a deadline to come up, not a speed test: CI machines can be busy
        while True:
            try:
                with urllib.request.urlopen(base + "/api/search?q=opt", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError("foiasearch serve did not come up")
                time.sleep(0.2)
        search_click_facet_remove_chip(page, base)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the gunicorn arbiter and its workers
        output = process.communicate(timeout=15)[0].decode()
    assert "Booting worker" in output and "GuardedThreadWorker" in output  # web.server

"""Saving a search and downloading its CSV in a real browser (Playwright
driving Debian's chromium, JavaScript off: the forms must work without it).
Skips like tests/test_web_browser.py when either is missing."""

from __future__ import annotations

import csv

from foiasearch.search.whoosh.engine import SearchEngine
from foiasearch.search.api import Query
from tests.test_web_browser import base_url, browser, corpus  # noqa: F401 (fixtures; skips without playwright)
from tests.test_web_browser import pytestmark  # noqa: F401 (skips without chromium)


def test_save_from_search_page_then_download_its_csv(browser, base_url, corpus):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(base_url + "/?q=opt+out&tag=ICE")
        name_box = page.get_by_label("Save this search as")
        name_box.focus()
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") in ("solid", "auto")
        name_box.fill("browser-opt")
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_url("**/?q=opt+out&tag=ICE&saved=browser-opt")  # saving stays on the results
        assert page.locator(".saved-notice").inner_text().startswith("Saved this search as “browser-opt”")
        page.get_by_role("link", name="Your saved searches").click()
        item = page.locator("li#saved-browser-opt")
        assert "3 documents" in item.locator(".counts").inner_text()
        with page.expect_download() as info:
            item.get_by_role("link", name="CSV").click()
        download = info.value
        assert download.suggested_filename == "browser-opt.csv"
        with open(download.path(), newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    finally:
        context.close()
    with SearchEngine(corpus[0]) as engine:
        expected = list(engine.stream(Query("opt out", {"tag": ["ICE"]})).ids())
    assert [r["id"] for r in rows] == expected and len(rows) == 3
    assert {r["title"] for r in rows} >= {"Illinois withdraws from Secure Communities", "Secure Communities e-mails"}
    release = next(r for r in rows if r["kind"] == "release")
    assert release["pages"] == "3; 17"

"""Bad HTML never stops a run: each case is ingested or fails with a one-line reason,
in bounded time (this process's CPU time: a busy machine stretches wall time, not the
work a pathological page costs)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from foiasearch.ingest.registry import ingest_file

FIXTURES = Path(__file__).parent / "fixtures" / "html"
PARAGRAPH = "<p>The sheriff released four hundred pages of e-mail after a two-year appeal.</p>\n"


def run(path: Path, limit_seconds: float):
    start = time.process_time()
    result = ingest_file(path)
    elapsed = time.process_time() - start
    assert elapsed < limit_seconds, f"{path.name} took {elapsed:.1f}s"
    if result.status != "ok":
        assert result.reason and "\n" not in result.reason and "Traceback" not in result.reason
    return result


def test_truncated_markup(tmp_path):
    text = (FIXTURES / "comments.html").read_text(encoding="utf-8")
    path = tmp_path / "cut.html"
    path.write_text(text[: text.index("exemption (b)(6)") + 10], encoding="utf-8")
    result = run(path, 5)
    assert result.status == "ok"
    assert "detainer policy in 2011" in result.documents[0].text


def test_twenty_megabyte_page(tmp_path):
    path = tmp_path / "big.html"
    body = "<div class='x'>" + PARAGRAPH * 80 + "</div>\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("<html><head><title>Big page</title></head><body><article>")
        while handle.tell() < 20 * 2**20:
            handle.write(body)
        handle.write("</article></body></html>")
    result = run(path, 60)
    assert result.status == "ok"
    assert result.documents[0].title == "Big page"
    assert "four hundred pages" in result.documents[0].text


def test_ten_thousand_deep_nesting(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<html><head><title>Deep</title></head><body><p>Intro about the appeal and its outcome "
                    "for the families.</p>" + "<div>" * 10_000 + "deep" + "</div>" * 10_000
                    + "</body></html>", encoding="utf-8")
    result = run(path, 20)
    assert result.status == "ok"
    assert result.documents[0].title == "Deep"


def test_binary_junk_named_html(tmp_path):
    path = tmp_path / "junk.html"
    path.write_bytes(os.urandom(64 * 1024))
    result = run(path, 5)
    assert result.status in ("skipped", "failed")


def test_binary_junk_after_html_head(tmp_path):
    path = tmp_path / "mixed.html"
    path.write_bytes(b"<html><head><title>x</title></head><body>" + os.urandom(64 * 1024))
    result = run(path, 10)
    assert result.status in ("ok", "failed", "skipped")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.html"
    path.write_bytes(b"")
    result = run(path, 1)
    assert result.status == "failed" and result.reason == "empty file"


def test_whitespace_only_file(tmp_path):
    path = tmp_path / "blank.html"
    path.write_bytes(b"   \n\n  ")
    assert run(path, 1).status in ("failed", "skipped")


def test_page_that_is_all_script():
    result = run(FIXTURES / "all_script.html", 5)
    assert result.status == "failed"
    assert result.reason.startswith("no text")

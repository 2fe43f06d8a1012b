"""The demo corpus in examples/corpus is what its README says, and the script remakes it exactly.

Run: .venv/bin/python -m pytest tests/test_demo_corpus.py -q
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTImage, LTTextContainer

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "examples" / "make_demo_corpus.py"
CORPUS = REPO / "examples" / "corpus"
POSTS = CORPUS / "posts"
RELEASES = CORPUS / "releases"
QUINN = POSTS / "2011-05-police-leaders-illinois-leaves-secure-communities.html"
CP1252 = POSTS / "2012-03-jose-county-jail-detainer.html"

# file -> (page count, Bates prefix, first Bates number, 1-based pages with no text layer)
PDFS = {
    "ICE_FOIA_2011_part1.pdf": (8, "ICE2010FOIA2674.", 101, {6}),
    "ICE_FOIA_2011_part2.PDF": (6, "ICE2010FOIA2674.", 109, set()),
    "DEF_production_2011-07.pdf": (6, "DEF-", 101, set()),
}


def _pages(path: Path) -> list[tuple[str, bool]]:
    """(text, has an image) for every page, the way the ingester reads it."""
    result = []
    for layout in extract_pages(path, laparams=LAParams(boxes_flow=None)):
        text = "".join(item.get_text() for item in layout if isinstance(item, LTTextContainer))
        images = any(isinstance(child, LTImage) for item in layout for child in getattr(item, "_objs", [item]))
        result.append((text, images))
    return result


@pytest.fixture(scope="module")
def pdf_pages() -> dict[str, list[tuple[str, bool]]]:
    return {name: _pages(RELEASES / name) for name in PDFS}


def _soup(path: Path) -> BeautifulSoup:
    # Bytes in, so that bs4 has to find the declared charset itself.
    return BeautifulSoup(path.read_bytes(), "lxml")


def test_files_listed_in_readme_exist() -> None:
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in POSTS.iterdir()) + sorted(p.name for p in RELEASES.iterdir())
    assert len(list(POSTS.glob("*.html"))) == 6
    assert sorted(p.name for p in RELEASES.iterdir()) == sorted(PDFS)
    for name in files:
        assert f"`{name}`" in readme, name
    assert sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file()) < 1_500_000


@pytest.mark.parametrize("name", sorted(PDFS))
def test_release_pages_and_bates(name: str, pdf_pages: dict[str, list[tuple[str, bool]]]) -> None:
    count, prefix, first, image_only = PDFS[name]
    pages = pdf_pages[name]
    assert len(pages) == count
    for number, (text, has_image) in enumerate(pages, start=1):
        if number in image_only:
            assert text.strip() == "" and has_image, f"page {number} should be a picture only"
        else:
            bates = f"{prefix}{first + number - 1:06d}"
            assert bates in text, f"{name} p.{number} lacks {bates}"


def test_release_contents(pdf_pages: dict[str, list[tuple[str, bool]]]) -> None:
    part1 = [text for text, _ in pdf_pages["ICE_FOIA_2011_part1.pdf"]]
    cover = part1[0]
    assert "Freedom of Information Act Office" in cover
    for exemption in ("(b)(5)", "(b)(6)", "(b)(7)(C)", "5 U.S.C. § 552(b)(7)(E)"):
        assert exemption in cover
    email = part1[1]
    for header in ("From: Whitaker, Jonathan", "Sent: Tuesday, March 15, 2011 4:02 PM", "Cc: Nguyen, Laura R;",
                   "Subject: RE: Secure Communities opt-out", "(b)(6), (b)(7)(C)", "b5"):
        assert header in email
    assert "(b) (7)(E)" in part1[2]
    assert "Wed, Mar 16, 2011 at 9:12 AM" in part1[3] and "mail.google.com" in part1[3]
    everything = " ".join(text for pages in pdf_pages.values() for text, _ in pages)
    for term in ("DHS", "ICE", "ERO", "Secure Communities", "287(g)", "detainer", "Sheriff's Office", "NDLON"):
        assert term in everything, term


def test_scanned_page_is_legible_picture() -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        from demo_release_texts import PART1
        from demo_releases import layout, scan_image
    finally:
        sys.path.remove(str(SCRIPT.parent))
    image = scan_image(layout(PART1.pages[5], PART1.bates(5)))
    # Letter size at 170 dpi, with dark ink on a light page.
    assert image.size == (1445, 1870)
    darkest, lightest = image.getextrema()
    assert darkest < 60 and lightest > 240


@pytest.mark.parametrize("path", sorted(POSTS.glob("*.html")), ids=lambda p: p.name)
def test_post_page_structure(path: Path) -> None:
    soup = _soup(path)
    title = soup.title.get_text()
    og_title = soup.find("meta", property="og:title")["content"]
    assert title.startswith(og_title + " | ")
    assert title.endswith(soup.find("meta", property="og:site_name")["content"])
    assert soup.find("link", rel="canonical")["href"] == soup.find("meta", property="og:url")["content"]
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["@type"] == "BlogPosting" and data["headline"] == og_title
    assert data["datePublished"] == soup.find("meta", property="article:published_time")["content"]
    assert "2011" <= data["datePublished"][:4] <= "2013"
    article = soup.find("article", class_="post")
    assert re.search(r"\bpost-\d+\b", " ".join(article["class"]))
    assert article.find("a", rel="author").get_text() == data["author"]["name"]
    assert article.find("time")["datetime"] == data["datePublished"]
    assert article.find(string=re.compile("Share This:"))
    assert soup.select('a[rel~="tag"]') and soup.find("a", rel=["category", "tag"])
    assert 2 <= len(soup.select("#comments ol.commentlist > li")) <= 3
    assert soup.find(id="secondary").find(class_="tagcloud") and soup.find(class_="related-posts")
    assert soup.find("nav") and soup.find("footer", id="colophon")


def test_quinn_post_reports_the_events_and_has_empty_tags() -> None:
    soup = _soup(QUINN)
    body = soup.find(class_="entry-content").get_text(" ")
    for fact in ("Pat Quinn", "withdrawing from Secure Communities", "30%", "last November", "26 localities",
                 "102", "National Day Laborer Organizing Network", "Zoe Lofgren (D-CA)", "inspector general",
                 "TRUST Act", "California Assembly", "Texas, Illinois and California"):
        assert fact in body, fact
    tags = [a.get_text() for a in soup.select('.tag-links a[rel~="tag"]')]
    assert tags[-1] == "Blog" and len(tags) >= 4 and all(not t.strip() for t in tags[:-1])
    assert [m["content"] for m in soup.find_all("meta", property="article:tag")][0] == "Secure Communities"


def _ancestor_file(relative: str) -> Path | None:
    return next((p / relative for p in REPO.parents if (p / relative).is_file()), None)


def test_quinn_post_does_not_copy_the_seed_post() -> None:
    seed = _ancestor_file("shared/seed-post.txt")
    if seed is None:
        pytest.skip("../shared/seed-post.txt is not present")

    def shingles(text: str, n: int = 8) -> set[str]:
        words = re.findall(r"[a-z0-9%]+", text.lower())
        return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}

    body = _soup(QUINN).find(class_="entry-content").get_text(" ")
    assert shingles(body) & shingles(seed.read_text(encoding="utf-8")) == set()


def test_windows_1252_post() -> None:
    raw = CP1252.read_bytes()
    assert b"Jos\xe9" in raw and b"\x93" in raw and b"\x92" in raw  # é, opening quote, apostrophe
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b'http-equiv="Content-Type" content="text/html; charset=windows-1252"' in raw
    assert b"<meta charset" not in raw
    soup = _soup(CP1252)
    assert "José’s" in soup.title.get_text()
    assert json.loads(soup.find("script", type="application/ld+json").string)["author"]["name"] == "Lucía Fernández"


def test_script_reproduces_the_committed_bytes(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], check=True, capture_output=True)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.is_file() and p.name != "README.md")
    assert made == committed
    for relative in made:
        assert (tmp_path / relative).read_bytes() == (CORPUS / relative).read_bytes(), relative

"""A small corpus for the web tests: real HTML and PDF files written here,
indexed with the metadata (tags, actors, exemptions, dates) an ingester
would find, through :func:`index.build.index_documents`.

The documents carry their metadata directly so the facet tests do not
depend on how far the HTML and PDF ingesters have got.
"""

from __future__ import annotations

from pathlib import Path

from foiasearch.index.build import index_documents
from foiasearch.index.location import IndexLocation
from foiasearch.ingest.document import Actor, Document, Page
from tests.builders import write_html, write_pdf

EVIL = "<script>alert('owned')</script>"


def _post(root: Path, name: str, title: str, text: str, **meta) -> tuple[Document, list[str]]:
    tags = meta.get("tags", [])
    head = "".join(f'<meta property="article:tag" content="{t}">' for t in tags if "<" not in t)
    path = write_html(root / "posts" / name, title, text, extra_head=head)
    doc = Document(kind="post", title=title, pages=[Page(1, text)], **meta)
    return doc, [str(path)]


def release_pages() -> list[str]:
    """20 pages; 'opt out' on pages 3 and 17 only."""
    pages = [f"Page {n} of the release: routine correspondence about fingerprints." for n in range(1, 21)]
    pages[0] = "From: Smith, John\nSent: Tuesday, March 15, 2011\nSubject: Secure Communities"
    pages[2] = "Counties asked whether they could opt out of Secure Communities."
    pages[16] = "The memo said no county can opt out once activated. (b)(6)"
    return pages


def build_web_corpus(root: Path) -> tuple[IndexLocation, dict[str, str]]:
    """Write the files under ``root`` and index them at ``root/ix``.
    Returns the location and a name -> document id map."""
    items: dict[str, tuple[Document, list[str]]] = {}
    items["illinois"] = _post(
        root, "illinois.html", "Illinois withdraws from Secure Communities",
        "Governor Pat Quinn wrote to DHS that the program failed.\n\nCounties asked whether they could opt out.",
        tags=["ICE", "Secure Communities"], actors=[Actor("Pat Quinn", "person"), Actor("DHS", "agency")],
        date="2011-05-04", site="example.org", url="https://example.org/illinois", authors=["Ana Ruiz"])
    items["trust"] = _post(
        root, "trust-act.html", "The TRUST Act in California",
        "The TRUST Act would limit detainers in California counties.",
        tags=["TRUST Act", "California"], actors=[Actor("Jerry Brown", "person")], date="2013-09-30")
    items["evil"] = _post(
        root, "evil.html", f"{EVIL} Evil post",
        f"This post quotes {EVIL} and says opt out twice: opt out.",
        tags=["<b>bold</b>", "ICE"], url="javascript:alert(1)", date="2012-01-01")
    for n in range(1, 26):
        items[f"detainer{n}"] = _post(
            root, f"detainer-{n:02d}.html", f"Detainer update {n}",
            f"Weekly detainer update number {n} from the county jail.",
            tags=["Detainers", f"Week {n:02d}"], actors=[Actor(f"Sheriff {n:02d}", "person")],
            date=f"2014-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}")
    pages = release_pages()
    pdf = write_pdf(root / "releases" / "scomm-emails.pdf", pages)
    items["release"] = (Document(
        kind="release", title="Secure Communities e-mails",
        pages=[Page(i + 1, t, exemptions=["b6"] if "(b)(6)" in t else []) for i, t in enumerate(pages)],
        actors=[Actor("ICE", "agency"), Actor("Pat Quinn", "person")], exemptions=["b6", "b7c"],
        bates_range=("ICE-0001", "ICE-0020"), date="2011-03-15", tags=["ICE"]), [str(pdf)])
    location = IndexLocation(root / "ix")
    ids = index_documents(location, list(items.values()))
    return location, dict(zip(items, ids))


def add_late_post(root: Path, location: IndexLocation) -> str:
    """Index one more post into an existing index (a running indexer's commit)."""
    doc, paths = _post(root, "late.html", "Late arrival about zebras", "Zebras crossed the border checkpoint.",
                       tags=["Zebras"], date="2015-01-01")
    return index_documents(location, [(doc, paths)])[0]


def html_page(client, url: str, status: int = 200):
    """GET ``url`` with a Flask test client, check the status, and parse the
    page (BeautifulSoup, lxml)."""
    from bs4 import BeautifulSoup

    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return BeautifulSoup(response.get_data(as_text=True), "lxml")

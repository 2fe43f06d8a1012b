"""Indexes built from Document objects through the index library, for what
files cannot give yet (dates, tags, actors, Bates numbers from ingesters
that other branches build) and for large benchmarks without 100,000 files.

Documents go into the store with a file record each, and are written to
Whoosh by the indexer's own commit path (as ``refresh_documents`` does).

>>> import tempfile, pathlib
>>> from foiasearch.index.location import IndexLocation
>>> loc = IndexLocation(pathlib.Path(tempfile.mkdtemp()) / "ix")
>>> write_index(loc, [Document(kind="post", title="Hello", pages=[Page(1, "opt out")])])
1
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from foiasearch.ingest.document import Actor, Document, Page
from foiasearch.index.build import index_documents
from foiasearch.index.location import IndexLocation

WORDS = ("detainer sheriff county program fingerprints memo release records agency policy "
         "community immigration notice review request letter custody jail").split()


def write_index(location: IndexLocation, documents: Iterable[Document], commit_every: int = 5000) -> int:
    """Add ``documents`` to the index at ``location`` through
    :func:`index.build.index_documents`, ``commit_every`` at a time;
    returns how many."""
    count = 0
    batch: list[tuple[Document, list[str]]] = []
    for doc in documents:
        doc.id = doc.id or hashlib.sha256(f"{doc.title}\0{count}".encode()).hexdigest()
        path = f"/synthetic/{doc.collection or 'docs'}/{doc.id[:12]}.{'pdf' if doc.kind == 'release' else 'html'}"
        batch.append((doc, [path]))
        count += 1
        if len(batch) >= commit_every:
            index_documents(location, batch)
            batch = []
    if batch or not count:
        index_documents(location, batch)
    return count


def synthetic_documents(n: int, release_every: int = 3) -> Iterator[Document]:
    """``n`` small documents: every ``release_every``-th a two-page release
    with Bates numbers and an exemption, the others dated posts with tags
    and actors. All contain the word "records"."""
    for i in range(n):
        words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(12))
        if i % release_every == 0:
            bates = [f"SYN-{i * 2 + 1:07d}", f"SYN-{i * 2 + 2:07d}"]
            yield Document(kind="release", title=f"Release {i}", exemptions=["b6"],
                           bates_range=(bates[0], bates[1]), pages=[
                               Page(1, f"records {words}", bates=bates[0]),
                               Page(2, f"(b)(6) records page two {i}", exemptions=["b6"], bates=bates[1]),
                           ])
        else:
            yield Document(kind="post", title=f"Post {i} about {WORDS[i % len(WORDS)]}",
                           date=f"{2008 + i % 12}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                           tags=["ICE", f"topic{i % 5}"], actors=[Actor("Pat Quinn", "person")],
                           url=f"https://example.org/posts/{i}", pages=[Page(1, f"records {words}")])

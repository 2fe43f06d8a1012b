"""The one list of facets: what a document can be filtered and counted by.

Each :class:`Facet` names a filter (``--tag`` on every CLI command, ``tag=``
in URLs, ``Query.filters["tag"]``), an index field (index.schema), the
values a document has (index.records, through :meth:`Facet.values_of`), a
count in the results (search.facets) and a box in the web sidebar (its label,
its place, whether it shows when empty). Adding a facet here adds it
everywhere; nothing else lists facet names.

>>> [f.name for f in FACETS][:3]
['tag', 'actor', 'kind']
>>> FACET_BY_NAME["exemption"].label
'FOIA exemption'
>>> from foiasearch.ingest.document import Actor, Document
>>> doc = Document(kind="post", tags=["ICE", "ICE", " "], actors=[Actor("ICE", "agency")])
>>> FACET_BY_NAME["tag"].values_of(doc, "posts", None), FACET_BY_NAME["actor"].values_of(doc, "posts", None)
(['ICE'], [['ICE', 'agency']])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath

from foiasearch.ingest.document import Document
from foiasearch.ingest.textnorm import primary_language

# A document's display values for one facet, given its collection (the
# folder it came from) and its parsed date.
ValuesOf = Callable[[Document, str, "dt.datetime | None"], list]


def clean(values: Iterable[str | None]) -> list[str]:
    """Display values without empties, duplicates or commas (the index keeps
    a facet's values comma-separated)."""
    return list(dict.fromkeys(v.replace(",", " ").strip() for v in values if v and v.strip()))


@dataclass(frozen=True)
class Facet:
    """One facet. ``always_shown``: the sidebar shows its box even when no
    document has a value (the others appear only when they have values)."""

    name: str
    label: str
    values_of: ValuesOf
    always_shown: bool = True
    help: str = ""

    @property
    def option_help(self) -> str:
        """The help of the CLI's ``--NAME`` option."""
        return f"Only documents with this {self.help or self.name} (repeatable)."


FACETS: tuple[Facet, ...] = (
    Facet("tag", "Tag", lambda d, c, t: clean(d.tags)),
    Facet("actor", "Actor",
          lambda d, c, t: [[a.name.replace(",", " ").strip(), a.type] for a in d.actors if a.name.strip()],
          help="actor (person, agency, organization, place or program)"),
    Facet("kind", "Kind", lambda d, c, t: clean([d.kind]), help="kind (release, post, page, feed-item)"),
    Facet("collection", "Collection", lambda d, c, t: clean([c]), help="collection (the folder it came from)"),
    Facet("year", "Year", lambda d, c, t: [str(t.year)] if t else []),
    # Only a release's pages withhold anything: a post that discusses an
    # exemption is searchable by it (index.whoosh.records) but not counted.
    Facet("exemption", "FOIA exemption", lambda d, c, t: clean(d.exemptions) if d.kind == "release" else [],
          help="FOIA exemption (b5, b6, ...)"),
    Facet("category", "Category", lambda d, c, t: clean(d.categories), always_shown=False),
    Facet("site", "Site", lambda d, c, t: clean([d.site]), always_shown=False),
    # Releases with a page whose OCR read poorly (ingest.document.LOW_OCR_CONFIDENCE).
    Facet("ocr", "OCR confidence", lambda d, c, t: ["low"] if any(p.ocr_low for p in d.pages) else [],
          always_shown=False, help='OCR confidence ("low": a page OCR read poorly)'),
    # One value per language: "en-US", "en_GB" -> "en" (the full code stays on the document).
    Facet("language", "Language", lambda d, c, t: clean([primary_language(d.language)]), always_shown=False),
)
FACET_NAMES: tuple[str, ...] = tuple(f.name for f in FACETS)
FACET_BY_NAME: dict[str, Facet] = {f.name: f for f in FACETS}
LABELS: dict[str, str] = {f.name: f.label for f in FACETS}


def facet_display(doc: Document, collection: str, date: dt.datetime | None) -> dict[str, list]:
    """Every facet's display values of ``doc`` (display case; actors as
    [name, type]), as a backend's records store them."""
    return {f.name: f.values_of(doc, collection, date) for f in FACETS}


def facet_keys(values: list) -> list[str]:
    """Display values as filters match them: the name of an actor's
    [name, type]; lower-casing is the index's (Query filters ignore case).

    >>> facet_keys([["ICE", "agency"], ["Pat Quinn", "person"]]), facet_keys(["FOIA"])
    (['ICE', 'Pat Quinn'], ['FOIA'])
    """
    return [v[0] if isinstance(v, list) else v for v in values]


def collection_of(path: str) -> str:
    """The folder a file sits in: the collection it belongs to.

    >>> collection_of("/foia/releases/memo.pdf")
    'releases'
    """
    parent = PurePath(path).parent.name
    return parent or "."

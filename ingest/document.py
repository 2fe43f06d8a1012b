"""The contract between ingest and index: what one source file turns into.

An ingester reads one file and returns an :class:`IngestResult` holding zero or
more :class:`Document` objects (a WordPress export yields many, a PDF one) or
a failure reason. Nothing here knows about indexes.

>>> doc = Document(kind="post", title="Illinois leaves S-Comm",
...                pages=[Page(number=1, text="Governor Pat Quinn wrote to DHS.")])
>>> doc.text
'Governor Pat Quinn wrote to DHS.'
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

_SCALARS = (str, int, float, bool, type(None))
_FIELDS: dict[type, tuple[str, ...]] = {}


def plain(value: Any) -> Any:
    """``dataclasses.asdict(value)``, the same result at a third of the cost
    (asdict deep-copies every leaf; a Document's are immutable scalars).
    Indexing converts every document once or twice, so this mattered: 2.3 ms
    for a 10-page release, 4.6 s of a 2,000-file PostgreSQL index run.

    >>> plain(Actor("ICE", "agency")), plain([("a", 1)])
    ({'name': 'ICE', 'type': 'agency'}, [('a', 1)])
    """
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list:
        return [plain(v) for v in value]
    if kind is tuple:
        return tuple(plain(v) for v in value)
    if kind is dict:
        return {plain(k): plain(v) for k, v in value.items()}
    names = _FIELDS.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            if isinstance(value, (list, tuple, dict)):  # subclasses and namedtuples: asdict's own rules
                return dataclasses.asdict(_Box(value))["value"]
            return copy.deepcopy(value)
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    return {name: plain(getattr(value, name)) for name in names}


@dataclass
class Actor:
    """A named entity: canonical name plus one of person, agency,
    organization, place, program."""

    name: str
    type: str


@dataclass
class Email:
    """One printed e-mail header block found on a PDF page."""

    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    date: str | None = None
    subject: str = ""
    page: int | None = None


# Below this mean word confidence (0-100) tesseract's reading of a page is
# not to be trusted as is: the page is read again, flagged and filterable.
LOW_OCR_CONFIDENCE = 60


@dataclass
class Page:
    """One page of text. HTML documents have a single page numbered 1.

    ``needs_ocr`` marks a page with no usable text layer that was not OCRed
    (tesseract missing or ``--no-ocr``); ``ocr`` marks text that came from OCR
    and ``ocr_confidence`` is tesseract's mean word confidence (0-100) for it.
    """

    number: int
    text: str
    needs_ocr: bool = False
    ocr: bool = False
    ocr_confidence: float | None = None
    exemptions: list[str] = field(default_factory=list)
    bates: str | None = None

    @property
    def ocr_low(self) -> bool:
        """True for OCR text whose confidence is low ("OCR confidence low")."""
        return self.ocr and self.ocr_confidence is not None and self.ocr_confidence < LOW_OCR_CONFIDENCE


@dataclass
class Document:
    """One searchable document.

    ``id``, ``paths``, ``collection``, ``content_hash`` and ``ingested_at`` are
    filled in by the indexer (it knows where the file came from); ingesters
    fill in the rest. For a file that yields several documents (a feed or a
    WordPress export) the indexer derives each id from the file hash plus
    ``part``.
    """

    kind: str  # "post" | "release" | "page" (a WXR page) | "feed-item" ...
    title: str = ""
    pages: list[Page] = field(default_factory=list)
    part: str = ""  # distinguishes documents that come from one file
    id: str = ""
    paths: list[str] = field(default_factory=list)
    url: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None  # ISO 8601, published
    date_source: str | None = None  # where ``date`` was read: "content", "metadata" or "file"
    modified: str | None = None
    site: str | None = None
    language: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    exemptions: list[str] = field(default_factory=list)
    bates_range: tuple[str, str] | None = None
    emails: list[Email] = field(default_factory=list)
    comments: str = ""  # comment threads, kept apart from the main text
    collection: str = ""
    content_hash: str = ""
    ingested_at: str = ""
    warnings: list[str] = field(default_factory=list)
    extractor: int = 0  # version of the extraction that made it (ingest.pipeline.EXTRACTOR_VERSION)

    @property
    def text(self) -> str:
        """All page texts joined by blank lines."""
        return "\n\n".join(page.text for page in self.pages)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (pages included): ``dataclasses.asdict(self)``."""
        return plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        """Inverse of :meth:`to_dict`; unknown keys are ignored so that stores
        written by an older version still load."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["pages"] = [Page(**p) for p in values.get("pages", [])]
        values["actors"] = [Actor(**a) for a in values.get("actors", [])]
        values["emails"] = [Email(**e) for e in values.get("emails", [])]
        if values.get("bates_range"):
            values["bates_range"] = tuple(values["bates_range"])
        return cls(**values)


@dataclass
class _Box:
    value: Any


class IngestError(Exception):
    """A file that cannot be ingested. The message is the one-line reason
    shown to the user, e.g. ``"encrypted: password required"``."""


@dataclass
class IngestResult:
    """What one file became: documents, or a skip/failure with a reason.

    ``status`` is one of ``"ok"``, ``"skipped"`` (a type we do not index) or
    ``"failed"``; ``counts`` lets multi-document formats report what they left
    out (e.g. ``{"drafts": 3, "attachments": 37}``).
    """

    status: str
    documents: list[Document] = field(default_factory=list)
    reason: str = ""
    counts: dict[str, int] = field(default_factory=dict)

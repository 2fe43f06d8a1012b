"""Turn a stored Document into Whoosh records (one doc record, one per page).

>>> from foiasearch.ingest.document import Document, Page
>>> doc = Document(kind="release", id="abc", title="Emails",
...                pages=[Page(1, "From: A"), Page(2, "(b)(6)", exemptions=["b6"])])
>>> [r["id"] for r in records_for(doc, ["a.pdf"])]
['abc', 'abc/p1', 'abc/p2']
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any


from foiasearch.index.facet_registry import collection_of, facet_display, facet_keys
from foiasearch.ingest.document import Document


def keywords(values: Iterable[str]) -> str:
    """Join facet values for a comma-separated KEYWORD field."""
    cleaned = (v.replace(",", " ").strip() for v in values if v)
    return ",".join(dict.fromkeys(v for v in cleaned if v))


def parse_date(value: str | None) -> dt.datetime | None:
    """ISO date string -> naive UTC datetime for Whoosh (None if unparseable)."""
    if not value:
        return None
    try:
        # The C parser first: dateutil's isoparse cost 2 ms a document in
        # the writer (its time zone objects), about a tenth of its time.
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        from dateutil import parser as dateparser  # here: searching never needs it

        try:
            parsed = dateparser.isoparse(value)
        except (ValueError, OverflowError):
            try:
                parsed = dateparser.parse(value)
            except (ValueError, OverflowError):
                return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


def page_id(doc_id: str, number: int) -> str:
    return f"{doc_id}/p{number}"


def records_for(doc: Document, paths: list[str]) -> list[dict[str, Any]]:
    """The doc record first, then one record per page for multi-page kinds."""
    date = parse_date(doc.date)
    collection = doc.collection or (collection_of(paths[0]) if paths else "")
    emails = doc.emails
    record: dict[str, Any] = {
        "id": doc.id,
        "rtype": "doc",
        "parent": doc.id,
        "title": doc.title,
        "content": doc.text,
        "author": " ; ".join(doc.authors),
        "path": " ".join(paths),
        "bates": keywords(p.bates for p in doc.pages if p.bates),
        "sender": " ; ".join(e.sender for e in emails),
        "recipient": " ; ".join(r for e in emails for r in e.recipients),
        "subject": " ; ".join(e.subject for e in emails),
    }
    if doc.url:
        record["url"] = doc.url
    if date:
        record["date"] = date
    # One KEYWORD field per facet (index.facet_registry), and the display forms.
    display = facet_display(doc, collection, date)
    record.update({name: keywords(facet_keys(values)) for name, values in display.items()})
    # A post that discusses "(b)(6)" is not counted as withholding (the
    # facet), but exemption:b6 still finds it.
    record["exemption"] = keywords(doc.exemptions)
    record["facets"] = json.dumps(display)
    records = [{k: v for k, v in record.items() if v != ""}]
    if doc.kind != "release":
        return records
    for page in doc.pages:
        page_emails = [e for e in emails if e.page == page.number]
        page_record = {
            "id": page_id(doc.id, page.number),
            "rtype": "page",
            "parent": doc.id,
            "page": page.number,
            "content": page.text,
            "exemption": keywords(page.exemptions),
            "bates": keywords([page.bates or ""]),
            "sender": " ; ".join(e.sender for e in page_emails),
            "recipient": " ; ".join(r for e in page_emails for r in e.recipients),
            "subject": " ; ".join(e.subject for e in page_emails),
        }
        records.append({k: v for k, v in page_record.items() if v != ""})
    return records

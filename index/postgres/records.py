"""A Document as the rows of the PostgreSQL schema (index.postgres.schema).

Text goes in as parameters, never into the SQL: PostgreSQL's text type
cannot hold NUL, and its UTF-8 refuses the lone surrogates Python keeps for
file names that are not UTF-8, so both are cleaned first (surrogates become
the private-use characters the SQLite store uses, index.store).

>>> from foiasearch.ingest.document import Actor, Document, Page
>>> doc = Document(kind="release", id="abc", title="Memo", tags=["ICE"], actors=[Actor("ICE", "agency")], exemptions=["B5"],
...                pages=[Page(1, "opt\\x00 out", exemptions=["B5"], bates="DEF-1")], paths=["r/memo.pdf"])
>>> row, pages, facets = rows_for(doc)
>>> row["fkeys"], pages[0]["text"], pages[0]["exemptions"], facets[-1]
(['tag:ice', 'actor:ice', 'kind:release', 'collection:r', 'exemption:b5'], 'opt out', ['b5'], ('abc', 'exemption', 'b5', 'B5', None))
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from foiasearch.index.facet_registry import collection_of, facet_display
from foiasearch.index.store import _key
from foiasearch.index.whoosh.records import parse_date
from foiasearch.ingest.document import Document

# tsvector positions stop at 16,383 and a tsvector at 1 MB: longer bodies are
# searched on their first MAX_INDEXED characters (their pages stay whole).
MAX_INDEXED = 1_000_000


def clean(text: str | None) -> str:
    """Text PostgreSQL accepts: no NUL, no lone surrogates."""
    if not text:
        return ""
    text = text.replace("\x00", "")
    return text if text.isascii() else _key(text)


def _aware(parsed: dt.datetime | None) -> dt.datetime | None:
    return parsed.replace(tzinfo=dt.timezone.utc) if parsed else None  # parse_date gives naive UTC


def rows_for(doc: Document) -> tuple[dict[str, Any], list[dict[str, Any]], list[tuple]]:
    """(document row, page rows, facet value rows) for ``doc``."""
    date = parse_date(doc.date)
    collection = doc.collection or (collection_of(doc.paths[0]) if doc.paths else "")
    display = facet_display(doc, collection, date)
    facets: dict[tuple[str, str], tuple] = {}
    for name, values in display.items():
        for value in values:
            shown, type_ = (value[0], value[1]) if isinstance(value, list) else (value, None)
            key = clean(shown).lower()
            facets.setdefault((name, key), (doc.id, name, key, clean(shown), type_))
    data = doc.to_dict()
    for page in data["pages"]:
        page["text"] = ""
    emails = doc.emails
    is_release = doc.kind == "release"
    row = {
        "id": doc.id, "kind": doc.kind, "title": clean(doc.title), "date": _aware(date),
        "sort_date": _aware(date) or _aware(parse_date(doc.ingested_at)) or dt.datetime.now(dt.timezone.utc),
        "page_count": len(doc.pages), "data": clean(json.dumps(data, ensure_ascii=False)),
        "body": clean(doc.text), "author": clean(" ; ".join(doc.authors)), "path": clean(" ".join(doc.paths)),
        "sender": clean(" ; ".join(e.sender for e in emails)),
        "recipient": clean(" ; ".join(r for e in emails for r in e.recipients)),
        "subject": clean(" ; ".join(e.subject for e in emails)), "url": clean(doc.url) or None,
        "fkeys": [f"{name}:{key}" for name, key in facets],
        "bates": [clean(p.bates).upper() for p in doc.pages if p.bates],
        "epages": [f"page:{e}" for p in doc.pages for e in sorted({clean(x).lower() for x in p.exemptions})],
        "names": clean(" ".join(doc.tags + [a.name for a in doc.actors])),
    }
    pages = [{"doc_id": doc.id, "number": p.number, "text": clean(p.text),
              "meta": json.dumps({k: v for k, v in data["pages"][i].items() if k != "text"}),
              "exemptions": [clean(e).lower() for e in p.exemptions], "bates": clean(p.bates) or None,
              "release": is_release}
             for i, p in enumerate(doc.pages)]
    return row, pages, list(facets.values())

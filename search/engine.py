"""Run a :class:`Query` against an index: ranked hits, matching PDF pages,
snippets and facet counts. The CLI and the web app both call this.

>>> engine = SearchEngine.open("/nonexistent")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
index.location.IndexNotFound: no index at /nonexistent ...
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

from ingest.document import Document
from index.location import IndexLocation
from index.records import page_id
from index.store import DocumentStore
from search.facets import FACETS, FacetValue, ValueMap
from search.query import Query, QueryError, filter_query, parse_text
from search.snippets import make_snippet

TEXT_FIELDS = ("title", "content")


@dataclass
class Hit:
    """One matching document, as CLI and web show it."""

    id: str
    title: str
    kind: str
    paths: list[str]
    url: str | None
    date: str | None
    pages: list[int]
    snippet: str  # marked text (see search.snippets); pages: from the best page
    score: float
    document: Document | None = None
    snippet_page: int | None = None

    def to_json(self) -> dict[str, Any]:
        from search.snippets import to_html

        doc = self.document
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "paths": self.paths,
            "url": self.url,
            "date": self.date,
            "pages": self.pages,
            "snippet": to_html(self.snippet),
            "score": round(self.score, 4),
        }
        if doc is not None:
            data.update(
                author=", ".join(doc.authors) or None,
                authors=doc.authors,
                site=doc.site,
                tags=doc.tags,
                categories=doc.categories,
                language=doc.language,
                actors=[{"name": a.name, "type": a.type} for a in doc.actors],
                exemptions=doc.exemptions,
                bates_range=list(doc.bates_range) if doc.bates_range else None,
                page_exemptions={str(p.number): p.exemptions for p in doc.pages if p.exemptions},
                page_bates={str(p.number): p.bates for p in doc.pages if p.bates},
            )
        return data


@dataclass
class Results:
    query: Query
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    def to_json(self, with_facets: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "query": self.query.text,
            "total": self.total,
            "hits": [hit.to_json() for hit in self.hits],
        }
        if with_facets:
            data["facets"] = {name: [v.to_json() for v in values] for name, values in self.facets.items()}
        if self.suggestion:
            data["suggestion"] = self.suggestion
        return data


class SearchEngine:
    """A read-only view of an index that sees new commits as they land.

    Thread-safe for concurrent searches (one lock around refresh).
    """

    def __init__(self, location: IndexLocation) -> None:
        self.location = location
        self.ix = location.open_index()
        self.store: DocumentStore = location.open_store(readonly=True)
        self._searcher: Searcher = self.ix.searcher()
        self._value_map: ValueMap | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(cls, index_dir: str | None = None) -> "SearchEngine":
        return cls(IndexLocation.resolve(index_dir))

    def close(self) -> None:
        self._searcher.close()
        self.store.close()

    def __enter__(self) -> "SearchEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- state -------------------------------------------------------------
    def searcher(self) -> tuple[Searcher, ValueMap]:
        """The current searcher and its value map, refreshed if the index changed."""
        with self._lock:
            searcher = self._refreshed()
            if self._value_map is None:
                self._value_map = ValueMap.from_reader(searcher.reader())
            return searcher, self._value_map

    def _refreshed(self) -> Searcher:
        """The current searcher (call with the lock held); a new one drops
        the value map, which is built only when facets need it."""
        fresh = self._searcher.refresh()
        if fresh is not self._searcher:
            self._searcher = fresh
            self._value_map = None
        return fresh

    # -- searching -----------------------------------------------------------
    def search(self, query: Query, facets: bool = False, facet_limit: int | None = None,
               suggest: bool = False) -> Results:
        """Run ``query``; raises QueryError for one that cannot be run."""
        user_query, doc_filter, sort_args = self._prepare(query)
        searcher, value_map = self.searcher()
        try:
            page = searcher.search_page(
                user_query, query.page, pagelen=query.per_page, filter=doc_filter, **sort_args
            )
        except ValueError as exc:  # e.g. a page past the end
            raise QueryError(str(exc)) from exc
        total = page.total
        terms = self._highlight_terms(searcher, user_query)
        stored = [(hit.docnum, hit.fields(), hit.score) for hit in page] if page.pagenum == query.page else []
        pages_by_doc = self._matching_pages(searcher, user_query, [f["id"] for _, f, _ in stored if f])
        hits = [self._hit(f["id"], score or 0.0, pages_by_doc.get(f["id"], []), terms) for _, f, score in stored]
        results = Results(query, total, [h for h in hits if h is not None])
        if facets:
            results.facets = self._facets(searcher, value_map, user_query, query, facet_limit)
        if suggest and total == 0 and query.text.strip():
            results.suggestion = self._suggest(searcher, query.text)
        return results

    @staticmethod
    def _prepare(query: Query) -> tuple[wq.Query, wq.Query, dict[str, Any]]:
        """(parsed text, filter of doc records, sort arguments) for ``query``."""
        query.validate()
        user_query = parse_text(query.text)
        docs_only = wq.Term("rtype", "doc")
        selected = filter_query(query.filters)
        doc_filter = wq.And([docs_only, selected]) if selected else docs_only
        sort_args: dict[str, Any] = {}
        if query.sort != "relevance":
            sort_args = {"sortedby": "date", "reverse": query.sort == "newest"}
        return user_query, doc_filter, sort_args

    def matches(self, query: Query) -> "Matches":
        """Every document matching ``query`` (page and per_page are ignored),
        ranked as :meth:`search` ranks them, from one searcher snapshot.

        Only (docnum, score) pairs are held; hits are built batch by batch
        as :meth:`Matches.hits` is iterated, so exports of any size stream.
        Raises QueryError like :meth:`search`.
        """
        user_query, doc_filter, sort_args = self._prepare(query)
        with self._lock:  # no value map: exports and saved searches count no facets
            searcher = self._refreshed()
        found = searcher.search(user_query, filter=doc_filter, limit=None, **sort_args)
        ranked = [(docnum, score if sort_args == {} else 0.0) for score, docnum in found.top_n]
        return Matches(self, searcher, user_query, ranked)

    def _highlight_terms(self, searcher: Searcher, user_query: wq.Query) -> set[str]:
        # Per leaf: whoosh 2.7's existing_terms() reuses its ``fieldname``
        # parameter as a loop variable and skips every field after the first.
        found = set()
        for leaf in user_query.leaves():
            try:
                found |= leaf.existing_terms(searcher.reader(), phrases=True, expand=True)
            except Exception:  # some query types cannot list their terms
                continue
        return {text.decode("utf-8") if isinstance(text, bytes) else text
                for fieldname, text in found if fieldname in TEXT_FIELDS}

    def _matching_pages(self, searcher: Searcher, user_query: wq.Query, doc_ids: list[str]) -> dict[str, list[int]]:
        """doc id -> page numbers that match, best first (PDF releases only)."""
        if not doc_ids:
            return {}
        parents = wq.Or([wq.Term("parent", i) for i in doc_ids])
        page_filter = wq.And([wq.Term("rtype", "page"), parents])
        found: dict[str, list[int]] = defaultdict(list)
        for hit in searcher.search(user_query, filter=page_filter, limit=None):
            found[hit["parent"]].append(hit["page"])
        # Words spread over several pages match the document but no single
        # page: then name the pages that have any of the words.
        missing = [i for i in doc_ids if i not in found]
        loose = self._any_term_query(user_query)
        if missing and loose is not None:
            page_filter = wq.And([wq.Term("rtype", "page"), wq.Or([wq.Term("parent", i) for i in missing])])
            for hit in searcher.search(loose, filter=page_filter, limit=None):
                found[hit["parent"]].append(hit["page"])
        return found

    @staticmethod
    def _any_term_query(user_query: wq.Query) -> wq.Query | None:
        try:
            terms = [(f, t) for f, t in user_query.iter_all_terms() if f == "content"]
        except Exception:
            return None
        if not terms:
            return None
        return wq.Or([wq.Term(f, t) for f, t in terms])

    def _hit(self, doc_id: str, score: float, pages: list[int], terms: set[str]) -> Hit | None:
        doc = self.store.get_document(doc_id, with_pages=False)
        if doc is None:  # committed to Whoosh, not yet to the store: skip
            return None
        snippet_page = pages[0] if pages else None
        numbers = [snippet_page] if snippet_page else [1]
        text = "\n".join(p.text for p in self.store.iter_pages(doc_id, numbers))
        doc.pages = list(self.store.iter_pages(doc_id)) if doc.kind == "release" and doc.exemptions else []
        return Hit(
            id=doc_id,
            title=doc.title or (doc.paths[0] if doc.paths else doc_id),
            kind=doc.kind,
            paths=doc.paths,
            url=doc.url,
            date=doc.date,
            pages=pages,
            snippet=make_snippet(text, terms),
            score=score,
            document=doc,
            snippet_page=snippet_page,
        )

    def _facets(self, searcher: Searcher, value_map: ValueMap, user_query: wq.Query,
                query: Query, limit: int | None) -> dict[str, list[FacetValue]]:
        """Counts per facet; a facet with a selection is counted without its
        own selection, so its other values stay visible (OR within a facet)."""

        def matching(filters: dict[str, list[str]]) -> list[int]:
            parts = [user_query, wq.Term("rtype", "doc")]
            selected = filter_query(filters)
            if selected is not None:
                parts.append(selected)
            return list(searcher.docs_for_query(wq.And(parts)))

        base = matching(query.filters)
        counts = {}
        for name in FACETS:
            if query.filters.get(name):
                others = {k: v for k, v in query.filters.items() if k != name}
                docnums = matching(others)
            else:
                docnums = base
            counts[name] = value_map.count(name, docnums, limit)
        return counts

    def _suggest(self, searcher: Searcher, text: str) -> str | None:
        try:
            from search.query import _PARSER

            corrected = searcher.correct_query(_PARSER.parse(text), text)
        except Exception:
            return None
        if corrected.query != _PARSER.parse(text):
            return corrected.string
        return None

    # -- documents -------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        return self.store.get_document(doc_id)

    def page_id(self, doc_id: str, number: int) -> str:
        return page_id(doc_id, number)


class Matches:
    """All documents matching one query, in rank order, from one searcher.

    >>> # with SearchEngine.open(dir) as engine:
    >>> #     for hit in engine.matches(Query("opt out")).hits(batch=500): ...
    """

    def __init__(self, engine: SearchEngine, searcher: Searcher, user_query: wq.Query,
                 ranked: list[tuple[int, float]]) -> None:
        self.engine = engine
        self.searcher = searcher
        self.user_query = user_query
        self.ranked = ranked

    @property
    def total(self) -> int:
        return len(self.ranked)

    @property
    def generation(self) -> int:
        """The Whoosh TOC generation this snapshot reads."""
        return self.searcher.reader().generation()

    def doc_id(self, docnum: int) -> str:
        return self.searcher.stored_fields(docnum)["id"]

    def ids(self) -> Iterator[str]:
        """Matching document ids in rank order (cheap: no snippets, no store reads)."""
        for docnum, _ in self.ranked:
            yield self.doc_id(docnum)

    def hits(self, batch: int = 500, only: Container[str] | None = None) -> Iterator[Hit]:
        """Hits in rank order, built ``batch`` documents at a time; with
        ``only``, just the documents whose ids are in it."""
        terms = self.engine._highlight_terms(self.searcher, self.user_query)
        chunk: list[tuple[str, float]] = []
        for docnum, score in self.ranked:
            doc_id = self.doc_id(docnum)
            if only is not None and doc_id not in only:
                continue
            chunk.append((doc_id, score))
            if len(chunk) >= batch:
                yield from self._build(chunk, terms)
                chunk = []
        if chunk:
            yield from self._build(chunk, terms)

    def _build(self, chunk: list[tuple[str, float]], terms: set[str]) -> Iterator[Hit]:
        pages = self.matching_pages([i for i, _ in chunk])
        for doc_id, score in chunk:
            hit = self.engine._hit(doc_id, score, pages.get(doc_id, []), terms)
            if hit is not None:
                yield hit

    def matching_pages(self, doc_ids: list[str]) -> dict[str, list[int]]:
        """doc id -> matching page numbers, best first: what
        ``SearchEngine._matching_pages`` gives, found by walking the query's
        matcher over just these documents' page records (``skip_to``)
        instead of searching every page of the index once per batch."""
        reader = self.searcher.reader()
        pages: dict[int, tuple[str, int]] = {}  # page docnum -> (doc id, page number)
        for doc_id in doc_ids:
            if ("parent", doc_id) not in reader:
                continue
            for docnum in reader.postings("parent", doc_id).all_ids():
                stored = reader.stored_fields(docnum)
                if stored.get("rtype") == "page":
                    pages[docnum] = (doc_id, stored["page"])
        found = self._pages_matching(self.user_query, pages)
        loose = SearchEngine._any_term_query(self.user_query)
        rest = {d: v for d, v in pages.items() if v[0] not in found}
        if rest and loose is not None:  # words spread over pages: pages with any of them
            found.update(self._pages_matching(loose, rest))
        return found

    def _pages_matching(self, query: wq.Query, pages: dict[int, tuple[str, int]]) -> dict[str, list[int]]:
        scored: dict[str, list[tuple[float, int]]] = defaultdict(list)
        matcher = query.matcher(self.searcher)
        for docnum in sorted(pages):
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                doc_id, number = pages[docnum]
                scored[doc_id].append((matcher.score(), number))
        return {doc_id: [n for _, n in sorted(hits, key=lambda h: (-h[0], h[1]))]
                for doc_id, hits in scored.items()}

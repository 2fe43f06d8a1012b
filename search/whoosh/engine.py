"""The Whoosh search backend: :class:`SearchEngine` implements
search.api's SearchBackend, :class:`WhooshResultStream` its ResultStream.

Ranked hits, matching PDF pages, snippets and facet counts for a
:class:`Query`; callers reach it only through search.api (open_backend).

>>> engine = SearchEngine.open("/nonexistent")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
foiasearch.index.location.IndexNotFound: no index at /nonexistent ...
"""

from __future__ import annotations

import datetime as dt
import gc
import heapq
import os
import re
import threading
from collections.abc import Container, Iterable, Iterator
from pathlib import Path

from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.util.times import long_to_datetime

from foiasearch.ingest.document import LOW_OCR_CONFIDENCE, Document
from foiasearch.index.location import IndexLocation
from foiasearch.index.whoosh.storage import open_index
from foiasearch.index.whoosh.records import page_id
from foiasearch.index.whoosh.schema import TEXT_ANALYZER
from foiasearch.index.originals import Original, open_original, original_in_place
from foiasearch.index.store import DocumentStore
from foiasearch.search import budget
from foiasearch.search.api import (UNCUT_FACETS, FileProblem, Fingerprint, FacetValue, Hit, IndexStatus, Query,
                                   QueryError, Results, display_title)
from foiasearch.index.whoosh.wordforms import stem
from foiasearch.search.whoosh.docsets import LRU, Matches, from_bits
from foiasearch.search.whoosh.facets import FACET_NAMES, ValueMap
from foiasearch.search.whoosh import hashtables  # noqa: F401  (term tables opened with one read of their directory)
from foiasearch.search.whoosh.query import TEXT_FIELDS, parse_text
from foiasearch.search.whoosh.ranking import (Selection, find_matches, matching_pages, pages_by_coverage,
                                              score_of)
from foiasearch.search.whoosh.snippets import make_snippet, mark_text
from foiasearch.search.whoosh.searcher_cache import SearcherCache, load_or_build
from foiasearch.search.whoosh.refresh import BackgroundRefresh
from foiasearch.search.whoosh.spelling import Speller, closest_word
from foiasearch.search.whoosh.understand import (bound_costs, check_expansion, check_nesting, replace_words,
                                                 resolve_facet_values, typed_words)



LISTED_CACHE = 2048  # documents kept as a result list shows them (about 5 kB each)


def preload() -> None:
    """What a long-lived process (a server: search.api.load_backend) imports
    before its first search: numpy, for bulk scoring and facet counts. A
    one-shot search does without it (search.whoosh.bulkscore.score_sparse).

    >>> preload(); import sys; "numpy" in sys.modules
    True
    """
    import numpy  # noqa: F401




class SearchEngine:
    """A read-only view of a Whoosh index that sees new commits as they land.

    Thread-safe for concurrent searches (one lock around refresh).
    """

    name = "whoosh"
    # A server sets this: searches then never wait for a new commit's searcher
    # and view to be built; a background thread builds them (search.whoosh.refresh).
    refresh_in_background = False

    def __init__(self, location: IndexLocation) -> None:
        self.location = location
        self.ix = open_index(location)
        self.store: DocumentStore = location.open_store(readonly=True)
        self._searcher: Searcher = self.ix.searcher()
        self._view: SearcherCache | None = None
        self._page_counter = None  # a PageCounter per searcher cache (search.whoosh.pagecounts)
        self._lock = threading.Lock()
        self._refresh = BackgroundRefresh()
        # Keyed on (store version, id): anything the indexer commits to the
        # store (which it does after Whoosh) changes the version, so nothing
        # is shown from before a re-extraction, --refresh-actors or a move.
        # (Not an lru_cache of a bound method: that cycle kept every closed
        # engine, and its view, alive, since gc.freeze() below exempts them.)
        self._listed_docs = LRU(LISTED_CACHE)

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
        searcher, view = self._current()
        return searcher, view.values

    def _current(self) -> tuple[Searcher, SearcherCache]:
        """The current searcher and what is kept for it (search.view): a
        new commit gives a new searcher, and everything is rebuilt."""
        with self._lock:
            if self.refresh_in_background and self._view is not None:
                self._refresh.poll(self)  # a new commit is taken up without making this search wait
                return self._searcher, self._view
            fresh = self._searcher.refresh()
            if fresh is not self._searcher or self._view is None:
                self._searcher = fresh
                # A one-shot search reads the view's sections when it needs them;
                # a server reads them all now, before the view is frozen.
                self._view = load_or_build(fresh.reader(), self.location.root / "cache",
                                           lazy=not self.refresh_in_background)
                # The view is hundreds of thousands of long-lived objects; left
                # to the cyclic collector, every full collection walks them all
                # (measured 200-300 ms pauses in the middle of searches at 20k
                # documents). Frozen, they are skipped; they are still freed by
                # reference counting when the next view replaces this one.
                gc.freeze()
            return self._searcher, self._view

    # -- searching -----------------------------------------------------------
    def search(self, query: Query, facets: bool = False, facet_limit: int | None = None,
               suggest: bool = False) -> Results:
        """Run ``query``; raises QueryError for one that cannot be run.

        One pass over the postings per query text and searcher finds every
        match with its score (search.ranking); it is cached, and filters,
        facet counts, sorts and pages are bitset and array work on top (see
        search.docsets). An empty text lists every document, newest first.
        """
        sel = self._select(query)
        searcher, view, user_query, matches, qbits, bits = sel.searcher, sel.view, sel.user_query, \
            sel.matches, sel.qbits, sel.bits
        total = bits.bit_count()
        start = (query.page - 1) * query.per_page
        docnums = sel.window(start, query.per_page)
        stored = [(d, searcher.stored_fields(d)) for d in docnums]
        ids = [f["id"] for _, f in stored if f.get("id")]
        pages_by_doc = self._pages_for(searcher, view, matches, user_query, ids)
        terms = matches.terms if matches else set()
        version = self.store.version()  # once per page of hits
        hits = [self._hit(view, f["id"], score_of(matches, d), pages_by_doc.get(f["id"], []), terms, version)
                for d, f in stored]
        if matches is not None and matches.best is not None:
            for (docnum, _), hit in zip(stored, hits):
                if hit is not None:
                    hit.missing = matches.best.missing_at(docnum)
        results = Results(query, total, [h for h in hits if h is not None])
        if matches is not None and matches.best is not None:
            # Counted in this selection (filters, hidden collections), not the whole index.
            results.all_words_total = (matches.best.strict_bits & bits).bit_count()
        if facets:
            # Paging and sorting keep the same counts: computed once per selection.
            key = (qbits, tuple(sorted((k, tuple(v)) for k, v in query.filters.items() if v)), facet_limit)
            found = view.facets.get(key)
            if found is None:
                found = self._facets(view.values, qbits, bits, query, facet_limit)
                view.facets.put(key, found)
            results.facets, results.facet_totals = found
        if suggest and query.text.strip() and (total == 0 or results.all_words_total == 0):
            try:  # a suggestion is a nicety: out of time, the results go without one
                budget.check()
                results.suggestion = self._suggest(searcher, view, query.text, query.hidden_collections)
            except budget.QueryTooSlow:
                results.suggestion = None
        return results

    def _select(self, query: Query) -> Selection:
        """Parse, match (cached) and filter ``query`` on the current searcher."""
        query.validate()
        searcher, view = self._current()
        user_query = view.parsed.get(query.text)
        if user_query is None:  # parsing is half of a repeated search: kept per index state
            user_query = self._parse(searcher, query.text)
            view.parsed.put(query.text, user_query)
        matches = self._matches(searcher, view, query.text, user_query, widen=not query.exact)
        qbits = matches.bits if matches else view.values.all_docs
        if query.hidden_collections:  # private collections: as if not in the index
            qbits &= ~(view.values.select({"collection": list(query.hidden_collections)}) or 0)
        selected = view.values.select(query.filters)
        bits = qbits if selected is None else qbits & selected
        if query.sort == "oldest":
            order = view.oldest
        elif query.sort == "newest" or matches is None:
            order = view.newest
        else:
            order = None  # by score: ranked on demand (_window, WhooshResultStream)
        return Selection(searcher, view, user_query, matches, qbits, bits, order)

    def check(self, query: Query) -> Query:
        """Raise QueryError unless ``query`` validates and its text parses."""
        query.validate()
        self._parse(self._current()[0], query.text)
        return query

    @staticmethod
    def _parse(searcher: Searcher, text: str) -> wq.Query:
        """The Whoosh query for a typed text on this index: parsed
        (search.whoosh.query), facet values it does not hold resolved to the
        values they are part of ("actor:Quinn": "Pat Quinn"), expansion
        bounded (search.whoosh.understand); or a QueryError."""
        check_nesting(text)
        parsed = bound_costs(resolve_facet_values(parse_text(text), searcher.reader(), set(FACET_NAMES)))
        check_expansion(parsed, searcher.reader())
        return parsed

    def stream(self, query: Query) -> "WhooshResultStream":
        """Every document matching ``query`` (page and per_page are ignored),
        in the order :meth:`search` gives, from one searcher snapshot.

        Only docnums are held; hits are built batch by batch as
        :meth:`WhooshResultStream.hits` is iterated, so exports of any size stream.
        Raises QueryError like :meth:`search`.
        """
        return WhooshResultStream(self, self._select(query))

    def _matches(self, searcher: Searcher, view: SearcherCache, text: str, user_query: wq.Query,
                 widen: bool = True) -> Matches | None:
        """The query text's matching documents and pages (None for an empty
        text), from the searcher's cache or one pass (search.ranking); with
        ``widen``, a query of words few documents hold in full is widened to
        its best matches (search.whoosh.relax)."""
        text = text.strip()
        if not text:
            return None
        key = (text, widen)  # an exact query and its widened form match different documents
        found = view.cache.get(key)
        if found is not None:
            return found
        found = find_matches(searcher, view, user_query, self._highlight_terms(searcher, user_query),
                             text=text if widen else None, parse=lambda clause: self._parse(searcher, clause))
        view.cache.put(key, found)
        return found

    def _highlight_terms(self, searcher: Searcher, user_query: wq.Query) -> set[str]:
        # Per leaf: whoosh 2.7's existing_terms() reuses its ``fieldname``
        # parameter as a loop variable and skips every field after the first.
        found = set()
        for leaf in user_query.leaves():
            budget.check()  # expanding wildcards walks the term list: within the query's budget
            try:
                found |= leaf.existing_terms(searcher.reader(), phrases=True, expand=True)
            except Exception:  # some query types cannot list their terms
                continue
        return {text.decode("utf-8") if isinstance(text, bytes) else text
                for fieldname, text in found if fieldname in TEXT_FIELDS}

    def _pages_for(self, searcher: Searcher, view: SearcherCache, matches: Matches | None, user_query: wq.Query,
                   doc_ids: list[str]) -> dict[str, list[int]]:
        """doc id -> page numbers that match, best first (PDF releases only)."""
        if matches is None or not doc_ids:
            return {}
        found = matching_pages(searcher, view, matches, user_query, doc_ids)
        missing = [i for i in doc_ids if i not in found]
        if missing:
            found.update(self._loose_pages(searcher, view, user_query, missing))
        return found

    def _loose_pages(self, searcher: Searcher, view: SearcherCache, user_query: wq.Query, doc_ids: list[str]) -> dict[str, list[int]]:
        """Words spread over several pages match the document but no single
        page: then name the pages that have any of the words, those with
        the most of them first (search.ranking.pages_by_coverage)."""
        try:
            terms = {(f, t) for f, t in user_query.iter_all_terms() if f == "content"}
        except Exception:
            return {}
        return pages_by_coverage(searcher.reader(), view, terms, doc_ids)

    def _listed(self, doc_id: str, version: int | None = None) -> Document | None:
        """A document as a hit shows it: metadata, paths, and for a release
        its pages' exemptions, Bates numbers and flags (no texts); shared
        between hits (read-only), kept until the store changes.

        Reading it costs a dozen JSON decodes (most of a repeated search
        at 20,000 documents, docs/RELEVANCE.md); kept, it costs a lookup.
        """
        key = (self.store.version() if version is None else version, doc_id)
        doc = self._listed_docs.get(key)
        if doc is None:
            doc = self.store.get_document(doc_id, with_pages=False)
            if doc is None:  # not in the store yet (it commits after Whoosh): asked again next time
                return None
            if doc.kind == "release":
                doc.pages = self.store.page_meta(doc_id)
            self._listed_docs.put(key, doc)
        return doc

    def _hit(self, view: SearcherCache, doc_id: str, score: float, pages: list[int],
             terms: set[str], version: int | None = None) -> Hit | None:
        doc = self._listed(doc_id, version)
        if doc is None:  # committed to Whoosh, not yet to the store: skip
            return None
        snippet_page = pages[0] if pages else None
        # Highlighting analyses the page's whole text: keep the result for
        # the next search with the same words (ids are content hashes).
        key = (doc_id, snippet_page, frozenset(terms))
        snippet = view.snippets.get(key)
        if snippet is None:
            numbers = [snippet_page] if snippet_page else [1]
            snippet = make_snippet("\n".join(p.text for p in self.store.iter_pages(doc_id, numbers)), terms)
            view.snippets.put(key, snippet)
        return Hit(
            id=doc_id,
            # No title: the file's name (its folder is the server's business).
            title=display_title(doc.title or (os.path.basename(doc.paths[0]) if doc.paths else doc_id)),
            kind=doc.kind,
            paths=doc.paths,
            url=doc.url,
            date=doc.date,
            matching_pages=pages,
            snippet=snippet,
            score=score,
            document=doc,
            snippet_page=snippet_page,
        )

    def _facets(self, value_map: ValueMap, qbits: int, bits: int, query: Query,
                limit: int | None) -> tuple[dict[str, list[FacetValue]], dict[str, int]]:
        """Counts per facet, and the number of values of each facet the
        limit cut (search.api.cut_facets: the selected values stay; years
        are not cut); a facet with a selection is counted without its own
        selection, so its other values stay visible (OR within a facet)."""
        counts, totals = {}, {}
        for name in FACET_NAMES:
            cut = None if name in UNCUT_FACETS else limit
            keep = {v.strip().lower() for v in query.filters.get(name, [])}
            if query.filters.get(name):
                others = value_map.select({k: v for k, v in query.filters.items() if k != name})
                counts[name], total = value_map.counted(name, qbits if others is None else qbits & others, cut, keep)
            else:
                counts[name], total = value_map.counted(name, bits, cut, keep)
            if cut and total > cut:
                totals[name] = total
        return counts, totals

    def _suggest(self, searcher: Searcher, view: SearcherCache, text: str,
                 hidden: tuple[str, ...] = ()) -> str | None:
        """A corrected query text that finds documents holding every word,
        in words as printed; None when there is none (search.whoosh.spelling).

        Only bare words the index does not hold are corrected. The speller
        works on indexed forms ("communiti"); they are turned back into the
        words they came from in the corrected query's best document.
        """
        speller = self._speller(searcher)
        changes: dict[str, str] = {}
        for word in typed_words(text):
            form = stem(word)
            corrected = speller.correct(form, word)
            if corrected:
                changes[word] = corrected
        if not changes:
            return None
        as_forms = replace_words(text, changes)
        try:
            parsed = self._parse(searcher, as_forms)
        except QueryError:
            return None
        strict = find_matches(searcher, view, parsed, set())
        # The suggestion must find a document the asker may see: its words
        # are taken from that document.
        visible = strict.bits
        if hidden:
            visible &= ~(view.values.select({"collection": list(hidden)}) or 0)
        if not visible:
            return None
        best = max(from_bits(visible), key=lambda d: score_of(strict, d))
        doc_id = searcher.stored_fields(best)["id"]
        doc = self.store.get_document(doc_id, with_pages=False)
        pages = list(self.store.iter_pages(doc_id, range(1, 51))) if doc else []
        sample = " ".join([doc.title if doc else ""] + [p.text[:20_000] for p in pages])
        wanted = set(changes.values())
        surface: dict[str, set[str]] = {}
        for token in TEXT_ANALYZER(sample, chars=True, mode="query"):
            if token.text in wanted:
                surface.setdefault(token.text, set()).add(sample[token.startchar:token.endchar].lower())
        return replace_words(text, {w: _same_case(w, closest_word(w, surface.get(f, ())) or f)
                                    for w, f in changes.items()})

    def _speller(self, searcher: Searcher) -> Speller:
        """The speller of this searcher's vocabulary, built on first use."""
        generation = searcher.reader().generation()
        with self._lock:
            cached = getattr(self, "_speller_cache", None)
            if cached is None or cached[0] != generation:
                cached = (generation, Speller.from_reader(searcher.reader(), TEXT_FIELDS))
                self._speller_cache = cached
            return cached[1]

    def page_counts(self, query: Query, facet: str = "exemption") -> dict[str, int]:
        """Pages citing each value of a page-level facet (exemption) among the
        documents ``query`` selects; like the facet counts, a facet's own
        selection is left out, so its other values keep their counts."""
        sel = self._select(query)
        if query.filters.get(facet):
            others = sel.view.values.select({k: v for k, v in query.filters.items() if k != facet})
            bits = sel.qbits if others is None else sel.qbits & others
        else:
            bits = sel.bits
        from foiasearch.search.whoosh.pagecounts import PageCounter  # numpy: not for a one-shot search

        counter = self._page_counter
        if counter is None or counter.view is not sel.view:
            counter = self._page_counter = PageCounter(sel.searcher, sel.view)
        keys = [v.key or v.value.lower() for v in sel.view.values.count(facet, bits)]
        return counter.count(facet, bits, keys)

    # -- documents -------------------------------------------------------------
    def document(self, doc_id: str, with_text: bool = True) -> Document | None:
        if with_text:
            return self.store.get_document(doc_id)
        doc = self.store.get_document(doc_id, with_pages=False)
        if doc is not None:
            doc.pages = self.store.page_meta(doc_id)
        return doc

    def highlight_terms(self, text: str) -> set[str]:
        """The analysed words of a query text that occur in the index, to
        mark in a document's pages; empty for a text that does not parse."""
        if not text.strip():
            return set()
        searcher, _ = self.searcher()
        try:  # bounded like a search's (expansion limits, time budget)
            return self._highlight_terms(searcher, self._parse(searcher, text))
        except QueryError:
            return set()

    def mark_text(self, text: str, terms: set[str]) -> str:
        """All of ``text`` with the words that are ``terms`` marked."""
        return mark_text(text, terms)

    def matching_pages(self, doc_id: str, text: str) -> list[int]:
        """Pages of one document that match a query text, best first."""
        searcher, view = self._current()
        try:
            parsed = self._parse(searcher, text)  # bounded like a search's
        except budget.QueryTooSlow:
            raise
        except QueryError:
            return []
        matches = self._matches(searcher, view, text, parsed)
        return self._pages_for(searcher, view, matches, parsed, [doc_id]).get(doc_id, [])

    def original_path(self, doc_id: str) -> Path | None:
        """The first file recorded in the index for ``doc_id`` that is still
        what was indexed (index.originals); never a path from anywhere else."""
        opened = self.open_original(doc_id)
        if opened is None:
            return None
        opened.handle.close()
        return Path(opened.path)

    def has_original(self, doc_id: str) -> bool:
        return original_in_place(self.store, doc_id)

    def originals_in_place(self, doc_ids: Iterable[str]) -> set[str]:
        return {doc_id for doc_id in doc_ids if self.has_original(doc_id)}  # a local SQLite look-up each

    def open_original(self, doc_id: str) -> Original | None:
        return open_original(self.store, doc_id)

    def page_id(self, doc_id: str, number: int) -> str:
        return page_id(doc_id, number)

    def page_bates(self, doc_id: str, numbers: Iterable[int]) -> dict[int, str]:
        """Bates numbers printed on pages ``numbers`` of ``doc_id``."""
        return {p.number: p.bates for p in self.store.iter_pages(doc_id, list(numbers)) if p.bates}

    # -- the index as a whole ----------------------------------------------------
    def facet_values(self, name: str, type: str | None = None, limit: int | None = None) -> list[FacetValue]:
        """Every value of facet ``name`` over all documents, most frequent
        first (years newest first); ``type`` keeps actors of that type."""
        _, values = self.searcher()
        found = values.count(name, values.all_docs)
        if type:
            found = [v for v in found if v.type == type]
        return found[:limit] if limit else found

    def status(self) -> IndexStatus:
        confidences = self.store.ocr_confidences()
        known = [c for c in confidences if c is not None]
        return IndexStatus(
            ocr_pages=len(confidences),
            ocr_low_confidence_pages=sum(1 for c in known if c < LOW_OCR_CONFIDENCE),
            ocr_mean_confidence=round(sum(known) / len(known), 1) if known else None,
            location=str(self.location.root),
            last_updated=self.store.get_meta("last_updated"),
            kinds=self.store.document_counts(),
            files=self.store.file_counts(),
            failures=[FileProblem(f.display, f.reason) for f in self.store.failures()],
            needs_ocr_pages=len(self.store.pages_needing_ocr()),
        )

    def fingerprint(self) -> Fingerprint:
        searcher, _ = self.searcher()
        return self._fingerprint(searcher.reader().generation())

    def _fingerprint(self, generation: int) -> Fingerprint:
        """The TOC generation (bumped by every Whoosh commit) plus the store's
        last update time and commit counter (index.build), hashed."""
        updated = self.store.get_meta("last_updated")
        commits = self.store.get_meta("store_commits")
        import hashlib  # not at import: OpenSSL's loading is 6 ms of a one-shot search, which needs no fingerprint

        value = hashlib.sha256(f"{generation}\n{updated or ''}\n{commits or ''}".encode()).hexdigest()[:16]
        return Fingerprint(self.name, str(Path(self.location.root).resolve()), str(generation), updated, value)


def _same_case(typed: str, word: str) -> str:
    """``word`` in the case ``typed`` was written in ("Mugabee" -> "Mugabe")."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if typed[:1].isupper() else word


class WhooshResultStream:
    """All documents matching one query, in result order, from one searcher
    (search.api.ResultStream).

    >>> # with SearchEngine.open(dir) as engine:
    >>> #     for hit in engine.stream(Query("opt out")).hits(batch=500): ...
    """

    def __init__(self, engine: SearchEngine, selection: Selection) -> None:
        self.engine = engine
        self.selection = selection
        self.searcher = selection.searcher
        self.total = selection.bits.bit_count()
        # Taken now: the store's last update time moves on with the next commit.
        self._fingerprint = engine._fingerprint(self.searcher.reader().generation())

    @property
    def fingerprint(self) -> Fingerprint:
        """The index state this snapshot reads."""
        return self._fingerprint

    def doc_id(self, docnum: int) -> str:
        return self.searcher.stored_fields(docnum)["id"]

    def docnums(self) -> Iterator[int]:
        """Matching docnums in result order."""
        return self.selection.ordered()

    def ids(self) -> Iterator[str]:
        """Matching document ids in result order (cheap: no snippets, no store reads)."""
        for docnum in self.selection.ordered():
            yield self.doc_id(docnum)

    def hits(self, batch: int = 500, only: Container[str] | None = None) -> Iterator[Hit]:
        """Hits in result order, built ``batch`` documents at a time; with
        ``only``, just the documents whose ids are in it."""
        chunk: list[tuple[int, str]] = []
        for docnum in self.selection.ordered():
            doc_id = self.doc_id(docnum)
            if only is not None and doc_id not in only:
                continue
            chunk.append((docnum, doc_id))
            if len(chunk) >= batch:
                yield from self._build(chunk)
                chunk = []
        if chunk:
            yield from self._build(chunk)

    def _build(self, chunk: list[tuple[int, str]]) -> Iterator[Hit]:
        sel = self.selection
        pages = self.engine._pages_for(sel.searcher, sel.view, sel.matches, sel.user_query, [i for _, i in chunk])
        terms = sel.matches.terms if sel.matches else set()
        version = self.engine.store.version()
        for docnum, doc_id in chunk:
            hit = self.engine._hit(sel.view, doc_id, score_of(sel.matches, docnum), pages.get(doc_id, []), terms,
                                   version)
            if hit is not None:
                if sel.matches is not None and sel.matches.best is not None:
                    hit.missing = sel.matches.best.missing_at(docnum)
                yield hit

    def newest(self, limit: int) -> list[tuple[dt.datetime, Hit]]:
        """The ``limit`` newest matches: (date or ingestion time, hit), newest first."""
        reader = self.searcher.reader()
        # The date column holds this for a document without a date.
        missing = reader.schema["date"].column_type.default_value() if "date" in reader.schema else None
        dates = reader.column_reader("date", translate=False) if reader.has_column("date") else None
        keyed: list[tuple[dt.datetime, str]] = []
        for docnum in self.docnums():
            doc_id = self.doc_id(docnum)
            value = dates[docnum] if dates is not None else None
            if value is not None and value != missing:
                when = long_to_datetime(value).replace(tzinfo=dt.timezone.utc)
            else:  # no published date: fall back to when it was indexed
                doc = self.engine.store.get_document(doc_id, with_pages=False)
                when = _parse_time(doc.ingested_at if doc else None)
            keyed.append((when, doc_id))
        top = heapq.nlargest(limit, keyed)
        when_by_id = {doc_id: when for when, doc_id in top}
        hits = {hit.id: hit for hit in self.hits(only=when_by_id)}
        return [(when, hits[doc_id]) for when, doc_id in top if doc_id in hits]


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _parse_time(text: str | None) -> dt.datetime:
    """An ISO time as an aware datetime (UTC when it has no zone); the epoch when absent or unreadable."""
    try:
        value = dt.datetime.fromisoformat(text) if text else _EPOCH
    except ValueError:
        return _EPOCH
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)

"""Which records a Whoosh query matches, as a bitset, without scoring.

Facet counts and filters need the whole set of matching documents, but
only the shown page of results needs scores. Whoosh's own way to get the
set (``Searcher.docs_for_query``) walks the matcher one posting at a time
in Python; here terms are read a posting *block* at a time straight into a
bitset, and ``And``/``Or``/``Not`` become ``&``/``|``/``~`` on Python ints,
which run in C. Query types without a rule here (phrases, ranges,
wildcards, ...) fall back to Whoosh's ``docs()``, so every query gives the
same set as Whoosh would (tests/test_bitquery.py checks that).

The result can include deleted records: callers intersect it with the
live records they know of (search.view).

>>> import tempfile
>>> from whoosh import fields, index, query as wq
>>> ix = index.create_in(tempfile.mkdtemp(), fields.Schema(t=fields.TEXT))
>>> with ix.writer() as w:
...     for text in ["ice detainer", "ice cream", "detainer request"]:
...         w.add_document(t=text)
>>> q = wq.And([wq.Term("t", "ice"), wq.Not(wq.Term("t", "cream"))])
>>> bin(query_bits(ix.searcher(), q))
'0b1'
"""

from __future__ import annotations

from whoosh import query as wq

from foiasearch.search import budget
from foiasearch.search.whoosh.docsets import to_bits
from foiasearch.search.whoosh.postings import posting_ids


def query_bits(searcher, query: wq.Query) -> int:
    """Global docnums (segment offsets applied) that ``query`` matches."""
    bits = 0
    for leaf, offset in searcher.leaf_searchers():
        local = _bits(leaf, query, (1 << leaf.reader().doc_count_all()) - 1)
        if local:
            bits |= local << offset
    return bits


def _bits(searcher, query: wq.Query, universe: int) -> int:
    """Docnums of one segment that ``query`` matches."""
    budget.check()
    kind = type(query)
    if kind is wq.Term:
        return _term_bits(searcher.reader(), query.fieldname, query.text)
    if kind is wq.And:
        bits = universe
        # Negations last: they only subtract from what the others matched.
        for child in sorted(query.subqueries, key=lambda q: isinstance(q, wq.Not)):
            if isinstance(child, wq.Not):
                bits &= ~_bits(searcher, child.query, universe)
            else:
                bits &= _bits(searcher, child, universe)
            if not bits:
                return 0
        return bits
    if kind is wq.Or and getattr(query, "minmatch", 0) in (0, 1, None):
        bits = 0
        for child in query.subqueries:
            bits |= _bits(searcher, child, universe)
        return bits
    if kind is wq.Not:
        return universe & ~_bits(searcher, query.query, universe)
    if kind is wq.AndNot:
        return _bits(searcher, query.a, universe) & ~_bits(searcher, query.b, universe)
    if kind is wq.AndMaybe:
        return _bits(searcher, query.a, universe)
    if kind is wq.Require:
        return _bits(searcher, query.a, universe) & _bits(searcher, query.b, universe)
    if kind is wq.Every and not query.fieldname:
        return universe
    if query is wq.NullQuery or kind is type(wq.NullQuery):
        return 0
    # Everything else as Whoosh matches it (positions, ranges, expansions).
    return to_bits(budget.checked(query.docs(searcher)))


def _term_bits(reader, fieldname: str, text) -> int:
    if (fieldname, text) not in reader:
        return 0
    ids: list[int] = []
    # Deleted records included: masked by the caller.
    for block_ids in posting_ids(reader.postings(fieldname, text)):
        budget.check()
        ids.extend(block_ids)
    return to_bits(ids)

"""The lean writer's posting pool (index.whoosh.termpool): terms in
Whoosh's order with their postings in docnum order, whether held or
spilled to run files, and a size estimate close to what Python holds."""

from __future__ import annotations

import gc
import tracemalloc

from whoosh.filedb.filestore import FileStorage

from foiasearch.index.whoosh.records import records_for
from foiasearch.index.whoosh.schema import analyze, build_schema
from foiasearch.index.whoosh.termpool import TermPool
from tests.synthetic import synthetic_documents


def _fill(pool: TermPool, documents: int) -> list[tuple]:
    """Add the indexed fields of synthetic records to ``pool``; return the
    postings added, as Whoosh's pool holds them (one tuple each)."""
    schema = build_schema()
    postings = []
    docnum = 0
    for doc in synthetic_documents(documents):
        for record in records_for(doc, [f"/corpus/{doc.kind}/{doc.id}.html"]):
            for name, value in record.items():
                if schema[name].indexed and isinstance(value, str):
                    items = analyze(schema[name], value)
                    if items:
                        texts, _, weights, values = zip(*items)
                        pool.add_items(name, docnum, texts, map(float, weights), values)
                        postings.extend((name, text, docnum, float(weight), value)
                                        for text, _, weight, value in items)
            docnum += 1
    return postings


def test_groups_in_whooshs_order_held_or_spilled(tmp_path):
    held = TermPool(FileStorage(str(tmp_path)), limitmb=100)
    spilled = TermPool(FileStorage(str(tmp_path)), limitmb=0.05)
    expected = sorted(_fill(held, 40))
    assert sorted(_fill(spilled, 40)) == expected
    assert not held.runs and len(spilled.runs) >= 3
    assert list(held.iter_postings()) == expected
    assert list(spilled.iter_postings()) == expected
    assert not spilled.runs and not list(tmp_path.glob("*.run"))  # read back and deleted


def test_one_posting_at_a_time_as_whooshs_pool(tmp_path):
    pool = TermPool(FileStorage(str(tmp_path)), limitmb=0.001)
    postings = [("tag", b"ice", 0, 1.0, None), ("tag", b"dhs", 0, 1.0, b""), ("body", b"opt", 1, 2.0, b"x"),
                ("tag", b"ice", 2, 1.0, None)]
    for posting in postings:
        pool.add(posting)
    assert pool.runs and pool.fieldnames == {"tag", "body"}
    assert list(pool.groups()) == [("body", b"opt", (1,), (2.0,), (b"x",)),
                                   ("tag", b"dhs", (0,), (1.0,), (b"",)),
                                   ("tag", b"ice", (0, 2), (1.0, 1.0), (b"", b""))]


def test_cleanup_deletes_the_runs(tmp_path):
    pool = TermPool(FileStorage(str(tmp_path)), limitmb=0.02)
    _fill(pool, 10)
    assert list(tmp_path.glob("*.run"))
    pool.cleanup()
    assert not list(tmp_path.glob("*.run")) and not list(pool.groups())


def test_size_estimate_near_the_memory_held(tmp_path):
    """The bound is honest: what the pool counts is within a fifth or so of
    what tracemalloc sees it hold (Whoosh's own pool counted about half)."""
    pool = TermPool(FileStorage(str(tmp_path)), limitmb=1000)
    _fill(TermPool(FileStorage(str(tmp_path)), limitmb=1000), 300)  # the stemmer's cache, filled outside the measure
    gc.collect()
    tracemalloc.start()
    try:
        _fill(pool, 300)
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert 0.8 < pool.currentsize / held < 1.25, (pool.currentsize, held)

"""The fast matching and ranking paths give exactly what Whoosh gives.

search.bitquery (unscored sets), search.bulkscore (BM25F over whole posting
lists) and search.ranking (top-N pages, full rankings) replace Whoosh's
one-posting-at-a-time collectors for speed; here each is compared with
Whoosh itself on an index with several segments and deleted records, so a
difference in any query shape fails a test.
"""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest
from whoosh import query as wq

from foiasearch.index.location import IndexLocation
from foiasearch.ingest.document import Actor, Document, Page
from foiasearch.index.whoosh.storage import open_index, open_or_create_index
from foiasearch.search.whoosh.bitquery import query_bits
from foiasearch.search.whoosh import bulkscore
from foiasearch.search.whoosh.bulkscore import ScoreCache, score_all, score_sparse
from foiasearch.search.whoosh.docsets import from_bits, to_bits
from foiasearch.search.whoosh.engine import SearchEngine
from foiasearch.search.api import Query
from foiasearch.search.whoosh.query import parse_text
from tests.synthetic import write_index

VOCABULARY = ("detainer sheriff county program fingerprints memo release records agency policy community "
              "immigration notice review request letter custody jail secure communities opt out hold "
              "warrant governor quinn lofgren trust act police chief").split()

QUERIES = [
    "detainer", "sheriff county", "secure OR fingerprints", "opt out", '"opt out"', '"secure communities"',
    "detainer NOT jail", "detainer AND NOT sheriff", "title:memo", "title:memo OR content:warrant",
    "(detainer OR hold) AND (county OR police)", "detain*", "gov*", "records^3 memo", "communities~",
    "tag:ice", "kind:release detainer", "date:[2010 TO 2013] county", "quinn lofgren trust",
    "nosuchword", "detainer nosuchword", "nosuchword OR memo", "detainer ANDNOT jail",
    "detainer ANDMAYBE county", "detainer^2 OR (sheriff AND county)^0.5", '"opt out"^2 memo',
    '"county jail"', '"secure communities program"', '"detainer detainer"', '"opt out"~3', '"jail county"~2',
    '"memo nosuchword"', 'title:"release"', '"county jail" "opt out"',
]


def _documents(n: int, seed: int = 7):
    """Posts and releases with skewed word frequencies and varied lengths,
    so that scores differ from document to document."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
    for i in range(n):
        def text(words: int) -> str:
            return " ".join(rng.choices(VOCABULARY, weights, k=words))
        if i % 4 == 0:
            yield Document(kind="release", title=f"Release {i} {text(3)}", date=f"{2008 + i % 9}-03-01",
                           pages=[Page(p, text(rng.randint(20, 300))) for p in range(1, rng.randint(2, 6))])
        else:
            yield Document(kind="post", title=f"Post {i} {text(rng.randint(1, 6))}", date=f"{2008 + i % 9}-05-02",
                           tags=["ICE"] if i % 3 else ["Detainers"], actors=[Actor("Pat Quinn", "person")],
                           pages=[Page(1, text(rng.randint(5, 400)))])


@pytest.fixture(scope="module")
def index_root(tmp_path_factory):
    """Three commits (so three segments), then a fifth of the records deleted."""
    root = tmp_path_factory.mktemp("ranking") / "ix"
    location = IndexLocation(root)
    docs = list(_documents(240))
    for start in (0, 80, 160):
        write_index(location, docs[start:start + 80])
    ix = open_or_create_index(location)  # writable
    writer = ix.writer()
    for doc in docs[::5]:
        writer.delete_by_term("id", doc.id)
        writer.delete_by_term("parent", doc.id)
    writer.commit(merge=False)
    return root


@pytest.fixture(scope="module")
def searcher(index_root):
    with open_index(IndexLocation(index_root)).searcher() as found:
        assert not found.is_atomic(), "the test needs several segments"
        assert found.reader().has_deletions()
        yield found


def _live(searcher) -> int:
    return to_bits(searcher.reader().all_doc_ids())


@pytest.mark.parametrize("text", QUERIES)
def test_query_bits_equal_whoosh_docs(searcher, text):
    parsed = parse_text(text)
    expected = set(searcher.docs_for_query(parsed))
    assert set(from_bits(query_bits(searcher, parsed) & _live(searcher))) == expected


@pytest.mark.parametrize("text", QUERIES)
def test_bulk_scores_equal_whoosh_scores(searcher, text):
    parsed = parse_text(text)
    scored = score_all(searcher, parsed, ScoreCache())
    if scored is None:  # left to Whoosh: only query types bulkscore does not know
        assert any(isinstance(q, (wq.Wildcard, wq.Prefix, wq.FuzzyTerm, wq.TermRange, wq.DateRange,
                                  wq.NumericRange, wq.Variations, wq.AndMaybe))
                   for q in [parsed, *parsed.leaves()]), parsed
        return
    matched, scores = scored
    live = np.zeros(len(matched), bool)
    live[list(searcher.reader().all_doc_ids())] = True
    mine = {int(d): float(scores[d]) for d in np.flatnonzero(matched & live)}
    theirs = {docnum: score for score, docnum in searcher.search(parsed, limit=None).top_n}
    assert set(mine) == set(theirs)
    for docnum, score in theirs.items():
        assert mine[docnum] == pytest.approx(score, rel=1e-9, abs=1e-12)


def test_bulk_scoring_covers_what_people_type(searcher):
    for text in ("detainer", "sheriff county", '"opt out"', "detainer NOT jail", "title:memo OR content:warrant",
                 "(detainer OR hold) AND (county OR police)", "records^3 memo"):
        assert score_all(searcher, parse_text(text), ScoreCache()) is not None, text


@pytest.mark.parametrize("text", QUERIES)
def test_sparse_scores_are_the_bulk_scores_exactly(searcher, text):
    """The plain-Python path (few postings, no numpy) gives the same floats,
    bit for bit, on the same records (deleted ones included), fresh and cached."""
    parsed = parse_text(text)
    bulk = score_all(searcher, parsed, ScoreCache())
    cache = ScoreCache()
    for _ in range(2):
        sparse = score_sparse(searcher, parsed, cache)
        if bulk is None:
            assert sparse is None
            continue
        matched, scores = bulk
        assert sparse == {int(d): float(scores[d]) for d in np.flatnonzero(matched)}


def test_results_are_the_same_through_either_scoring_path(index_root, monkeypatch):
    """Whole results (order, scores, pages, totals) do not depend on the path,
    and the sparse run did score most queries sparsely."""
    from foiasearch.search.whoosh import ranking

    scored_sparsely = []

    def counting(*args, **kwargs):
        answer = bulkscore.score_sparse(*args, **kwargs)
        scored_sparsely.append(answer is not None)
        return answer

    def results():
        with SearchEngine.open(str(index_root)) as engine:
            return [(r.total, [(h.id, h.score, h.matching_pages, h.snippet) for h in r.hits])
                    for text in QUERIES for r in [engine.search(Query(text, per_page=15))]]

    monkeypatch.setattr(ranking, "score_sparse", counting)
    monkeypatch.setattr(bulkscore, "SPARSE_ALWAYS", 0)
    monkeypatch.setattr(bulkscore, "SPARSE_WITHOUT_NUMPY", 0)
    dense = results()
    assert not any(scored_sparsely)
    monkeypatch.setattr(bulkscore, "SPARSE_ALWAYS", 10**9)
    assert results() == dense
    assert sum(scored_sparsely) > len(QUERIES) // 2


def test_sparse_scoring_without_numpy_once_per_process(searcher, monkeypatch):
    """Without numpy loaded, one query of up to SPARSE_WITHOUT_NUMPY postings
    goes sparse (a one-shot search's), and only once; with numpy, below SPARSE_ALWAYS."""
    query = parse_text("county OR detainer")
    monkeypatch.setattr(bulkscore, "SPARSE_ALWAYS", 1)
    monkeypatch.setattr(bulkscore, "SPARSE_WITHOUT_NUMPY", 10**9)
    monkeypatch.setattr(bulkscore, "_without_numpy", {"spent": False})
    assert not bulkscore.sparse_worth_it(searcher, query)  # numpy is loaded here: over SPARSE_ALWAYS
    monkeypatch.delitem(sys.modules, "numpy")
    assert bulkscore.sparse_worth_it(searcher, query) and bulkscore._without_numpy["spent"]
    assert not bulkscore.sparse_worth_it(searcher, query)  # spent: the next large query takes numpy


def test_cached_terms_give_the_same_scores(searcher):
    cache = ScoreCache()
    first = score_all(searcher, parse_text("detainer county"), cache)
    again = score_all(searcher, parse_text("detainer county"), cache)
    assert (first[0] == again[0]).all() and (first[1] == again[1]).all()
    tiny = ScoreCache(budget=10)  # nothing fits: always read from the postings
    fresh = score_all(searcher, parse_text("detainer county"), tiny)
    assert (first[1] == fresh[1]).all()


@pytest.mark.parametrize("text", ["detainer", "sheriff county", '"opt out"', "detain*", "secure OR fingerprints"])
@pytest.mark.parametrize("filters", [{}, {"tag": ["ICE"]}, {"kind": ["release"]}])
def test_pages_of_results_follow_the_full_ranking(index_root, text, filters):
    """Each results page (top-N) lists exactly the slice of the full ranking
    that an export walks, ties included, with Whoosh's scores."""
    with SearchEngine.open(str(index_root)) as engine:
        everything = list(engine.stream(Query(text, filters=filters)).docnums())
    with SearchEngine.open(str(index_root)) as engine:  # a fresh engine: nothing ranked yet
        shown = []
        page = 1
        while True:
            results = engine.search(Query(text, filters=filters, page=page, per_page=7))
            if not results.hits:
                break
            shown.extend(results.hits)
            page += 1
        searcher, _ = engine.searcher()
        ids = [searcher.stored_fields(d)["id"] for d in everything]
        assert [hit.id for hit in shown] == ids
        assert results.total == len(ids)
        parsed = parse_text(text)
        theirs = {searcher.stored_fields(d)["id"]: s for s, d in searcher.search(parsed, limit=None).top_n}
        for hit in shown:
            assert hit.score == pytest.approx(theirs[hit.id], rel=1e-9)


def test_matching_pages_are_best_first(index_root):
    with SearchEngine.open(str(index_root)) as engine:
        results = engine.search(Query("detainer county", per_page=50))
        searcher, _ = engine.searcher()
        parsed = parse_text("detainer county")
        page_scores = {}
        for score, docnum in searcher.search(parsed, limit=None).top_n:
            fields = searcher.stored_fields(docnum)
            if fields.get("rtype") == "page":
                page_scores[(fields["parent"], fields["page"])] = score
        releases = [hit for hit in results.hits if hit.kind == "release" and len(hit.matching_pages) > 1]
        assert releases
        for hit in releases:
            matching = [n for (parent, n) in page_scores if parent == hit.id]
            if not matching:
                continue  # words spread over pages: loose pages, in page order
            assert sorted(hit.matching_pages) == sorted(matching)
            scores = [page_scores[(hit.id, n)] for n in hit.matching_pages]
            assert scores == sorted(scores, reverse=True)


def test_facet_counts_equal_counting_by_hand(index_root):
    """Counts from the stored facet values of each matching document, one by one."""
    import json

    with SearchEngine.open(str(index_root)) as engine:
        for text, filters in (("detainer OR county", {}), ("memo", {"kind": ["post"]}), ("quinn lofgren trust", {})):
            results = engine.search(Query(text, filters=filters, per_page=1000), facets=True)
            searcher, _ = engine.searcher()
            matching = [searcher.stored_fields(d) for d in engine.stream(Query(text, filters=filters)).docnums()]
            for facet in ("tag", "kind", "year", "actor"):
                by_hand: dict[str, int] = {}
                for stored in matching:
                    for value in json.loads(stored["facets"]).get(facet, []):
                        key = (value[0] if facet == "actor" else value).lower()
                        by_hand[key] = by_hand.get(key, 0) + 1
                if facet in filters:
                    continue  # counted without its own selection (OR within a facet)
                assert {v.key: v.count for v in results.facets[facet]} == by_hand, (text, facet)
                counts = [v.count for v in results.facets[facet]]
                if facet != "year":
                    assert counts == sorted(counts, reverse=True)

"""Whoosh is imported without urllib.request, asyncio and morph_en (index.whoosh.importing),
and what stood in for them while it was imported is gone afterwards."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

PROBE = """
import json, sys
import foiasearch.search.whoosh.engine
import whoosh.compat, whoosh.reading
before = sorted(m for m in ("urllib.request", "asyncio", "cached_property", "whoosh.lang.morph_en") if m in sys.modules)
import urllib.request, cached_property, whoosh.lang.morph_en, whoosh.query.terms
print(json.dumps({
    "before": before,
    "real": [urllib.request.__file__.endswith("request.py"), hasattr(cached_property, "threaded_cached_property"),
             whoosh.lang.morph_en.__file__.endswith("morph_en.py")],
    "forwards": [whoosh.compat.urlretrieve.__name__, whoosh.query.terms.variations.__name__],
    "variations": whoosh.query.terms.variations("detained") == whoosh.lang.morph_en.variations("detained"),
    "property": type(whoosh.reading.SegmentReader.__dict__["deleted_docs_set"]).__module__,
    "stand_ins": sorted(m for m in ("whoosh.lang.porter", "whoosh.lang.dmetaphone", "whoosh.automata.lev")
                        if m in sys.modules),
}))
"""

# What stands in for the Porter stemmer, the double metaphone, the Levenshtein
# automata and hashlib's md5 gives what the real ones give.
FORWARDS = """
import json, sys
import foiasearch.search.whoosh.engine
import whoosh.analysis.morph as morph, whoosh.codec.base as base, whoosh.filedb.filetables as tables
loaded = sorted(m for m in ("whoosh.lang.porter", "hashlib", "_hashlib") if m in sys.modules)
import hashlib
from whoosh.automata import lev
from whoosh.lang import dmetaphone, porter
print(json.dumps({
    "loaded": loaded,
    "stem": morph.stem("detained") == porter.stem("detained"),
    "metaphone": morph.double_metaphone("Quinn") == dmetaphone.double_metaphone("Quinn"),
    "lev": base.lev.levenshtein_automaton("opt", 1).to_dfa().accept("opts")
           == lev.levenshtein_automaton("opt", 1).to_dfa().accept("opts"),
    "md5": tables.md5_hash(b"detain") == int(hashlib.md5(b"detain").hexdigest(), 16) & 0xFFFFFFFF,
}))
"""


def test_stand_ins_forward_to_the_real_functions():
    done = subprocess.run([sys.executable, "-c", FORWARDS], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"loaded": [], "stem": True, "metaphone": True, "lev": True, "md5": True}


def test_whoosh_imports_without_urllib_and_asyncio():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    # Nothing loaded them; a later import gets the real modules, not a stand-in.
    assert found == {"before": [], "real": [True, True, True], "forwards": ["_urlretrieve", "_variations"],
                     "property": "functools", "variations": True, "stand_ins": []}


def test_the_cached_property_still_caches(tmp_path):
    from foiasearch.index.build import index_documents
    from foiasearch.index.location import IndexLocation
    from foiasearch.index.whoosh.storage import open_index
    from foiasearch.ingest.document import Document, Page

    location = IndexLocation(tmp_path)
    index_documents(location, [(Document(kind="post", title="P", pages=[Page(1, "opt out")]), ["p.html"])])
    with open_index(location).searcher() as searcher:
        leaf = next(leaf for leaf, _ in searcher.reader().leaf_readers())
        first = leaf.deleted_docs_set
        assert first == frozenset() and leaf.deleted_docs_set is first and "deleted_docs_set" in vars(leaf)

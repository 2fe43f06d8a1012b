"""An index written by an older foiasearch, whose schema classes lived in a
module that has since moved, still opens, searches and takes new documents."""

from __future__ import annotations

import sys
import types

from whoosh import index as whoosh_index
from whoosh.query import Term

from foiasearch.index.location import IndexLocation
from foiasearch.index.whoosh.schema import ANALYSIS_VERSION, TEXT_ANALYZER, PreAnalyzedText, build_schema
from foiasearch.index.whoosh.storage import analysis_path, index_exists, open_index, open_or_create_index, whoosh_dir


def test_an_index_whose_schema_module_moved_still_opens(tmp_path):
    gone = types.ModuleType("foiasearch_moved_away")
    field_class = type("PreAnalyzedText", (PreAnalyzedText,), {"__module__": gone.__name__})
    gone.PreAnalyzedText = field_class
    sys.modules[gone.__name__] = gone
    try:
        schema = build_schema()
        schema.remove("content")
        schema.add("content", field_class(analyzer=TEXT_ANALYZER))
        location = IndexLocation(tmp_path)
        whoosh_dir(location).mkdir(parents=True)
        old = whoosh_index.create_in(str(whoosh_dir(location)), schema)
        with old.writer() as writer:
            writer.add_document(id="a", rtype="doc", parent="a", content="Counties may opt out.")
    finally:
        del sys.modules[gone.__name__]
    location.store_path.touch()
    analysis_path(location).write_text(ANALYSIS_VERSION + "\n")  # same analysis, only the module moved

    # Whoosh alone cannot read it any more: its table of contents names the module.
    try:
        whoosh_index.open_dir(str(whoosh_dir(location)))
        raise AssertionError("the old schema was expected not to unpickle")
    except ModuleNotFoundError:
        pass
    assert index_exists(location)
    with open_index(location).searcher() as searcher:
        assert [hit["id"] for hit in searcher.search(Term("content", "opt"))] == ["a"]
    with open_or_create_index(location).writer() as writer:  # the next run writes the current schema
        writer.add_document(id="b", rtype="doc", parent="b", content="Opt in.")
    with whoosh_index.open_dir(str(whoosh_dir(location))).searcher() as searcher:
        assert sorted(hit["id"] for hit in searcher.search(Term("content", "opt"))) == ["a", "b"]

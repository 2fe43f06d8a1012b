"""Every place that lists facets takes them from index.facet_registry, so
they cannot drift: the index schema, the records, the facet counts, the web
page's parameters and sidebar, every CLI command that runs a query, and the
columns of a batch file."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from foiasearch.cli import main
from foiasearch.index.facet_registry import FACET_NAMES, FACETS
from foiasearch.index.whoosh.records import records_for
from foiasearch.index.whoosh.schema import build_schema
from foiasearch.ingest.document import Actor, Document, Page
from foiasearch.saved_cli import read_batch
from foiasearch.search.api import FacetValue
from foiasearch.web.sidebar import sidebar
from foiasearch.web.state import SearchState

EVERY_FACET = Document(kind="post", title="T", date="2011-03-15", tags=["ICE"], categories=["News"],
                       actors=[Actor("DHS", "agency")], exemptions=["b5"], site="example.org", language="en",
                       pages=[Page(1, "text", ocr=True, ocr_confidence=31.0)])


def test_the_schema_and_the_records_have_every_facet():
    assert set(FACET_NAMES) <= set(build_schema().names())
    record = records_for(EVERY_FACET, ["/corpus/posts/t.html"])[0]
    assert {name: record[name] for name in FACET_NAMES} == {
        "tag": "ICE", "actor": "DHS", "kind": "post", "collection": "posts", "year": "2011",
        "exemption": "b5", "category": "News", "site": "example.org", "ocr": "low", "language": "en"}


@pytest.mark.parametrize("command", [["search"], ["export"], ["saved", "add"]])
def test_every_query_command_takes_every_filter(command):
    group = main
    for name in command:
        group = group.commands[name] if hasattr(group, "commands") else group
    options = {opt for param in group.params for opt in getattr(param, "opts", [])}
    assert {f"--{name}" for name in FACET_NAMES} <= options


def test_a_batch_file_takes_every_filter_column(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("name,query," + ",".join(FACET_NAMES) + "\nn,opt," + ",".join(f"v{i}|w" for i in range(len(FACET_NAMES))) + "\n")
    [(_, name, query)] = list(read_batch(path))
    assert name == "n" and query.filters == {f: [f"v{i}", "w"] for i, f in enumerate(FACET_NAMES)}


def test_the_web_page_filters_by_and_shows_every_facet():
    state = SearchState.from_args(MultiDict([(name, "x") for name in FACET_NAMES]))
    assert set(state.query.filters) == set(FACET_NAMES)
    boxes = sidebar({name: [FacetValue("x", 1, "x")] for name in FACET_NAMES}, state)
    assert [box.name for box in boxes] == list(FACET_NAMES)
    assert [box.label for box in boxes] == [f.label for f in FACETS]

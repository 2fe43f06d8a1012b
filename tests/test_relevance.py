"""Relevance (issue 14) on documents made here: word forms, best match with
"Missing", spelling, query validation, exemption spellings, prefixes over
the words people see, page order, file-name titles, re-analysis, and
bounded query expansion."""

from __future__ import annotations

import json

import pytest

from foiasearch.index.location import IndexLocation, IndexOutdated
from foiasearch.index.whoosh.storage import analysis_path
from foiasearch.ingest.document import Actor, Document, Page
from foiasearch.search.api import Query, QueryError, open_backend
from foiasearch.search.saved import SavedStore, run_saved
from foiasearch.search.whoosh.understand import MAX_EXPANSION
from foiasearch.web import create_app
from tests.builders import write_pdf
from tests.conftest import run_cli
from tests.synthetic import write_index

DOCS = [
    Document(kind="release", title="Detainee death report: Ge", exemptions=["b6"], pages=[
        Page(1, "The detainee was found in a shower stall in Pennsylvania. (b)(6) withheld.", exemptions=["b6"]),
        Page(2, "Hospital staff pronounced his death that evening."),
    ]),
    Document(kind="release", title="Detention standards memo", pages=[
        Page(1, "Detainees injured in transport; injuries were reported to the detention officer."),
    ]),
    Document(kind="post", title="Secure Communities in Illinois", actors=[Actor("Pat Quinn", "person")],
             pages=[Page(1, "Governor Pat Quinn asked to leave Secure Communities. The program sends fingerprints "
                            "to ICE. Immigration enforcement in the community. Communities and community groups "
                            "objected to deportation.")]),
    Document(kind="post", title="IMSI catchers", pages=[Page(1, "Who uses IMSI catchers? Police departments.")]),
    Document(kind="release", title="Spread pages", pages=[
        Page(1, "alpha only here"), Page(2, "zeta only here"), Page(3, "gamma and alpha together"),
    ]),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    location = IndexLocation(tmp_path_factory.mktemp("relevance") / "ix")
    write_index(location, DOCS)
    with open_backend(location) as engine:
        yield engine


def titles(results) -> list[str]:
    return [h.title for h in results.hits]


# -- word forms --------------------------------------------------------------------
@pytest.mark.parametrize("typed, title", [
    ("died", "Detainee death report: Ge"),
    ("dead", "Detainee death report: Ge"),
    ("injured", "Detention standards memo"),
    ("injury", "Detention standards memo"),
    ("detained", "Detention standards memo"),
])
def test_word_forms_meet(engine, typed, title):
    assert title in titles(engine.search(Query(typed)))


def test_phrases_still_match_what_is_printed(engine):
    assert titles(engine.search(Query('"shower stall in Pennsylvania"'))) == ["Detainee death report: Ge"]
    assert engine.search(Query('"stall shower"')).total == 0


# -- best match ------------------------------------------------------------------------
def test_best_match_names_what_is_missing(engine):
    results = engine.search(Query("detainee death shower suicide Pennsylvania"))
    assert results.all_words_total == 0
    first = results.hits[0]
    assert first.title == "Detainee death report: Ge"
    assert first.missing == ["suicide"]
    assert first.matching_pages[0] == 1  # the page holding most of the query
    data = results.to_json()
    assert data["all_words_total"] == 0 and data["hits"][0]["missing"] == ["suicide"]


def test_full_matches_come_first_then_the_closest(engine):
    results = engine.search(Query("detainee shower"))  # one full match: too few, the closest follow
    assert results.all_words_total == 1
    assert results.hits[0].title == "Detainee death report: Ge" and results.hits[0].missing == []
    assert results.hits[1].missing == ["shower"]


def test_enough_full_matches_are_left_alone(engine):
    results = engine.search(Query("the"))
    assert results.all_words_total is None and results.total >= 3


@pytest.mark.parametrize("text", ["detainee AND suicide", '"shower suicide"', "(detainee suicide)"])
def test_operators_phrases_and_groups_keep_their_meaning(engine, text):
    results = engine.search(Query(text))
    assert results.total == 0 and results.all_words_total is None


def test_exact_queries_and_saved_searches_are_not_widened(engine, tmp_path):
    text = "detainee shower"  # one full match; a search widens it to the closest
    assert engine.search(Query(text)).total > 1
    exact = engine.search(Query(text, exact=True))
    assert titles(exact) == ["Detainee death report: Ge"] and exact.all_words_total is None
    store = SavedStore(tmp_path / "saved.db")
    store.add("shower", Query(text))
    run = run_saved(engine, store, "shower")  # saved runs alert on new matches: full matches only
    assert run.total == 1 and [h.title for h in run.hits()] == ["Detainee death report: Ge"]
    assert len(list(engine.stream(Query(text)).ids())) > 1  # an export of the search page's results keeps them


def test_best_match_needs_half_the_words(engine):
    assert engine.search(Query("detainee suicide hanging bedsheet")).total == 0


# -- spelling -------------------------------------------------------------------------
def test_spelling_from_the_index_vocabulary(engine):
    results = engine.search(Query("Secure Comunities"), suggest=True)
    assert results.suggestion == "Secure Communities"


def test_spelling_never_replaces_a_word_the_index_holds(engine):
    results = engine.search(Query("IMSI who catchers Quinn"), suggest=True)
    assert results.suggestion is None


def test_spelling_offered_only_when_it_finds_documents(engine):
    assert engine.search(Query("Comunities IMSI"), suggest=True).suggestion is None


# -- validation and exemptions -----------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    ("foo:bar", "unknown field 'foo:'"),
    ("date:[2011 TO", "is not closed"),
    ("actor:Nobody", "no actor 'nobody'"),
])
def test_queries_that_mean_nothing_say_so(engine, text, message):
    with pytest.raises(QueryError, match=message):
        engine.search(Query(text))


def test_a_partial_facet_value_finds_the_values_it_names(engine):
    assert titles(engine.search(Query("actor:Quinn"))) == ["Secure Communities in Illinois"]


@pytest.mark.parametrize("text", ["(b)(6)", "(b) (6)", "b6", "exemption:(b)(6)", "exemption:b6"])
def test_exemption_spellings(engine, text):
    assert titles(engine.search(Query(text))) == ["Detainee death report: Ge"]


# -- prefixes, page order, titles -------------------------------------------------------------
@pytest.mark.parametrize("text", ["communit*", "immigra*", "deporta*", "detai*"])
def test_prefixes_match_the_words_people_see(engine, text):
    assert engine.search(Query(text)).total >= 1


def test_pages_holding_more_of_the_query_come_first(engine):
    hit = engine.search(Query("alpha gamma zeta")).hits[0]
    assert hit.title == "Spread pages"
    assert hit.matching_pages == [3, 2, 1]  # two words, then the rarer "zeta" (alpha is on two pages)


def test_file_name_titles_split_on_underscores_and_hyphens(runner, tmp_path):
    write_pdf(tmp_path / "files" / "CPD_FOIA_15-2549.pdf", ["Checks and amounts."])
    run_cli(runner, "index", tmp_path / "files", "--index", tmp_path / "ix", "--no-ocr")
    out = json.loads(run_cli(runner, "search", "15-2549", "--index", tmp_path / "ix", "--json").output)
    assert out["total"] == 1


# -- bounded expansion ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    ('"detainee death"~1000', "at most 50 words"),
    ("*a* OR *b* OR *c*", "start with \\* or \\?"),
])
def test_queries_that_would_expand_too_far(engine, text, message):
    with pytest.raises(QueryError, match=message):
        engine.search(Query(text))


def test_a_pattern_matching_too_many_words(tmp_path):
    words = " ".join(f"zq{i:05d}x" for i in range(MAX_EXPANSION + 10))
    location = IndexLocation(tmp_path / "ix")
    write_index(location, [Document(kind="post", title="Many words", pages=[Page(1, words)])])
    with open_backend(location) as engine:
        with pytest.raises(QueryError, match="type more letters"):
            engine.search(Query("zq*"))
        assert engine.search(Query("zq0000*")).total == 1


# -- front ends ---------------------------------------------------------------------------------
def test_cli_json_and_web_show_missing_words_and_suggestions(engine, runner):
    index = str(engine.location.root)
    out = run_cli(runner, "search", "detainee death shower suicide Pennsylvania", "--index", index).output
    assert "Missing: suicide" in out and "0 documents with every word" in out
    data = json.loads(run_cli(runner, "search", "Secure Comunities", "--index", index, "--json").output)
    assert data["suggestion"] == "Secure Communities"
    client = create_app(engine.location.root).test_client()
    page = client.get("/?q=detainee+death+shower+suicide+Pennsylvania").get_data(as_text=True)
    assert "No document has every word" in page and "<s>suicide</s>" in page
    api = client.get("/api/search?q=Secure+Comunities").get_json()
    assert api["suggestion"] == "Secure Communities"


# -- re-analysis ------------------------------------------------------------------------------------
def test_an_index_from_another_analysis_is_rebuilt(runner, tmp_path):
    location = IndexLocation(tmp_path / "ix")
    write_index(location, [Document(kind="post", title="Deaths", pages=[Page(1, "Two deaths in custody.")])])
    analysis_path(location).write_text("porter-0\n")  # as an index built by another analysis
    with pytest.raises(IndexOutdated, match="--reanalyze"):
        open_backend(location)
    result = run_cli(runner, "search", "died", "--index", location.root)
    assert "--reanalyze" in result.output
    page = create_app(location.root).test_client().get("/?q=died")
    assert page.status_code == 503 and "must be rebuilt" in page.get_data(as_text=True)
    assert "1 documents" in run_cli(runner, "index", "--reanalyze", "--index", location.root).output
    with open_backend(location) as engine:
        assert engine.search(Query("died")).total == 1

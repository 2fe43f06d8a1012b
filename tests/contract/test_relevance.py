"""Contract: best match (search.relax) and word families (index.wordfamilies), through search.api only.

The corpus (tests/contract/conftest.py) is five documents; "sheriff" is in
two, "booking" in one, "fingerprints" in two.
"""

from __future__ import annotations

import pytest

from foiasearch.search.api import Query
from tests.contract.conftest import FINGERPRINTS, ILLINOIS, MEMO, SPREAD


def test_best_match_names_what_is_missing(backend):
    results = backend.search(Query("fingerprints booking sheriff"))  # no document holds all three
    assert results.all_words_total == 0 and results.total == 2  # SPREAD holds one word of three: too few
    # The rarer word counts more: "booking" (one document) outweighs "sheriff" (two).
    assert [(h.id, h.missing) for h in results.hits] == [(FINGERPRINTS.id, ["sheriff"]), (MEMO.id, ["booking"])]
    data = results.to_json()
    assert data["all_words_total"] == 0 and data["hits"][0]["missing"] == ["sheriff"]


def test_full_matches_come_first_then_the_closest(backend):
    results = backend.search(Query("opt fingerprints"))  # one full match: too few, the closest follow
    assert results.all_words_total == 1
    assert results.hits[0].id == MEMO.id and results.hits[0].missing == []
    assert {h.id for h in results.hits[1:]} == {SPREAD.id, ILLINOIS.id, FINGERPRINTS.id}
    assert all(len(h.missing) == 1 for h in results.hits[1:])
    assert len(list(backend.stream(Query("opt fingerprints")).ids())) == 4  # an export keeps them


def test_phrases_and_fields_stay_required(backend):
    results = backend.search(Query('"opt out" fingerprints governor'))
    assert results.all_words_total == 0
    assert {(h.id, tuple(h.missing)) for h in results.hits} == {(MEMO.id, ("governor",)),
                                                                 (ILLINOIS.id, ("fingerprints",))}
    assert backend.search(Query("kind:post fingerprints sheriff")).total == 1  # FINGERPRINTS: a post with one word
    for field in ('actor:"Pat Quinn"', 'tag:"Secure Communities"'):  # a quoted value is one clause, not two
        results = backend.search(Query(f"{field} fingerprints governor"))
        assert {(h.id, tuple(h.missing)) for h in results.hits} == {(MEMO.id, ("governor",)),
                                                                     (ILLINOIS.id, ("fingerprints",))}, field


def test_filters_apply_to_best_matches_and_their_count(backend):
    results = backend.search(Query("opt fingerprints", filters={"kind": ["post"]}))
    assert results.all_words_total == 0  # the full match is a release
    assert {h.id for h in results.hits} == {ILLINOIS.id, FINGERPRINTS.id}


def test_operators_exact_queries_and_enough_full_matches_are_left_alone(backend):
    for text in ["fingerprints AND booking AND sheriff", "(fingerprints booking sheriff)", "fingerprints -booking",
                 "opt fingerprints -illinois"]:
        results = backend.search(Query(text))
        assert results.all_words_total is None and all(h.missing == [] for h in results.hits), text
    exact = backend.search(Query("opt fingerprints", exact=True))
    assert [h.id for h in exact.hits] == [MEMO.id] and exact.all_words_total is None
    assert backend.search(Query("opt out")).all_words_total is None  # three full matches


def test_best_match_needs_half_the_words(backend):
    assert backend.search(Query("booking governor sheriff zebra")).total == 0


# -- word families ----------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("detention", {MEMO.id, SPREAD.id}),      # printed: "Detainer" (the family of detain)
    ("withhold", {MEMO.id}),                  # printed: "withheld"
    ('"withhold under"', {MEMO.id}),          # within a phrase too
    ('"withholds under"', {MEMO.id}),
    ("title:detention", {SPREAD.id}),         # and in a stemmed field
    ("detention sheriff", {MEMO.id, SPREAD.id}),
    ('"withheld over"', set()),               # a family widens a word, never the phrase around it
])
def test_a_word_finds_its_family(backend, text, expected):
    assert {h.id for h in backend.search(Query(text, per_page=100)).hits} == expected


# -- a typo among words ---------------------------------------------------------------------
def test_a_typo_among_found_words_gets_a_suggestion_that_holds_every_word(backend):
    results = backend.search(Query("fingreprints booking"), suggest=True)
    assert results.all_words_total == 0 and [h.id for h in results.hits] == [FINGERPRINTS.id]  # on "booking"
    assert results.suggestion and results.suggestion.lower().startswith("fingerprint")
    assert backend.search(Query(results.suggestion)).all_words_total == 1  # it finds the document in full
    assert backend.search(Query("fingerprints booking"), suggest=True).suggestion is None

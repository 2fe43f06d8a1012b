"""The workers' own analysis of content (index.whoosh.schema.analyze) gives
exactly the posting items Whoosh's TEXT.index gives with the same analyzer:
same words, frequencies, weights, encoded positions and order. An index
built either way answers every query the same."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
from whoosh import fields

from foiasearch.index.whoosh.schema import _comma_keywords, analyze, build_schema

FIELD = build_schema()["content"]

# Word forms the analyzer joins or splits: families, dotted words, "_" and
# "-" separators, case, letters that change length when lower-cased.
PIECES = ["Detentions", "detained", "children", "U.S.", "3.5", "CPD_FOIA_15-2549", "İstanbul", "ﬁle",
          "Straße", "(b)(6)", "opt out", "a", " ", "\n", ".", "’s", "½", "Ⅷ", "died", "DEATHS"]


def whoosh_items(text: str) -> list:
    return list(fields.TEXT.index(FIELD, text))


def test_same_items_as_whoosh_on_a_release_page():
    page = ("From: Sheriff's Office\nThe detainees were detained; 3.5 detentions per U.S. county.\n"
            "(b)(6) withheld. Children and women died; deaths reported. opt out opt out.")
    assert analyze(FIELD, page) == whoosh_items(page)
    assert analyze(FIELD, "") == whoosh_items("") == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=30))
def test_same_items_as_whoosh_on_any_text(pieces):
    text = "".join(pieces)
    assert analyze(FIELD, text) == whoosh_items(text)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["title", "subject", "author", "sender", "tag"]),
       st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=20))
def test_same_items_for_the_other_fields_workers_analyse(name, pieces):
    """The title (boosted), subject, names and keywords: analysed in the
    workers too (index.whoosh.writer.prepare), as add_document would."""
    field = build_schema()[name]
    text = "".join(pieces)
    assert analyze(field, text) == list(field.index(text))


KEYWORD_PIECES = ["ICE", "dhs", ",", ", ", " , ", "Cook County", "İ", "Straße", "2019", "b6", " ", "\t", "é"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["tag", "actor", "kind", "year", "bates", "exemption"]),
       st.lists(st.one_of(st.sampled_from(KEYWORD_PIECES), st.text(max_size=6)), max_size=20))
def test_same_items_as_whoosh_for_comma_separated_keywords(name, pieces):
    """The facets (lower-cased) and Bates numbers (as printed): Whoosh's
    own KEYWORD.index is the reference."""
    field = build_schema()[name]
    text = "".join(pieces)
    assert analyze(field, text) == list(field.index(text))


def test_other_keyword_analyzers_take_whooshs_path():
    field = fields.KEYWORD(commas=False, lowercase=True)  # space-separated: not the comma path
    assert _comma_keywords(field.analyzer) is None
    assert [(t, f) for t, f, _, _ in analyze(field, "ICE dhs ICE")] == [(b"ice", 2), (b"dhs", 1)]
    assert _comma_keywords(build_schema()["bates"].analyzer) is False  # as printed
    assert _comma_keywords(build_schema()["tag"].analyzer) is True


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["id", "rtype", "parent", "url"]),
       st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), min_size=1, max_size=10))
def test_same_items_as_whoosh_for_ids(name, pieces):
    """Ids, record types and URLs (ID fields: the whole value, one term),
    made ready in the workers too (index.whoosh.writer.prepare)."""
    field = build_schema()[name]
    text = "".join(pieces)
    assert analyze(field, text) == list(field.index(text))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.tuples(st.just("page"), st.integers(min_value=-2**31, max_value=2**31 - 1)),
                 st.tuples(st.just("date"), st.datetimes())))
def test_same_items_as_whoosh_for_numbers_and_dates(name_value):
    """Page numbers and dates, kept per value: the same items each time."""
    name, value = name_value
    field = build_schema()[name]
    assert analyze(field, value) == list(field.index(value))
    assert analyze(field, value) == list(field.index(value))
    assert analyze(build_schema()[name], value) == list(field.index(value))  # another schema's field object

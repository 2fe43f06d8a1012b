"""A query text without "date" is parsed without Whoosh's date grammar
(search.whoosh.query.make_parser) to the very query the full parser gives."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from foiasearch.search.whoosh.query import make_parser, parse_text

PIECES = ["opt", "out", "detainer", '"secure communities"', "AND", "OR", "NOT", "(", ")", "title:", "year:",
          "from:", "to:", "tag:", "2011", "2011-04-01", "[2010 TO 2012]", "*", "ICE*", "^2", "'last tuesday'",
          "-booking", "exemption:b6", "actor:", "updated", "dated"]


def parsed(parser, text):
    try:
        return repr(parser.parse(text))
    except Exception as exc:  # the same failure on both sides counts as the same answer
        return type(exc).__name__


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8).map(" ".join))
def test_texts_without_date_parse_alike(text):
    if "date" not in text.lower():
        assert parsed(make_parser(False), text) == parsed(make_parser(True), text)


def test_dates_still_parsed():
    assert "DateRange" in repr(parse_text("memo date:[2011-04-01 TO 2011-06-01]"))
    assert "DateRange" in repr(parse_text("date:2011"))

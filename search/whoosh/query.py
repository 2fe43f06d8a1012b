"""Parsing what users type into Whoosh queries (the Query itself: search.api).

Users type Whoosh's syntax: words, "phrases", AND/OR/NOT, parentheses,
``field:value``; AND is the default operator and English words are stemmed.
Field aliases make the printed-e-mail fields read naturally (``from:``,
``to:``) and ``tag:``, ``actor:``, ``exemption:`` search facet values.

Before Whoosh parses the text (search.whoosh.understand): an exemption cited as
releases print it, ``(b)(6)``, ``(b) (7)(C)``, ``b6``, searches the
exemption and the printed text; an unknown field or an unclosed range is
a one-line QueryError instead of a silent zero; a prefix matches the words
people see, not only the stems kept in the index (``immigra*`` finds
"immigration", stemmed "immigr").

>>> print(parse_text('"opt out" from:smith'))
((title:"opt out" OR content:"opt out") AND sender:smith)
>>> print(parse_text("(b)(6) detainers"))
((exemption:b6 OR title:"b 6" OR content:"b 6") AND (title:detain OR content:detain))
>>> parse_text("foo:bar")
Traceback (most recent call last):
foiasearch.search.api.QueryError: unknown field 'foo:'; fields: title, content, author, tag, category, actor, exemption, bates, from, to, subject, kind, collection, site, language, year, date
"""

from __future__ import annotations

import functools
import re

from whoosh import qparser, query as wq

from foiasearch.index.whoosh.schema import build_schema
from foiasearch.search.whoosh.understand import all_parts, check_fields, expand_prefixes, rewrite_exemptions
# The Query contract lives in the search API; imported here for the parser's callers.
from foiasearch.search.api import SORTS, Query, QueryError  # noqa: F401

FIELD_ALIASES = {
    "sender": ["from"],
    "recipient": ["to"],
    "tag": ["tags"],
    "actor": ["actors"],
    "exemption": ["exemptions"],
    "author": ["by"],
}


_SCHEMA = build_schema()


TEXT_FIELDS = ("title", "content")  # what words without a field prefix search
TEXT_ANALYSED = frozenset({"title", "content", "subject"})  # stemmed fields (index.whoosh.wordforms)
HIDDEN_FIELDS = {"id", "rtype", "parent", "page", "url", "path", "facets"}  # internal: not typed by users



@functools.lru_cache(maxsize=2)
def make_parser(dates: bool = True) -> qparser.QueryParser:
    """The query parser; with ``dates``, Whoosh's date grammar for ``date:``.

    That grammar (DateParserPlugin's English()) compiles some eighty regular
    expressions, a tenth of a one-shot search's own CPU, and it only ever
    rewrites terms of the ``date`` field (no alias leads there), so a text
    without "date" in it is parsed without it, to the same query.

    >>> make_parser(False).parse("opt out") == make_parser(True).parse("opt out")
    True
    """
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), _SCHEMA, group=qparser.AndGroup)
    if dates:
        from whoosh.qparser.dateparse import DateParserPlugin  # its module alone is 2 ms of start-up

        parser.add_plugin(DateParserPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    return parser


# A range: field:[a TO b] or field:{a TO b}.
_RANGE = re.compile(r"\w+:[\[{][^\]}]*[\]}]")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")


def compact_range_dates(text: str) -> str:
    """ISO dates inside ranges as Whoosh's date parser reads them there.

    In a range, Whoosh's parser splits ``2011-04-01`` at the dashes and keeps
    only the year (``date:[2011-04-01 TO 2011-06-01]`` matched all of 2011);
    ``20110401`` it reads whole.

    >>> compact_range_dates("memo date:[2011-04-01 TO 2011-06] 2011-04-01")
    'memo date:[20110401 TO 201106] 2011-04-01'
    """
    def compact(match: re.Match) -> str:
        return _ISO_DATE.sub(lambda d: "".join(part for part in d.groups() if part), match.group(0))

    return _RANGE.sub(compact, text)


def parse_text(text: str) -> wq.Query:
    """Parse the query box's text; an empty text matches every document.

    Whoosh's parser is forgiving (an unbalanced quote or parenthesis is
    closed for you, a lone operator is ignored); what it still cannot parse
    becomes a QueryError.
    """
    text = text.strip()
    if not text:
        return wq.Every()
    check_fields(text, set(_SCHEMA.names()) - HIDDEN_FIELDS, FIELD_ALIASES)
    rewritten = rewrite_exemptions(text)
    try:
        parsed = make_parser("date" in rewritten.lower()).parse(compact_range_dates(rewritten))
    except Exception as exc:  # whoosh raises assorted errors on odd input
        raise QueryError(f"could not understand the query {text!r}: {exc}") from exc
    if parsed is wq.NullQuery or isinstance(parsed, type(wq.NullQuery)):
        raise QueryError(f"the query {text!r} has no words to search for")
    if any(leaf is wq.NullQuery or isinstance(leaf, type(wq.NullQuery)) for leaf in all_parts(parsed)):
        raise QueryError(f"part of the query {text!r} means nothing (a date or range that could not be read?)")
    return expand_prefixes(parsed, TEXT_ANALYSED)


def filter_query(filters: dict[str, list[str]]) -> wq.Query | None:
    """Facet selections as a Whoosh filter: OR within a facet, AND across."""
    parts = []
    for name, values in sorted(filters.items()):
        terms = [wq.Term(name, v.strip().lower()) for v in values if v.strip()]
        if terms:
            parts.append(wq.Or(terms) if len(terms) > 1 else terms[0])
    if not parts:
        return None
    return wq.And(parts) if len(parts) > 1 else parts[0]

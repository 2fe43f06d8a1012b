"""The Whoosh schema: one record per document and one per PDF page.

Both record types live in one index, told apart by ``rtype`` ("doc" or
"page"). Page records carry ``parent`` (the document id) and ``page`` so that
a hit can name the pages that matched. Facet values are kept as lower-cased
comma-separated KEYWORD fields for filtering (one per facet in
index.facet_registry); their display forms are the stored ``facets`` JSON.
"""

from __future__ import annotations

import re
from operator import sub
from pickle import dumps

from whoosh import fields, formats
from whoosh.analysis import IDTokenizer, KeywordAnalyzer, StandardAnalyzer
from whoosh.system import pack_uint

from foiasearch.index.facet_registry import FACET_NAMES

from foiasearch.index.whoosh.wordforms import ANALYSIS_VERSION, TEXT_ANALYZER, WORD_PATTERN  # noqa: E402,F401 (re-exported)

# TEXT_ANALYZER (index.whoosh.wordforms): Snowball English plus a table of word
# families; no stop list: "opt out", "may", "not" and "us" matter in legal
# text, and phrase queries must match what is printed.
NAME_ANALYZER = StandardAnalyzer(stoplist=None, minsize=1)



class Analyzed:
    """A record's field made ready in a worker process: its postings as
    columns (terms, frequencies, weights as floats or None when each is its
    frequency, encoded values), the value to store (``stored``, for a stored
    field) and its column value (``column``, for a field with a column).

    Analysis (tokenising and stemming) is most of the cost of adding a
    document, and the encoding of ids, numbers and dates the rest of the
    per-field work; doing them in the extraction pool leaves the single
    writer process only the postings to append. Columns rather than a
    tuple per posting, and no weights where they are the frequencies (a
    field without a boost): fewer objects to pickle in the worker and to
    unpickle in the writer, which adds them to its pool by columns (the
    frequencies then as the weights: small ints are shared objects).

    >>> ready = Analyzed([(b"opt", 1, 1.0, b"a"), (b"out", 2, 2.0, b"b")], stored="Opt out")
    >>> ready.texts, ready.weights, ready.items[1]
    ((b'opt', b'out'), None, (b'out', 2, 2.0, b'b'))
    >>> Analyzed([(b"opt", 1, 2.0, b"a")]).weights
    (2.0,)
    """

    __slots__ = ("texts", "freqs", "weights", "values", "stored", "column")

    def __init__(self, items: list[tuple[bytes, int, float, bytes]], stored: object = None,
                 column: object = None) -> None:
        if items:
            texts, freqs, weights, values = zip(*items)
            self.texts, self.freqs, self.values = texts, freqs, values
            weights = tuple(map(float, weights))  # float: as Whoosh's boost of 1.0 makes them
            self.weights = None if weights == freqs else weights
        else:
            self.texts = self.freqs = self.values = ()
            self.weights = None
        self.stored, self.column = stored, column

    @property
    def items(self) -> list[tuple[bytes, int, float, bytes]]:
        """One (term, frequency, weight, value) tuple per posting, as Whoosh's ``FieldType.index``."""
        weights = map(float, self.freqs) if self.weights is None else self.weights
        return list(zip(self.texts, self.freqs, weights, self.values))

    def __reduce__(self):
        return from_columns, (self.texts, self.freqs, self.weights, self.values, self.stored, self.column)


def from_columns(texts: tuple, freqs: tuple, weights: tuple, values: tuple, stored: object, column: object) -> Analyzed:
    """An :class:`Analyzed` from its columns (unpickling, and index.whoosh.writer.with_prepared)."""
    ready = Analyzed.__new__(Analyzed)
    ready.texts, ready.freqs, ready.weights, ready.values, ready.stored, ready.column = (
        texts, freqs, weights, values, stored, column)
    return ready


class PreAnalyzedText(fields.TEXT):
    """A TEXT field that also accepts an :class:`Analyzed` value.

    >>> field = PreAnalyzedText(analyzer=TEXT_ANALYZER)
    >>> items = analyze(field, "Detainers and detainer")
    >>> sorted((t, f) for t, f, _, _ in field.index(Analyzed(items)))
    [(b'and', 1), (b'detain', 2)]
    """

    def index(self, value, **kwargs):
        if isinstance(value, Analyzed):
            return iter(value.items)
        if isinstance(value, str) and not kwargs:  # as add_document asks: the one-pass analysis
            return iter(analyze(self, value))
        return super().index(value, **kwargs)


def analyze(field: fields.FieldType, text) -> list[tuple[bytes, int, float, bytes]]:
    """Posting items for ``text`` (a number or date for those fields) as ``field`` would index it.

    >>> field = build_schema()["content"]
    >>> analyze(field, "Detainers and detainer") == list(fields.TEXT.index(field, "Detainers and detainer"))
    True
    """
    if type(field.format) is formats.Existence:
        if type(field) is fields.ID and type(field.analyzer) is IDTokenizer and isinstance(text, str):
            # The whole value, one term: ids, record types, URLs.
            return [(text.encode("utf-8"), 1, field.format.field_boost, b"")]
        if isinstance(field, fields.NUMERIC):  # page numbers and dates (DATETIME): a tier of terms each
            return _numeric_items(field, text)
    if isinstance(field, fields.TEXT) and field.analyzer is TEXT_ANALYZER and type(field.format) is formats.Positions:
        return _positions_items(field, text)  # content, and the title and subject (index.whoosh.writer.prepare)
    if isinstance(field, PreAnalyzedText):
        return list(fields.TEXT.index(field, text))
    if type(field) is fields.KEYWORD and type(field.format) is formats.Frequency:
        lowercase = _comma_keywords(field.analyzer)
        if lowercase is not None:  # the facets and Bates numbers (_keyword, build_schema)
            return _keyword_items(text, lowercase, field.format.field_boost)
    return list(field.index(text))


_NUMERIC_LIMIT = 50_000  # values kept per field (bounded memory in every worker)
_NUMERIC_FIELDS = 16  # fields whose values are kept
_numeric: dict[int, tuple[object, dict]] = {}  # id(field) -> (field, value -> items)


def _numeric_items(field: fields.NUMERIC, value) -> list[tuple[bytes, int, float, bytes]]:
    """Whoosh's items for a NUMERIC or DATETIME ``value`` (eight tiers of
    terms, each made with shifts and struct packing: a page number or a
    date recurs), kept per value. An Existence posting has no value bytes,
    so items shared between records write what new ones would. Each entry
    holds its field, so the id stays its own."""
    known = _numeric.get(id(field))
    if known is None:
        if len(_numeric) >= _NUMERIC_FIELDS:  # schemas built again and again (tests): not kept
            return list(field.index(value))
        known = _numeric[id(field)] = (field, {})
    items = known[1].get(value)
    if items is None:
        items = tuple(field.index(value))
        if len(known[1]) < _NUMERIC_LIMIT:
            known[1][value] = items
    return list(items)  # a list of its own: a caller that changed it would change every later record's


# Whoosh's analyzers of comma-separated keywords (lower-cased, or as printed)
_COMMA_KEYWORDS = ((KeywordAnalyzer(lowercase=True, commas=True), True),
                   (KeywordAnalyzer(lowercase=False, commas=True), False))
_known: dict[int, tuple[object, bool | None]] = {}  # id(analyzer) -> (analyzer, lower-cases?)
_PARTS = re.compile(r"[^,]+")


def _comma_keywords(analyzer) -> bool | None:
    """True or False when ``analyzer`` is Whoosh's comma-separated keyword
    analyzer, lower-casing or not; None for any other. Compared once per
    analyzer object (each entry holds its analyzer, so the id stays its own)."""
    known = _known.get(id(analyzer))
    if known is None:
        known = _known[id(analyzer)] = (analyzer, next((lower for a, lower in _COMMA_KEYWORDS if a == analyzer), None))
    return known[1]


def _keyword_items(text: str, lowercase: bool, boost: float) -> list[tuple[bytes, int, float, bytes]]:
    """What Whoosh's ``KEYWORD.index`` gives for comma-separated keywords
    (each part between commas stripped, then lower-cased if asked) in the
    Frequency format, without a Token and three generators per keyword:
    the same items in the same order (tests/test_analysis_path.py)."""
    counts: dict[str, int] = {}
    for part in _PARTS.findall(text):
        word = part.strip().lower() if lowercase else part.strip()
        counts[word] = counts.get(word, 0) + 1
    return [(word.encode("utf-8"), count, float(count) * boost, pack_uint(count)) for word, count in counts.items()]


_WORDS = re.compile(WORD_PATTERN)
# WORD_PATTERN for a text of ASCII characters alone: there [^\W_] is exactly
# [A-Za-z0-9], which re tests from a table instead of by Unicode category
# (about 30% less time for the regex; str.isascii is a flag, no scan).
_ASCII_WORDS = re.compile(WORD_PATTERN.replace(r"[^\W_]", "[A-Za-z0-9]"))
_STEM = TEXT_ANALYZER.items[-1].stem  # the analyzer's own SnowballFilter (its cache included; wordforms.stem shares it)
_KEY_LIMIT = 50_000  # as the stemmer's own cache: bounded memory in every worker
_keys: dict[str, bytes] = {}  # printed word -> its indexed form, UTF-8: one lookup a word


def _key(word: str) -> bytes:
    """The indexed form of ``word`` as a term's bytes, kept for the next time."""
    key = _STEM(word).encode("utf-8")
    if len(_keys) < _KEY_LIMIT:
        _keys[word] = key
    return key


def _positions_items(field: fields.FieldType, text: str) -> list[tuple[bytes, int, float, bytes]]:
    """What Whoosh's ``TEXT.index`` gives for TEXT_ANALYZER (a regex
    tokenizer, then one stem per word) and the Positions format, in one
    pass: the words by regex, a dict of positions, Whoosh's own encoding.
    Whoosh's path sets up a Token per word and goes through three
    generators (a third of the analysis time). Same items, same order: the
    first occurrence of each word; tests/test_analysis_path.py compares.

    Per word, one dict lookup gives the term's bytes (stemmed and encoded
    once per process, not once per occurrence); positions are encoded as
    Whoosh does (a count, then the pickled gaps), the gaps computed in C.
    Each encoding is a new bytes object, never one shared between postings:
    Whoosh pickles a block's values together, and pickle writes an object
    met twice as a back-reference, which would change the segment's bytes.
    """
    keys, terms = _keys, {}
    for position, word in enumerate((_ASCII_WORDS if text.isascii() else _WORDS).findall(text)):
        key = keys.get(word)
        if key is None:
            key = _key(word)
        found = terms.get(key)
        if found is None:
            terms[key] = [position]
        else:
            found.append(position)
    boost, items = field.format.field_boost, []
    for key, found in terms.items():
        count = len(found)
        # Positions.encode: the number of positions, then the gaps between them, pickled
        gaps = found if count == 1 else [found[0], *map(sub, found[1:], found)]
        items.append((key, count, float(count) * boost, pack_uint(count) + dumps(gaps, 2)))
    return items


def _keyword() -> fields.KEYWORD:
    return fields.KEYWORD(commas=True, lowercase=True, scorable=False)


def build_schema() -> fields.Schema:
    """The schema of a new index.

    >>> "content" in build_schema().names()
    True
    """
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        rtype=fields.ID(stored=True),
        parent=fields.ID(stored=True),
        page=fields.NUMERIC(stored=True),
        title=fields.TEXT(analyzer=TEXT_ANALYZER, field_boost=2.0),
        content=PreAnalyzedText(analyzer=TEXT_ANALYZER),
        author=fields.TEXT(analyzer=NAME_ANALYZER),
        date=fields.DATETIME(sortable=True),
        path=fields.TEXT(analyzer=NAME_ANALYZER),
        url=fields.ID(),
        bates=fields.KEYWORD(commas=True, lowercase=False),
        sender=fields.TEXT(analyzer=NAME_ANALYZER),
        recipient=fields.TEXT(analyzer=NAME_ANALYZER),
        subject=fields.TEXT(analyzer=TEXT_ANALYZER),
        # Display forms of the facet values (JSON), read once per searcher to
        # build the docnum -> values map that facet counts use.
        facets=fields.STORED(),
        # One multi-valued field per facet (index.facet_registry): lower-cased,
        # comma-separated keywords.
        **{name: _keyword() for name in FACET_NAMES},
    )

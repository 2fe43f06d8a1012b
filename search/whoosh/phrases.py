"""Which documents hold a phrase, checked on the positions of the documents
that hold all its words.

Whoosh checks a phrase with a span matcher that walks every posting of
every word through several Python objects (about 90 ms for a two-word
phrase whose words are in every document of 20,000, most of a first-time
phrase search). Here each word's postings are read a block at a time, the
positions are decoded only for the documents that hold every word, and the
rule is Whoosh's own (``Phrase`` -> ``SpanNear2(ordered=True, mindist=1,
slop)``): each next word starts 1 to ``slop`` positions after the end of
the words matched so far. tests/test_ranking.py compares the result with
Whoosh's for phrases of several words, repeated words and slops.

>>> import tempfile
>>> from whoosh import fields, index, query as wq
>>> ix = index.create_in(tempfile.mkdtemp(), fields.Schema(t=fields.TEXT))
>>> with ix.writer() as w:
...     for text in ["opt out now", "out opt", "opt then out", "opt out opt out"]:
...         w.add_document(t=text)
>>> leaf = ix.searcher()
>>> phrase_docs(leaf, wq.Phrase("t", ["opt", "out"]), [0, 1, 2, 3])
[0, 3]
>>> phrase_docs(leaf, wq.Phrase("t", ["opt", "out"], slop=2), [0, 1, 2, 3])
[0, 2, 3]
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence
from itertools import accumulate

from whoosh import query as wq
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE  # the position count before Positions.encode's pickled deltas

from foiasearch.search import budget
from foiasearch.search.whoosh.postings import posting_values


def phrase_docs(searcher, phrase: wq.Phrase, candidates: Sequence[int]) -> list[int]:
    """The ``candidates`` (docnums of one segment's ``searcher``, ascending,
    deleted records allowed) that hold ``phrase``; a document that lacks a
    word is simply not found."""
    reader = searcher.reader()
    if phrase.fieldname not in reader.schema or not candidates:
        return []
    field = reader.schema[phrase.fieldname]
    decode = _decoder(field.format)
    wanted = set(candidates)
    per_word: list[dict[int, bytes]] = []  # each word's encoded positions in the documents that hold the words so far
    for word in phrase.words:
        try:
            btext = field.to_bytes(word)
        except ValueError:
            return []
        if (phrase.fieldname, btext) not in reader:
            return []
        found: dict[int, bytes] = {}
        for ids, values in posting_values(reader.postings(phrase.fieldname, btext)):
            budget.check()
            block = dict(zip(ids, values))  # in C: no Python step per posting
            found.update((docnum, block[docnum]) for docnum in wanted.intersection(block))
        per_word.append(found)
        wanted = set(found)  # the next words are only read for these
    # A long slop over many positions is costly per document: checked within the budget too.
    # Positions are decoded only here, for documents that hold every word, a word at a time.
    return [docnum for docnum in budget.checked(candidates, every=16)
            if docnum in wanted and _in_order((decode(word[docnum]) for word in per_word), phrase.slop)]


def _decoder(format):
    """The field format's position decoder; Whoosh's own ``Positions``
    decoder done in C (the same positions), where the format uses it."""
    decode = format.decoder("positions")
    return _positions if getattr(decode, "__func__", None) is Positions.decode_positions else decode


def _positions(value: bytes) -> Iterable[int]:
    """What ``Positions.decode_positions`` gives: the count, then the
    pickled deltas (a stop byte added when the writer left it off), summed.

    >>> list(_positions(Positions().encode([3, 7, 20])))
    [3, 7, 20]
    """
    return accumulate(pickle.loads(value[_INT_SIZE:] if value.endswith(b".") else value[_INT_SIZE:] + b"."))


def _in_order(positions: Iterable[Iterable[int]], slop: int) -> bool:
    """Whether the words' positions (one iterable per word, in phrase order)
    follow one another, each 1 to ``slop`` positions after the end of the
    span before it. Only the spans' ends matter for the next word, so only
    they are kept; with the default slop of 1 a word must be at an end + 1.

    >>> _in_order([[1, 5], [2, 9], [3]], 1), _in_order([[1], [3]], 1), _in_order([[1], [3]], 2)
    (True, False, True)
    """
    words = iter(positions)
    ends = set(next(words))
    for following in words:
        if slop == 1:
            ends = set(map((1).__add__, ends)).intersection(following)
        else:
            ends = {p for p in following if any(end < p <= end + slop for end in ends)}
        if not ends:
            return False
    return True

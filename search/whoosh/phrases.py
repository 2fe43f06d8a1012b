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

from collections.abc import Sequence

from whoosh import query as wq

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
    decode = field.format.decoder("positions")
    wanted = set(candidates)
    per_word: list[dict[int, list[int]]] = []
    for word in phrase.words:
        try:
            btext = field.to_bytes(word)
        except ValueError:
            return []
        if (phrase.fieldname, btext) not in reader:
            return []
        positions: dict[int, list[int]] = {}
        for ids, values in posting_values(reader.postings(phrase.fieldname, btext)):
            budget.check()
            for i, docnum in enumerate(ids):
                if docnum in wanted:
                    positions[docnum] = decode(values[i])
        per_word.append(positions)
        wanted = set(positions)  # the next words are only read for these
    # A long slop over many positions is costly per document: checked within the budget too.
    return [docnum for docnum in budget.checked(candidates, every=16)
            if docnum in wanted and _in_order(per_word, docnum, phrase.slop)]


def _in_order(per_word: list[dict[int, list[int]]], docnum: int, slop: int) -> bool:
    """Whether the words' positions in ``docnum`` follow one another, each
    1 to ``slop`` positions after the end of the span before it."""
    spans = {(p, p) for p in per_word[0][docnum]}
    for positions in per_word[1:]:
        following = positions[docnum]
        spans = {(start, p) for start, end in spans for p in following if end < p <= end + slop}
        if not spans:
            return False
    return True

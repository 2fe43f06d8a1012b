"""What a typed query means, before and after Whoosh parses it.

- Exemption citations as releases print them, ``(b)(6)``, ``(b) (7)(C)``,
  ``b6``, search the exemption field and the printed text; inside
  ``exemption:`` they become the canonical code (ingest.foia).
- A ``name:`` that is no field is a one-line error (Whoosh would search
  the words "name" and what follows), and so is an unclosed range.
- A prefix search matches the words people see: the index keeps stems
  ("immigration" -> "immigr"), so ``immigra*`` also takes the stems of the
  words that start with "immigra" (index.whoosh.wordforms).

>>> rewrite_exemptions("(b) (7)(C) and b6, not Rule 12(b)(6)")
'(exemption:b7C OR "b 7 c") and (exemption:b6 OR b6), not Rule 12(b)(6)'
>>> rewrite_exemptions('exemption:(b)(6) "(b)(5)"')
'exemption:b6 "(b)(5)"'
>>> sorted(surface_stems("immigra"))
['immigr']
"""

from __future__ import annotations

import re

from whoosh import query as wq

from foiasearch.index.whoosh.wordforms import stem
from foiasearch.search.api import QueryError

# The fields people type, in the order the README lists them (aliases included).
DOCUMENTED_FIELDS = ("title", "content", "author", "tag", "category", "actor", "exemption", "bates", "from",
                     "to", "subject", "kind", "collection", "site", "language", "year", "date")

_QUOTED = re.compile(r'"[^"]*"?')
# (b)(6), (b) (7)(C), (b)(7)(c); not glued to a word before it ("12(b)(6)").
_CITATION = re.compile(r"(?<![\w)])\(\s*b\s*\)\s*\(\s*([1-9])\s*\)(?:\s*\(\s*([A-Fa-f])\s*\))?")
_BARE = re.compile(r"(?<![\w:(\"'])b([1-9])([A-Fa-f]?)(?![\w(:])")
_FIELDED = re.compile(r"(?<![\w\"])(exemptions?):\s*(\(\s*b\s*\)\s*\(?\s*[1-9]\s*\)?(?:\s*\(\s*[A-Fa-f]\s*\))?"
                      r"|b\d[A-Fa-f]?)")
_FIELD_NAME = re.compile(r"(?<![\w\"'.])([A-Za-z_]+):(?=\S)")
_RANGE_OPEN = re.compile(r"(?<![\w\"])([A-Za-z_]+):\s*([\[{])")


def _outside_quotes(text: str, pattern: re.Pattern, replace) -> str:
    """``pattern.sub(replace)`` on the parts of ``text`` outside double quotes."""
    out, last = [], 0
    for quoted in _QUOTED.finditer(text):
        out.append(pattern.sub(replace, text[last:quoted.start()]))
        out.append(quoted.group(0))
        last = quoted.end()
    out.append(pattern.sub(replace, text[last:]))
    return "".join(out)


def _code(citation: str) -> str | None:
    # Imported for a text citing an exemption: ingest.foia's patterns are a
    # millisecond or two of every one-shot search's start-up otherwise.
    from foiasearch.ingest.foia import find_exemptions

    found = find_exemptions(f"FOIA {citation}")
    return found[0] if len(found) == 1 else None


def rewrite_exemptions(text: str) -> str:
    """Exemption citations outside quotes as exemption searches that also
    find the printed citation."""

    def fielded(m: re.Match) -> str:
        code = _code(m.group(2))
        return f"{m.group(1)}:{code}" if code else m.group(0)

    def cited(m: re.Match) -> str:
        code = _code(m.group(0))
        if not code:
            return m.group(0)
        words = " ".join(["b", m.group(1)] + ([m.group(2).lower()] if m.group(2) else []))
        return f'(exemption:{code} OR "{words}")'

    def bare(m: re.Match) -> str:
        return f"(exemption:b{m.group(1)}{m.group(2).upper()} OR {m.group(0)})"

    text = _outside_quotes(text, _FIELDED, fielded)
    text = _outside_quotes(text, _CITATION, cited)
    return _outside_quotes(text, _BARE, bare)


def check_fields(text: str, fields: set[str], aliases: dict[str, list[str]]) -> None:
    """QueryError for a ``name:`` that is no field, or a range left open."""
    known = set(fields) | {a for names in aliases.values() for a in names}
    bare = _QUOTED.sub(" ", text)
    for m in _FIELD_NAME.finditer(bare):
        if m.group(1).lower() not in known:
            raise QueryError(f"unknown field '{m.group(1)}:'; fields: {', '.join(DOCUMENTED_FIELDS)}")
    for m in _RANGE_OPEN.finditer(bare):
        close = "]" if m.group(2) == "[" else "}"
        rest = bare[m.end():]
        if close not in rest and ("]" if close == "}" else "}") not in rest:
            raise QueryError(f"the range '{bare[m.start():].strip()}' is not closed; "
                             f"write {m.group(1)}:[FROM TO UNTIL], e.g. date:[2011-01-01 TO 2011-12-31]")


# Endings a typed prefix may stop inside: the prefix plus the rest of one
# of them is a word whose stem may be shorter than the prefix.
_ENDINGS = ("ation", "ations", "ion", "ions", "ant", "ants", "ent", "ents", "ence", "ance", "ate", "ated",
            "ating", "ed", "ing", "ings", "es", "e", "s", "y", "ies", "ity", "ities", "al", "ally", "ment",
            "ments", "er", "ers", "or", "ors", "ive", "ize", "ized", "ise", "ised", "ism", "ist", "ists",
            "ness", "ful", "able", "ible", "ly", "ee", "ees", "ory", "ary")
_TAILS = sorted({e[k:] for e in _ENDINGS for k in range(len(e))} | {""})


def surface_stems(prefix: str) -> set[str]:
    """Stems of words that start with ``prefix`` but are stemmed shorter
    than it (so a Prefix query on the stems misses them)."""
    found = set()
    for tail in _TAILS:
        s = stem(prefix + tail)
        if s != prefix and prefix.startswith(s) and len(s) >= max(3, len(prefix) - 3):
            found.add(s)
    return found


def expand_prefixes(q: wq.Query, analysed: frozenset[str]) -> wq.Query:
    """``q`` with each prefix search on a stemmed field also matching the
    stems of the words that begin with the typed prefix."""
    if isinstance(q, wq.Prefix) and q.fieldname in analysed:
        extra = [wq.Term(q.fieldname, s) for s in sorted(surface_stems(q.text))]
        return wq.Or([q] + extra) if extra else q
    return q.apply(lambda child: expand_prefixes(child, analysed))


_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
_TYPED_WORD = re.compile(r"(?<![\w:*?])[^\W\d_]+(?![\w:*?(])")


def typed_words(text: str) -> list[str]:
    """The bare words of a query text: not in quotes, not a field name or
    value, not an operator, not a pattern or an exemption citation.

    >>> typed_words('Secure Comunities title:ice "opt out" OR b6 immigra*')
    ['Secure', 'Comunities']
    """
    found: list[str] = []
    _outside_quotes(rewrite_exemptions(text), _TYPED_WORD,
                    lambda m: found.append(m.group(0)) or m.group(0))
    return [w for w in found if w not in _OPERATORS and not re.fullmatch(r"b[1-9][A-Fa-f]?", w)]


def replace_words(text: str, changes: dict[str, str]) -> str:
    """``text`` with the bare words in ``changes`` replaced, the rest as typed.

    >>> replace_words('Secure Comunities "Comunities"', {"Comunities": "communities"})
    'Secure communities "Comunities"'
    """
    return _outside_quotes(text, _TYPED_WORD, lambda m: changes.get(m.group(0), m.group(0)))


MAX_FACET_VALUES = 50  # values a partial facet value may stand for


def resolve_facet_values(q: wq.Query, reader, facet_fields: set[str]) -> wq.Query:
    """``q`` with each facet value the index does not hold (``actor:Quinn``)
    replaced by the values it is a word of ("pat quinn"); a QueryError
    naming the facet when there is none.

    Facet fields hold whole lower-cased values (index.schema)."""
    if isinstance(q, wq.Term) and q.fieldname in facet_fields:
        if (q.fieldname, q.text) in reader:
            return q
        typed = q.text.lower()
        values = [v.decode("utf-8") if isinstance(v, bytes) else v for v in reader.lexicon(q.fieldname)]
        found = [v for v in values if v.startswith(typed) or any(w.startswith(typed) for w in re.split(r"[\W_]+", v))]
        if not found:
            raise QueryError(f"no {q.fieldname} '{q.text}' in this index; "
                             f"see the {q.fieldname} values in the sidebar or with --json facets")
        return wq.Or([wq.Term(q.fieldname, v) for v in found[:MAX_FACET_VALUES]])
    return q.apply(lambda child: resolve_facet_values(child, reader, facet_fields))


# Bounds on what one query may expand to, so that no query holds a worker
# for seconds (each expanded word is one more posting list to read).
MAX_SLOP = 50  # "a b"~N: words at most N apart
MAX_EXPANDING = 12  # prefix, wildcard, range and fuzzy parts (title and content count apart)
MAX_LEADING_WILDCARDS = 4  # "*a": the whole vocabulary is read to expand each
MAX_EXPANSION = 2000  # words all patterns together may stand for
_EXPANDING = (wq.PatternQuery, wq.ExpandingTerm, wq.TermRange, wq.Variations)
_RANGES = (wq.TermRange, wq.NumericRange, wq.DateRange)


MAX_NESTING = 32  # parentheses inside parentheses: Whoosh's parser takes time growing with the square


def check_nesting(text: str) -> None:
    """QueryError when ``text`` nests parentheses deeper than MAX_NESTING
    (outside quotes): 500 levels took the parser 0.3 s of CPU in one step.

    >>> check_nesting("((a OR b) AND (c OR (d e)))")
    >>> check_nesting("(" * 40 + "a")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    foiasearch.search.api.QueryError: the query nests parentheses 40 deep; at most 32
    """
    depth = deepest = 0
    for char in _QUOTED.sub(" ", text):
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    if deepest > MAX_NESTING:
        raise QueryError(f"the query nests parentheses {deepest} deep; at most {MAX_NESTING}")


def bound_costs(q: wq.Query) -> wq.Query:
    """``q`` with the parts Whoosh cannot match in interruptible steps made
    cheap: a bare ``*`` searched in a field means "a document with any word
    in that field", which Whoosh finds by reading every posting list of the
    field in one step (0.3-0.8 s each at 20,000 documents); it becomes
    "every document", which it means to whoever types it.

    >>> bound_costs(wq.Or([wq.Every("content"), wq.Term("content", "memo")]))
    Or([Every(None, boost=1.0), Term('content', 'memo')])
    """
    if isinstance(q, wq.Every) and q.fieldname:
        return wq.Every(boost=q.boost)
    return q.apply(bound_costs)


def check_expansion(q: wq.Query, reader) -> None:
    """QueryError (one line) when ``q`` would expand too far: a phrase slop
    over MAX_SLOP, too many patterns or ranges, a pattern matching more than
    MAX_EXPANSION words.

    Expansion is counted on the index, stopping as soon as the bound is
    passed, so the check costs at most what the bound allows."""
    parts = list(all_parts(q))
    for part in parts:
        if isinstance(part, wq.Phrase) and part.slop > MAX_SLOP:
            raise QueryError(f"a phrase may allow at most {MAX_SLOP} words between its words (~{part.slop} asked)")
    expanding = [p for p in parts if isinstance(p, _EXPANDING) or isinstance(p, _RANGES)]
    if len(expanding) > MAX_EXPANDING:
        raise QueryError(f"the query has {len(expanding)} patterns and ranges (title and content count apart); "
                         f"the limit is {MAX_EXPANDING}: use fewer")
    leading = [p for p in expanding if isinstance(p, wq.Wildcard) and p.text[:1] in "*?"]
    if len(leading) > MAX_LEADING_WILDCARDS:
        raise QueryError("too many patterns that start with * or ?; start a pattern with a few letters")
    budget = MAX_EXPANSION
    for part in expanding:
        if isinstance(part, (wq.NumericRange, wq.DateRange)) or part.fieldname not in reader.schema:
            continue
        for _ in part._btexts(reader):
            budget -= 1
            if budget < 0:
                shown = getattr(part, "text", None) or f"[{getattr(part, 'start', '')} TO {getattr(part, 'end', '')}]"
                raise QueryError(f"'{shown}' and the other patterns match more than {MAX_EXPANSION} different words; "
                                 "type more letters")


def all_parts(q: wq.Query):
    """A parsed query and every query inside it, depth first."""
    yield q
    for child in q.children():
        yield from all_parts(child)


__all__ = ["MAX_EXPANSION", "bound_costs", "check_expansion", "check_nesting", "DOCUMENTED_FIELDS", "check_fields", "expand_prefixes", "replace_words", "resolve_facet_values",
           "rewrite_exemptions", "surface_stems", "typed_words"]

"""The query language (search.postgres.parse) as parameterised SQL.

Every value users type travels as a query parameter; the SQL text holds
only column names and constants chosen here. Conditions are over the
``documents`` table aliased ``d``; :class:`Compiled` also carries the
tsquery that ranks documents and finds their matching pages.

>>> c = compile_text('"opt out" from:smith')
>>> c.where
"((d.tsv @@ phraseto_tsquery('fs_english', %s)) AND (to_tsvector('simple', d.sender) @@ plainto_tsquery('simple', %s)))"
>>> c.params, c.rank, c.rank_params
(['opt out', 'smith'], "(phraseto_tsquery('fs_english', %s))", ['opt out'])
>>> compile_filters({"tag": ["ICE", " "], "year": ["2011"]})
('d.fkeys && %s::text[] AND d.fkeys && %s::text[]', [['tag:ice'], ['year:2011']])
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from foiasearch.index.facet_registry import FACET_NAMES
from foiasearch.index.postgres.records import clean
from foiasearch.index.postgres.schema import CONFIG
from foiasearch.index.wordfamilies import family
from foiasearch.search.api import QueryError
from foiasearch.search.postgres.parse import And, Node, Not, Or, Range, Text, parse

# field -> (column, text search configuration): stemmed for prose, not for names
TEXT_COLUMNS = {"title": ("d.title", CONFIG), "subject": ("d.subject", CONFIG), "sender": ("d.sender", "simple"),
                "recipient": ("d.recipient", "simple"), "author": ("d.author", "simple"),
                "path": ("d.path", "simple"), "url": ("coalesce(d.url, '')", "simple")}
WORD = re.compile(r"[^\W_]+")
# Numbers of documents travel as one bytea of big-endian int4 (int4send), not as
# rows or arrays: 100,000 numbers are 400 kB and one np.frombuffer (search.postgres.ordinals).
PACKED = "string_agg(int4send({}), ''::bytea)"
DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


@dataclass
class Compiled:
    """A WHERE condition with its parameters, and the ranking tsquery (None: nothing to rank by)."""

    where: str = "TRUE"
    params: list = field(default_factory=list)
    rank: str | None = None
    rank_params: list = field(default_factory=list)
    page_terms: list[tuple[str, list]] = field(default_factory=list)  # extra page-level conditions over p
    boost: tuple[str, list] | None = None  # added to the rank (a best match's coverage, search.postgres.relax)
    rank_parts: list[tuple[str, list]] = field(default_factory=list)  # rank is their OR

    def page_condition(self) -> tuple[str, list] | None:
        """What makes a page of a matching document a page hit (over ``p``)."""
        parts, params = [], []
        if self.rank:
            parts.append(f"p.tsv @@ {self.rank}")
            params += self.rank_params
        for cond, values in self.page_terms:
            parts.append(cond)
            params += values
        return (" OR ".join(f"({p})" for p in parts), params) if parts else None


def tsquery(value: str, form: str, config: str) -> tuple[str, list] | None:
    """The tsquery of one typed word, phrase or prefix, with its parameters
    (None: nothing searchable). In stemmed text a word of a family
    (index.wordfamilies) matches any of its members: "died" finds "death".

    >>> tsquery("Died", "word", CONFIG)
    ("(plainto_tsquery('fs_english', %s) || plainto_tsquery('fs_english', %s) || plainto_tsquery('fs_english', %s))", ['died', 'death', 'dead'])
    >>> tsquery("died in custody", "phrase", CONFIG)
    ("to_tsquery('fs_english', %s)", ['(died | death | dead) <-> in <-> custody'])
    """
    if form == "prefix":
        words = WORD.findall(value.lower())
        if not words:
            return None
        return f"to_tsquery('{config}', %s)", [" & ".join(words) + ":*"]
    if not WORD.search(value):
        return None  # nothing searchable ("-", "&"): dropped, as Whoosh drops it
    if config == CONFIG:
        expanded = _families(value, form, config)
        if expanded:
            return expanded
    function = "phraseto_tsquery" if form == "phrase" else "plainto_tsquery"
    return f"{function}('{config}', %s)", [value]


def _families(value: str, form: str, config: str) -> tuple[str, list] | None:
    """A word or phrase of plain words with a family member among them, each
    such word as the OR of its family; None for anything else (it is
    searched as typed)."""
    words = value.split()
    if not words or not all(WORD.fullmatch(w) for w in words):
        return None
    families = [family(w) for w in words]
    if all(len(f) == 1 for f in families):
        return None
    if form == "word" and len(words) == 1:
        return "(" + " || ".join(f"plainto_tsquery('{config}', %s)" for _ in families[0]) + ")", families[0]
    if form != "phrase":
        return None
    # Letters and digits only (WORD): nothing in them is tsquery syntax.
    text = " <-> ".join(f[0] if len(f) == 1 else "(" + " | ".join(f) + ")" for f in families)
    return f"to_tsquery('{config}', %s)", [text]


def _period(value: str, end: bool) -> dt.datetime:
    match = DATE.match(value.strip())
    if not match:
        raise QueryError(f"could not understand the date {value!r}; use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    try:
        start = dt.datetime(year, month, day, tzinfo=dt.timezone.utc)
    except ValueError:
        raise QueryError(f"could not understand the date {value!r}; use YYYY, YYYY-MM or YYYY-MM-DD") from None
    if not end:
        return start
    if match[3]:
        return start + dt.timedelta(days=1)
    if match[2]:
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start.replace(year=year + 1)


@dataclass
class _Words:
    """Words of the title and body as one tsquery over ``d.tsv`` (``negated``:
    the documents NOT matching it). AND, OR and NOT of words stay one tsquery,
    so that the GIN index answers them in one condition: as separate ``@@``
    conditions the planner would take the first from the index and test the
    rest on every match's tsvector, read from TOAST (a second at 100,000
    documents for ``compliance database OR agency``)."""

    sql: str
    params: list
    negated: bool = False

    def tsquery(self) -> str:
        return f"!!({self.sql})" if self.negated else self.sql

    def condition(self) -> tuple[str, list]:
        return (f"NOT (d.tsv @@ {self.sql})" if self.negated else f"d.tsv @@ {self.sql}"), self.params


def _condition(part: "tuple[str, list] | _Words") -> tuple[str, list]:
    return part.condition() if isinstance(part, _Words) else part


def _combined(parts: list, conjunction: bool) -> "tuple[str, list] | _Words":
    """AND (``conjunction``) or OR of compiled parts, the words among them as one tsquery."""
    words = [p for p in parts if isinstance(p, _Words)]
    others = [p for p in parts if not isinstance(p, _Words)]
    if words and (conjunction or not any(w.negated for w in words)):
        params = [v for w in words for v in w.params]
        if all(w.negated for w in words):  # NOT a AND NOT b = NOT (a OR b); NOT a OR NOT b = NOT (a AND b)
            joined = _Words("(" + (" || " if conjunction else " && ").join(w.sql for w in words) + ")", params, True)
        else:
            joined = _Words("(" + (" && " if conjunction else " || ").join(w.tsquery() for w in words) + ")", params)
        if len(words) == 1:
            joined = words[0]
        if not others:
            return joined
        parts = [joined] + others
    conditions = [_condition(p) for p in parts]
    joiner = " AND " if conjunction else " OR "
    return "(" + joiner.join(f"({c[0]})" for c in conditions) + ")", [v for c in conditions for v in c[1]]


class _Compiler:
    def __init__(self) -> None:
        self.rank: list[tuple[str, list]] = []
        self.page_terms: list[tuple[str, list]] = []

    def node(self, node: Node, negated: bool = False) -> "tuple[str, list] | _Words | None":
        if isinstance(node, Not):
            inner = self.node(node.child, not negated)
            if isinstance(inner, _Words):
                return _Words(inner.sql, inner.params, not inner.negated)
            return (f"NOT ({inner[0]})", inner[1]) if inner else None
        if isinstance(node, (And, Or)):
            parts = [p for p in (self.node(c, negated) for c in node.children) if p]
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else _combined(parts, isinstance(node, And))
        if isinstance(node, Range):
            return self.range(node, negated)
        if isinstance(node, Text):
            return self.text(node, negated)
        return None

    def text(self, node: Text, negated: bool) -> "tuple[str, list] | _Words | None":
        name = node.field
        if name in (None, "content"):
            query = tsquery(node.value, node.form, CONFIG)
            if query and not negated:
                self.rank.append(query)
            return _Words(query[0], query[1]) if query else None
        if name in TEXT_COLUMNS:
            column, config = TEXT_COLUMNS[name]
            query = tsquery(node.value, node.form, config)
            return (f"to_tsvector('{config}', {column}) @@ {query[0]}", query[1]) if query else None
        if name == "bates":
            if not negated:
                self.page_terms.append(("upper(p.bates) = upper(%s)", [node.value]))
            return "upper(%s) = ANY(d.bates)", [node.value]
        if name == "date":
            return self.range(Range("date", node.value, node.value), negated)
        if name in FACET_NAMES:
            key = node.value.strip().lower()
            if name == "exemption" and not negated:
                self.page_terms.append(("%s = ANY(p.exemptions)", [key]))
            return "d.fkeys @> %s::text[]", [[f"{name}:{key}"]]
        return None

    def range(self, node: Range, negated: bool) -> tuple[str, list]:
        if node.field in ("date", "year"):
            parts, params = [], []
            if node.low:
                parts.append("d.date >= %s")
                params.append(_period(node.low, end=False))
            if node.high:
                parts.append("d.date < %s")
                params.append(_period(node.high, end=True))
            return (" AND ".join(parts) or "d.date IS NOT NULL"), params
        if node.field == "bates":
            low, high = (node.low or "").upper(), (node.high or "").upper()
            # Bates numbers of one production share a prefix and a width: text order is number order.
            cond = ("EXISTS (SELECT 1 FROM pages p WHERE p.doc_id = d.id AND upper(p.bates) >= %s "
                    "AND upper(p.bates) <= %s AND length(p.bates) = length(%s))")
            if not negated:
                self.page_terms.append(("upper(p.bates) >= %s AND upper(p.bates) <= %s AND length(p.bates) = length(%s)",
                                        [low, high or low, low or high]))
            return cond, [low, high or "\uffff", low or high]
        raise QueryError(f"ranges work on date: and bates:, not {node.field}:")


def compile_text(text: str) -> Compiled:
    """The condition and ranking query of a query text ("": every document)."""
    text = clean(text)  # PostgreSQL text holds no NUL and no lone surrogates
    compiler = _Compiler()
    compiled = compiler.node(parse(text.strip())) if text.strip() else None
    result = Compiled()
    if compiled:
        result.where, result.params = _condition(compiled)
    if compiler.rank:
        result.rank = "(" + " || ".join(q for q, _ in compiler.rank) + ")"
        result.rank_params = [v for _, p in compiler.rank for v in p]
        result.rank_parts = list(compiler.rank)
    result.page_terms = compiler.page_terms
    return result


def filter_keys(filters: dict[str, list[str]], leave_out: str | None = None) -> list[tuple[str, list[str]]]:
    """(facet, its selected 'facet:key' keys) per facet with a selection, by name.

    >>> filter_keys({"tag": ["ICE", " "], "year": ["2011"], "kind": [""]}, leave_out="year")
    [('tag', ['tag:ice'])]
    """
    found = []
    for name, values in sorted(filters.items()):
        keys = [f"{name}:{clean(v).strip().lower()}" for v in values if clean(v).strip()]
        if name != leave_out and keys:
            found.append((name, keys))
    return found


@dataclass(frozen=True)
class Leaf:
    """One condition over ``d`` of a query's words whose matches a web worker
    keeps per generation (search.postgres.ordinals); ``nullable``: it may be
    NULL for a row (a date range on an undated document), so NOT of it is
    not the complement of its matches."""

    sql: str
    params: tuple
    nullable: bool = False


OPAQUE = "opaque"  # a query text that is not AND/OR/NOT of leaves: its condition is evaluated whole


def leaf_tree(text: str):
    """A query text as ("and" | "or", [trees]), ("not", tree) and Leaf
    conditions, combined as compile_text combines them; None for a text
    with nothing to search, OPAQUE when NOT covers a nullable condition.

    >>> leaf_tree("county (sheriff OR -agency)")[1][1]
    ('or', [Leaf(sql="d.tsv @@ plainto_tsquery('fs_english', %s)", params=('sheriff',), nullable=False), ('not', Leaf(sql="d.tsv @@ plainto_tsquery('fs_english', %s)", params=('agency',), nullable=False))])
    >>> leaf_tree("-date:2011") == OPAQUE, leaf_tree("&") is None
    (True, True)
    """
    text = clean(text).strip()
    return _tree(_Compiler(), parse(text)) if text else None


def _tree(compiler: _Compiler, node: Node | None):
    if node is None:
        return None
    if isinstance(node, Not):
        inner = _tree(compiler, node.child)
        if inner is None or inner == OPAQUE:
            return inner
        return OPAQUE if _nullable(inner) else ("not", inner)
    if isinstance(node, (And, Or)):
        parts = [p for p in (_tree(compiler, c) for c in node.children) if p is not None]
        if OPAQUE in parts:
            return OPAQUE
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else ("and" if isinstance(node, And) else "or", parts)
    compiled = compiler.node(node)
    if compiled is None:
        return None
    sql, params = _condition(compiled)
    plain_text = isinstance(node, Text) and (node.field in (None, "content") or node.field in TEXT_COLUMNS
                                             or node.field in FACET_NAMES)  # conditions on NOT NULL columns
    return Leaf(sql, tuple(params), nullable=not plain_text)


def _nullable(tree) -> bool:
    if isinstance(tree, Leaf):
        return tree.nullable
    return any(_nullable(t) for t in (tree[1] if tree[0] != "not" else [tree[1]]))


def compile_filters(filters: dict[str, list[str]], leave_out: str | None = None) -> tuple[str, list]:
    """Facet selections: OR within a facet (array overlap), AND across."""
    selected = filter_keys(filters, leave_out)
    return (" AND ".join("d.fkeys && %s::text[]" for _ in selected) or "TRUE"), [keys for _, keys in selected]

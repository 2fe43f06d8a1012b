"""The query language (what users type) as a small syntax tree.

Words, "phrases", prefix*, AND/OR/NOT (also -word), parentheses and
``field:value`` (``field:"a phrase"``, ``field:[low TO high]``), AND by
default; the same language the Whoosh backend reads. An unbalanced quote or
parenthesis is closed, a lone operator ignored, as Whoosh does.

>>> parse('"opt out" from:smith OR -tag:ice')
And(children=[Text(field=None, value='opt out', form='phrase'), Or(children=[Text(field='sender', value='smith', form='word'), Not(child=Text(field='tag', value='ice', form='word'))])])
>>> parse("date:[2010 TO 2011-06]")
Range(field='date', low='2010', high='2011-06')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALIASES = {"from": "sender", "to": "recipient", "tags": "tag", "actors": "actor", "exemptions": "exemption",
           "by": "author", "text": "content"}
FIELDS = {"title", "content", "author", "path", "url", "sender", "recipient", "subject", "bates", "date",
          "tag", "actor", "kind", "collection", "year", "exemption", "category", "site", "language"}

TOKEN = re.compile(r'\s+|(?P<minus>-)(?=[^\s-])|(?P<open>\()|(?P<close>\))|(?P<field>[A-Za-z_]+):(?=\S)'
                   r'|(?P<phrase>"[^"]*"?)|(?P<range>\[[^\]]*\]?)|(?P<word>[^\s()"]+)')


@dataclass
class Text:
    field: str | None  # None: title and body
    value: str
    form: str  # word | phrase | prefix


@dataclass
class Range:
    field: str
    low: str | None
    high: str | None


@dataclass
class Not:
    child: object


@dataclass
class And:
    children: list


@dataclass
class Or:
    children: list


Node = Text | Range | Not | And | Or | None


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind is None:
            continue
        value = m.group(kind)
        if kind == "field":
            name = ALIASES.get(value.lower(), value.lower())
            if name not in FIELDS:  # not a field: "foo:bar" is words
                out.append(("word", value))
                continue
            value = name
        elif kind == "minus":
            kind = "NOT"
        elif kind == "word" and value in ("AND", "OR", "NOT"):
            kind = value
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        self.i += 1
        return self.tokens[self.i - 1]

    # As in Whoosh, OR binds tighter than AND: "a b OR c" is a AND (b OR c).
    def parse_and(self) -> Node:
        parts = []
        while self.peek() not in (None, "close"):
            if self.peek() in ("AND", "OR"):
                self.take()  # a lone operator
                continue
            parts.append(self.parse_or())
        parts = [p for p in parts if p is not None]
        return None if not parts else parts[0] if len(parts) == 1 else And(parts)

    def parse_or(self) -> Node:
        parts = [self.parse_unary()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, "close", "AND", "OR"):
                break
            parts.append(self.parse_unary())
        parts = [p for p in parts if p is not None]
        return None if not parts else parts[0] if len(parts) == 1 else Or(parts)

    def parse_unary(self) -> Node:
        if self.peek() == "NOT":
            self.take()
            if self.peek() in (None, "OR", "close", "AND"):
                return None
            child = self.parse_unary()
            return Not(child) if child is not None else None
        return self.parse_primary(None)

    def parse_primary(self, field: str | None) -> Node:
        kind, value = self.take()
        if kind == "open":
            inner = self.parse_or_in(field)
            if self.peek() == "close":
                self.take()
            return inner
        if kind == "close":
            return None
        if kind == "field":
            if self.peek() is None:
                return None
            return self.parse_primary(value)
        if kind == "phrase":
            words = value.strip('"').strip()
            return Text(field, words, "phrase") if words else None
        if kind == "range":
            low, _, high = value.strip("[]").partition(" TO ")
            if not _:
                low, _, high = value.strip("[]").partition(" to ")
            return Range(field or "date", low.strip() or None, high.strip() or None)
        if kind in ("AND", "OR", "NOT"):
            return None
        if value.endswith("*") and len(value) > 1:
            return Text(field, value.rstrip("*"), "prefix")
        return Text(field, value, "word")

    def parse_or_in(self, field: str | None) -> Node:
        node = self.parse_and()
        # field:(a OR b): the field applies to every word inside
        return node if field is None else _with_field(node, field)


def _with_field(node: Node, field: str) -> Node:
    if isinstance(node, Text) and node.field is None:
        return Text(field, node.value, node.form)
    if isinstance(node, Not):
        return Not(_with_field(node.child, field))
    if isinstance(node, (And, Or)):
        return type(node)([_with_field(c, field) for c in node.children])
    return node


def parse(text: str) -> Node:
    """The syntax tree of ``text``; None for a text with nothing to search."""
    parser = _Parser(_tokens(text))
    node = parser.parse_and()
    while parser.peek() == "close":  # a stray ")": skip it, read on
        parser.take()
        rest = parser.parse_and()
        node = rest if node is None else node if rest is None else And([node, rest])
    return node

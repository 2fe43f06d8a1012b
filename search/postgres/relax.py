"""Best match on the PostgreSQL backend (the rule: search.relax).

When fewer than RELAX_BELOW documents hold every word of a query of plain
words, the selection widens to the documents holding at least half of its
bare words (phrases and ``field:value`` clauses stay required). The
condition and the score stay SQL over parameters: a tsquery per word, the
words' document frequencies counted from the GIN index, each word's idf
weight passed as a parameter. Only documents holding one of the rarest
words can hold half of them, so the widened condition starts from those
(a GIN lookup) and never reads every document.

>>> p = plan('detainee "in custody" died')
>>> [w.typed for w in p.words], p.required
(['detainee', 'died'], '"in custody"')
>>> w = compile_wide('detainee "in custody" died', p, docs=100, dfs=[5, 50])
>>> w.where.count("@@"), w.params[-1]
(4, 1)
>>> plan("detainee OR died") is None, plan("detainee") is None, plan("detainee -died") is None
(True, True, True)

"""

from __future__ import annotations

from dataclasses import dataclass

from foiasearch.index.postgres.schema import CONFIG
from foiasearch.search.postgres.parse import Text, parse
from foiasearch.search.postgres.sql import Compiled, compile_text, tsquery
from foiasearch.search.relax import COVERAGE_SCALE, RELAX_BELOW, needed, split_clauses, weight


@dataclass(frozen=True)
class Word:
    typed: str  # as typed, for "Missing: ..."
    sql: str  # its tsquery
    params: tuple

    def held(self) -> tuple[str, list]:
        """Whether document ``d`` holds the word (a boolean over ``d``)."""
        return f"(d.tsv @@ {self.sql})", list(self.params)


@dataclass(frozen=True)
class Plan:
    """A query of words that may be widened: its bare words and the rest (required)."""

    words: list[Word]
    required: str  # the clauses every best match must hold, as typed

    def frequencies(self) -> tuple[str, list]:
        """One statement counting the documents holding each word (bitmap scans of the GIN index)."""
        parts = [f"(SELECT count(*) FROM documents d WHERE d.tsv @@ {w.sql})" for w in self.words]
        return "SELECT " + ", ".join(parts), [v for w in self.words for v in w.params]

    def flags(self, ids: list[str]) -> tuple[str, list]:
        """(id, [holds word i]) of the documents ``ids``: what each best match lacks."""
        held = [w.held() for w in self.words]
        return (f"SELECT d.id, ARRAY[{', '.join(h[0] for h in held)}] FROM documents d WHERE d.id = ANY(%s)",
                [v for h in held for v in h[1]] + [ids])

    def missing(self, flags: list[bool]) -> list[str]:
        return [w.typed for w, held in zip(self.words, flags) if not held]


def plan(text: str) -> Plan | None:
    """The words of ``text`` that a best match may lack; None when the text
    has operators, grouping or negation, or fewer than two bare words."""
    clauses = split_clauses(text)
    if not clauses:
        return None
    words, required = [], []
    for clause in clauses:
        if not clause.optional:
            required.append(clause.text)
            continue
        node = parse(clause.text)
        if node is None:
            continue  # nothing searchable ("&"), as the strict query drops it
        if not (isinstance(node, Text) and node.field is None and node.form == "word"):
            return None  # "-word" and the like keep their exact meaning
        query = tsquery(node.value, "word", CONFIG)
        if query:
            words.append(Word(clause.text, query[0], tuple(query[1])))
    return Plan(words, " ".join(required)) if len(words) >= 2 else None


def compile_wide(text: str, plan: Plan, docs: int, dfs: list[int]) -> Compiled:
    """The widened condition and its coverage score, given the words'
    document frequencies ``dfs`` among ``docs`` documents."""
    full, required = compile_text(text), compile_text(plan.required)
    weights = [weight(max(docs, 1), df) for df in dfs]
    total = sum(weights) or 1.0
    held = [w.held() for w in plan.words]
    # A document lacking all of the (words - needed + 1) rarest words holds too few.
    rarest = sorted(range(len(plan.words)), key=lambda i: dfs[i])[:len(plan.words) - needed(len(plan.words)) + 1]
    any_rare = " || ".join(plan.words[i].sql for i in rarest)
    count = " + ".join(f"{h[0]}::int" for h in held)
    where = f"({required.where}) AND (d.tsv @@ ({any_rare})) AND ({count} >= %s)"
    params = (required.params + [v for i in rarest for v in plan.words[i].params]
              + [v for h in held for v in h[1]] + [needed(len(plan.words))])
    coverage = " + ".join(f"%s::float8 * {h[0]}::int" for h in held)
    boost_params = [v for wt, h in zip(weights, held) for v in [wt * COVERAGE_SCALE / total] + h[1]]
    return Compiled(where, params, full.rank, full.rank_params, full.page_terms, boost=(f"({coverage})", boost_params))


def widen(backend, sel, selection):
    """The selection ``sel`` widened to its best matches, or None when it is
    not a query of words or enough documents hold every word. ``backend``
    counts (PostgresBackend._matching, after _refresh); ``selection(query,
    compiled)`` makes a selection."""
    query = sel.query
    if query.exact or not query.text.strip():
        return None
    found = plan(query.text)
    if found is None:
        return None
    # As on Whoosh: decided on the words alone, before filters and hidden collections
    # (without either, the count the search makes anyway).
    total = backend._count(sel)
    strict = total if not sel.filtered else backend._matching(
        f"SELECT count(*) FROM documents d WHERE {sel.text.where}", sel.text.params)[0][0]
    if strict >= RELAX_BELOW:
        return None
    dfs = list(backend._matching(*found.frequencies())[0])
    wide = selection(query, compile_wide(query.text, found, backend._all_documents(), dfs))
    wide.best, wide.strict_total = found, total
    return wide


__all__ = ["Plan", "Word", "compile_wide", "plan", "widen"]

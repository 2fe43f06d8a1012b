"""Benchmark: our HTML ingester vs trafilatura vs readability-lxml, same files, same run.

Reads the answer keys in ``<repo>/../shared/corpus/html`` (never copied into the repo) and
prints one table:

- trafilatura eval set: share of "with" snippets kept, share of "without" snippets absent,
  share of comment snippets kept out of the main text;
- article-benchmark: mean word-level precision, recall and F1 of the main text;
- metadata: title, author, date, site, tags, categories accuracy against the trafilatura
  and readability answer keys (trafilatura's own metadata side by side; readability-lxml
  only gives a title);
- mean ms per page for the main-text extraction.

Run::

    PYTHONPATH=. .venv/bin/python bench/html_extraction.py
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
# <repo>/../shared/corpus; a worktree one level deeper finds it one level up
CORPUS = next((p / "shared" / "corpus" / "html" for p in REPO.parents
               if (p / "shared" / "corpus" / "html").is_dir()), REPO.parent / "shared" / "corpus" / "html")


# ---------------------------------------------------------------- extractors
# Each returns a dict: text, and optionally title, authors, date, site, tags, categories.

def ours(path: Path) -> dict:
    from foiasearch.ingest.html import ingest
    from foiasearch.ingest.options import IngestOptions

    doc = ingest(path, IngestOptions()).documents[0]
    return {"text": doc.text, "title": doc.title, "authors": doc.authors, "date": doc.date,
            "site": doc.site, "tags": doc.tags, "categories": doc.categories,
            "comments": doc.comments}


def trafilatura_(path: Path) -> dict:
    import trafilatura

    raw = path.read_bytes()
    doc = trafilatura.bare_extraction(raw, include_comments=True, with_metadata=True)
    if doc is None:
        return {"text": ""}
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    authors = [a.strip() for a in (d.get("author") or "").split(";") if a.strip()]
    return {"text": d.get("text") or "", "title": d.get("title"), "authors": authors,
            "date": d.get("date"), "site": d.get("sitename"), "tags": d.get("tags") or [],
            "categories": d.get("categories") or [], "comments": d.get("comments") or ""}


def readability_(path: Path) -> dict:
    import lxml.html
    from readability import Document as RDoc

    raw = path.read_bytes()
    rdoc = RDoc(raw)
    summary = rdoc.summary(html_partial=True)
    text = lxml.html.fromstring(summary).text_content() if summary.strip() else ""
    return {"text": text, "title": rdoc.short_title()}


EXTRACTORS: dict[str, Callable[[Path], dict]] = {
    "ours": ours, "trafilatura": trafilatura_, "readability-lxml": readability_,
}


# ---------------------------------------------------------------- scoring helpers

def norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip().casefold()


def words(text: str) -> list[str]:
    return re.findall(r"\w+", norm(text))


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    p, g = Counter(words(pred)), Counter(words(gold))
    common = sum((p & g).values())
    prec = common / max(1, sum(p.values()))
    rec = common / max(1, sum(g.values()))
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


def title_ok(pred: str | None, gold: str) -> bool:
    """Equal after normalising, or equal once the gold's " | Site" style suffix is cut
    (readability's keys keep suffixes the issue asks us to drop)."""
    p, g = norm(pred), norm(gold)
    if not p:
        return False
    if p == g:
        return True
    return g.startswith(p) and bool(re.match(r"\s*[-|–—:\[]", g[len(p):]))


def author_ok(pred: list[str] | None, gold: str) -> bool:
    g = norm(re.sub(r"(?i)^\s*by\b", "", gold))
    p = norm("; ".join(pred or []))
    if not p:
        return False
    # gold bylines carry dates/URLs after the name: the names must lead or all be inside
    return g.startswith(p) or all(norm(a) in g for a in pred)


def date_ok(pred: str | None, gold: str) -> bool:
    return bool(pred) and pred[:10] == gold[:10]


def set_ok(pred: list[str] | None, gold: list[str]) -> bool:
    return {norm(t) for t in pred or []} == {norm(t) for t in gold}


def site_ok(pred: str | None, gold: str) -> bool:
    return norm(pred) == norm(gold)


# ---------------------------------------------------------------- run

def run(names: list[str]) -> dict[str, dict[str, str]]:
    traf_key = json.loads((CORPUS / "trafilatura" / "trafilatura-evaldata-subset.json").read_text())
    ab_key = json.loads((CORPUS / "article-benchmark" / "ground-truth-subset.json").read_text())
    rd_keys = {p.name.removesuffix(".expected-metadata.json"): json.loads(p.read_text())
               for p in sorted((CORPUS / "readability").glob("*.expected-metadata.json"))}
    table: dict[str, dict[str, str]] = {}
    for name in names:
        extract = EXTRACTORS[name]
        col: dict[str, str] = {}
        tally: dict[str, list[float]] = {}
        elapsed, pages = 0.0, 0

        def timed(path: Path) -> dict:
            nonlocal elapsed, pages
            start = time.perf_counter()
            out = extract(path)
            elapsed += time.perf_counter() - start
            pages += 1
            return out

        def add(key: str, value: float) -> None:
            tally.setdefault(key, []).append(float(value))

        for entry in traf_key.values():
            out = timed(CORPUS / "trafilatura" / entry["file"])
            text = norm(out["text"])
            for s in entry["with"]:
                add("traf: with kept", norm(s) in text)
            for s in entry["without"]:
                add("traf: without absent", norm(s) not in text)
            for s in entry.get("comments") or []:
                add("traf: comments kept out of text", norm(s) not in text)
            for field, ok, key in (("title", title_ok, "title"), ("author", None, "authors"),
                                   ("date", date_ok, "date"), ("sitename", site_ok, "site")):
                gold = entry.get(field)
                if not gold or key not in out:
                    continue
                if field == "author":
                    add("meta: author", author_ok(out.get("authors"), gold))
                else:
                    add(f"meta: {field if field != 'sitename' else 'site'}", ok(out.get(key), gold))
            for field in ("tags", "categories"):
                if field in entry and "tags" in out and (entry[field] or out.get(field)):
                    add(f"meta: {field}", set_ok(out.get(field), entry[field]))
            if entry.get("tags") and "tags" in out:
                found = {norm(t) for t in out.get("tags") or []}
                for tag in entry["tags"]:
                    add("meta: listed tags found", norm(tag) in found)
        for sha, entry in ab_key.items():
            out = timed(CORPUS / "article-benchmark" / f"{sha}.html")
            p, r, f = prf(out["text"], entry["articleBody"])
            add("bench: precision", p)
            add("bench: recall", r)
            add("bench: F1", f)
        for stem, gold in rd_keys.items():
            out = timed(CORPUS / "readability" / f"{stem}.html")
            add("meta: title", title_ok(out.get("title"), gold["title"]))
            if "authors" in out and gold.get("byline"):
                add("meta: author", author_ok(out.get("authors"), gold["byline"]))
            if "date" in out and gold.get("publishedTime"):
                add("meta: date", date_ok(out.get("date"), gold["publishedTime"]))
            if "site" in out and gold.get("siteName"):
                add("meta: site", site_ok(out.get("site"), gold["siteName"]))
        for key, values in tally.items():
            if key.startswith(("bench:",)):
                col[key] = f"{sum(values) / len(values):.3f}"
            else:
                col[key] = f"{int(sum(values))}/{len(values)}"
        col["ms/page"] = f"{1000 * elapsed / max(1, pages):.1f}"
        table[name] = col
    return table


def render(table: dict[str, dict[str, str]]) -> str:
    names = list(table)
    rows: list[str] = []
    for col in table.values():
        rows += [k for k in col if k not in rows]
    width = max(len(r) for r in rows)
    widths = {n: max([len(n)] + [len(v) for v in table[n].values()]) for n in names}
    lines = ["| " + "figure".ljust(width) + " | " + " | ".join(n.rjust(widths[n]) for n in names) + " |",
             "|" + "-" * (width + 2) + "|" + "|".join("-" * (widths[n] + 2) for n in names) + "|"]
    for row in rows:
        cells = [table[n].get(row, "n/a").rjust(widths[n]) for n in names]
        lines.append("| " + row.ljust(width) + " | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(EXTRACTORS), default=list(EXTRACTORS))
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"corpus not found: {CORPUS}", file=sys.stderr)
        return 1
    print(render(run(args.only)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

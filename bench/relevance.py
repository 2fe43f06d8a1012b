"""Known-item relevance: success@1, success@3 and MRR for foiasearch and for
Recoll on the same files, in the same run.

    python bench/relevance.py [--shared ../shared/corpus] [--index DIR] [--no-ocr]
                              [--ocr-cache DIR] [--no-recoll] [--postgresql] [--misses] [--json]

The queries are tests/data/relevance_queries.tsv (written before ranking
was changed, from reading the documents: phrases, paraphrases, names,
typos, identifiers; born-digital, scanned, HTML and WordPress-export
targets). A query succeeds at k when one of its targets is among the first
k documents; MRR is the mean of 1/rank of the first target (0 past rank 10).

Recoll (Debian package recollcmd) gets a fresh configuration in a
temporary folder (topdirs = the same two corpus folders) and is asked with
``recollq``; a WordPress export is one file to Recoll, so a Recoll hit on
the export counts for any of its posts. Recoll does not OCR by default, so
the scanned rows compare foiasearch with OCR against Recoll without it.

``--postgresql`` adds a column for the PostgreSQL backend on the same files
(a throwaway local cluster, as the tests start; the OCR text is taken from
the Whoosh index's cache, so both columns rank the same words).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = ROOT / "tests" / "data" / "relevance_queries.tsv"
DEMO = ROOT / "examples" / "corpus"
DEPTH = 10
BORN_DIGITAL = ("born-digital", "html", "wxr")


@dataclass(frozen=True)
class Target:
    path: Path
    entry: str | None  # title of a post inside a WordPress export

    def found_by(self, path: str, title: str | None) -> bool:
        if not _same_file(Path(path).resolve(), self.path):
            return False
        return self.entry is None or title is None or title.strip() == self.entry


def _same_file(found: Path, target: Path) -> bool:
    """A demo-corpus target also matches its copy in another checkout: an
    index built by one checkout (examples/corpus under it) is often ranked by
    another's copy of this script.

    >>> _same_file(Path("/a/examples/corpus/x.html"), DEMO.resolve() / "x.html")
    True
    >>> _same_file(Path("/a/examples/corpus/y.html"), DEMO.resolve() / "x.html")
    False
    """
    if found == target:
        return True
    try:
        inside = target.relative_to(DEMO.resolve()).parts
    except ValueError:  # a shared-corpus target: only its own path
        return False
    return found.parts[-len(inside) - 2:] == ("examples", "corpus", *inside)


@dataclass(frozen=True)
class KnownItem:
    text: str
    type: str
    form: str
    targets: tuple[Target, ...]


def default_shared() -> Path:
    return next((p / "shared" / "corpus" for p in ROOT.parents if (p / "shared" / "corpus").is_dir()),
                ROOT.parent / "shared" / "corpus")


def load_queries(shared: Path, path: Path = QUERIES) -> list[KnownItem]:
    """The evaluation set, targets resolved against the two corpus folders."""
    roots = {"shared": shared.resolve(), "demo": DEMO.resolve()}
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            text, kind, form, targets = line.split("\t")
        except ValueError:
            raise SystemExit(f"{path}:{number}: expected 4 tab-separated columns") from None
        resolved = []
        for target in targets.split(" | "):
            corpus, _, rest = target.partition(":")
            rel, _, entry = rest.partition("#")
            resolved.append(Target(roots[corpus] / rel, entry or None))
        items.append(KnownItem(text, kind, form, tuple(resolved)))
    return items


def rank_of(item: KnownItem, hits: list[tuple[str, str | None]]) -> int | None:
    """1-based rank of the first hit that is one of the item's targets."""
    for rank, (path, title) in enumerate(hits, 1):
        if any(t.found_by(path, title) for t in item.targets):
            return rank
    return None


# -- foiasearch ------------------------------------------------------------------
def build_index(index_dir: Path, roots: list[Path], ocr: bool, ocr_cache: Path | None) -> float:
    """Index the corpus folders (unless ``index_dir`` exists); seconds taken."""
    if index_dir.exists():
        return 0.0
    if ocr_cache and ocr_cache.is_dir():
        shutil.copytree(ocr_cache, index_dir / "ocr-cache")
    command = [sys.executable, "-m", "foiasearch", "index", *map(str, roots), "--index", str(index_dir)]
    if not ocr:
        command.append("--no-ocr")
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def postgres_ranks(roots: list[Path], items: list[KnownItem], ocr: bool,
                   ocr_cache: Path | None) -> list[int | None]:
    """The same queries on the PostgreSQL backend: a throwaway cluster
    (tests/pgcluster.py), both corpora indexed into it by the CLI (the OCR
    cache seeded like the Whoosh index's), then ranked through the search API."""
    from foiasearch.search.api import IndexLocation
    from tests.pgcluster import Cluster

    with Cluster.primary() as cluster:
        url = cluster.create_database("relevance")
        cache = IndexLocation.resolve(url).ocr_cache_dir
        if ocr_cache and ocr_cache.is_dir() and not cache.exists():
            shutil.copytree(ocr_cache, cache)
        command = [sys.executable, "-m", "foiasearch", "index", *map(str, roots), "--index", url]
        if not ocr:
            command.append("--no-ocr")
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            return foiasearch_ranks(url, items)
        finally:
            shutil.rmtree(IndexLocation.resolve(url).root, ignore_errors=True)


def foiasearch_ranks(index_dir: Path | str, items: list[KnownItem]) -> list[int | None]:
    from foiasearch.search.api import Query, QueryError, open_backend

    ranks = []
    with open_backend(index_dir) as engine:
        for item in items:
            try:
                results = engine.search(Query(item.text, per_page=DEPTH))
            except QueryError:
                ranks.append(None)
                continue
            hits = [(path, hit.title) for hit in results.hits for path in hit.paths[:1]]
            ranks.append(rank_of(item, hits))
    return ranks


# -- Recoll -----------------------------------------------------------------------
def recoll_ranks(roots: list[Path], items: list[KnownItem], work: Path) -> list[int | None] | None:
    if not (shutil.which("recollindex") and shutil.which("recollq")):
        return None
    conf = work / "recoll"
    conf.mkdir(parents=True, exist_ok=True)
    topdirs = " ".join(f'"{r.resolve()}"' for r in roots)
    (conf / "recoll.conf").write_text(f"topdirs = {topdirs}\nloglevel = 1\n")
    subprocess.run(["recollindex", "-c", str(conf)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    ranks = []
    for item in items:
        out = subprocess.run(["recollq", "-c", str(conf), "-b", "-n", str(DEPTH), item.text],
                             capture_output=True, text=True).stdout
        paths = [unquote(line[len("file://"):]) for line in out.splitlines() if line.startswith("file://")]
        ranks.append(rank_of(item, [(p, None) for p in paths]))
    return ranks


# -- report -----------------------------------------------------------------------
def scores(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "n": len(ranks),
        "success@1": sum(1 for r in ranks if r == 1) / n,
        "success@3": sum(1 for r in ranks if r and r <= 3) / n,
        "mrr": sum(1 / r for r in ranks if r) / n,
    }


def groups(items: list[KnownItem]) -> dict[str, list[int]]:
    """Row label -> indices of the queries it covers."""
    rows: dict[str, list[int]] = {"all": list(range(len(items)))}
    rows["born-digital (PDF text, HTML, WXR)"] = [i for i, q in enumerate(items) if q.form in BORN_DIGITAL]
    for form in ("born-digital", "html", "wxr", "scanned"):
        rows[f"form: {form}"] = [i for i, q in enumerate(items) if q.form == form]
    for kind in sorted({q.type for q in items}):
        rows[f"type: {kind}"] = [i for i, q in enumerate(items) if q.type == kind]
    return {k: v for k, v in rows.items() if v}


def table(items: list[KnownItem], systems: dict[str, list[int | None]]) -> dict[str, dict[str, dict]]:
    return {label: {name: scores([ranks[i] for i in idx]) for name, ranks in systems.items()}
            for label, idx in groups(items).items()}


def markdown(result: dict[str, dict[str, dict]], systems: list[str]) -> str:
    head = "| queries | n | " + " | ".join(f"{s} s@1 | {s} s@3 | {s} MRR" for s in systems) + " |"
    lines = [head, "|" + "---|" * (2 + 3 * len(systems))]
    for label, by_system in result.items():
        n = next(iter(by_system.values()))["n"]
        cells = " | ".join(f"{by_system[s]['success@1']:.2f} | {by_system[s]['success@3']:.2f} | {by_system[s]['mrr']:.2f}"
                           for s in systems)
        lines.append(f"| {label} | {n} | {cells} |")
    return "\n".join(lines)


def evaluate(shared: Path, index_dir: Path | None = None, ocr: bool = True, ocr_cache: Path | None = None,
             with_recoll: bool = True, forms: tuple[str, ...] | None = None,
             with_postgres: bool = False) -> tuple[list[KnownItem], dict]:
    """Index (or reuse ``index_dir``), run every query on foiasearch and
    Recoll; returns the queries and {system: ranks}."""
    items = load_queries(shared)
    if forms:
        items = [q for q in items if q.form in forms]
    roots = [shared, DEMO]
    with tempfile.TemporaryDirectory(prefix="foiasearch-relevance-") as tmp:
        work = Path(tmp)
        index_dir = index_dir or work / "ix"
        build_index(index_dir, roots, ocr, ocr_cache)
        systems = {"foiasearch": foiasearch_ranks(index_dir, items)}
        if with_postgres:
            systems["foiasearch-postgresql"] = postgres_ranks(roots, items, ocr, ocr_cache or index_dir / "ocr-cache")
        if with_recoll:
            found = recoll_ranks(roots, items, work)
            if found is not None:
                systems["recoll"] = found
    return items, systems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=default_shared(), help="the shared corpus folder")
    parser.add_argument("--index", type=Path, help="an index of both corpora to reuse (built there if absent)")
    parser.add_argument("--no-ocr", action="store_true", help="index without OCR (scanned targets then fail)")
    parser.add_argument("--ocr-cache", type=Path, help="an index's ocr-cache folder to seed a new index with")
    parser.add_argument("--no-recoll", action="store_true")
    parser.add_argument("--postgresql", action="store_true",
                        help="also rank on the PostgreSQL backend (a throwaway local cluster)")
    parser.add_argument("--misses", action="store_true", help="list the queries whose target is not in the top 3")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.shared.is_dir():
        raise SystemExit(f"--shared: no folder at {args.shared}")
    items, systems = evaluate(args.shared, args.index, not args.no_ocr, args.ocr_cache, not args.no_recoll,
                             with_postgres=args.postgresql)
    result = table(items, systems)
    if args.json:
        print(json.dumps({"table": result, "ranks": {s: r for s, r in systems.items()},
                          "queries": [q.text for q in items]}, indent=1))
        return
    print(markdown(result, list(systems)))
    if args.misses:
        print()
        for i, item in enumerate(items):
            got = {s: r[i] for s, r in systems.items()}
            if not got["foiasearch"] or got["foiasearch"] > 3:
                print(f"- {item.text!r} ({item.type}, {item.form}): " + ", ".join(f"{s} {r}" for s, r in got.items()))


if __name__ == "__main__":
    main()

"""One-shot ``foiasearch search``: the wall and CPU time of a whole process
(start-up, imports, opening the index, the query, printing), run after run,
beside ``recollq`` on the same corpus.

    .venv/bin/python bench/oneshot.py 2000 /work/ix-20k:/work/corpus-20k --runs 30
    .venv/bin/python bench/oneshot.py 2000 --tree before=/tmp/before --tree after=. --recoll
    .venv/bin/python bench/oneshot.py IX2K IX20K --tree before=/tmp/before --tree after=. --same

Each reader runs the tree's ``.venv/bin/foiasearch`` script, the command the
README's install (``make demo``: an editable install) gives users, from a
folder outside the tree (``--module``: ``python -m foiasearch`` from the
tree instead, as before session 6).

Each INDEX is a number of synthetic documents (bench.gen_corpus: generated
and indexed with the first tree, kept under ``--keep``) or an index folder,
optionally with ``:CORPUS``, the folder it was built from (for
``--recoll``). Every run asks the next of bench.run's QUERIES; the readers
(each ``--tree`` checkout's ``.venv``, then recollq) take turns run by run,
in rotating order, so a busy machine slows them alike. Prints a Markdown
table: median and p95 wall milliseconds, median CPU milliseconds (user +
system of the process), and the load average at the start and end.

``--same`` times nothing: it runs every tree's ``foiasearch search`` on
each of :data:`SAME_SEARCHES` (bench.run's QUERIES and the README's query
texts, each plain, ``--json``, on page 2, newest first and filtered to
releases, plus the README's ``--actor`` listing) and prints how many
printed outputs differ from the first tree's (whole stdout, JSON scores
included), naming the first few.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gen_corpus import generate  # noqa: E402
from bench.run import QUERIES, percentile  # noqa: E402


# The README's query texts, and a misspelling, NOT, OR with an unknown word and two words.
README_TEXTS = ["opt out", '"Secure Communities" AND (Illinois OR California) NOT Texas', "title:detainer",
                '"List of Deaths in ICE Custody"', 'actor:"Secure Communities" opt out', 'exemption:b6 "opt out"',
                "bates:DEF-000123", "bates:[DEF-000100 TO DEF-000150]", "from:whitaker to:nguyen subject:detainer",
                "detainers", '"opt out" exemption:b5', "detentoin", "detention NOT sheriff", "sheriff OR xyzzyq",
                "hearing letter"]
VARIANTS = [[], ["--json"], ["--limit", "30", "--page", "2"], ["--sort", "newest"], ["--kind", "release"]]
SAME_SEARCHES = [[text, *variant] for text in QUERIES + README_TEXTS for variant in VARIANTS] + [
    ["", "--actor", "Pat Quinn", "--actor", "Zoe Lofgren"]]


def same_output(trees: list[tuple[str, Path]], indexes: list[Path]) -> int:
    """Run :data:`SAME_SEARCHES` with each tree on each index; print and
    return the number of (index, search) whose output differs between trees."""
    differences = 0
    for index in indexes:
        for search in SAME_SEARCHES:
            outputs = []
            for _, tree in trees:
                done = subprocess.run([script_of(tree), "search", *search, "--index", str(index.resolve())],
                                      capture_output=True, text=True, cwd=tempfile.gettempdir())
                outputs.append((done.returncode, done.stdout, done.stderr))
            if any(output != outputs[0] for output in outputs[1:]):
                differences += 1
                if differences <= 10:
                    print(f"differs: {index} {search!r}")
        print(f"{index}: {len(SAME_SEARCHES)} searches compared across {len(trees)} trees", flush=True)
    print(f"{differences} differences")
    return differences


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one command; exits on failure."""
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    return wall, cpu


def python_of(tree: Path) -> str:
    python = tree / ".venv" / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{tree}: no .venv/bin/python (each tree needs its own editable install)")
    return str(python)


def script_of(tree: Path) -> str:
    """The ``foiasearch`` command of a tree's editable install."""
    script = tree / ".venv" / "bin" / "foiasearch"
    if not script.exists():
        raise SystemExit(f"{tree}: no .venv/bin/foiasearch (pip install -e . in that tree)")
    return str(script)


def prepare(spec: str, tree: Path, keep: Path) -> tuple[str, Path, Path | None]:
    """(label, index folder, corpus or None) for one INDEX argument."""
    if spec.isdigit():
        docs = int(spec)
        work = keep / f"synthetic-{docs}"
        corpus, index = work / "corpus", work / "ix"
        if not corpus.exists():
            releases = docs // 20  # bench/run.py's share of PDF releases (5 %)
            generate(corpus, docs - releases, releases, 10, seed=1)
        if not index.exists():
            print(f"indexing {docs} synthetic documents into {index} ...", file=sys.stderr, flush=True)
            subprocess.run([python_of(tree), "-m", "foiasearch", "index", str(corpus), "--index", str(index), "-q"],
                           cwd=tree, check=True, stdout=subprocess.DEVNULL)
        return f"synthetic {docs}", index, corpus
    folder, _, corpus = spec.partition(":")
    index = Path(folder)
    if not index.is_dir():
        raise SystemExit(f"{index}: no such index folder")
    # the parent too: indexes are often named alike (ix, ix-after-0) in folders per corpus
    return f"{index.parent.name}/{index.name}", index, Path(corpus) if corpus else None


def recoll_config(corpus: Path, keep: Path) -> Path:
    """A recoll configuration over ``corpus``, indexed (once per keep folder)."""
    conf = keep / f"recoll-{hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:10]}"
    if not (conf / "xapiandb").exists():
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "recoll.conf").write_text(f"topdirs = {corpus.resolve()}\nloglevel = 1\nidxniceprio = 0\n")
        print(f"recollindex over {corpus} ...", file=sys.stderr, flush=True)
        subprocess.run(["recollindex", "-c", str(conf)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return conf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("indexes", nargs="+", metavar="INDEX", help="N synthetic documents, or DIR[:CORPUS]")
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH",
                        help="a checkout with its own .venv (repeatable; default: this one)")
    parser.add_argument("--runs", type=int, default=30, help="runs per reader and index")
    parser.add_argument("--recoll", action="store_true", help="also recollq, on indexes with a known corpus")
    parser.add_argument("--keep", type=Path, help="keep generated corpora and indexes here")
    parser.add_argument("--same", action="store_true",
                        help="time nothing: compare every tree's printed output of SAME_SEARCHES")
    parser.add_argument("--module", action="store_true",
                        help="run python -m foiasearch in the tree, not the installed foiasearch script")
    args = parser.parse_args()
    trees = [(label, Path(path).resolve()) for label, _, path in (t.partition("=") for t in args.tree)] \
        or [("foiasearch", ROOT)]
    keep = args.keep or Path(tempfile.mkdtemp(prefix="foiasearch-oneshot-"))
    keep.mkdir(parents=True, exist_ok=True)
    if args.same:
        if len(trees) < 2:
            raise SystemExit("--same compares trees: give two --tree or more")
        found = same_output(trees, [prepare(spec, trees[0][1], keep)[1] for spec in args.indexes])
        raise SystemExit(1 if found else 0)
    if args.recoll and not shutil.which("recollq"):
        raise SystemExit("--recoll: recollq is not installed")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.runs} runs per reader")
    print("| index | reader | median ms | p95 ms | median CPU ms |")
    print("|---|---|---|---|---|")
    for spec in args.indexes:
        label, index, corpus = prepare(spec, trees[0][1], keep)
        # (command, folder to run it in: ``python -m`` puts the current folder first on sys.path)
        readers = {name: ([python_of(tree), "-m", "foiasearch", "search", "{q}", "--index", str(index)], tree)
                   if args.module else ([script_of(tree), "search", "{q}", "--index", str(index.resolve())], keep)
                   for name, tree in trees}
        if args.recoll and corpus is not None:
            readers["recollq"] = (["recollq", "-c", str(recoll_config(corpus, keep)), "-n", "10", "{q}"], None)
        for command, cwd in readers.values():  # warm the page cache: every reader starts from the same state
            timed([part.replace("{q}", "warmup") for part in command], cwd)
        found: dict[str, list[tuple[float, float]]] = {name: [] for name in readers}
        names = list(readers)
        for run in range(args.runs):
            text = QUERIES[run % len(QUERIES)]
            for name in names[run % len(names):] + names[: run % len(names)]:
                query = text.strip('"') if name == "recollq" else text
                command, cwd = readers[name]
                found[name].append(timed([part.replace("{q}", query) for part in command], cwd))
        for name, times in found.items():
            walls, cpus = [w * 1000 for w, _ in times], [c * 1000 for _, c in times]
            print(f"| {label} | {name} | {statistics.median(walls):.0f} | {percentile(walls, 0.95):.0f} "
                  f"| {statistics.median(cpus):.0f} |", flush=True)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.keep:
        shutil.rmtree(keep, ignore_errors=True)


if __name__ == "__main__":
    main()

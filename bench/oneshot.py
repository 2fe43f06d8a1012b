"""One-shot ``foiasearch search``: the wall and CPU time of a whole process
(start-up, imports, opening the index, the query, printing), run after run,
beside ``recollq`` on the same corpus.

    .venv/bin/python bench/oneshot.py 2000 /work/ix-20k:/work/corpus-20k --runs 30
    .venv/bin/python bench/oneshot.py 2000 --tree before=/tmp/before --tree after=. --recoll

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
    parser.add_argument("--module", action="store_true",
                        help="run python -m foiasearch in the tree, not the installed foiasearch script")
    args = parser.parse_args()
    trees = [(label, Path(path).resolve()) for label, _, path in (t.partition("=") for t in args.tree)] \
        or [("foiasearch", ROOT)]
    keep = args.keep or Path(tempfile.mkdtemp(prefix="foiasearch-oneshot-"))
    keep.mkdir(parents=True, exist_ok=True)
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

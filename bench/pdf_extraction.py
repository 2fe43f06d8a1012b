"""Text-layer extraction speed, word recall and glued words, against poppler's pdftotext.

Runs pdftotext and both of our readers (the geometry reader foiasearch uses,
ingest.pdftext, and pdfminer's layout analysis, ``--layout``) over the
born-digital PDFs of the shared corpus (INVENTORY-pdf.tsv kind
"born-digital text layer") in the same run, and prints for each:

- pages/s on one core (wall, and pages per CPU-second, which a busy
  machine disturbs less), on ``--jobs`` processes taking a file each (as
  the indexer's pool runs them), and for ours also one file at a time with
  its pages split over ``--jobs`` processes (IngestOptions.pdf_jobs, what
  the indexer does when it has fewer files than cores);
- word recall: the share of pdftotext's word multiset that our text also
  has, over each whole file;
- token share: the same, page by page (a word glued to its neighbour on a
  page is missing from that page even when the word occurs elsewhere);
- glued tokens: our tokens that pdftotext does not have on that page but
  that are two of its tokens run together ("atseattle").

    .venv/bin/python bench/pdf_extraction.py [--corpus ../shared/corpus] [--jobs 2]
    .venv/bin/python bench/pdf_extraction.py --against /tmp/before --rounds 3   # CPU, alternating

``--against DIR`` compares this checkout's reader with another checkout's
(each with its own ``.venv``) in one run instead: pages per CPU-second over
the same files, each checkout in its own process, the order alternating
round by round.

Note: pdftotext's CPU-seconds include its process start, once per file.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import re
import resource
import statistics
import subprocess
import time
from collections import Counter
from functools import partial
from pathlib import Path

from foiasearch.ingest import pdf

WORD = re.compile(r"\w+")
REPO = Path(__file__).resolve().parents[1]
# <repo>/../shared/corpus, or one more level up from a worktree
DEFAULT_CORPUS = next((p / "shared" / "corpus" for p in REPO.parents if (p / "shared" / "corpus").is_dir()),
                      REPO.parent / "shared" / "corpus")


def born_digital(corpus: Path) -> list[Path]:
    with open(corpus / "INVENTORY-pdf.tsv", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [corpus / r["path"] for r in rows if r["kind"] == "born-digital text layer"]


def words(text: str) -> Counter:
    return Counter(w.lower() for w in WORD.findall(text))


def ours(path: Path, layout: bool = False, jobs: int = 1) -> list[str]:
    """Our text of each page."""
    with pdf._open_file(path) as handle:
        pages, _, _ = pdf.read_pdf(handle, layout=layout, jobs=jobs)
    return [p.text for p in pages]


def poppler(path: Path) -> list[str]:
    """pdftotext's text of each page (it ends every page with a form feed)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    return out.decode("utf-8", "replace").split("\f")[:-1]


def glued(ours_page: Counter, reference: Counter) -> int:
    """Tokens of ours absent from the reference page that are two of its tokens joined."""
    count = 0
    for token, n in ours_page.items():
        if token in reference:
            continue
        if any(token[:i] in reference and token[i:] in reference for i in range(1, len(token))):
            count += n
    return count


def compare(texts: dict[Path, list[str]], reference: dict[Path, list[str]]) -> dict[str, float]:
    """Recall over files, token share over pages, glued tokens."""
    recalled = total = page_found = page_total = glued_tokens = our_tokens = 0
    for path, pages in texts.items():
        ref_pages = reference[path]
        ref, got = words("\n".join(ref_pages)), words("\n".join(pages))
        recalled += sum((ref & got).values())
        total += sum(ref.values())
        for ours_text, ref_text in zip(pages, ref_pages):
            ref_page, got_page = words(ref_text), words(ours_text)
            page_found += sum((ref_page & got_page).values())
            page_total += sum(ref_page.values())
            glued_tokens += glued(got_page, ref_page)
            our_tokens += sum(got_page.values())
    return {"recall": recalled / max(1, total), "share": page_found / max(1, page_total),
            "glued": glued_tokens, "tokens": our_tokens}


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(function, files: list[Path], jobs: int, split=None) -> tuple[dict[Path, list[str]], dict[str, float]]:
    """Texts, and seconds: on one core (wall and CPU), with ``jobs``
    processes taking a file each, and (with ``split``, a function that
    reads one file's pages in ``jobs`` processes) one file at a time."""
    started, cpu = time.perf_counter(), cpu_seconds()
    texts = {path: function(path) for path in files}
    seconds = {"one": time.perf_counter() - started, "cpu": cpu_seconds() - cpu}
    started = time.perf_counter()
    with multiprocessing.Pool(jobs) as pool:
        pool.map(function, files, chunksize=1)
    seconds["files"] = time.perf_counter() - started
    if split is not None:
        started = time.perf_counter()
        for path in files:
            split(path)
        seconds["pages"] = time.perf_counter() - started
    return texts, seconds


# Run inside a checkout's interpreter: pages per CPU-second of its reader (best of two passes, warm).
PROBE = """
import sys, time
from pathlib import Path
from foiasearch.ingest import pdf
files = [Path(f) for f in sys.argv[1:]]
def read(path):
    with pdf._open_file(path) as handle:
        return len(pdf.read_pdf(handle)[0])
for path in files:
    read(path)
best = None
for _ in range(2):
    started = time.process_time()
    pages = sum(read(path) for path in files)
    spent = time.process_time() - started
    best = spent if best is None else min(best, spent)
print(pages / best)
"""


def against(trees: dict[str, Path], files: list[Path], rounds: int) -> None:
    """Pages per CPU-second of each checkout's reader, alternating."""
    found: dict[str, list[float]] = {name: [] for name in trees}
    for number in range(rounds):
        order = list(trees.items()) if number % 2 == 0 else list(trees.items())[::-1]
        for name, tree in order:
            done = subprocess.run([str(tree / ".venv" / "bin" / "python"), "-c", PROBE, *map(str, files)], cwd=tree,
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{tree}: {done.stderr.strip().splitlines()[-1:]}")
            found[name].append(float(done.stdout))
    print(f"{len(files)} born-digital files; pages per CPU-second, {rounds} rounds alternating; load average "
          f"{os.getloadavg()[0]:.2f} at the end")
    print("| checkout | pages per CPU-second (each round) | median |")
    print("|---|---|---|")
    for name, rates in found.items():
        print(f"| {name} ({trees[name]}) | {' / '.join(f'{r:.0f}' for r in rates)} | {statistics.median(rates):.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", type=int, default=2, help="processes for the parallel pages/s")
    parser.add_argument("--against", type=Path, metavar="DIR", help="another checkout to compare with (CPU)")
    parser.add_argument("--rounds", type=int, default=3, help="with --against: rounds")
    args = parser.parse_args()
    files = [f for f in born_digital(args.corpus) if f.exists()]
    if args.against:
        return against({"before": args.against.resolve(), "after": REPO}, files, args.rounds)
    load = os.getloadavg()
    reference, pop = timed(poppler, files, args.jobs)
    pages = sum(len(p) for p in reference.values())
    print(f"{len(files)} born-digital files, {pages} pages; {args.jobs} processes; load average "
          f"{load[0]:.2f} at the start")
    print(f"| reader | pages/s, 1 core | pages per CPU-second | pages/s, {args.jobs} processes (a file each) "
          f"| pages/s, {args.jobs} processes (a file's pages split) | word recall | token share (per page) "
          f"| glued tokens |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| pdftotext | {pages / pop['one']:.0f} | {pages / pop['cpu']:.0f} | {pages / pop['files']:.0f} | "
          f"| 1 | 1 | 0 |")
    readers = (("foiasearch (ingest.pdftext)", ours, partial(ours, jobs=args.jobs)),
               ("pdfminer layout analysis", partial(ours, layout=True), None))
    for label, function, split in readers:
        texts, sec = timed(function, files, args.jobs, split)
        got = sum(len(p) for p in texts.values())
        if got != pages:
            print(f"(page counts differ: {got} against pdftotext's {pages})")
        m = compare(texts, reference)
        split_rate = f"{pages / sec['pages']:.0f}" if "pages" in sec else ""
        print(f"| {label} | {pages / sec['one']:.0f} | {pages / sec['cpu']:.0f} | {pages / sec['files']:.0f} "
              f"| {split_rate} | {m['recall']:.4f} | {m['share']:.4f} | {m['glued']} of {m['tokens']} |")
    print(f"(load average {os.getloadavg()[0]:.2f} at the end)")


if __name__ == "__main__":
    main()

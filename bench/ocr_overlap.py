"""OCR over the shared corpus: speed and word overlap with the ``.ocr.txt``
references of pdf/lucyparsons-1505 (someone else's noisy Tesseract output:
overlap, not accuracy), before and after, in one run.

    .venv/bin/python bench/ocr_overlap.py                       # before vs after, jobs 2
    .venv/bin/python bench/ocr_overlap.py --variants after dpi200 dpi250 dpi300
    .venv/bin/python bench/ocr_overlap.py --stamps              # chars/page vs image cover, no OCR
    .venv/bin/python bench/ocr_overlap.py --variants after --across   # throughput: every page in one pool

Variants, run side by side file after file (order alternating, so a busy
machine slows them alike):

- ``before``: what foiasearch did until issue 15: ``pdftoppm -png`` at 300 dpi
  piped into the ``tesseract`` command, one process pair per page;
- ``after``: :mod:`foiasearch.ingest.ocr` as shipped (default dpi, retry of
  poor pages from a cleaned-up image);
- ``dpiN``: the shipped engine at N dpi without the retry (to choose the
  resolution by overlap).

With ``--across``, the pages of all files go into one pool of ``--jobs``
threads (as an indexer with many files keeps every core busy) instead of
one file at a time (a one-page file leaves a core idle); each variant runs
over everything in turn, and the order of the variants alternates between
rounds (``--rounds``).

Overlap = |ours & reference| / |reference| over lower-cased word multisets
(words of 2+ letters/digits). Speed is pages per second of wall time with
``--jobs`` pages at once, and CPU seconds per page (this process and its
children): on an idle machine with 2 cores, pages/s is about 2 / CPU s per
page. The faint JFK page (104-10077-10136 p1) is checked for its typed
paragraph, word by word.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from foiasearch.ingest import ocr, pdf

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = next((p / "shared" / "corpus" for p in REPO.parents if (p / "shared" / "corpus").is_dir()),
                      REPO.parent / "shared" / "corpus")
WORD = re.compile(r"\w{2,}")
PASSWORDS = ("baz", "usersecret", "openpassword")  # the corpus' documented test passwords
FAINT_PAGE = ("pdf/jfk-nara/104-10077-10136.pdf", 1)
# The typed paragraph of the faint page, as a reader sees it on the scan.
FAINT_WORDS = ("ref requested coordination with state regarding expediting visas for wife and daughter "
               "of alejandro rioseco arencibia wave asset").split()


def words(text: str) -> Counter:
    return Counter(w.lower() for w in WORD.findall(text))


def stamps(files: list[Path]) -> None:
    """Per page with images covering >= 30 %: non-space chars of its text layer."""
    for path in files:
        try:
            with pdf._open_file(path) as handle:
                pages, _, _ = pdf.read_pdf(handle, PASSWORDS)
        except pdf.IngestError:
            continue
        for raw in pages:
            if raw.image_cover >= 0.3:
                print(f"{raw.chars:7d} chars  cover {raw.image_cover:.2f}  ocr={raw.needs_ocr!s:5}  {path.name} p{raw.number}")


def before(path: Path, page: int) -> str:
    """The pre-issue-15 path: a PNG at 300 dpi into the tesseract command."""
    png = subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                          str(path)], capture_output=True, check=True).stdout
    out = subprocess.run(["tesseract", "-", "stdout", "-l", "eng"], input=png, capture_output=True, check=True,
                         env={**ocr._ENV}).stdout
    return out.decode("utf-8", "replace").replace("\x0c", "").strip()


def reader(variant: str):
    """A function (path, page) -> text for ``variant``."""
    if variant == "before":
        return before
    if variant == "after":
        return lambda path, page: ocr.ocr_page(ocr.OcrRequest(path), page).text
    dpi = int(variant.removeprefix("dpi"))
    return lambda path, page: ocr.ocr_page(ocr.OcrRequest(path, dpi=dpi, retry=False), page).text


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def scanned_pages(path: Path) -> list[int]:
    with pdf._open_file(path) as handle:
        pages, _, _ = pdf.read_pdf(handle, PASSWORDS)
    return [raw.number for raw in pages if raw.needs_ocr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--variants", nargs="+", default=["before", "after"])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--stamps", action="store_true")
    parser.add_argument("--across", action="store_true", help="one pool over the pages of all files")
    parser.add_argument("--rounds", type=int, default=1, help="with --across: passes per variant")
    args = parser.parse_args()
    if args.stamps:
        files = sorted(p for d in ("pdf", "awkward") for p in (args.corpus / d).rglob("*")
                       if p.is_file() and not p.name.endswith(".txt"))
        return stamps(files)
    if not ocr.available():
        sys.exit("pdftoppm, tesserocr or tesseract's language data is missing")
    files = sorted(p.with_name(p.name.removesuffix(".ocr.txt") + ".pdf")
                   for p in (args.corpus / "pdf" / "lucyparsons-1505").glob("*.ocr.txt"))
    stats = {v: {"pages": 0, "wall": 0.0, "cpu": 0.0, "hit": 0, "total": 0} for v in args.variants}
    pool = ThreadPoolExecutor(max_workers=args.jobs)
    print(f"load average {os.getloadavg()[0]:.2f} at the start", flush=True)
    if args.across:
        across(files, args, stats, pool)
    for index, path in enumerate(files if not args.across else []):
        pages = scanned_pages(path)
        reference = words(path.with_name(path.stem + ".ocr.txt").read_text(encoding="utf-8", errors="replace"))
        order = args.variants if index % 2 == 0 else list(reversed(args.variants))
        line = [f"{path.name} ({len(pages)} p)"]
        for variant in order:
            read = reader(variant)
            wall, cpu = time.perf_counter(), cpu_seconds()
            text = "\n".join(pool.map(lambda page: read(path, page), pages))
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            got = words(text)
            hit, total = sum((reference & got).values()), sum(reference.values())
            s = stats[variant]
            s["pages"] += len(pages)
            s["wall"] += wall
            s["cpu"] += cpu
            s["hit"] += hit
            s["total"] += total
            line.append(f"{variant}: {hit / max(1, total):.3f} in {wall:.1f} s")
        print("; ".join(line), flush=True)
    faint_path, faint_page = args.corpus / FAINT_PAGE[0], FAINT_PAGE[1]
    print(f"\n{'variant':8} {'pages':>5} {'pages/s':>8} {'CPU s/page':>10} {'overlap':>8}  faint JFK paragraph")
    for variant, s in stats.items():
        found = words(reader(variant)(faint_path, faint_page)) if faint_path.exists() else Counter()
        faint = sum(1 for w in FAINT_WORDS if found[w])
        print(f"{variant:8} {s['pages']:5d} {s['pages'] / s['wall']:8.2f} {s['cpu'] / s['pages']:10.2f} "
              f"{s['hit'] / max(1, s['total']):8.3f}  {faint}/{len(FAINT_WORDS)} words")
    print(f"(jobs={args.jobs}; {time.strftime('%Y-%m-%d %H:%M:%S')}; load average {os.getloadavg()[0]:.2f} "
          f"at the end)")


def across(files: list[Path], args, stats: dict, pool: ThreadPoolExecutor) -> None:
    """Every scanned page of every file in one pool, variant after variant."""
    tasks = [(path, page) for path in files for page in scanned_pages(path)]
    references = {path: words(path.with_name(path.stem + ".ocr.txt").read_text(encoding="utf-8", errors="replace"))
                  for path in files}
    for round_number in range(args.rounds):
        order = args.variants if round_number % 2 == 0 else list(reversed(args.variants))
        for variant in order:
            read = reader(variant)
            wall, cpu = time.perf_counter(), cpu_seconds()
            texts = list(pool.map(lambda task: read(*task), tasks))
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            by_file: dict[Path, list[str]] = {}
            for (path, _), text in zip(tasks, texts):
                by_file.setdefault(path, []).append(text)
            s = stats[variant]
            for path, reference in references.items():
                got = words("\n".join(by_file.get(path, [])))
                s["hit"] += sum((reference & got).values())
                s["total"] += sum(reference.values())
            s["pages"] += len(tasks)
            s["wall"] += wall
            s["cpu"] += cpu
            print(f"round {round_number + 1} {variant}: {len(tasks)} pages in {wall:.1f} s "
                  f"(load average {os.getloadavg()[0]:.2f})", flush=True)


if __name__ == "__main__":
    main()

"""Text-layer extraction speed and word recall against poppler's pdftotext.

Runs both over the born-digital PDFs of the shared corpus (INVENTORY-pdf.tsv
kind "born-digital text layer") in the same run and prints pages/s, the ratio,
and recall: the share of pdftotext's word multiset that our text also has.

    .venv/bin/python bench/pdf_extraction.py [--corpus ../shared/corpus] [--laparams boxes_flow=None]
"""

from __future__ import annotations

import argparse
import ast
import csv
import re
import subprocess
import time
from collections import Counter
from pathlib import Path

from pdfminer.layout import LAParams

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


def ours(path: Path) -> tuple[int, str]:
    with pdf._open_file(path) as handle:
        pages, _, _ = pdf.read_pdf(handle)
    return len(pages), "\n".join(p.text for p in pages)


def poppler(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode("utf-8", "replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--laparams", default="", help="LAParams overrides, e.g. 'boxes_flow=None,char_margin=2.0'")
    args = parser.parse_args()
    if args.laparams:
        pdf.LAPARAMS = LAParams(**{k: ast.literal_eval(v) for k, v in (kv.split("=") for kv in args.laparams.split(","))})
    files = [f for f in born_digital(args.corpus) if f.exists()]
    pages = 0
    t_ours = t_pop = 0.0
    recalled = total = 0
    for path in files:
        start = time.perf_counter()
        count, text = ours(path)
        t_ours += time.perf_counter() - start
        start = time.perf_counter()
        reference = poppler(path)
        t_pop += time.perf_counter() - start
        pages += count
        ref, got = words(reference), words(text)
        recalled += sum((ref & got).values())
        total += sum(ref.values())
    print(f"files={len(files)} pages={pages} laparams={pdf.LAPARAMS}")
    print(f"ours (pdfminer): {pages / t_ours:.1f} pages/s ({t_ours:.2f} s)")
    print(f"pdftotext:       {pages / t_pop:.1f} pages/s ({t_pop:.2f} s)")
    print(f"ratio pdftotext/ours: {t_ours / t_pop:.1f}x")
    print(f"word recall vs pdftotext: {recalled / total:.4f} ({recalled}/{total})")


if __name__ == "__main__":
    main()

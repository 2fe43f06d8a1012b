"""OCR over the shared corpus: pages OCRed, pages/s, and word overlap with the
``.ocr.txt`` references of pdf/lucyparsons-1505 (someone else's noisy
Tesseract output: overlap, not accuracy).

    .venv/bin/python bench/ocr_overlap.py [--dirs pdf awkward] [--jobs 2] [--dpi 300] [--budget 600]
    .venv/bin/python bench/ocr_overlap.py --stamps   # chars/page vs image cover, no OCR

Overlap = |ours & reference| / |reference| over lower-cased word multisets
(words of 2+ letters/digits). ``--budget`` stops after that many seconds
(files done so far are reported); the OCR cache lives in a temp folder so
every run measures real OCR.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from foiasearch.ingest import ocr, pdf
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.registry import ingest_file

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = next((p / "shared" / "corpus" for p in REPO.parents if (p / "shared" / "corpus").is_dir()),
                      REPO.parent / "shared" / "corpus")
WORD = re.compile(r"\w{2,}")
PASSWORDS = ("baz", "usersecret", "openpassword")  # the corpus' documented test passwords


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--dirs", nargs="+", default=["pdf", "awkward"])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--budget", type=float, default=600.0)
    parser.add_argument("--stamps", action="store_true")
    args = parser.parse_args()
    files = sorted(p for d in args.dirs for p in (args.corpus / d).rglob("*") if p.is_file() and not p.name.endswith(".txt"))
    if args.stamps:
        return stamps(files)
    if not ocr.available():
        sys.exit("tesseract or pdftoppm is not installed")
    cache = Path(tempfile.mkdtemp(prefix="ocr-bench-"))
    options = IngestOptions(ocr_cache_dir=cache, ocr_jobs=args.jobs, ocr_dpi=args.dpi, passwords=PASSWORDS,
                            timeout_seconds=3600)
    started = time.perf_counter()
    ocred = failed = 0
    overlap_hit = overlap_total = 0
    for path in files:
        if time.perf_counter() - started > args.budget:
            print(f"budget of {args.budget:.0f} s reached; stopping before {path.name}")
            break
        t0 = time.perf_counter()
        result = ingest_file(path, options)
        if result.status != "ok":
            continue
        doc = result.documents[0]
        n = sum(p.ocr for p in doc.pages)
        failed += len(doc.warnings)
        ocred += n
        line = f"{path.relative_to(args.corpus)}: {n} pages OCRed in {time.perf_counter() - t0:.1f} s"
        reference = path.with_name(path.stem + ".ocr.txt")
        if n and reference.exists():
            ref = words(reference.read_text(encoding="utf-8", errors="replace"))
            got = words("\n".join(p.text for p in doc.pages if p.ocr))
            hit, total = sum((ref & got).values()), sum(ref.values())
            overlap_hit, overlap_total = overlap_hit + hit, overlap_total + total
            line += f"; overlap with .ocr.txt {hit / max(1, total):.3f} ({hit}/{total} words)"
        print(line, flush=True)
    elapsed = time.perf_counter() - started
    print(f"pages OCRed: {ocred} (failed: {failed}) in {elapsed:.1f} s = {ocred / elapsed:.2f} pages/s "
          f"(jobs={args.jobs}, dpi={args.dpi})")
    if overlap_total:
        print(f"word overlap with lucyparsons .ocr.txt: {overlap_hit / overlap_total:.3f} ({overlap_hit}/{overlap_total})")


if __name__ == "__main__":
    main()

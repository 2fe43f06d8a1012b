"""Bates numbers found on every text-layer page of the demo releases and the
shared corpus, against the stamps a person read (bench/data/bates_labels.json).

    .venv/bin/python bench/bates_precision.py [--list]

Prints precision (found numbers that are the page's stamp), recall (stamps
found) and each false positive and miss. Pages are read as the indexer reads
them (ingest.pdf, no OCR). Measure an older checkout by running this script
with that checkout's interpreter.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from foiasearch.ingest import pdf
from foiasearch.ingest.foia import find_bates

REPO = Path(__file__).resolve().parents[1]
CORPUS = next((p / "shared" / "corpus" for p in REPO.parents if (p / "shared" / "corpus").is_dir()),
              REPO.parent / "shared" / "corpus")
ROOTS = {"demo": REPO / "examples" / "corpus", "corpus": CORPUS}
FOLDERS = [("demo", "releases"), ("corpus", "pdf"), ("corpus", "awkward")]
LABELS = REPO / "bench" / "data" / "bates_labels.json"
PASSWORDS = ("baz", "usersecret", "openpassword")  # the corpus' documented test passwords


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every number found")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found: {CORPUS}", file=sys.stderr)
        return 1
    stamps = json.loads(LABELS.read_text())["stamps"]
    found = right = pages = 0
    expected = sum(len(v) for v in stamps.values())
    for root, folder in FOLDERS:
        for path in sorted((ROOTS[root] / folder).rglob("*")):
            if not path.is_file() or path.suffix.lower() == ".txt":
                continue
            key = f"{root}:{path.relative_to(ROOTS[root])}"
            try:
                with pdf._open_file(path) as handle:
                    raw_pages, _, _ = pdf.read_pdf(handle, PASSWORDS)
            except pdf.IngestError:
                continue
            truth = stamps.get(key, {})
            for raw in raw_pages:
                pages += 1
                bates, want = find_bates(raw.text), truth.get(str(raw.number))
                if bates:
                    found += 1
                    right += bates == want
                    if bates != want:
                        print(f"false positive: {key} p{raw.number}: {bates!r}" + (f" (stamp {want!r})" if want else ""))
                    elif args.list:
                        print(f"found: {key} p{raw.number}: {bates!r}")
                elif want:
                    print(f"missed: {key} p{raw.number}: {want!r}")
    print(f"\npages: {pages}; stamps: {expected}; found: {found}; "
          f"precision {right / max(1, found):.3f} ({right}/{found}); recall {right / max(1, expected):.3f} ({right}/{expected})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Release dates and titles against a labelled set (bench/data/release_labels.json).

    .venv/bin/python bench/release_dates.py [--ocr-cache DIR] [--verbose]

For each labelled release: the date and title foiasearch gives it (the whole
ingest pipeline, OCR included), against the date and title a person read
from the document. Prints, over the set:

- dates right / wrong / missing (a wrong date is worse than none), and each
  wrong date with the source it came from (content, metadata, file);
- titles right (ours, normalised, starts with the label), and titles that
  two distinct releases share.

The same script measures an older checkout: run it with that checkout's
interpreter (its ``foiasearch`` is what gets imported).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.pipeline import process_file

REPO = Path(__file__).resolve().parents[1]
CORPUS = next((p / "shared" / "corpus" for p in REPO.parents if (p / "shared" / "corpus").is_dir()),
              REPO.parent / "shared" / "corpus")
ROOTS = {"demo": REPO / "examples" / "corpus", "corpus": CORPUS}
LABELS = REPO / "bench" / "data" / "release_labels.json"
PASSWORDS = ("baz", "usersecret", "openpassword")  # the corpus' documented test passwords


def norm(text: str | None) -> str:
    return " ".join(re.findall(r"\w+", (text or "").casefold().replace("’", "'")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ocr-cache", type=Path, default=None, help="reuse OCR between runs (default: a temp folder)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found: {CORPUS}", file=sys.stderr)
        return 1
    cache = args.ocr_cache or Path(tempfile.mkdtemp(prefix="release-bench-"))
    options = IngestOptions(ocr_cache_dir=cache, passwords=PASSWORDS, timeout_seconds=3600, ocr_jobs=2)
    labels = json.loads(LABELS.read_text())["releases"]
    dates = Counter()
    wrong_sources = Counter()
    titles_right = titles_labelled = 0
    titles: dict[str, list[str]] = {}
    for label in labels:
        root, _, relative = label["path"].partition(":")
        path = ROOTS[root] / relative
        result = process_file(path, options)
        if result.status != "ok":
            print(f"{label['path']}: {result.status} {result.reason}")
            dates["failed"] += 1
            continue
        doc = result.documents[0]
        date, source = (doc.date or "")[:10] or None, getattr(doc, "date_source", None) or "metadata"
        if date == label["date"]:
            verdict = "right" if date else "right (none)"
            dates["right"] += 1
        elif date is None:
            verdict = "missing"
            dates["missing"] += 1
        else:
            verdict = f"WRONG (from {source})"
            dates["wrong"] += 1
            wrong_sources[source] += 1
        titles.setdefault(norm(doc.title), []).append(label["path"])
        title_ok = None
        if label["title"]:
            titles_labelled += 1
            title_ok = norm(doc.title).startswith(norm(label["title"]))
            titles_right += title_ok
        if args.verbose or verdict.startswith("WRONG") or title_ok is False:
            print(f"{label['path']}\n    date {date} ({source}) vs {label['date']}: {verdict}"
                  f"\n    title {doc.title!r}" + ("" if title_ok is not False else f" vs {label['title']!r}"))
    shared = {t: paths for t, paths in titles.items() if len(paths) > 1}
    total = len(labels)
    print(f"\nreleases: {total}")
    print(f"dates: right {dates['right']}/{total} ({dates['right'] / total:.0%}), wrong {dates['wrong']}, "
          f"missing {dates['missing']}" + (f", failed {dates['failed']}" if dates["failed"] else ""))
    print("wrong dates by source: " + (", ".join(f"{s} {n}" for s, n in wrong_sources.items()) or "none"))
    print(f"titles: right {titles_right}/{titles_labelled}; shared by distinct releases: "
          f"{sum(len(p) for p in shared.values())} releases under {len(shared)} titles")
    for title, paths in shared.items():
        print(f"    {title!r}: {', '.join(paths)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Document-level precision and recall of ingest.actors against the labelled set.

Each labelled document is ingested with ``ingest.registry.ingest_file``, its
actors extracted, and the set of (name, type) pairs compared with the labels.
Names match after case folding and dropping punctuation; per-type figures
count a hit under the label's type.

Labelling rules used for tests/data/actors_labelled.json: list the people,
agencies (courts, police, coroners included), organisations, programs and
places a careful reader would name as actors of the document; places only
when they act or are governed as the subject (not addresses, birthplaces,
citizenship); buildings (jails, detention centres, hospitals) and news outlets
quoted as sources are not actors; bylines are not actors. Corpus documents were
chosen for the domain (immigration, policing, courts, government) and a text
layer; tables of hundreds of names and vendor ledgers were left out.

Usage::

    .venv/bin/python bench/actors_eval.py [--labels tests/data/actors_labelled.json]
        [--corpus ../shared/corpus] [--demo examples/corpus] [--verbose]

>>> score([{"ICE", "DHS"}], [{"ICE", "Page"}])
(1, 1, 1)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from foiasearch.ingest.actors import extract_actors  # noqa: E402
from foiasearch.ingest.registry import ingest_file  # noqa: E402

DEFAULT_LABELS = REPO / "tests" / "data" / "actors_labelled.json"
# <repo>/../shared/corpus; a worktree one level deeper looks one level up.
DEFAULT_CORPUS = next((p / "shared" / "corpus" for p in (REPO.parent, REPO.parent.parent)
                       if (p / "shared" / "corpus").is_dir()), REPO.parent / "shared" / "corpus")
DEFAULT_DEMO = REPO / "examples" / "corpus"


def key(name: str) -> str:
    """Comparison key: "U.S. Border Patrol" == "us border patrol"."""
    return re.sub(r"[^\w]+", " ", name.replace("'", "")).casefold().strip()


def score(gold: list[set[str]], predicted: list[set[str]]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) summed over documents."""
    tp = fp = fn = 0
    for g, p in zip(gold, predicted):
        g, p = {key(x) for x in g}, {key(x) for x in p}
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    return tp, fp, fn


@dataclass
class Report:
    documents: int = 0
    skipped: list[str] = field(default_factory=list)
    tp: int = 0
    fp: int = 0
    fn: int = 0
    by_type: Counter = field(default_factory=Counter)  # (type, "tp"|"fp"|"fn")
    errors: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(labels: list[dict], corpus: Path, demo: Path, sources: tuple[str, ...] = ("demo", "corpus")) -> Report:
    """Run the extractor over every labelled document it can find."""
    report = Report()
    for item in labels:
        if item["source"] not in sources:
            continue
        root = corpus if item["source"] == "corpus" else demo
        path = root / item["path"]
        if not path.exists():
            report.skipped.append(item["path"])
            continue
        result = ingest_file(path)
        if result.status != "ok" or not result.documents:
            report.skipped.append(f"{item['path']} ({result.reason})")
            continue
        started = time.perf_counter()
        predicted = {key(a.name): a for d in result.documents for a in extract_actors(d)}
        report.seconds += time.perf_counter() - started
        gold = {key(a["name"]): a for a in item["actors"]}
        report.documents += 1
        for k, a in gold.items():
            hit = k in predicted
            report.by_type[(a["type"], "tp" if hit else "fn")] += 1
        for k, a in predicted.items():
            if k not in gold:
                report.by_type[(a.type, "fp")] += 1
        tp = len(gold.keys() & predicted.keys())
        report.tp += tp
        report.fp += len(predicted.keys() - gold.keys())
        report.fn += len(gold.keys() - predicted.keys())
        missed = sorted(gold[k]["name"] for k in gold.keys() - predicted.keys())
        extra = sorted(predicted[k].name for k in predicted.keys() - gold.keys())
        if missed or extra:
            report.errors.append((item["path"], missed, extra))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--demo", type=Path, default=DEFAULT_DEMO)
    parser.add_argument("--source", choices=("demo", "corpus"), action="append")
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses and extras per document")
    args = parser.parse_args(argv)
    labels = json.loads(args.labels.read_text(encoding="utf-8"))
    report = evaluate(labels, args.corpus, args.demo, tuple(args.source or ("demo", "corpus")))
    if args.verbose:
        for path, missed, extra in report.errors:
            print(f"{path}\n  missed: {missed}\n  extra:  {extra}")
    print(f"documents {report.documents} (skipped {len(report.skipped)})  "
          f"tp {report.tp} fp {report.fp} fn {report.fn}")
    print(f"precision {report.precision:.3f}  recall {report.recall:.3f}  "
          f"extract time {report.seconds * 1000:.0f} ms total")
    for kind in ("person", "agency", "organization", "place", "program"):
        tp, fp, fn = (report.by_type[(kind, x)] for x in ("tp", "fp", "fn"))
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        print(f"  {kind:<13} precision {p:.3f}  recall {r:.3f}  (tp {tp} fp {fp} fn {fn})")
    for path in report.skipped:
        print(f"  skipped: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

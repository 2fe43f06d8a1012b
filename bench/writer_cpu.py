"""The Whoosh writer's CPU alone, before and after: the indexer's writing
side replayed without extraction.

    python bench/writer_cpu.py INDEX_DIR BEFORE_TREE AFTER_TREE [--docs N] [--per-commit N] [--rounds N]

Reads the documents of the store of an existing index (INDEX_DIR, e.g. one
``bench/compare.py`` built), prepares each one as an extraction worker does
(index.backend.prepare: outside the measure), then times, in one process
per checkout (its own ``.venv``), what the indexer's writer does with them:
``replace`` for every document and a ``commit`` every ``--per-commit``
documents into a new index, plus the run's last commit. The figure is the
CPU time of the writer process (its background merges included), which
unlike the indexer's does not depend on how long extraction took: the
indexer commits every few seconds of wall time, so on a loaded machine
it commits more often, and merges more. Rounds alternate between the two
checkouts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(index_dir: str, docs: int, per_commit: int) -> dict[str, float]:
    """In the checkout whose foiasearch this interpreter imports."""
    from foiasearch.index.backend import open_writer, prepare
    from foiasearch.index.location import IndexLocation
    from foiasearch.ingest.document import IngestResult

    store = IndexLocation(Path(index_dir)).open_store()
    ids = store.all_document_ids()[:docs]
    documents = [store.get_document(doc_id) for doc_id in ids]
    store.close()
    prepared = []
    for doc in documents:
        ready = prepare(IngestResult("ok", documents=[doc]))
        prepared.append(ready[doc.part] if ready else None)
    import gc

    gc.collect()
    gc.freeze()  # as the indexer does (index.build): the documents held here are not collected at each commit
    with tempfile.TemporaryDirectory() as folder:
        location = IndexLocation(Path(folder) / "ix")
        location.root.mkdir()
        started_cpu, started = time.process_time(), time.perf_counter()
        writer = open_writer(location)
        for n, (doc, ready) in enumerate(zip(documents, prepared), 1):
            writer.replace(doc, ready)
            if n % per_commit == 0:
                writer.commit()
        writer.commit(background_merge=False)
        writer.close()
        return {"cpu": time.process_time() - started_cpu, "wall": time.perf_counter() - started,
                "documents": len(documents)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index_dir")
    parser.add_argument("trees", nargs="*", help="checkouts with their own .venv (none: this interpreter only)")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--per-commit", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one or not args.trees:
        print(json.dumps(measure(args.index_dir, args.docs, args.per_commit)))
        return
    results: dict[str, list[dict]] = {tree: [] for tree in args.trees}
    for _ in range(args.rounds):
        for tree in args.trees:
            output = subprocess.run(
                [str(Path(tree) / ".venv/bin/python"), __file__, args.index_dir, "--one", "--docs", str(args.docs),
                 "--per-commit", str(args.per_commit)], capture_output=True, text=True, check=True, cwd=tree)
            results[tree].append(json.loads(output.stdout.strip().splitlines()[-1]))
    print(f"| writer, {results[args.trees[0]][0]['documents']} documents, commit every {args.per_commit} "
          f"| " + " | ".join(args.trees) + (" | last/first |" if len(args.trees) > 1 else " |"))
    print("|---|" + "---|" * (len(args.trees) + (len(args.trees) > 1)))
    for key, label in (("cpu", "CPU (s), median"), ("wall", "wall (s), median")):
        medians = [statistics.median(r[key] for r in results[tree]) for tree in args.trees]
        ratio = f" {medians[-1] / medians[0]:.2f} |" if len(medians) > 1 else ""
        print(f"| {label} | " + " | ".join(f"{m:.2f}" for m in medians) + " |" + ratio)
    for tree in args.trees:
        print(f"{tree}: CPU " + ", ".join(f"{r['cpu']:.2f}" for r in results[tree]), file=sys.stderr)


if __name__ == "__main__":
    main()

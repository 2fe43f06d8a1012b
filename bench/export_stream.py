"""Peak memory of a streamed export: build a synthetic index through the
library (tests/synthetic.py), then export every document matching "records"
to CSV in a fresh process and report its peak RSS and time.

    .venv/bin/python bench/export_stream.py --docs 100000 --index /tmp/foiasearch-bench
    .venv/bin/python bench/export_stream.py --docs 100000 --index /tmp/foiasearch-bench --rows-only 10000

The index is built once and reused while its document count matches.
``--rows-only N`` stops after N rows of the same 100,000-row export: the
peak RSS at N rows against the full export's shows what rows add.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def build(index: Path, docs: int) -> None:
    from foiasearch.index.location import IndexLocation
    from tests.synthetic import synthetic_documents, write_index

    location = IndexLocation(index)
    if location.exists():
        store = location.open_store(readonly=True)
        have = sum(n for n, _ in store.document_counts().values())
        store.close()
        if have == docs:
            return
        raise SystemExit(f"{index} holds {have} documents, not {docs}: remove it or pick another --index")
    started = time.monotonic()
    write_index(location, synthetic_documents(docs, release_every=10))
    print(f"built {docs} documents in {time.monotonic() - started:.0f} s", file=sys.stderr)


def export(index: Path, out: Path, rows: int | None) -> dict:
    """Runs in a child process so that ru_maxrss is the export's alone."""
    from foiasearch.search.api import Query, open_backend
    from foiasearch.search.export import Export, stream

    started = time.monotonic()
    written = 0
    with open_backend(index) as engine, open(out, "w", encoding="utf-8", newline="") as handle:
        export_ = Export.of_query(engine, Query("records"))
        searched = time.monotonic() - started
        for chunk in stream(export_, "csv"):
            handle.write(chunk)
            if rows is not None and export_.written >= rows:
                break
        written = export_.written
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": written, "total": export_.total, "seconds": round(time.monotonic() - started, 1),
            "search_seconds": round(searched, 1), "peak_rss_mb": round(peak_kb / 1024, 1),
            "bytes": out.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--index", type=Path, default=Path("/tmp/foiasearch-bench"))
    parser.add_argument("--rows-only", type=int, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.index.parent / f"{args.index.name}-export.csv"
    if args.child:
        print(json.dumps(export(args.index, out, args.rows_only)))
        return
    build(args.index, args.docs)
    command = [sys.executable, __file__, "--child", "--index", str(args.index), "--docs", str(args.docs)]
    if args.rows_only:
        command += ["--rows-only", str(args.rows_only)]
    env = dict(os.environ)
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Actors of two checkouts, compared document by document: the check that a
speed change to ``ingest/actors.py`` or ``ingest/gazetteer.py`` left every
document's actors the same.

    python bench/actors_diff.py BEFORE AFTER FOLDER [FOLDER ...] [--show 20]

Each checkout (with its own ``.venv``) runs ``ingest.pipeline.process_file``
over every file under each FOLDER (sorted; OCR off) and prints, per
document, its actors (name and type, in order) and ``actor_pages`` (each
actor's page numbers). The script prints each document whose actors or
pages differ (at most ``--show``, with what each side has that the other
has not), then ``N files, M documents, K differ``, and exits 1 when any
differs. ``bench/extract_diff.py`` compares every field, and the
analysis, more slowly.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

# Run inside a checkout's interpreter: one JSON line per document (or per
# file that gave none).
PROBE = """
import json, os, sys
from pathlib import Path
from foiasearch.ingest.actors import actor_pages
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.pipeline import gazetteer_for, process_file
options = IngestOptions(ocr=False)
gazetteer = gazetteer_for(options.actor_files)
for folder in sys.argv[1:]:
    for path in sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs):
        try:
            documents = process_file(Path(path), options).documents
        except Exception as exc:  # the same failure on both sides is no difference
            print(json.dumps({"key": path, "error": repr(exc)}))
            continue
        if not documents:
            print(json.dumps({"key": path, "actors": None}))
        for part, doc in enumerate(documents):
            print(json.dumps({"key": f"{path}#{part}", "actors": [[a.name, a.type] for a in doc.actors],
                              "pages": actor_pages(doc, gazetteer)}))
"""


def actors_of(checkout: Path, folders: list[str]) -> dict[str, dict]:
    """Document key ("path#part", or the path of a file without documents)
    -> what ``PROBE`` printed for it, run by ``checkout``'s interpreter."""
    python = checkout / ".venv" / "bin" / "python"
    run = subprocess.run([str(python), "-c", PROBE, *folders], cwd=checkout, capture_output=True, text=True,
                         check=True)
    return {row["key"]: row for row in map(json.loads, run.stdout.splitlines())}


def differences(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """One line per document whose actors or pages differ, or that one
    side has and the other has not.

    >>> differences({"a#0": {"actors": [["ICE", "agency"]], "pages": {}}},
    ...             {"a#0": {"actors": [["DHS", "agency"]], "pages": {}}})
    ["a#0: actors only before [['ICE', 'agency']], only after [['DHS', 'agency']]"]
    """
    lines = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old is None or new is None:
            lines.append(f"{key}: only {'after' if old is None else 'before'}")
        elif old != new:
            if old.get("actors") != new.get("actors"):
                gone = [a for a in old.get("actors") or [] if a not in (new.get("actors") or [])]
                came = [a for a in new.get("actors") or [] if a not in (old.get("actors") or [])]
                lines.append(f"{key}: actors only before {gone}, only after {came}"
                             + ("" if gone or came else " (order differs)"))
            else:
                lines.append(f"{key}: {'pages' if 'pages' in old else 'error'} differ: {old} != {new}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--show", type=int, default=20, help="differing documents printed at most")
    args = parser.parse_args(argv)
    folders = [str(Path(f).resolve()) for f in args.folders]
    before, after = actors_of(args.before.resolve(), folders), actors_of(args.after.resolve(), folders)
    lines = differences(before, after)
    for line in lines[:args.show]:
        print(line)
    files = len({key.rsplit("#", 1)[0] for key in before.keys() | after.keys()})
    documents = sum(1 for row in after.values() if row.get("actors") is not None)
    print(f"{files} files, {documents} documents, {len(lines)} differ")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())

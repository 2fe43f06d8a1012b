"""Extraction output of two checkouts, compared field by field: the check
that a speed change to ``ingest/`` left every document the same.

    python bench/extract_diff.py BEFORE AFTER FOLDER [FOLDER ...] [--files 300]

Each checkout (with its own ``.venv``) runs ``ingest.pipeline.process_file``
over the same files (every file under each FOLDER, sorted; ``--files``
keeps the first N of each extension per folder) and prints each result as
JSON (OCR off): the status, the reason, every field of every document
(``Document.to_dict()``) and what the Whoosh backend's analysis in the
worker makes of it (``index.backend.prepare``: every record's analysed
fields, as the text and a digest of its posting items: terms, frequencies,
weights, encoded positions, in order). The two outputs are compared per
file and per field; the script prints one line per difference (at most ``--show``) and
a summary line, ``N files, M documents, K differences``, and exits 1 when
there is any difference.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

# Run inside a checkout's interpreter: one JSON line per file.
PROBE = """
import hashlib, json, os, sys
from pathlib import Path
import foiasearch.ingest
print(json.dumps({"root": os.path.dirname(os.path.dirname(os.path.realpath(foiasearch.ingest.__file__)))}), flush=True)
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.pipeline import process_file
from foiasearch.index.backend import prepare
count = int(sys.argv[1])

def analysis(result):
    # part -> record (0: the document, n: page n) -> field -> [text, digest of the items' repr]
    # (repr, not pickle: equal items pickle differently when one bytes object is shared)
    if result.status != "ok":
        return None
    return {part: {str(page): {name: [text, hashlib.sha256(repr(ready.items).encode()).hexdigest()]
                               for name, (text, ready) in fields.items()}
                   for page, fields in records.items()}
            for part, records in prepare(result, "whoosh").items()}

options = IngestOptions(ocr=False)
for folder in sys.argv[2:]:
    paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs)
    taken = {}
    for path in paths:
        suffix = os.path.splitext(path)[1].lower()
        taken[suffix] = taken.get(suffix, 0) + 1
        if count and taken[suffix] > count:
            continue
        try:
            result = process_file(Path(path), options)
            out = {"status": result.status, "reason": result.reason,
                   "documents": [doc.to_dict() for doc in result.documents], "analysis": analysis(result)}
        except Exception as exc:  # the same failure both sides is no difference
            out = {"status": "raised", "reason": f"{type(exc).__name__}: {exc}", "documents": [], "analysis": None}
        print(json.dumps({"path": path, **out}, ensure_ascii=False, default=str), flush=True)
"""


def dump(tree: Path, folders: list[Path], files: int) -> dict[str, dict]:
    """``{path: {"status", "reason", "documents"}}`` as ``tree`` extracts them."""
    done = subprocess.run([str(tree / ".venv" / "bin" / "python"), "-c", PROBE, str(files),
                           *map(str, folders)], cwd=tree, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"extract_diff: {tree} failed: {done.stderr.strip().splitlines()[-1:]}")
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    # A venv copied from another checkout runs that checkout's code: both sides would be one.
    root = Path(rows[0]["root"]) if rows and "root" in rows[0] else None
    if root != tree.resolve():
        sys.exit(f"extract_diff: {tree}/.venv imports foiasearch from {root}, not from {tree}")
    return {row.pop("path"): row for row in rows[1:]}


def differences(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """One line per file missing on a side, per status or reason, and per
    document field that differs."""
    found = []
    for path in sorted(before.keys() | after.keys()):
        if path not in before or path not in after:
            found.append(f"{path}: only in {'after' if path in after else 'before'}")
            continue
        old, new = before[path], after[path]
        for key in ("status", "reason"):
            if old[key] != new[key]:
                found.append(f"{path}: {key} {old[key]!r} -> {new[key]!r}")
        found += _analysis_differences(path, old.get("analysis"), new.get("analysis"))
        if len(old["documents"]) != len(new["documents"]):
            found.append(f"{path}: {len(old['documents'])} -> {len(new['documents'])} documents")
            continue
        for number, (a, b) in enumerate(zip(old["documents"], new["documents"])):
            for field in sorted(a.keys() | b.keys()):
                if a.get(field) != b.get(field):
                    found.append(f"{path} #{number}: {field} {str(a.get(field))[:80]!r} -> {str(b.get(field))[:80]!r}")
    return found


def _analysis_differences(path: str, old: dict | None, new: dict | None) -> list[str]:
    """One line per field (part, record, field) both sides analysed whose
    text or posting items differ, or record that only one side analysed. A
    field that only one side made ready in the worker is no difference: the
    writer analyses it otherwise (session 9 made every field ready there)."""
    if old == new:
        return []
    if old is None or new is None:
        return [f"{path}: analysis only in {'after' if new is not None else 'before'}"]
    flat = [{(part, page, name): value for part, records in side.items()
             for page, fields in records.items() for name, value in fields.items()} for side in (old, new)]
    records = [{(part, page) for part, page, _ in side} for side in flat]
    return [f"{path}: analysis of {part or 'document'} record {page} field {name} differs"
            for part, page, name in sorted(flat[0].keys() | flat[1].keys())
            if flat[0].get((part, page, name)) != flat[1].get((part, page, name))
            and ((part, page, name) in flat[0].keys() & flat[1].keys() or (part, page) not in records[0] & records[1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("folders", type=Path, nargs="+", help="files to extract")
    parser.add_argument("--files", type=int, default=0, help="first N files of each extension per folder (0: all)")
    parser.add_argument("--show", type=int, default=20, help="differences printed at most")
    args = parser.parse_args()
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        sys.exit(f"extract_diff: no such folder: {', '.join(missing)}")
    folders = [f.resolve() for f in args.folders]
    before = dump(args.before.resolve(), folders, args.files)
    after = dump(args.after.resolve(), folders, args.files)
    if not after:
        sys.exit("extract_diff: no files found in " + ", ".join(map(str, folders)))
    found = differences(before, after)
    for line in found[:args.show]:
        print(line)
    documents = sum(len(row["documents"]) for row in after.values())
    print(f"{len(after)} files, {documents} documents, {len(found)} differences")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()

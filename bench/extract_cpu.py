"""Extraction CPU per file, before and after, alternating: what one worker
of the indexing pool spends on a file (hash, parse, enrich, analyse), by
file type, for two checkouts (each with its own ``.venv``), in rounds that
alternate between them so that both see the same machine load.

    python bench/extract_cpu.py /work/wt/speed-before . FOLDER --files 400 --rounds 3 [--backend postgresql] [--stages]

Each checkout extracts the same files (the first ``--files`` of each type
under FOLDER, sorted) in one process of its own, after one warm-up file;
CPU time of that process (user + system), not wall: on a shared machine
wall time is mostly waiting for a core. Prints a Markdown table of the
medians, in ms per file, and the ratio after/before.

``--stages`` splits each file's CPU by step, as a worker runs them: reading
the file (parse, main text, metadata), the release date and title, the
FOIA annotations, the actors, and the backend's preparation (Whoosh: the
analysis); one row per file type and step.

``--backend`` is the search backend the workers prepare for: ``whoosh``
(the default) analyses the text in the worker, ``postgresql`` leaves that to
the server, so its figures are extraction alone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
from pathlib import Path

# Run inside a checkout's interpreter: prints {suffix: ms per file}.
PROBE = """
import json, os, sys, time
from foiasearch.index.extract import extract
from foiasearch.ingest.options import IngestOptions
folder, count, backend = sys.argv[1], int(sys.argv[2]), sys.argv[3]
paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs)
options = IngestOptions(ocr=False, extra={"backend": backend})
for suffix in {os.path.splitext(p)[1] for p in paths}:  # each type's imports and first use, untimed
    extract(next(p for p in paths if p.endswith(suffix)), options)
out = {}
for suffix in sorted({os.path.splitext(p)[1] for p in paths}):
    chosen = [p for p in paths if p.endswith(suffix)][:count]
    started = time.process_time()
    for path in chosen:
        extract(path, options)
    out[suffix] = 1000 * (time.process_time() - started) / len(chosen)
print(json.dumps(out))
"""

# The same, step by step (ingest.pipeline's steps, then index.backend.prepare):
# prints {suffix + " " + step: ms per file}.
STAGES = """
import json, os, sys, time
from pathlib import Path
from foiasearch.ingest import pipeline
from foiasearch.index.backend import prepare
from foiasearch.ingest.options import IngestOptions
folder, count, backend = sys.argv[1], int(sys.argv[2]), sys.argv[3]
paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs)
options = IngestOptions(ocr=False, extra={"backend": backend})
gazetteer = pipeline.gazetteer_for(options.actor_files)
clock = time.process_time
out = {}
for suffix in sorted({os.path.splitext(p)[1] for p in paths}):
    chosen = [p for p in paths if p.endswith(suffix)]
    pipeline.process_file(Path(chosen[0]), options)  # imports and first use, untimed
    spent = dict.fromkeys(("read", "date and title", "annotate", "actors", "prepare"), 0.0)
    for path in chosen[:count]:
        t0 = clock(); result = pipeline.ingest_file(Path(path), options)
        t1 = clock(); docs = [pipeline.date_and_title(doc, Path(path)) for doc in result.documents]
        t2 = clock()
        for doc in docs:
            pipeline.annotate(doc)
        t3 = clock()
        for doc in docs:
            doc.actors = pipeline.extract_actors(doc, gazetteer)
            doc.extractor = pipeline.EXTRACTOR_VERSION
        t4 = clock()
        result.documents = docs
        if result.status == "ok":
            prepare(result, backend)
        t5 = clock()
        for step, took in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            spent[step] += took
    out.update({f"{suffix} {step}": 1000 * took / len(chosen[:count]) for step, took in spent.items()})
print(json.dumps(out))
"""


def measure(tree: Path, folder: Path, files: int, backend: str = "whoosh", stages: bool = False) -> dict[str, float]:
    done = subprocess.run([str(tree / ".venv" / "bin" / "python"), "-c", STAGES if stages else PROBE,
                           str(folder), str(files), backend],
                          cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("folder", type=Path, help="files to extract (e.g. a bench/gen_corpus.py corpus)")
    parser.add_argument("--files", type=int, default=400, help="files of each type")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=("whoosh", "postgresql"), default="whoosh",
                        help="what the workers prepare for (postgresql: extraction alone)")
    parser.add_argument("--stages", action="store_true", help="CPU per step of the extraction, not only per file")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for _ in range(args.rounds):
        for name, tree in (("before", args.before), ("after", args.after)):
            runs[name].append(measure(tree.resolve(), args.folder.resolve(), args.files, args.backend, args.stages))
    print(f"extraction CPU per file (ms), {args.rounds} rounds alternating, medians; "
          f"before: {args.before}, after: {args.after}; backend: {args.backend}\n")
    print(f"| file type{', step' if args.stages else ''} | before | after | after/before |\n|---|---|---|---|")
    for suffix in sorted(runs["before"][0]):
        before = statistics.median(r[suffix] for r in runs["before"])
        after = statistics.median(r[suffix] for r in runs["after"])
        print(f"| {suffix} | {before:.2f} | {after:.2f} | {after / before:.2f} |")


if __name__ == "__main__":
    main()

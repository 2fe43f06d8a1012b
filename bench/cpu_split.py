"""Where indexing CPU goes: the writer process against the extraction workers.

    python bench/cpu_split.py FOLDER INDEX_DIR

Runs ``foiasearch index FOLDER --index INDEX_DIR -q`` in this process and
prints its wall time, the CPU time of this process (the single writer:
store, Whoosh writer, commits) and of its children (the extraction pool).
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from foiasearch.cli import main as cli

    folder, index_dir = sys.argv[1:3]
    started = time.perf_counter()
    try:
        cli(["index", folder, "--index", index_dir, "-q"], standalone_mode=False)
    except SystemExit:
        pass
    wall = time.perf_counter() - started
    writer = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"wall {wall:.1f} s; writer CPU {writer.ru_utime + writer.ru_stime:.1f} s; "
          f"workers CPU {workers.ru_utime + workers.ru_stime:.1f} s")


if __name__ == "__main__":
    main()

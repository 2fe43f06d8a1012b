"""Where indexing CPU goes: the writer process against the extraction workers.

    python bench/cpu_split.py FOLDER INDEX_DIR

Runs ``foiasearch index FOLDER --index INDEX_DIR -q`` in this process and
prints its wall time, the CPU time of this process (the single writer:
store, Whoosh writer, commits) and of its children (the extraction pool),
the cores kept busy on average (CPU / wall; 2.0 is every core of a 2-core
machine all the time) and the 1-minute load average at the start (on a
shared machine the wall time means little above the core count).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from foiasearch.cli import main as cli

    folder, index_dir = sys.argv[1:3]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    try:
        cli(["index", folder, "--index", index_dir, "-q"], standalone_mode=False)
    except SystemExit:
        pass
    wall = time.perf_counter() - started
    writer = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    writer_cpu, workers_cpu = writer.ru_utime + writer.ru_stime, workers.ru_utime + workers.ru_stime
    print(f"wall {wall:.1f} s; writer CPU {writer_cpu:.1f} s; workers CPU {workers_cpu:.1f} s; "
          f"cores used {(writer_cpu + workers_cpu) / wall:.2f}; load {load:.1f}")


if __name__ == "__main__":
    main()

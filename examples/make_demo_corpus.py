"""Write the foiasearch demo corpus: advocacy posts (HTML) and FOIA releases (PDF).

Everything is fictional and written for this project. The output depends only
on this code (no clock, no randomness), so a rerun gives the same bytes.

Usage::

    python examples/make_demo_corpus.py [OUTDIR]     # default: examples/corpus
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, the sibling modules are importable from this folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_posts import write_posts  # noqa: E402
from demo_release_texts import RELEASES  # noqa: E402
from demo_releases import write_release  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "corpus"


def make_corpus(outdir: Path) -> list[Path]:
    """Write ``outdir/posts/*.html`` and ``outdir/releases/*.pdf``; return the paths written."""
    paths = write_posts(outdir / "posts")
    paths += [write_release(release, outdir / "releases") for release in RELEASES]
    return paths


def main(argv: list[str]) -> int:
    outdir = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    for path in make_corpus(outdir):
        print(f"{path.stat().st_size:>8}  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

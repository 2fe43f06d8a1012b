"""How the word forms were chosen: analysis speed and known-item success of
Whoosh's Porter stemmer, Snowball English alone, and Snowball with the
word-family table (index.whoosh.wordforms), on the same documents.

    python bench/wordforms.py --index DIR [--shared ../shared/corpus] [--text FILE]

``--index`` is an index of both evaluation corpora (bench/relevance.py
--index DIR builds one); it is copied, and each copy's word index is
rebuilt from the stored text with one analysis (index.build.reanalyze),
then the evaluation set is run on it. ``--text`` (default: the shared
corpus's born-digital PDFs through pdftotext) is analysed three times per
variant for the speed row: the best of three, Whoosh field indexing
included, as the indexer does it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.relevance import default_shared, evaluate, scores  # noqa: E402

VARIANTS = ("porter", "snowball", "snowball+forms")


class _Porter:
    """Whoosh's Python Porter stemmer behind PyStemmer's interface."""

    def stemWord(self, word: str) -> str:  # noqa: N802 (PyStemmer's name)
        from whoosh.lang.porter import stem

        return stem(word)


def use(variant: str) -> None:
    """Make every SnowballFilter, existing and new, analyse as ``variant``."""
    from foiasearch.index.whoosh import wordforms

    original = getattr(wordforms.SnowballFilter, "_original_setup", wordforms.SnowballFilter._setup)
    wordforms.SnowballFilter._original_setup = original

    def setup(self) -> None:
        original(self)
        if variant != "snowball+forms":
            self._joined = {}
        if variant == "porter":
            self._stemmer = _Porter()

    wordforms.SnowballFilter._setup = setup
    for item in list(wordforms.TEXT_ANALYZER.items) + [wordforms._FILTER]:
        if isinstance(item, wordforms.SnowballFilter):
            item._setup()


def analysis_seconds(text: str) -> float:
    from whoosh import fields

    from foiasearch.index.whoosh.wordforms import TEXT_ANALYZER

    field = fields.TEXT(analyzer=TEXT_ANALYZER)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _item in field.index(text):
            pass
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--shared", type=Path, default=default_shared())
    parser.add_argument("--text", type=Path)
    args = parser.parse_args()
    if args.text:
        text = args.text.read_text(encoding="utf-8", errors="replace")
    else:
        pdfs = sorted((args.shared / "pdf").rglob("*.pdf"))
        text = "\n".join(subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True).stdout
                         for p in pdfs)
    from foiasearch.index.build import reanalyze
    from foiasearch.index.location import IndexLocation

    print(f"| analysis | analyse {len(text) // 1000} kB (best of 3) | success@1 | success@3 | MRR |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="foiasearch-wordforms-") as tmp:
        for variant in VARIANTS:
            use(variant)
            seconds = analysis_seconds(text)
            copy = Path(tmp) / variant
            shutil.copytree(args.index, copy, ignore=shutil.ignore_patterns("ocr-cache", "cache", "write.lock"))
            reanalyze(IndexLocation(copy))
            _, systems = evaluate(args.shared, copy, with_recoll=False)
            s = scores(systems["foiasearch"])
            print(f"| {variant} | {seconds:.2f} s | {s['success@1']:.2f} | {s['success@3']:.2f} | {s['mrr']:.2f} |",
                  flush=True)


if __name__ == "__main__":
    main()

"""The known-item evaluation (bench/relevance.py) on the shared corpus: pins
the level reached on the born-digital targets (PDF text layers, HTML pages,
posts inside the WordPress export). Scanned targets need OCR, too slow for
the suite: bench/relevance.py measures them."""

from __future__ import annotations

import pytest

from bench.relevance import BORN_DIGITAL, evaluate, load_queries, scores
from tests.conftest import SHARED_CORPUS, needs_shared_corpus


@needs_shared_corpus
def test_known_items_are_found_in_the_top_three(tmp_path):
    items, systems = evaluate(SHARED_CORPUS, tmp_path / "ix", ocr=False, with_recoll=False, forms=BORN_DIGITAL)
    assert len(items) >= 60
    result = scores(systems["foiasearch"])
    misses = [q.text for q, r in zip(items, systems["foiasearch"]) if not r or r > 3]
    assert result["success@3"] >= 0.95, misses
    assert result["mrr"] >= 0.9, misses


def test_the_evaluation_set_is_well_formed(tmp_path):
    items = load_queries(tmp_path)
    assert len(items) >= 60
    assert {q.form for q in items} == {"born-digital", "scanned", "html", "wxr"}
    assert {"phrase", "paraphrase", "name", "typo", "identifier"} <= {q.type for q in items}
    bad = tmp_path / "bad.tsv"
    bad.write_text("a query without its columns\n")
    with pytest.raises(SystemExit, match="bad.tsv:1"):
        load_queries(tmp_path, bad)

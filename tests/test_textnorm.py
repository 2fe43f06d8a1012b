"""ingest.textnorm.clean_text squashes each line's whitespace with str.split;
it must give what the per-line regular expression gave, for any whitespace
Python knows (str.split and re's \\s must agree)."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from foiasearch.ingest.textnorm import clean_text

_WHITESPACE = " \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000\u200b\ufeff"


def _by_regex(text: str) -> str:
    lines = (re.sub(r"[^\S\n]+", " ", line).strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@given(st.text(alphabet=_WHITESPACE + "ab", max_size=40))
@settings(max_examples=1000, deadline=None)
def test_clean_text_squashes_whitespace_as_the_regex_did(text):
    assert clean_text(text) == _by_regex(text)


def test_clean_text_keeps_one_blank_line():
    assert clean_text("  a \u00a0 b \n\n\n\n c\t") == "a b\n\nc"

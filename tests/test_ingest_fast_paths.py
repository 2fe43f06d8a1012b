"""Issue 18: the quicker ways extraction does its work give exactly what the
plain ways gave (a pattern rewritten so that ``re`` can skip ahead, a
count done in C, a search done only when needed, a parser whose element
classes are picked in C)."""

from __future__ import annotations

import re

import lxml.html
from hypothesis import given, settings, strategies as st

from foiasearch.ingest import foia
from foiasearch.ingest.document import Document, Page
from foiasearch.index.whoosh.schema import _ASCII_WORDS, _WORDS, analyze, build_schema
from foiasearch.ingest.gazetteer import (_ASCII_TOKEN_SPLIT, _GAP, _INITIALS, _TOKEN_SPLIT, _context_ok, _context_regex,
                                        _words, default_gazetteer)
from foiasearch.ingest.html import _nodes, document_from_html, main_text, parse_html
from foiasearch.ingest.htmlmeta import page_meta


@given(st.text(alphabet="AaBbÉéⅠ1_ .\t\n-", max_size=20))
@settings(max_examples=500, deadline=None)
def test_the_initials_test_finds_what_the_letter_first_pattern_found(text):
    letter_first = re.compile(r"[^\W\d_a-z]\.[ \t]?[^\W\d_a-z]")
    assert (_INITIALS.search(text) is None) == (letter_first.search(text) is None)


@given(st.sampled_from(["ICE", "immigra", "Cook County", "S-Comm", "détenu", "ß"]),
       st.text(alphabet="ICEicePRs-mMgraoCk Ctyun\tdéÉßSS_1", max_size=40))
@settings(max_examples=500, deadline=None)
def test_a_context_word_is_found_where_the_lookbehind_pattern_found_it(word, text):
    plain = re.compile(r"(?<!\w)" + re.escape(word), 0 if word.isupper() else re.IGNORECASE)
    assert [m.span() for m in _context_regex(word).finditer(text)] == [m.span() for m in plain.finditer(text)]


@given(st.lists(st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<!-- c -->", "<?pi x?>", "text ",
                                 "<br>", "<b>", "</b>", "&amp;", "<form><input name=q></form>"]), max_size=30))
@settings(max_examples=200, deadline=None)
def test_the_node_count_is_what_iterating_the_tree_counts(parts):
    tree = parse_html("<html><body>" + "".join(parts) + "</body></html>")
    assert _nodes(tree) == sum(1 for _ in tree.iter())


FORM_PAGE = """<html lang="en"><head><title>Opt out | Watch</title></head><body>
<nav><a href="/">Home</a></nav><article><h1>Opt out</h1>
<p>Illinois told ICE that the state would leave Secure Communities, a letter shows.</p>
<form action="/subscribe"><label for="e">E-mail</label><input id="e" name="e">
<select name="s"><option>Weekly</option></select><textarea name="t">Note</textarea></form>
<p>The county's sheriff said the detainers would stop at the end of the month.</p>
</article><div class="comments"><p>A reader wrote that this was overdue and welcome news.</p></div>
</body></html>"""


def test_pages_read_the_same_with_lxml_htmls_own_element_classes():
    ours = parse_html(FORM_PAGE)
    theirs = lxml.html.document_fromstring(FORM_PAGE)
    assert {type(el) for el in ours.iter()} <= {lxml.html.HtmlElement, lxml.html.HtmlComment,
                                                lxml.html.HtmlProcessingInstruction}
    assert any(type(el) is lxml.html.FormElement for el in theirs.iter())  # what lxml.html would have used
    assert page_meta(ours) == page_meta(theirs)
    assert main_text(ours) == main_text(theirs)
    doc = document_from_html(FORM_PAGE)
    assert doc.title == "Opt out" and "Secure Communities" in doc.text and "sheriff" in doc.text


def _eager_spans(text: str, context: str) -> list[tuple[int, int, str]]:
    """exemption_spans as it was: both context searches first, every time."""
    about = foia._FOIA_CONTEXT.search(context) is not None
    illinois = foia._ILLINOIS_CONTEXT.search(context) is not None
    spans = []
    for match in foia._FEDERAL.finditer(text):
        if match.group(1) and not foia._cites_552(text, match.start()):
            continue
        number = match.group(1) or match.group(3)
        sub = match.group(2) or match.group(4) or match.group(5) or ""
        if number not in foia._COMMON and not about:
            continue
        if match.group(3) and number not in foia._COMMON | {"1", "2", "3", "4", "8", "9"}:
            continue
        spans.append((match.start(), match.end(), f"b{number}{sub.upper()}"))
    if illinois:
        for match in foia._ILLINOIS.finditer(text):
            base = f"IL-7(1)({match.group(1)})"
            romans = foia._ROMAN.findall(match.group(2)) + foia._ROMAN.findall(match.group(3))
            spans += [(match.start(), match.end(), code) for code in [f"{base}({r})" for r in romans] or [base]]
    return sorted(spans)


@given(st.lists(st.sampled_from(["(b)(3)", "(b)(6)", "b7C", "b2", "7(1)(c)", "7(1)(d)(v) and (vi)", "140/",
                                 "Rule 12", "552", "FOIA", "ILCS", "withheld", "letter", " ", "\n", ","]),
                max_size=12),
       st.booleans())
@settings(max_examples=400, deadline=None)
def test_exemptions_found_with_the_context_asked_late_are_those_found_with_it_asked_first(parts, own_context):
    text = "".join(parts)
    context = text if own_context else "A letter about " + text[::-1]
    assert foia.exemption_spans(text, context) == _eager_spans(text, context)


def test_a_post_without_citations_is_not_searched_for_foia_context():
    foia._about_foia.cache_clear()
    foia._about_illinois.cache_clear()
    doc = Document(kind="post", pages=[Page(1, "The sheriff wrote to ICE about detainers under FOIA.")])
    foia.annotate(doc)
    assert doc.exemptions == []
    assert foia._about_foia.cache_info().currsize == 0 and foia._about_illinois.cache_info().currsize == 0


@given(st.lists(st.sampled_from(["From", "To", "Cc", "CC", "Sent by", ":", " ", "\t", "\n", "Ann Lee", "Sincerely",
                                 "Best regards", "Thank you", "Thanks", ",", "was", "had", "pleaded", "died",
                                 "Cook County", "County", "ICE", "DHS", "Office of Public Affairs", "Office", ".", "CBP", "USCIS", "EOIR", "HSI ",
                                 "FBI", "DOJ", "ERO"]),
                max_size=14))
@settings(max_examples=500, deadline=None)
def test_a_pattern_is_skipped_only_where_it_cannot_match(parts):
    from foiasearch.ingest import actors

    text = "".join(parts)
    for pattern, words in ((actors._HEADER, actors._HEADER_WORDS), (actors._SIGN_OFF, actors._SIGN_OFF_WORDS),
                           (actors._NAME_VERB, actors._NAME_VERB_WORDS), (actors._COUNTY, ("County",)),
                           (actors._AGENCY_OFFICE, ("Office",))):
        if pattern.search(text):
            assert actors._has_any(text, words), (pattern.pattern, text)
        if pattern is actors._AGENCY_OFFICE:  # led by the agencies' first letters, not any capital
            wider = re.compile(pattern.pattern.replace("(?=[CDEFHIU])", "(?=[A-Z])", 1))
            assert wider.pattern != pattern.pattern  # else this compares the pattern with itself
            assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in wider.finditer(text)]


def _both_passes(self) -> None:
    """actors._Extractor._organisations as it was: the capitals pass always run in full."""
    from foiasearch.ingest import actors

    self._organisations_in(self.text)
    self._organisations_in(actors._titlecase_caps(self.text), one_line=True)


@given(st.lists(st.sampled_from(["The", "Circuit", "Court", "of", "Cook", "County", "Supreme", "Appeals", "Court of",
                                 "Police Department", "Smith", "LLP", "Cooley", "Immigrant Rights Center", "the",
                                 "Alder", "Sheriff's Office", "COURT", "ICE", " ", " ", "\n", ",", "."]),
                max_size=16))
@settings(max_examples=400, deadline=None)
def test_organisations_found_with_the_capitals_pass_cut_short_are_those_of_both_passes(parts):
    from foiasearch.ingest import actors
    from foiasearch.ingest.gazetteer import default_gazetteer

    text = "".join(parts)
    quick = actors._Extractor(text, default_gazetteer())
    quick._organisations()
    full = actors._Extractor(text, default_gazetteer())
    _both_passes(full)
    assert quick.found == full.found and quick.taken == full.taken


def _find_by_trying_every_length(gaz, text):
    """Gazetteer.find's rule written plainly: at each token not inside a
    mention, the longest run of tokens (joined by gaps) that is an alias,
    exact spellings before folded ones; then the context rule."""
    folded, exact, _, _ = gaz._compile()
    longest = max(map(len, [*folded, *exact]))
    words, starts, ends = _words(text)
    found, i = [], 0
    while i < len(words):
        joined = 1
        while (joined < longest and i + joined < len(words)
               and _GAP.fullmatch(text, ends[i + joined - 1], starts[i + joined])):
            joined += 1
        for length in range(joined, 0, -1):
            run = words[i:i + length]
            entry = exact.get(tuple(run)) or folded.get(tuple(w.casefold() for w in run))
            if entry:
                found.append((entry.name, starts[i], ends[i + length - 1]))
                i += length
                break
        else:
            i += 1
    seen: dict[str, bool] = {}
    return [(name, s, e) for name, s, e in found if _context_ok(gaz.entries[name], text, seen)]


_GAZ = default_gazetteer()
_ALIASES = sorted({a for e in _GAZ.entries.values() for a in (*e.aliases, *e.exact)})
_PIECES = st.one_of(st.sampled_from(_ALIASES), st.sampled_from([a.lower() for a in _ALIASES]),
                    st.sampled_from(sorted({w for a in _ALIASES for w in a.split()})))


@given(st.lists(st.tuples(_PIECES, st.sampled_from([" ", ", ", ". ", "\n\n", " the ", "-", "'s ", ""])), max_size=12))
@settings(max_examples=500, deadline=None)
def test_gazetteer_mentions_are_the_longest_alias_at_each_place(parts):
    text = "".join(piece + gap for piece, gap in parts)
    assert [(m.entry.name, m.start, m.end) for m in _GAZ.find(text)] == _find_by_trying_every_length(_GAZ, text)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
@settings(max_examples=500, deadline=None)
def test_the_ascii_word_patterns_split_ascii_text_as_the_unicode_ones(text):
    """For a text of ASCII characters, [A-Za-z0-9] is what [^\\W_] matches."""
    assert _ASCII_TOKEN_SPLIT.split(text) == _TOKEN_SPLIT.split(text)
    assert _ASCII_WORDS.findall(text) == _WORDS.findall(text)


def test_the_ascii_word_patterns_are_not_used_past_ascii():
    assert _words("Café São") == (["Café", "São"], [0, 5], [4, 8])
    assert [t for t, _, _, _ in analyze(build_schema()["content"], "café über")] == [b"caf\xc3\xa9", b"\xc3\xbcber"]

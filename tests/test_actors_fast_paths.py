"""The actor finder's quick paths give what the plain ones give (issue 18):
patterns tried only where a match may start, tokens cut by str.split, the
gazetteer's openers filtered in C, context words found by str.find. Each
test states the plain rule and checks the quick one against it on texts
made of the pieces that steer each path."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from foiasearch.ingest import actors
from foiasearch.ingest.actors import _Extractor, _matches_at, _titlecase_caps, _word_starts
from foiasearch.ingest.gazetteer import (_INITIALS, _Mentions, _context_regex, _join_initials, _spaced_words,
                                         _token_stream, _words, default_gazetteer)
from foiasearch.ingest.patterns import led_by

# Pieces that start, end or break the patterns: titles, names, records,
# counties, agency offices, sentence ends, capitals, initials ("U.S."), the
# characters the token paths treat apart ("_", "&", "(g)", "/s/") and a
# few non-ASCII letters.
PIECES = st.sampled_from([
    "Governor", "Gov.", "Rep.", "Sheriff", "Acting Director", "Mr.", "/s/", "Judge", "U.S. District Judge",
    "Pat", "Quinn", "Zoe Lofgren", "OWEN", "OWEN, Ben James", "BAMACA-Zacarias", "McDonald", "O'Neil",
    "Alder County", "Cook County's", "County", "ICE", "DHS", "EOIR", "Office", "Office of Public Affairs",
    "THE CIRCUIT COURT OF COOK COUNTY", "LLP", "said", "says", "has said", "told", "according to", "was", "had",
    "died", "Ann Lee", "J. R.", "U.S.", "the", "and", "a", "who", "287(g)", "(b)(6)", "AT&T", "&", "_", "é",
    "Émile", "Police Department", "Coalition for Humane Immigrant Rights", "Network", "Legal Aid Society",
    "Sincerely", "Thanks", "Regards", "From:", "Sent by:",
])
SEPARATORS = st.sampled_from([" ", "  ", ", ", ". ", ".\n", "\n", "\n\n", "\t", "-", "'s ", "", ";", "/"])
TEXTS = st.lists(st.tuples(PIECES, SEPARATORS), max_size=14).map(lambda parts: "".join(p + s for p, s in parts))

LED_BY_A_CAPITAL = [actors._TITLED, actors._RECORD_NAME, actors._COUNTY, actors._NAME_VERB, actors._AGENCY_OFFICE,
                    actors._ALL_CAPS]


def _spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


@given(TEXTS)
@settings(max_examples=600, deadline=None)
def test_patterns_tried_at_word_starts_match_as_finditer(text):
    with_tokens = _word_starts(text, _words(text))
    plain = _word_starts(text)
    assert set(plain) <= set(with_tokens)  # the token path may offer more places, never fewer
    for pattern in LED_BY_A_CAPITAL:
        expected = _spans(pattern.finditer(text))
        for starts in (plain, with_tokens):
            assert _spans(_matches_at(pattern, text, starts)) == expected, pattern.pattern


@given(TEXTS)
@settings(max_examples=600, deadline=None)
def test_the_places_an_extractor_tries_hold_every_match(text):
    extractor = _Extractor(text, default_gazetteer())
    assert _spans(_matches_at(actors._SAID_AT, text, extractor._said_starts())) == _spans(actors._SAID_AT.finditer(text))
    assert (_spans(_matches_at(actors._AGENCY_OFFICE, text, extractor._tokens_before("Office", 1)))
            == _spans(actors._AGENCY_OFFICE.finditer(text)))
    assert (_spans(_matches_at(actors._COUNTY, text, extractor._tokens_before("County", 2)))
            == _spans(actors._COUNTY.finditer(text)))
    capitals_2 = [m.start() for m in re.finditer(r"(?<![\w'’])[A-Z]{2}", text)]
    assert set(capitals_2) <= set(extractor.capitals_2)
    assert extractor._lower_case_words() == set(re.findall(r"\b[a-z]{3,}\b", text))
    if actors._SIGN_OFF.search(text):
        assert not extractor.vocabulary.isdisjoint(actors._SIGN_OFF_TOKENS)
    if actors._NAME_VERB.search(text):
        assert not extractor.vocabulary.isdisjoint(actors._NAME_VERB_TOKENS)


def _titlecase_by_sub(text: str) -> str:
    """actors._titlecase_caps as it was: one re.sub over the text."""
    small = {"OF", "FOR", "THE", "AND", "ON", "IN", "AT"}

    def fix(m: re.Match) -> str:
        word = m.group(0)
        if word in actors._KEEP_CAPS:
            return word
        return word.lower() if word in small else word.capitalize()

    return actors._ALL_CAPS.sub(fix, text)


@given(TEXTS)
@settings(max_examples=400, deadline=None)
def test_capitals_are_title_cased_as_by_one_substitution(text):
    assert _titlecase_caps(text) == _titlecase_by_sub(text)
    assert _titlecase_caps(text, _Extractor(text, default_gazetteer()).capitals_2) == _titlecase_by_sub(text)


# The organisation suffixes as they were written before each alternative got
# its own first word: the same alternatives, grouped.
_GROUPED_ORGANISATION = (
    r"(?:Coalition|Network|Project|Alliance|Foundation)"
    r"(?:_(?:for|of|on)_(?:the_)?[A-Z][\w-]+(?:_(?:and_)?[A-Z][\w-]+){0,3})?|LLP|LLC|Legal_Aid_Society|"
    r"Immigrant_Rights_Center"
).replace("_", actors._SEP)


@given(TEXTS)
@settings(max_examples=400, deadline=None)
def test_organisation_suffixes_written_word_by_word_match_as_grouped(text):
    grouped_at = led_by("[A-Z]", f"{actors._ORG_SUFFIXES['agency']}|{_GROUPED_ORGANISATION}")
    assert _spans(actors._ORG_AT.finditer(text)) == _spans(grouped_at.finditer(text))
    grouped = re.compile(actors._ORG.pattern.replace(actors._ORG_SUFFIXES["organization"], _GROUPED_ORGANISATION))
    assert grouped.pattern != actors._ORG.pattern  # else this compares the pattern with itself
    assert ([(m.span(), m.groupdict()) for m in actors._ORG.finditer(text)]
            == [(m.span(), m.groupdict()) for m in grouped.finditer(text)])


@given(st.text(alphabet="Aa1 _.,&()-\n\tbgxUS'éÉⅠ–\u2003\U0001d400", max_size=40))
@settings(max_examples=1000, deadline=None)
def test_tokens_cut_by_spaces_are_the_token_stream(text):
    spans = _token_stream(text)
    expected = ([w for _, _, w in spans], [s for s, _, _ in spans], [e for _, e, _ in spans])
    spaced = _spaced_words(text)
    if spaced is not None:  # then _words joins the initials in it
        _join_initials(text, *spaced)
        assert spaced == expected
    assert _words(text) == expected


def test_tokens_cut_by_spaces_join_a_letter_in_brackets_and_leave_ampersands_to_re():
    assert _spaced_words("287(g) and 552(b)(6)") == (["287(g)", "and", "552(b)", "6"], [0, 7, 11, 18], [6, 10, 17, 19])
    assert _spaced_words("Loevy & Loevy") == (["Loevy", "&", "Loevy"], [0, 6, 8], [5, 7, 13])
    assert _spaced_words("AT&T") is None and _spaced_words("Café") is None


WORDS = st.sampled_from(["immigra", "ICE", "DHS", "deport", "S-Comm", "Cook County", "FOIA", "Émile", "price"])


@given(st.lists(st.sampled_from(["Immigration", "immigrant", "IMMIGRATION", "ICE", "PRICE", "ice", "_ICE",
                                 "s-comm", "S-Comm", "Cook  County", "cook county", "émile", "ÉMILE", "Price",
                                 " ", "-", "\n", "x"]), max_size=8).map("".join), st.lists(WORDS, max_size=4))
@settings(max_examples=600, deadline=None)
def test_context_words_are_found_where_their_pattern_finds_them(text, words):
    mentions = _Mentions(text)
    for word in words:
        assert mentions(word) == (_context_regex(word).search(text) is not None), word


def test_an_extractor_finds_the_gazetteer_mentions_of_its_tokens():
    text = "Governor Pat Quinn told DHS that Illinois would leave S-Comm; ICE said 287(g) ends."
    extractor = _Extractor(text, default_gazetteer())
    assert ([(m.entry.name, m.start) for m in default_gazetteer().find(text, extractor.words, extractor.vocabulary)]
            == [(m.entry.name, m.start) for m in default_gazetteer().find(text)])

"""Actors: gazetteer, forms, coreference, e-mails, speed, and the pinned
precision/recall on the labelled set (tests/data/actors_labelled.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from foiasearch.ingest.actors import actor_pages, extract_actors, person_from_email
from foiasearch.ingest.document import Document, Email, IngestError, Page
from foiasearch.ingest.gazetteer import load_gazetteer

REPO = Path(__file__).resolve().parents[1]
LABELS = json.loads((REPO / "tests" / "data" / "actors_labelled.json").read_text(encoding="utf-8"))
sys.path.insert(0, str(REPO / "bench"))
import actors_eval  # noqa: E402

# Written for this test: the events of the Illinois withdrawal, told anew.
QUINN_POST = """Sheriffs Say: Let Us Police

Police chiefs in Texas, Illinois and California are telling lawmakers to keep
immigration enforcement out of local policing. This week Illinois, under
Governor Pat Quinn, told the Department of Homeland Security it is leaving
Secure Communities. Gov. Quinn's letter to DHS says most people deported
under S-Comm had no serious conviction.

The National Day Laborer Organizing Network obtained records suggesting ICE
misled counties about opting out. Rep. Zoe Lofgren (D-CA) asked for an
inquiry. Quinn said the state would not take part again.

Sent from the editor. Page 3 of the newsletter. The End."""


def names(doc: Document) -> set[str]:
    return {a.name for a in extract_actors(doc)}


def post(text: str, title: str = "") -> Document:
    return Document(kind="post", title=title, pages=[Page(1, text)])


def test_quinn_post_names_exactly_the_actors():
    actors = extract_actors(post(QUINN_POST))
    assert {(a.name, a.type) for a in actors} == {
        ("Pat Quinn", "person"), ("Zoe Lofgren", "person"), ("DHS", "agency"), ("ICE", "agency"),
        ("Secure Communities", "program"), ("National Day Laborer Organizing Network", "organization"),
        ("Illinois", "place"), ("California", "place"), ("Texas", "place"),
    }
    assert [a.name for a in actors] == sorted((a.name for a in actors), key=str.casefold)


def test_common_words_are_not_actors():
    doc = post("We had ice cream. Secure communities need parks. The Sent Page 3 Subject.\n"
               "A secure communities grant for playgrounds was announced.")
    assert names(doc) == set()


def test_secure_communities_needs_immigration_context():
    assert names(post("Secure Communities Week: a festival of neighbourhood parks.")) == set()
    assert "Secure Communities" in names(post("ICE expanded Secure Communities."))


def test_aliases_possessives_and_line_breaks_collapse_to_one_actor():
    doc = post("U.S. Immigration & Customs Enforcement wrote. ICE's reply came. Immigration and "
               "Customs\nEnforce-\nment agreed; SComm and S-Comm are one program.")
    assert names(doc) == {"ICE", "Secure Communities"}


def test_short_mentions_resolve_to_full_names():
    doc = post("Detainee Death Report: OWEN, Ben James\nMr. OWEN was detained. Mr. OWEN's cell.\n"
               "Sen. Ben Sasse spoke. Sasse said the system failed.")
    assert names(doc) == {"Ben James Owen", "Ben Sasse"}


def test_unresolved_bare_surname_is_dropped():
    assert names(post("Mr. Hollis was late. Officer Brand said nothing.")) == set()


def test_email_participants_become_people():
    doc = Document(kind="release", pages=[Page(1, "Subject: detainers")],
                   emails=[Email(sender="Smith, John", recipients=["Mary K. Jones <mjones@ice.dhs.gov>",
                                                                    "(b)(6)", "foia@ice.dhs.gov"])])
    assert names(doc) == {"John Smith", "Mary K. Jones"}
    assert person_from_email("ICE FOIA Office") is None


def test_a_firm_named_first_does_not_cut_the_next_organisation_at_its_line_break():
    """LLP/LLC names are taken from their own line only; other names may run over a line break."""
    assert names(post("Cooley LLP wrote. Friends of\nPeace Coalition met.")) == {"Cooley LLP", "Friends of Peace Coalition"}
    assert names(post("Friends of\nPeace Coalition met.")) == {"Friends of Peace Coalition"}


def test_organisations_by_form_and_addresses_are_not_places():
    doc = post("The Sturgis Police Department arrested him in Valdosta, GA. The Echols County "
               "Sheriff's Office and the Illinois Coalition for Fair Policing objected.")
    assert names(doc) == {"Sturgis Police Department", "Echols County Sheriff's Office",
                          "Illinois Coalition for Fair Policing"}


def test_user_gazetteer_extends_and_overrides(tmp_path):
    extra = tmp_path / "mine.toml"
    extra.write_text('[[actor]]\nname = "ICE"\ntype = "agency"\nexact = ["ICE"]\n'
                     'aliases = ["la migra"]\n\n[[actor]]\nname = "Mijente"\ntype = "organization"\n',
                     encoding="utf-8")
    gaz = load_gazetteer([extra])
    found = {a.name for a in extract_actors(post("Mijente says la migra came."), gaz)}
    assert found == {"ICE", "Mijente"}
    bad = tmp_path / "bad.toml"
    bad.write_text('[[actor]]\nname = "X"\ntype = "planet"\n', encoding="utf-8")
    with pytest.raises(IngestError, match="type must be one of"):
        load_gazetteer([bad])


def test_actor_pages():
    doc = Document(kind="release", pages=[Page(1, "ICE wrote to Cook County."), Page(2, "DHS and ICE.")])
    assert actor_pages(doc) == {"Cook County": [1], "DHS": [2], "ICE": [1, 2]}


def _labelled(source: str) -> list[dict]:
    return [item for item in LABELS if item["source"] == source]


def test_labelled_set_shape():
    assert len(LABELS) >= 40
    for item in LABELS:
        assert item["source"] in ("demo", "corpus")
        assert all(a["type"] in ("person", "agency", "organization", "place", "program") for a in item["actors"])


@pytest.mark.parametrize("source,root", [("demo", actors_eval.DEFAULT_DEMO), ("corpus", actors_eval.DEFAULT_CORPUS)])
def test_precision_and_recall_are_pinned(source, root):
    if not root.is_dir():
        pytest.skip(f"{root} absent")
    report = actors_eval.evaluate(LABELS, actors_eval.DEFAULT_CORPUS, actors_eval.DEFAULT_DEMO, (source,))
    assert report.documents == len(_labelled(source)), report.skipped
    assert report.precision >= 0.90, report.errors
    assert report.recall >= 0.70, report.errors


def _joined_token_by_token(text: str) -> list[tuple[int, int, str]]:
    """The gazetteer's token stream the slow way, every token through the
    initials rule: what its quick path must give."""
    from foiasearch.ingest.gazetteer import _INITIAL_GAP, _TOKEN

    out: list[tuple[int, int, str, bool]] = []
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        initial = len(word) == 1 and word.isupper()
        if initial and out and out[-1][3] and _INITIAL_GAP.fullmatch(text, out[-1][1], m.start()):
            out[-1] = (out[-1][0], m.end(), out[-1][2] + word, True)
            continue
        out.append((m.start(), m.end(), word, initial))
    return [(s, e, w) for s, e, w, _ in out]


@given(st.text(alphabet="AaBbÉéⅠ1_ .\t\n-()xUS", max_size=20))
@settings(max_examples=500, deadline=None)
def test_the_token_streams_quick_path_joins_initials_like_the_slow_one(text):
    from foiasearch.ingest.gazetteer import _token_stream

    assert _token_stream(text) == _joined_token_by_token(text)


@given(st.text(alphabet="AaBbÉéⅠ1_ .,'’\t\n-()x&US", max_size=30))
@settings(max_examples=500, deadline=None)
def test_the_gazetteers_word_lists_are_its_token_stream(text):
    """gazetteer._words cuts tokens with re.split and offsets by running
    sums; it must give what _token_stream gives, offsets included."""
    from foiasearch.ingest.gazetteer import _token_stream, _words

    spans = _token_stream(text)
    assert _words(text) == ([w for _, _, w in spans], [s for s, _, _ in spans], [e for _, e, _ in spans])

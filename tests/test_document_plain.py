"""Document.to_dict (ingest.document.plain) gives exactly dataclasses.asdict's result."""

import collections
import dataclasses

from foiasearch.ingest.document import Actor, Document, Email, Page, plain


@dataclasses.dataclass
class Box:
    value: object


Pair = collections.namedtuple("Pair", "a b")


class Tagged(list):
    pass


def test_a_full_document_converts_as_asdict_does():
    doc = Document(kind="release", title="Memo", part="2", id="x", paths=["a.pdf"], authors=["A"], date="2012-01-01",
                   tags=["ICE"], actors=[Actor("ICE", "agency")], exemptions=["B6"], bates_range=("D-1", "D-9"),
                   emails=[Email("a@x", ["b@x", "c@x"], "2012-01-01", "Hi", 1)], warnings=["w"], extractor=3,
                   pages=[Page(n, f"text {n}", needs_ocr=n == 2, ocr=True, ocr_confidence=0.5, exemptions=["b6"],
                               bates=f"D-{n}") for n in range(1, 4)])
    assert doc.to_dict() == dataclasses.asdict(doc)
    assert Document.from_dict(doc.to_dict()) == doc


def test_the_result_shares_no_mutable_part_with_the_document():
    doc = Document(kind="post", tags=["a"], pages=[Page(1, "x", exemptions=["b5"])])
    data = doc.to_dict()
    data["tags"].append("b")
    data["pages"][0]["exemptions"].append("b6")
    assert doc.tags == ["a"] and doc.pages[0].exemptions == ["b5"]


def test_other_shapes_follow_asdict_rules():
    for value in (Pair(1, [Actor("a", "b")]), {"k": (1, [2])}, Tagged([Actor("x", "y")]), {1, 2}, (Page(1, "t"),)):
        assert plain(Box(value)) == dataclasses.asdict(Box(value))

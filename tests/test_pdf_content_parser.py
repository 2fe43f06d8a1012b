"""ingest.pdftext's content-stream parser and interpreter give what
pdfminer's own give: the same tokens at the same positions, the same
objects, the same page text, on streams written here to hit every branch
(numbers, operators, names, strings with escapes and nesting, hex strings,
dictionaries, arrays, inline images, comments, tokens cut between two
streams) and on the shared corpus when it is present."""

from __future__ import annotations

import json

import pytest
from pdfminer.pdfinterp import PDFContentParser, PDFPageInterpreter
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFStream

from foiasearch.ingest import pdf
from foiasearch.ingest.pdftext import FileParser, TextInterpreter, _ContentParser
from tests.conftest import SHARED_CORPUS, needs_shared_corpus

STREAMS = [
    [b"BT /F1 12 Tf [(ab) -3 (c)] TJ ET"],
    [b"1 0 0 1 -.5 +3. Tm <0041 00 4>Tj <</MCID 0>> BDC (a\\(b\\)\\101) Tj (x(y)z) Tj /A#20B Do"],
    [b"1.2.3 4e5 true false - . +. % a comment\n q Q 7 0 Td 0.5 0.25 0.125 rg"],
    [b"<AB>>> <> << /Lang (en) >> BDC EMC { 1 } [[1 2] [3]] 0 d"],
    [b"q BI /W 1 /H 1 /BPC 8 /CS /G ID \x00\xff EI Q 1 2 re f*"],
    [b"BT /F1 12 Tf [(ab", b"c) 3] TJ 1", b"2 Tc ET /Name", b"Split Do 12"],
    [b"/\xc3\xa9t\xc3\xa9 Do /\xff\xfe Do \x00 BT (unterminated"],
    [b"<< /A 1 /B >> BDC [1 2 ] ] } EMC"],
    [b"12 34 5\x0b6 7\x0c8 9\r\n10 (\r\n) Tj 'a' \"b\" T*"],
]


def _streams(parts: list[bytes]) -> list[PDFStream]:
    streams = []
    for number, data in enumerate(parts, start=1):
        stream = PDFStream({}, data)
        stream.objid = number
        streams.append(stream)
    return streams


def _run(parser_class, parts: list[bytes], method: str) -> list:
    parser = parser_class(_streams(parts))
    out = []
    while True:
        try:
            pos, obj = getattr(parser, method)()
        except Exception as exc:  # the end of the data, or what pdfminer raises
            out.append(type(exc).__name__)
            return out
        out.append((pos, (obj.attrs, obj.rawdata) if isinstance(obj, PDFStream) else obj))


@pytest.mark.parametrize("parts", STREAMS)
def test_same_tokens_and_objects_as_pdfminer(parts):
    assert _run(_ContentParser, parts, "nexttoken") == _run(PDFContentParser, parts, "nexttoken")
    assert _run(_ContentParser, parts, "nextobject") == _run(PDFContentParser, parts, "nextobject")


def test_operators_are_found_with_their_operand_counts():
    from pdfminer.psparser import KWD

    assert TextInterpreter.operator(KWD(b"TJ"))[1] == 1 and TextInterpreter.operator(KWD(b"Tm"))[1] == 6
    assert TextInterpreter.operator(KWD(b"T*"))[0] is PDFPageInterpreter.do_T_a
    assert TextInterpreter.operator(KWD(b"nonsense"))[0] is None


def corpus_pdfs() -> list:
    """Every PDF of the shared corpus, found by its header (some are named
    .PDF or have no extension)."""
    files = []
    for path in sorted(SHARED_CORPUS.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                if b"%PDF-" in handle.read(1024):
                    files.append(path)
    assert files
    return files


def read_corpus_pdf(path) -> str:
    """A PDF's metadata, page texts and image cover as JSON (its one-line error if unreadable)."""
    try:
        with pdf._open_file(path) as handle:
            pages, info, _ = pdf.read_pdf(handle, ("baz", "usersecret", "openpassword"))
    except pdf.IngestError as exc:
        return str(exc)
    return json.dumps([info, [(p.text, round(p.image_cover, 4)) for p in pages]])


@needs_shared_corpus
def test_same_text_as_pdfminers_interpreter_on_the_corpus(monkeypatch):
    """Every PDF of the corpus, page by page, against pdfminer's own
    interpreter driving the same device."""
    files = corpus_pdfs()
    ours = {path: read_corpus_pdf(path) for path in files}
    monkeypatch.setattr(pdf, "TextInterpreter", PDFPageInterpreter)
    for path in files:
        assert read_corpus_pdf(path) == ours[path], path


def _file_tokens(parser_class, data: bytes, start: int = 0) -> list:
    import io

    parser = parser_class(io.BytesIO(data))
    parser.seek(start)
    out = []
    while True:
        try:
            out.append(parser.nexttoken())
        except Exception as exc:
            out.append(type(exc).__name__)
            return out


def _made_pdfs() -> list[bytes]:
    """PDFs made here: reportlab's (ASCII85 and Flate streams, a title,
    an image page), and one of objects written to cross 4 KiB buffers."""
    from tests.builders import pdf_bytes

    filler = b"".join(b"%d 0 obj << /Name /N%d /Text (t%d) /Hex <%02X> /A [%d.5 -%d] >> endobj\n" % (n, n, n, n % 256, n, n)
                      for n in range(1, 400))
    # The cases left to pdfminer's own tokenizer: a name with a # escape,
    # escaped and nested parentheses, a comment, a NUL, an odd hex digit,
    # an exponent, and a hex string ending on the last byte of the first
    # 4 KiB buffer with ">>" after it.
    head = b"%PDF-1.4\n"
    tricky = head + b" " * (4096 - len(head) - len(b"<< /ID <abc>")) + b"<< /ID <abc>>>\n" + (
        b"1 0 obj\n/F#20o (a\\(b\\)) (x(y)z) % c\n<41 4> \x00 12e5 endobj\n")
    return [pdf_bytes(["Sheriff Quinn said (b)(6)", "Page two\nline"], title="A title"),
            pdf_bytes([None, "text"], image_pages={0: "SCAN"}), b"%PDF-1.4\n" + filler, tricky]


def test_file_parser_gives_pdfminers_tokens_on_whole_files():
    """FileParser reads the file's objects 4 KiB at a time: tokens cut by a
    buffer's end go through pdfminer's own code, and positions must agree
    from any starting point."""
    for data in _made_pdfs():
        for start in (0, 1, 7, 4090, 4094, len(data) // 2):
            assert _file_tokens(FileParser, data, start) == _file_tokens(PDFParser, data, start)


@needs_shared_corpus
def test_file_parser_reads_the_corpus_as_pdfminers_parser_does(monkeypatch):
    """Every PDF of the corpus: the same page texts and metadata with
    pdfminer's own PDFParser reading the file's objects."""
    files = corpus_pdfs()
    ours = {path: read_corpus_pdf(path) for path in files}
    monkeypatch.setattr(pdf, "FileParser", PDFParser)
    for path in files:
        assert read_corpus_pdf(path) == ours[path], path
    for path in files:
        if path.stat().st_size < 2**20:  # token by token: the larger files cost seconds each
            data = path.read_bytes()
            assert _file_tokens(FileParser, data) == _file_tokens(PDFParser, data), path

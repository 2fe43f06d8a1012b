"""Encrypted PDFs: passwords from --password-file are tried and never leak."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.registry import ingest_file
from tests.conftest import SHARED_CORPUS, needs_shared_corpus, run_cli

USER_PW = "Ut7-quokka-userpw"
OWNER_PW = "Ut7-quokka-ownerpw"


def write_encrypted(path: Path, text: str, user: str, owner: str) -> Path:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=StandardEncryption(user, ownerPassword=owner))
    pdf.drawString(72, 720, text)
    pdf.showPage()
    pdf.save()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def locked(tmp_path: Path) -> Path:
    return write_encrypted(tmp_path / "in" / "locked.pdf", "Detainer memo about wombats", USER_PW, OWNER_PW)


def test_user_password_opens(locked):
    result = ingest_file(locked, IngestOptions(passwords=("wrong", USER_PW)))
    assert result.status == "ok", result.reason
    assert "wombats" in result.documents[0].text


def test_owner_password_opens_too(locked):
    assert ingest_file(locked, IngestOptions(passwords=(OWNER_PW,))).status == "ok"


def test_without_password_fails_with_reason(locked):
    result = ingest_file(locked, IngestOptions(passwords=("wrong",)))
    assert (result.status, result.reason) == ("failed", "encrypted: password required")


def test_empty_user_password_opens_without_help(tmp_path):
    path = write_encrypted(tmp_path / "open.pdf", "Restricted but readable platypus", "", OWNER_PW)
    result = ingest_file(path, IngestOptions())
    assert result.status == "ok", result.reason
    assert "platypus" in result.documents[0].text


def test_password_never_appears_in_index_or_output(runner, tmp_path, locked):
    write_encrypted(tmp_path / "in" / "other.pdf", "Another wombat release", "elsewise", OWNER_PW)
    pwfile = tmp_path / "passwords.txt"
    pwfile.write_text(f"{USER_PW}\n")
    index_dir = tmp_path / "ix"
    outputs = [run_cli(runner, "index", tmp_path / "in", "--index", index_dir, "--password-file", pwfile).output,
               run_cli(runner, "search", "wombats", "--index", index_dir, "--json").output,
               run_cli(runner, "status", "--index", index_dir).output]
    assert '"total": 1' in outputs[1]  # locked.pdf opened; other.pdf did not
    assert "other.pdf: encrypted: password required" in outputs[0]
    for output in outputs:
        assert USER_PW not in output
    files = [p for p in index_dir.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert USER_PW.encode() not in path.read_bytes(), path


@needs_shared_corpus
@pytest.mark.parametrize("name, password", [("pdfminer-rc4-40.pdf", "baz"), ("pdfminer-aes-256-r6.pdf", "usersecret"),
                                            ("pypdf-libreoffice-writer-password.pdf", "openpassword")])
def test_corpus_encrypted_files(name, password):
    path = SHARED_CORPUS / "awkward" / name
    assert ingest_file(path, IngestOptions(ocr=False)).reason == "encrypted: password required"
    result = ingest_file(path, IngestOptions(ocr=False, passwords=("nope", password)))
    assert result.status == "ok", result.reason
    assert password not in repr(result)

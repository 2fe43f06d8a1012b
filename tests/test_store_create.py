"""A new document store appears with all its tables or not at all: an
indexer killed while creating it must not leave a store that searches
cannot read (test_ingest_robustness kills indexers at random moments)."""

from __future__ import annotations

import sqlite3

import pytest

from foiasearch.index import store as store_module
from foiasearch.index.store import DocumentStore


def test_a_store_that_fails_half_way_is_not_left_behind(tmp_path, monkeypatch):
    path = tmp_path / "store.db"
    # The second statement fails: in place, the first table would stay.
    monkeypatch.setattr(store_module, "SCHEMA", store_module.SCHEMA + "\nCREATE TABLE broken (;")
    with pytest.raises(sqlite3.OperationalError):
        DocumentStore(path)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_a_new_store_has_every_table_for_readers(tmp_path):
    writer = DocumentStore(tmp_path / "store.db")
    reader = DocumentStore(tmp_path / "store.db", readonly=True)
    assert reader.get_meta("last_updated") is None
    writer.set_meta("last_updated", "now")
    writer.commit()
    assert reader.get_meta("last_updated") == "now"
    reader.close()
    writer.close()

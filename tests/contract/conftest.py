"""The contract suite's fixtures: one small index per backend, made here.

Every test in tests/contract/ takes ``backend`` (a search.api.SearchBackend
over the corpus below) and uses the search API only, so a second backend
passes the same tests by adding its name to ``BACKENDS`` (its writer in
index.backend.WRITERS, its reader in search.api.BACKENDS).

The corpus covers every facet (index.facet_registry), a multi-page release
whose query words sit on one page, one whose words are spread over pages,
an undated release, two languages and three years.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from foiasearch.index.build import index_documents
from foiasearch.ingest.document import Actor, Document, Email, Page
from foiasearch.search.api import IndexLocation, open_backend

BACKENDS = ["whoosh", "postgresql"]


def doc_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


MEMO = Document(
    kind="release", id=doc_id("memo"), title="Secure Communities memo", date="2011-03-15",
    tags=["ICE", "Secure Communities"], exemptions=["b5", "b6"], language="en",
    actors=[Actor("ICE", "agency"), Actor("Pat Quinn", "person")],
    bates_range=("DEF-000101", "DEF-000103"),
    emails=[Email(sender="Smith, John", recipients=["Jones, Ann"], subject="Counties", page=2)],
    pages=[Page(1, "Cover letter to the county sheriff.", bates="DEF-000101"),
           Page(2, "The county asked to opt out of Secure Communities.", exemptions=["b5"], bates="DEF-000102"),
           Page(3, "Detainer requests and fingerprints, withheld under b6.", exemptions=["b6"], bates="DEF-000103")],
)
SPREAD = Document(  # "opt" on page 2, "out" on page 3: the document matches, no single page does
    kind="release", id=doc_id("spread"), title="Detainer policy records", tags=["Detainers"],
    exemptions=["b7"], language="en", actors=[Actor("ICE", "agency")],
    ingested_at="2011-04-01T00:00:00+00:00",  # undated: feeds order it by this
    pages=[Page(1, "Detainer policy for the sheriff."), Page(2, "Whether a sheriff may opt."),
           Page(3, "Counties left out entirely.")],
)
ILLINOIS = Document(
    kind="post", id=doc_id("illinois"), title="Illinois leaves Secure Communities", date="2011-05-04",
    site="example.org", categories=["News"], tags=["Secure Communities", "Illinois"], language="en",
    authors=["A. Writer"], actors=[Actor("Pat Quinn", "person"), Actor("DHS", "agency")],
    url="https://example.org/illinois",
    pages=[Page(1, "Governor Pat Quinn wrote to DHS that Illinois would opt out of the program.")],
)
SPANISH = Document(
    kind="post", id=doc_id("spanish"), title="Comunidades Seguras", date="2012-01-10", site="ejemplo.org",
    categories=["Noticias"], tags=["ICE"], language="es",
    pages=[Page(1, "El condado pidió salir del programa Comunidades Seguras.")],
)
FINGERPRINTS = Document(
    kind="post", id=doc_id("fingerprints"), title="Fingerprint sharing explained", date="2010-07-01",
    site="example.org", categories=["Explainers"], tags=["Fingerprints"], language="en",
    pages=[Page(1, "How fingerprints taken at booking reach federal databases.")],
)
CORPUS = [(MEMO, "releases/memo.pdf"), (SPREAD, "releases/spread.pdf"), (ILLINOIS, "posts/illinois.html"),
          (SPANISH, "posts/spanish.html"), (FINGERPRINTS, "posts/fingerprints.html")]
ALL_IDS = {d.id for d, _ in CORPUS}


def build(root: Path, backend: str) -> IndexLocation:
    """Index the corpus (copies: indexing fills in fields) into ``root``."""
    location = IndexLocation(root)
    items = [(Document.from_dict(doc.to_dict()), [str(root / "files" / path)]) for doc, path in CORPUS]
    index_documents(location, items, backend=backend)
    return location


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request) -> str:
    if request.param == "postgresql":  # a throwaway server for the session (tests/pgcluster.py)
        import os

        cluster = request.getfixturevalue("pg_cluster")
        os.environ.setdefault("FOIASEARCH_POSTGRES_URL", cluster.create_database("contract"))
    return request.param


@pytest.fixture(scope="session")
def contract_index(backend_name, tmp_path_factory) -> IndexLocation:
    return build(tmp_path_factory.mktemp(f"contract-{backend_name}"), backend_name)


@pytest.fixture(scope="session")
def backend(backend_name, contract_index):
    """The backend over the contract corpus; tests must not write to it."""
    with open_backend(contract_index, backend=backend_name) as opened:
        yield opened

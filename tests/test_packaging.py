"""Packaging: every library folder is installed under the foiasearch namespace.

The layers live in top-level folders (ingest/, index/, search/, web/) but are
installed as foiasearch.ingest, foiasearch.index, ... so that no generic module
named ``index`` or ``web`` lands in site-packages. pyproject.toml lists the
packages explicitly; this test keeps that list in step with the tree.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("ingest", "index", "search", "web")


def _declared() -> tuple[set[str], dict[str, str]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(config["packages"]), dict(config["package-dir"])


def test_every_package_folder_is_declared():
    packages, package_dir = _declared()
    found = {"foiasearch"}
    for layer in LAYERS:
        for init in (REPO / layer).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO).parts
            found.add(".".join(("foiasearch",) + relative))
    missing = found - packages
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"
    for layer in LAYERS:
        assert package_dir[f"foiasearch.{layer}"] == layer


def test_no_generic_top_level_names_are_installed():
    packages, _ = _declared()
    assert all(name == "foiasearch" or name.startswith("foiasearch.") for name in packages)

"""The import rules of docs/ARCHITECTURE.md, checked on the source.

Layers, left to right: foiasearch (the CLI) -> web -> search -> index ->
ingest. A module imports from its own layer or layers to its right, never
to its left. The web app and the CLI reach the search engine only through
the search API (search.api and the backend-neutral modules built on it) and
import nothing Whoosh-specific.

Every import statement is read with ``ast`` (imports inside functions
count too), so a lazy import cannot slip past.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("foiasearch", "web", "search", "index", "ingest")  # left to right
# What web/ and foiasearch/ may import from search/ and index/: the API and
# modules that only use it (saved searches, exports, Atom, marked text), and
# the indexer and its location (the write side).
FRONT_ENDS = ("foiasearch", "web")
ALLOWED_FOR_FRONT_ENDS = {
    "foiasearch.search.api", "foiasearch.search.marks", "foiasearch.search.saved",
    "foiasearch.search.export", "foiasearch.search.atom",
    "foiasearch.search.links", "foiasearch.search.budget",  # pure: which links to show; a time budget
    "foiasearch.index.build", "foiasearch.index.location",
}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in a file; ``from a import b`` gives ``a.b``
    when ``a.b`` is a module of ours, else ``a``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import; use foiasearch.<layer>...."
            module = node.module or ""
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                found.append((node.lineno, candidate if _is_module(candidate) else module))
    return found


def _is_module(name: str) -> bool:
    parts = name.split(".")
    if parts[0] != "foiasearch" or len(parts) < 2:
        return False
    folder = ROOT / (parts[1] if parts[1] in LAYERS[1:] else "foiasearch")
    rest = parts[2:] if parts[1] in LAYERS[1:] else parts[1:]
    target = folder.joinpath(*rest) if rest else folder
    return target.with_suffix(".py").is_file() or (target / "__init__.py").is_file()


def layer_of(module: str) -> str | None:
    """The layer an imported module belongs to (None: not ours)."""
    parts = module.split(".")
    if parts[0] != "foiasearch":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS[1:] else "foiasearch"


def sources(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", LAYERS)
def test_no_layer_imports_to_its_left(layer):
    bad = []
    for path in sources(layer):
        for line, module in imports_of(path):
            target = layer_of(module)
            if target is not None and LAYERS.index(target) < LAYERS.index(layer):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module} ({target} is left of {layer})")
    assert not bad, "\n".join(bad)


def test_the_web_app_reaches_indexes_only_through_the_api():
    """The CLI may drive the indexer (index/); the site only searches. (It may
    use ingest/'s data model and text helpers, which know no index.)"""
    bad = [f"{path.relative_to(ROOT)}:{line} imports {module}; use foiasearch.search.api"
           for path in sources("web") for line, module in imports_of(path) if layer_of(module) == "index"]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("layer", FRONT_ENDS)
def test_front_ends_reach_the_engine_only_through_the_api(layer):
    bad = []
    for path in sources(layer):
        for line, module in imports_of(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if module.split(".")[0] == "whoosh":
                bad.append(f"{where} imports {module} (Whoosh)")
            elif layer_of(module) in ("search", "index") and module not in ALLOWED_FOR_FRONT_ENDS:
                bad.append(f"{where} imports {module}; use foiasearch.search.api")
    assert not bad, "\n".join(bad)


WHOOSH_HOMES = ("search/whoosh", "index/whoosh")


def test_whoosh_is_imported_only_in_its_two_folders():
    bad = []
    for layer in LAYERS:
        for path in sources(layer):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(WHOOSH_HOMES):
                continue
            bad += [f"{relative}:{line} imports {module}" for line, module in imports_of(path)
                    if module.split(".")[0] == "whoosh"]
    assert not bad, "Whoosh belongs in search/whoosh/ or index/whoosh/:\n" + "\n".join(bad)


def test_whoosh_internals_are_read_in_one_module():
    """Posting-block attributes of Whoosh's codec are private: only
    search/whoosh/postings.py reads them (with the one fallback)."""
    private = ("._read_data", "._next_block", "._byteids", "._data[")
    bad = [f"{path.relative_to(ROOT)} reads {name}" for layer in LAYERS for path in sources(layer)
           if path.name != "postings.py" for name in private if name in path.read_text(encoding="utf-8")]
    assert not bad, "\n".join(bad)


def test_the_checker_sees_what_it_must(tmp_path):
    """The rules above are only as good as the import reader: it must see
    lazy imports, ``from`` imports of modules and of names."""
    sample = tmp_path / "sample.py"
    sample.write_text("import whoosh.query\nfrom foiasearch.search.whoosh import engine\n"
                      "from foiasearch.search.whoosh.query import parse_text\n"
                      "def f():\n    from foiasearch.web import routes\n")
    found = {module for _, module in imports_of(sample)}
    assert found == {"whoosh.query", "foiasearch.search.whoosh.engine", "foiasearch.search.whoosh.query", "foiasearch.web.routes"}
    assert layer_of("foiasearch.web.routes") == "web" and layer_of("foiasearch.cli") == "foiasearch"

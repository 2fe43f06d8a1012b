"""Whoosh imported without two libraries it loads and never uses here.

- ``whoosh.compat`` does ``from urllib.request import urlretrieve`` (for the
  spelling-dictionary downloads of whoosh.lang, which foiasearch never calls):
  urllib.request brings http.client, email, ssl and socket, about a fifth of
  Whoosh's import time.
- ``whoosh.reading`` takes ``cached_property`` from the package of that name,
  which imports asyncio (to support coroutine methods) for the one property
  it decorates, ``SegmentReader.deleted_docs_set``, a plain method: another
  fifth.

``import_whoosh`` imports those two Whoosh modules once, with a stand-in
module under each name in ``sys.modules`` for the length of that import only:
``whoosh.compat.urlretrieve`` becomes a function that imports urllib.request
when called and forwards to it, and ``whoosh.reading.cached_property`` is
``functools.cached_property`` (which also computes the value on first access
and keeps it in the instance's ``__dict__`` under the same name). Nothing else
sees a stand-in: the names are removed from ``sys.modules`` right after, so
a later ``import urllib.request`` or ``import cached_property`` anywhere gets
the real module. When Whoosh was already imported (or the real modules were),
it does nothing. Both packages init (index.whoosh, search.whoosh) call it
before any Whoosh import of theirs.

>>> import_whoosh()
>>> import whoosh.compat, whoosh.reading, functools
>>> whoosh.reading.cached_property is functools.cached_property or "cached_property" in sys.modules
True
"""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager


def _urlretrieve(*args, **kwargs):
    """urllib.request.urlretrieve, imported when first called."""
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


# module name -> (the Whoosh module that imports it, the names it takes from it)
_STAND_INS = {
    "urllib.request": ("whoosh.compat", {"urlretrieve": _urlretrieve}),
    "cached_property": ("whoosh.reading", {"cached_property": functools.cached_property}),
}


@contextmanager
def _standing_in(name: str, attributes: dict) -> Iterator[None]:
    module = types.ModuleType(name, f"stand-in for {name} while Whoosh is imported (index.whoosh.importing)")
    module.__dict__.update(attributes)
    sys.modules[name] = module
    try:
        yield
    finally:
        if sys.modules.get(name) is module:
            del sys.modules[name]


def import_whoosh() -> None:
    """Import Whoosh's modules that pull in urllib.request and asyncio, without them."""
    for name, (importer, attributes) in _STAND_INS.items():
        if importer in sys.modules or name in sys.modules:
            continue  # already imported: nothing to save, nothing to change
        with _standing_in(name, attributes):
            __import__(importer)

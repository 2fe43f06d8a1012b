"""Whoosh imported without three modules it loads and never uses here.

- ``whoosh.compat`` does ``from urllib.request import urlretrieve`` (for the
  spelling-dictionary downloads of whoosh.lang, which foiasearch never calls):
  urllib.request brings http.client, email, ssl and socket, about a fifth of
  Whoosh's import time.
- ``whoosh.reading`` takes ``cached_property`` from the package of that name,
  which imports asyncio (to support coroutine methods) for the one property
  it decorates, ``SegmentReader.deleted_docs_set``, a plain method: another
  fifth.
- ``whoosh.query.terms`` takes ``variations`` from ``whoosh.lang.morph_en``
  (for the Variations query, which foiasearch does not use), whose import
  compiles a few hundred regular expressions: 5 ms of CPU.
- ``whoosh.analysis.morph`` takes the Porter stemmer and the double
  metaphone from ``whoosh.lang`` (foiasearch stems with PyStemmer,
  index.whoosh.wordforms), fifteen regular expressions compiled at import;
  ``whoosh.codec.base`` takes ``whoosh.automata.lev`` (and with it the
  automata module) for fuzzy term lists, which foiasearch does not ask for.
- ``whoosh.filedb.filetables`` takes ``md5`` from hashlib to hash the keys
  of its tables (every term looked up): hashlib loads OpenSSL, 3-6 ms of a
  one-shot search, where CPython's own ``_md5`` module gives the same
  digests (hashlib falls back to it too) at a fraction of that.

``import_whoosh`` imports those Whoosh modules once, with a stand-in module
under each name in ``sys.modules`` for the length of that import only:
``whoosh.compat.urlretrieve``, ``whoosh.query.terms.variations``,
``whoosh.analysis.morph``'s ``stem`` and ``double_metaphone`` and
``whoosh.codec.base.lev.levenshtein_automaton`` and ``whoosh.filedb.filetables.md5`` become
functions that import the real module when called and forward to it, and
``whoosh.reading.cached_property`` is
``functools.cached_property`` (which also computes the value on first access
and keeps it in the instance's ``__dict__`` under the same name). The names
are removed from ``sys.modules`` right after, so a later ``import
urllib.request`` (or of the other two) anywhere gets the real module. Another
thread importing one of them during that import would get the stand-in: a
threaded server imports its backend before its first request
(search.api.load_backend). When Whoosh was already imported (or the real modules were),
it does nothing. Both packages init (index.whoosh, search.whoosh) call it
before any Whoosh import of theirs.

>>> import_whoosh()
>>> import whoosh.compat, whoosh.reading, functools
>>> whoosh.reading.cached_property is functools.cached_property or "cached_property" in sys.modules
True
"""

from __future__ import annotations

import functools
import importlib
import sys
import types


def _urlretrieve(*args, **kwargs):
    """urllib.request.urlretrieve, imported when first called."""
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _variations(*args, **kwargs):
    """whoosh.lang.morph_en.variations, imported when first called."""
    from whoosh.lang.morph_en import variations

    return variations(*args, **kwargs)


def _resolve(module: str, name: str):
    """``module.name``, imported now."""
    return getattr(importlib.import_module(module), name)


class _Forward:
    """Calls ``module.name``, imported on the first call. It pickles as that
    function and compares equal to it: Whoosh pickles analyzers into every
    index's TOC, and ``StemFilter`` compares its ``stemfn``.

    >>> stem = _Forward("whoosh.lang.porter", "stem")
    >>> stem("searches"), stem == _resolve("whoosh.lang.porter", "stem")
    ('search', True)
    >>> import pickle; pickle.loads(pickle.dumps(stem)) is _resolve("whoosh.lang.porter", "stem")
    True
    """

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args, **kwargs):
        return _resolve(self.module, self.name)(*args, **kwargs)

    def __reduce__(self):
        return _resolve, (self.module, self.name)

    def __eq__(self, other) -> bool:
        return other is self or _resolve(self.module, self.name) == other

    def __hash__(self) -> int:
        return hash(_resolve(self.module, self.name))


# hashlib.md5 without loading OpenSSL: CPython's own ``_md5`` (the same digests),
# resolved once (Whoosh hashes every term it looks up).
try:
    from _md5 import md5 as _md5
except ImportError:  # a Python built without it
    _md5 = _Forward("hashlib", "md5")


# module name -> (the Whoosh module that imports it, the names it takes from it)
_STAND_INS = {
    "urllib.request": ("whoosh.compat", {"urlretrieve": _urlretrieve}),
    "cached_property": ("whoosh.reading", {"cached_property": functools.cached_property}),
    "whoosh.lang.morph_en": ("whoosh.query.terms", {"variations": _variations}),
    "whoosh.lang.porter": ("whoosh.analysis.morph", {"stem": _Forward("whoosh.lang.porter", "stem")}),
    "whoosh.lang.dmetaphone": ("whoosh.analysis.morph",
                               {"double_metaphone": _Forward("whoosh.lang.dmetaphone", "double_metaphone")}),
    "whoosh.automata.lev": ("whoosh.codec.base",
                            {"levenshtein_automaton": _Forward("whoosh.automata.lev", "levenshtein_automaton")}),
    "hashlib": ("whoosh.filedb.filetables", {"md5": _md5}),
}


def _stand_in(name: str, attributes: dict) -> types.ModuleType:
    module = types.ModuleType(name, f"stand-in for {name} while Whoosh is imported (index.whoosh.importing)")
    module.__dict__.update(attributes)
    return module


def import_whoosh() -> None:
    """Import Whoosh's modules that pull in urllib.request, asyncio and
    morph_en without them (once; all stand-ins at once, since importing one
    of those Whoosh modules imports the others)."""
    wanted = {name: _stand_in(name, attributes) for name, (importer, attributes) in _STAND_INS.items()
              if importer not in sys.modules and name not in sys.modules}  # else: nothing to save or change
    if not wanted:
        return
    sys.modules.update(wanted)
    try:
        for name in wanted:
            __import__(_STAND_INS[name][0])
    finally:
        for name, module in wanted.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]

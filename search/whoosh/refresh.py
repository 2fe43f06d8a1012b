"""Move a served index to a new commit without making a search wait for it.

After each commit of a running ``foiasearch index`` (every few seconds), the
engine needs a new searcher and what it keeps per searcher (its view,
search.whoosh.searcher_cache, and the speller's vocabulary): about 1.7 s of
CPU at 20,000 documents, in one step that cannot be interrupted. Done by the
first search after the commit, that search took 10-17 s on a loaded machine
and every search queued behind it was late.

A server (web) turns on :attr:`SearchEngine.refresh_in_background`; then
searches keep using the current snapshot, and at most every CHECK_EVERY_S seconds a
search that finds the index has moved on starts :class:`BackgroundRefresh`:
a thread that opens a searcher of its own (its own file readers, so nothing
is shared with the searches running meanwhile), builds what it needs and
hands it over. Searches see a new commit within about ten seconds.

>>> BackgroundRefresh(check_every=1.0).due(now=5.0)
True
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

from foiasearch.search.whoosh.query import TEXT_FIELDS
from foiasearch.search.whoosh.searcher_cache import load_or_build
from foiasearch.search.whoosh.spelling import Speller

# How often a search may look for a new commit. An indexer commits every 5 s; taking up each
# costs every worker process ~1.7 s of CPU at 20,000 documents, so not more often than this.
CHECK_EVERY_S = 5.0


class BackgroundRefresh:
    def __init__(self, check_every: float = CHECK_EVERY_S) -> None:
        self.check_every = check_every
        self._checked = float("-inf")
        self._running = False

    def due(self, now: float | None = None) -> bool:
        """Whether to look for a new commit now (not while a refresh runs)."""
        now = time.monotonic() if now is None else now
        if self._running or now - self._checked < self.check_every:
            return False
        self._checked = now
        return True

    def poll(self, engine: Any) -> None:
        """Called under the engine's lock by each search: start a refresh if
        the index has a new commit."""
        if not self.due():
            return
        try:
            if engine._searcher.up_to_date():
                return
        except Exception as exc:  # noqa: BLE001 - a folder being rewritten: try again next time
            _log().warning("cannot tell whether the index changed: %s", exc)
            return
        self._running = True
        threading.Thread(target=self._run, args=(engine,), name="foiasearch-refresh", daemon=True).start()

    def _run(self, engine: Any) -> None:
        # The build makes hundreds of thousands of objects: the cyclic collector would walk them
        # over and over (~800 collections, 5 full ones that pause every thread, 15% of the CPU).
        collecting = gc.isenabled()
        gc.disable()
        try:
            fresh = engine.ix.searcher()  # its own readers: safe beside the searches on the current one
            reader = fresh.reader()
            view = load_or_build(reader, engine.location.root / "cache")
            speller = Speller.from_reader(reader, TEXT_FIELDS)
            with engine._lock:
                engine._searcher, engine._view = fresh, view
                engine._speller_cache = (reader.generation(), speller)
                gc.freeze()  # as SearchEngine._current does: the view is long-lived
        except Exception as exc:  # noqa: BLE001 - keep serving the current snapshot
            _log().warning("could not move to the index's new commit (will retry): %s", exc)
        finally:
            if collecting:
                gc.enable()
            with engine._lock:
                self._running = False


def _log():
    """This module's logger; logging is imported when there is something to
    log (4 ms of a one-shot search, which never refreshes in the background)."""
    import logging

    return logging.getLogger(__name__)

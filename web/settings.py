"""How the site is served: who may do what, and the limits it keeps.

Made by ``foiasearch serve`` from its options and the config file, passed
to :func:`foiasearch.web.create_app`.

>>> SiteSettings().public, SiteSettings(public=True).originals_for_anonymous
(False, False)
"""

from __future__ import annotations

from dataclasses import dataclass

from foiasearch.search.api import RESULT_CACHE_ENTRIES

MAX_BODY_BYTES = 256 * 1024  # the site's forms are a few hundred bytes


@dataclass(frozen=True)
class SiteSettings:
    public: bool = False  # anonymous visitors may read (never write)
    public_originals: bool = False  # ... and download original files
    allowed_hosts: tuple[str, ...] = ()  # Host names besides the loopback ones
    private_collections: tuple[str, ...] = ()  # hidden from visitors who are not signed in
    secure_cookies: bool = False  # Secure cookies even on plain http (behind a TLS proxy)
    query_seconds: float = 1.5  # time budget of one search (search.budget)
    anonymous_export_rows: int = 1000  # rows of an export for visitors who are not signed in
    # New commits are taken up by a background thread, not by the first search after them
    # (search.whoosh.refresh); set by ``serve``, off for a test client that wants to see them at once.
    refresh_in_background: bool = False
    # Whole search answers remembered per worker and index state (search.resultcache), and search
    # pages shared by the workers (web.pagecache); 0: neither.
    result_cache: int = RESULT_CACHE_ENTRIES

    @property
    def originals_for_anonymous(self) -> bool:
        return self.public and self.public_originals


class SettingsError(ValueError):
    """Options that cannot be served safely together; one line for users."""

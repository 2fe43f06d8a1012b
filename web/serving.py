"""The site's settings from ``foiasearch serve``'s options and the config file,
refusing combinations that would expose the index by accident.

>>> import tempfile
>>> from foiasearch.index.location import IndexLocation
>>> location = IndexLocation.resolve(tempfile.mkdtemp())
>>> site_settings(location, host="0.0.0.0")  # doctest: +ELLIPSIS, +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
...
foiasearch.web.settings.SettingsError: --host 0.0.0.0 lets other machines connect, but no account exists...
>>> site_settings(location, host="0.0.0.0", public=True).public
True
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from foiasearch.search.api import RESULT_CACHE_ENTRIES
from foiasearch.web.accounts import AccountStore, accounts_path
from foiasearch.web.settings import SettingsError, SiteSettings

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def is_loopback_host(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def site_settings(location, config=None, host: str = "127.0.0.1", public: bool = False,
                  public_originals: bool = False, allowed_hosts: Iterable[str] = (),
                  secure_cookies: bool = False, query_seconds: float = 1.5, result_cache: int = RESULT_CACHE_ENTRIES) -> SiteSettings:
    """Raises SettingsError for a site that would be open to the network
    without accounts and without --public."""
    if public_originals and not public:
        raise SettingsError("--public-originals needs --public")
    hosts = [h.strip() for h in allowed_hosts if h.strip()]
    if not is_loopback_host(host):
        if not public and not AccountStore(accounts_path(location.root)).has_users():
            raise SettingsError(
                f"--host {host} lets other machines connect, but no account exists: add one with "
                "'foiasearch users add NAME --role admin', or pass --public for anonymous read-only access")
        try:
            if not ipaddress.ip_address(host.strip("[]")).is_unspecified:
                hosts.append(host)  # people may browse to the address itself
        except ValueError:
            hosts.append(host)  # a name
    private = tuple(getattr(config, "private_collections", ()) or ())
    return SiteSettings(public=public, public_originals=public_originals, allowed_hosts=tuple(hosts),
                        private_collections=private, secure_cookies=secure_cookies, query_seconds=query_seconds,
                        result_cache=result_cache)

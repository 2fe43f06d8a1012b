"""Each request's clock: when it arrived, how long it may wait for the
search backend, and the "busy" answer when it cannot start in time.

gunicorn's worker (web.server) stamps the moment a request has fully
arrived; the search's time budget (search.budget) and the wait for the
worker's one-at-a-time backend (web.serialized) both count from then. A
request that cannot get the backend within ``WAIT_SHARE`` (half) of its
budget gets a 429 with ``Retry-After`` at once, a one-line page
(or ``{"error": ...}`` on the API), instead of an answer seconds late.

>>> # curl -i 'http://127.0.0.1:8080/?q=detainer'  ->  HTTP/1.1 429 ... Retry-After: 2 (when busy)
"""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, g, request

from foiasearch.search.api import pin_state, unpin_state
from foiasearch.search.budget import time_budget
from foiasearch.web.serialized import ARRIVED_KEY, WAIT_SHARE, Busy, begin_request, end_request


def arrived() -> float:
    """time.monotonic() when the current request arrived."""
    found = g.get("arrived")
    return found if found is not None else time.monotonic()


def search_budget():
    """The time budget of one search on this site (search.budget), counted
    from the request's arrival."""
    return time_budget(current_app.extensions["foiasearch_settings"].query_seconds, started=arrived())


def install(app: Flask) -> None:
    """Start each request's clock, let the backend go when the view has
    answered, and answer Busy with a 429."""

    @app.before_request
    def start_clock() -> None:
        g.arrived = request.environ.get(ARRIVED_KEY) or time.monotonic()
        seconds = app.extensions["foiasearch_settings"].query_seconds
        begin_request(g.arrived + seconds * WAIT_SHARE)
        pin_state()  # the index's state (its fingerprint) is read once for the request's searches

    @app.after_request
    def answered(response: Response) -> Response:
        end_request()  # before a download streams: its rows take the backend step by step
        return response

    @app.teardown_request
    def finished(_exc) -> None:
        end_request()  # also when the view failed
        unpin_state()

    @app.errorhandler(Busy)
    def busy(exc: Busy):
        from foiasearch.web.routes import error_page

        response = current_app.make_response(error_page(429, "Busy", str(exc)))
        response.headers["Retry-After"] = str(exc.retry_after)
        response.headers["Cache-Control"] = "no-store"
        return response

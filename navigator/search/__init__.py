"""Search: the backend interface, how listings become documents, and the query engine."""

from __future__ import annotations

from flask import Flask, current_app

from navigator.search.index import SearchBackend


def init_search(app: Flask) -> None:
    from navigator.search.whoosh_backend import WhooshBackend

    app.extensions["search"] = WhooshBackend(app.config["SEARCH_INDEX_DIR"])


def get_backend() -> SearchBackend:
    backend: SearchBackend = current_app.extensions["search"]
    return backend

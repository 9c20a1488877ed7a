"""Where a form may send people next, and full addresses for links in mail."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def safe_next(target: str | None) -> str | None:
    """A path on this site, or None. Refuses other hosts ("//host", "https://host"),
    backslashes and control characters: browsers and Werkzeug drop tabs and newlines,
    so "/\\t/evil.example" would otherwise become "//evil.example"."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target.split("#", 1)[0]


def external_url(endpoint: str, **values: object) -> str:
    """A full address for a link in a mail, from BASE_URL. Works outside a request too (a
    command, the demo seed)."""
    if not has_request_context():
        with current_app.test_request_context():
            return external_url(endpoint, **values)
    return str(current_app.config["BASE_URL"]).rstrip("/") + url_for(endpoint, **values)  # type: ignore[arg-type]


def shown_url(endpoint: str, **values: object) -> str:
    """A full address shown on a page for people to copy: from BASE_URL when it is set in
    the environment, otherwise the address this page was asked for (so a site served on
    another host or port never shows the default's)."""
    if current_app.config.get("BASE_URL_SET"):
        return str(current_app.config["BASE_URL"]).rstrip("/") + url_for(endpoint, **values)  # type: ignore[arg-type]
    return url_for(endpoint, _external=True, **values)  # type: ignore[arg-type]

"""Where a form may send people next."""

from __future__ import annotations

from urllib.parse import urlsplit


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

"""Every view declares who may use it. Issue 4 adds @requires(Permission.X) beside
@public; a test walks app.url_map and fails for any endpoint that declares neither."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


def public(view: F) -> F:
    """Anyone, signed in or not, may use this view."""
    view.access = "public"  # type: ignore[attr-defined]
    return view

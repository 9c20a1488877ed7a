"""Every view declares who may use it: @public, or @requires(Permission.X).

A test walks app.url_map and fails for any endpoint that declares neither.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user

from navigator.auth.permissions import Permission

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """Anyone, signed in or not, may use this view."""
    view.access = "public"  # type: ignore[attr-defined]
    return view


def signed_in(view: F) -> F:
    """Any signed-in member of staff (their own account pages)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.sign_in", next=request.full_path))
        return view(*args, **kwargs)

    wrapper.access = "signed_in"  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def requires(*permissions: Permission) -> Callable[[F], F]:
    """Signed in and holding at least one of these permissions.

    Users without it get a 404, so a page never reveals what exists (domain.md 1.3).
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.sign_in", next=request.full_path))
            if not any(current_user.can(permission) for permission in permissions):
                abort(404)
            return view(*args, **kwargs)

        wrapper.access = permissions  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate

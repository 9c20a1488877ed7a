"""Limits on successful submissions of the public forms, per address.

Flask-Limiter's decorator counts every request and answers the one over the limit with a
429 page, losing what was typed. A library, care home or council network shares one
address, and a form with mistakes is not abuse: so these count only what was accepted,
and a view that finds the limit reached shows the form again, as typed, with a message.
"""

from __future__ import annotations

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse

from navigator.extensions import limiter


def _limit(setting: str):  # type: ignore[no-untyped-def]
    return parse(current_app.config[setting])


def submissions_left(setting: str, scope: str) -> bool:
    """Whether this address may submit once more (counts nothing)."""
    if not limiter.enabled:
        return True
    return bool(limiter.limiter.test(_limit(setting), scope, get_remote_address()))


def count_submission(setting: str, scope: str) -> None:
    """Count one accepted submission from this address."""
    if limiter.enabled:
        limiter.limiter.hit(_limit(setting), scope, get_remote_address())


def attempt_limit() -> str:
    """Every post to a public form, accepted or not (for @limiter.limit)."""
    return str(current_app.config["PUBLIC_FORM_ATTEMPT_LIMIT"])

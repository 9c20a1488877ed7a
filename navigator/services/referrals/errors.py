"""Errors a user can cause on the referral pathway, shown as messages, never a 500."""

from __future__ import annotations


class ReferralError(ValueError):
    """A rule a user broke that they can put right; shown as a message, never a 500."""


class InvalidTransition(ReferralError):
    pass


class ConcurrentChange(ReferralError):
    pass


class NotFound(LookupError):
    """The referral does not exist or this user may not know it does (HTTP 404)."""

"""Errors a user can cause on the referral pathway, shown as messages, never a 500."""

from __future__ import annotations


class ReferralError(ValueError):
    """A rule a user broke that they can put right; shown as a message, never a 500.
    `field` names the answer the message is about, when there is one."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidTransition(ReferralError):
    pass


class ConcurrentChange(ReferralError):
    pass


class AgeBandNeeded(ReferralError):
    """The person's age is unknown: which screening questions fit them depends on it."""


class NotFound(LookupError):
    """The referral does not exist or this user may not know it does (HTTP 404)."""

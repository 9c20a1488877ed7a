"""Moderators: queue."""

from navigator.moderation import bp  # noqa: F401

"""Moderators: freshness."""

from navigator.moderation import bp  # noqa: F401

"""Moderators: reports."""

from navigator.moderation import bp  # noqa: F401

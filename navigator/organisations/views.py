"""Organisation registration and editors."""

from navigator.organisations import bp  # noqa: F401

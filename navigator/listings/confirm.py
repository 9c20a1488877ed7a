"""A listing owner confirms their listing is still right, from the link in a reminder."""

from navigator.listings import bp  # noqa: F401

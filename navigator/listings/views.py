"""Editors' pages."""

from navigator.listings import bp  # noqa: F401

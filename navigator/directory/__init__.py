"""Public directory: search and detail pages for activities, events and spaces."""

from navigator.directory.views import bp

__all__ = ["bp"]

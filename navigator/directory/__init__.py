"""Public directory: search and detail pages for activities, events and spaces."""

from navigator.directory import (
    report,  # noqa: F401  (adds "Report a problem" to the blueprint)
    whats_on,  # noqa: F401  (adds /whats-on to the blueprint)
)
from navigator.directory.views import bp

__all__ = ["bp"]

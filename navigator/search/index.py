"""The search engine interface. The application talks to a SearchBackend only, so
another engine (PostgreSQL full-text for several app nodes) can sit beside Whoosh."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class SearchDocument:
    """What the index knows about one public listing.

    `facets` maps a facet name (category, group, day, cost, language, access) to
    the codes the listing carries; `text` fields are searched with stemming.
    """

    id: str
    kind: str
    name: str
    description: str = ""
    tags: str = ""
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    latitude: float | None = None
    longitude: float | None = None
    starts_at: float | None = None  # POSIX seconds, events only
    ends_at: float | None = None
    # When an activity happens: recurrence.Timetable as JSON (see search/documents.py).
    schedule: str = ""
    # Not confirmed by its owner for a long time (domain.md 5.5): ranked after fresh listings.
    stale: bool = False


@dataclass(frozen=True)
class Match:
    """A document that matched the words typed, with its relevance score."""

    document: SearchDocument
    score: float


Progress = Callable[[int], None]


class SearchBackend(Protocol):
    def upsert(self, documents: Iterable[SearchDocument]) -> None:
        """Add or replace documents, committed before returning."""

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id (missing ids are ignored)."""

    def rebuild(self, documents: Iterable[SearchDocument], progress: Progress | None = None) -> int:
        """Replace the whole index with these documents; returns how many were indexed."""

    def match(self, text: str, *, match_all_words: bool = True) -> list[Match]:
        """Every document matching the words (all documents for empty text).

        Words are matched with stemming and typo tolerance. The text is never
        parsed as query syntax.
        """

    def doc_count(self) -> int:
        """How many documents the index holds (raises if the index is unreadable)."""

"""Directory search: filters, facet counts, distance and paging over any SearchBackend.

The backend finds documents that match the words typed; everything else (facets,
proximity, "this week", "on a date") is worked out here so every backend behaves the same.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from navigator import clock
from navigator.clock import LONDON, in_london
from navigator.geo.postcodes import Place, bounding_box, miles_between
from navigator.recurrence import Timetable, occurrences_of
from navigator.search.index import Match, SearchBackend, SearchDocument

FACETS = ("type", "category", "group", "day", "cost", "language", "access")
MAX_QUERY_LENGTH = 200
WEEK = timedelta(days=7)
# `when` values: what is on today, in the next 7 days, this weekend, or on `on_date`.
WHEN_CHOICES = ("today", "week", "weekend", "date")


@dataclass(frozen=True)
class SearchRequest:
    """A validated search, as the stable URL parameters describe it."""

    q: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    place: Place | None = None
    within: float | None = None
    when: str = ""  # one of WHEN_CHOICES, or "" for any time
    on_date: date | None = None  # when == "date"
    page: int = 1
    per_page: int = 20

    def selected(self, facet: str) -> tuple[str, ...]:
        return self.filters.get(facet, ())

    @property
    def this_week(self) -> bool:
        return self.when == "week"


def time_window(request: SearchRequest, now: datetime) -> tuple[datetime, datetime] | None:
    """The stretch of time a `when` filter asks about, from now at the earliest (what has
    finished is never shown), in London time; None when any time will do."""
    now = now.astimezone(LONDON)
    today = now.date()

    if request.when == "today":
        return now, in_london(today + timedelta(days=1))
    if request.when == "week":
        return now, now + WEEK
    if request.when == "weekend":
        # The coming Saturday and Sunday; on a Saturday or Sunday, the rest of this weekend.
        first_day = today + timedelta(days=5 - today.weekday()) if today.weekday() < 5 else today
        monday = in_london(first_day + timedelta(days=7 - first_day.weekday()))
        return max(now, in_london(first_day)), monday
    if request.when == "date" and request.on_date is not None:
        start = in_london(request.on_date)
        end = in_london(request.on_date + timedelta(days=1))
        return (max(now, start), end) if end > now else (end, end)
    return None


@dataclass(frozen=True)
class Hit:
    document: SearchDocument
    score: float
    distance: float | None  # miles


@dataclass(frozen=True)
class FacetCount:
    code: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Relaxation:
    """A filter the user could remove, and how many results they would then get."""

    facet: str
    code: str
    count: int


@dataclass
class SearchOutcome:
    hits: list[Hit]
    total: int
    page: int
    pages: int
    facets: dict[str, list[FacetCount]]
    broadened: bool = False
    relaxations: list[Relaxation] = field(default_factory=list)
    nearest: list[Hit] = field(default_factory=list)
    window: tuple[datetime, datetime] | None = None  # what a `when` filter asked about


def _facet_values(doc: SearchDocument, facet: str) -> tuple[str, ...]:
    if facet == "type":
        return (doc.kind,)
    return doc.facets.get(facet, ())


def _passes(doc: SearchDocument, filters: Mapping[str, tuple[str, ...]], skip: str | None = None) -> bool:
    """OR within a facet, AND across facets."""
    for facet, wanted in filters.items():
        if facet == skip or not wanted:
            continue
        if not set(wanted).intersection(_facet_values(doc, facet)):
            return False
    return True


def _is_current(doc: SearchDocument, now_ts: float) -> bool:
    """Events that have finished drop out of search."""
    if doc.kind != "event":
        return True
    end = doc.ends_at if doc.ends_at is not None else doc.starts_at
    return end is None or end >= now_ts


def first_start_in(doc: SearchDocument, window: tuple[datetime, datetime]) -> float | None:
    """When the listing's first session in the window starts (POSIX seconds; a session
    already under way counts), or None if it does not happen then. Spaces never do."""
    start, end = window
    if end <= start:
        return None
    if doc.kind == "event":
        if doc.starts_at is None:
            return None
        finish = doc.ends_at if doc.ends_at is not None else doc.starts_at
        if doc.starts_at < end.timestamp() and finish >= start.timestamp():
            return doc.starts_at
        return None
    if doc.kind != "activity" or not doc.schedule:
        return None
    found = occurrences_of(Timetable.from_json(doc.schedule), start, end)
    return found[0].starts_at.timestamp() if found else None


def _locate(matches: Iterable[Match], place: Place | None, within: float | None) -> list[Hit]:
    """Attach distances. With a distance limit, listings outside a cheap bounding box
    are marked infinitely far instead of being measured."""
    if place is None:
        return [Hit(match.document, match.score, None) for match in matches]
    box = bounding_box(place.point, within) if within is not None else None
    hits = []
    for match in matches:
        doc = match.document
        distance = None
        if doc.latitude is not None and doc.longitude is not None:
            if box is None or (box[0] <= doc.latitude <= box[1] and box[2] <= doc.longitude <= box[3]):
                distance = miles_between(place.point, (doc.latitude, doc.longitude))
            else:
                distance = math.inf
        hits.append(Hit(doc, match.score, distance))
    return hits


def _sort(hits: list[Hit], request: SearchRequest, starts: Mapping[str, float | None]) -> list[Hit]:
    # Listings nobody has confirmed for a long time come after fresh ones, in the same
    # order among themselves (domain.md 5.5: stale listings are ranked lower, not hidden).
    if request.place is not None:
        return sorted(
            hits, key=lambda h: (h.document.stale, h.distance is None, h.distance or 0.0, -h.score, h.document.name)
        )
    if request.when:
        # Soonest first: the first session in the window asked about.
        return sorted(hits, key=lambda h: (h.document.stale, starts.get(h.document.id) or math.inf, h.document.name))
    if request.selected("type") == ("event",):
        return sorted(hits, key=lambda h: (h.document.stale, h.document.starts_at or math.inf, h.document.name))
    if request.q:
        return sorted(hits, key=lambda h: (h.document.stale, -h.score, h.document.name.lower()))
    return sorted(hits, key=lambda h: (h.document.stale, h.document.name.lower()))


def _within(hit: Hit, miles: float | None) -> bool:
    return miles is None or (hit.distance is not None and hit.distance <= miles)


def run_search(backend: SearchBackend, request: SearchRequest) -> SearchOutcome:
    """Find, filter, count, sort and page listings for one search request."""
    now = clock.now()
    now_ts = now.timestamp()
    broadened = False
    current = [m for m in backend.match(request.q, match_all_words=True) if _is_current(m.document, now_ts)]
    if not current and request.q:
        # Nothing current has every word: show what matches any of them, and say so.
        current = [m for m in backend.match(request.q, match_all_words=False) if _is_current(m.document, now_ts)]
        broadened = bool(current)
    located = _locate(current, request.place, request.within)
    window = time_window(request, now)
    starts: dict[str, float | None] = {}

    def happens(doc: SearchDocument) -> bool:
        if window is None:
            return True
        if doc.id not in starts:
            starts[doc.id] = first_start_in(doc, window)
        return starts[doc.id] is not None

    def scoped(hits: Iterable[Hit], within: float | None = request.within) -> list[Hit]:
        return [hit for hit in hits if _within(hit, within) and happens(hit.document)]

    candidates = scoped(located)
    facets = _count_facets(candidates, request.filters)
    results = _sort([hit for hit in candidates if _passes(hit.document, request.filters)], request, starts)

    per_page = max(request.per_page, 1)
    pages = max(math.ceil(len(results) / per_page), 1)
    page = min(max(request.page, 1), pages)
    start = (page - 1) * per_page
    outcome = SearchOutcome(
        hits=results[start : start + per_page],
        total=len(results),
        page=page,
        pages=pages,
        facets=facets,
        broadened=broadened,
        window=window,
    )
    if not results:
        outcome.relaxations = _relaxations(candidates, request)
        if request.place is not None:
            outcome.nearest = _nearest(current, request, scoped)
    return outcome


def _count_facets(candidates: list[Hit], filters: Mapping[str, tuple[str, ...]]) -> dict[str, list[FacetCount]]:
    """Counts for each facet value given every *other* facet's filters, so ticking
    one more box in a facet shows what it would add."""
    active = [(facet, set(wanted)) for facet, wanted in filters.items() if wanted]
    counters: dict[str, Counter[str]] = {facet: Counter() for facet in FACETS}
    for hit in candidates:
        failed = [facet for facet, wanted in active if wanted.isdisjoint(_facet_values(hit.document, facet))]
        if len(failed) > 1:
            continue
        # Passing every filter: counts everywhere. Failing one: counts only in that facet.
        for facet in failed or FACETS:
            counters[facet].update(set(_facet_values(hit.document, facet)))
    facets: dict[str, list[FacetCount]] = {}
    for facet in FACETS:
        counter = counters[facet]
        selected = set(filters.get(facet, ()))
        codes = set(counter) | selected
        facets[facet] = [FacetCount(code, counter.get(code, 0), code in selected) for code in sorted(codes)]
    return facets


def _relaxations(candidates: list[Hit], request: SearchRequest) -> list[Relaxation]:
    options = []
    for facet, codes in request.filters.items():
        for code in codes:
            remaining = tuple(c for c in codes if c != code)
            filters = {**request.filters, facet: remaining}
            count = sum(1 for hit in candidates if _passes(hit.document, filters))
            if count:
                options.append(Relaxation(facet, code, count))
    return sorted(options, key=lambda r: -r.count)


def _nearest(
    current: list[Match], request: SearchRequest, scoped: Callable[..., list[Hit]], limit: int = 3
) -> list[Hit]:
    """The closest listings ignoring the distance limit, then ignoring filters too."""
    unbounded = scoped(_locate(current, request.place, None), within=None)
    for pool in (
        [hit for hit in unbounded if _passes(hit.document, request.filters)],
        unbounded,
    ):
        near = sorted(
            (hit for hit in pool if hit.distance is not None and math.isfinite(hit.distance)),
            key=lambda h: h.distance or 0.0,
        )
        if near:
            return near[:limit]
    return []

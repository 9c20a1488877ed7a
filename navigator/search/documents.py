"""Turning a listing into the document the search index holds.

When a listing happens is stored as its rules, not as a list of dates: the document
keeps a compact JSON copy of the listing's schedules and exceptions (recurrence.Timetable)
and search expands it with dateutil at query time, for the window asked about ("this
weekend", a date). Precomputed dates would go stale as days pass, since the index is
only rewritten when a listing changes or on `flask search reindex`; rules never do.
Expanding a few hundred rules per search is cheap, and parsed copies are cached.
"""

from __future__ import annotations

from navigator import clock
from navigator.models import Listing, Vocabulary
from navigator.recurrence import timetable_for, weekdays_of
from navigator.richtext import plain_text
from navigator.schedules import WEEKDAYS
from navigator.search.index import SearchDocument

FACET_VOCABULARIES = {
    "category": Vocabulary.CATEGORY,
    "group": Vocabulary.TARGET_GROUP,
    "language": Vocabulary.LANGUAGE,
    "access": Vocabulary.ACCESSIBILITY,
}


def document_for(listing: Listing) -> SearchDocument:
    facets: dict[str, tuple[str, ...]] = {}
    for facet, vocabulary in FACET_VOCABULARIES.items():
        codes: list[str] = []
        for term in listing.terms_in(vocabulary):
            codes.append(term.code)
            # A listing in "Lunch clubs" is also found under "Social and befriending".
            if term.parent is not None and term.parent.code not in codes:
                codes.append(term.parent.code)
        facets[facet] = tuple(codes)
    timetable = timetable_for(listing)
    # Day-of-week codes ("monday"): an event's London day, the days a rule names ("TU",
    # "2TU", "-1FR"), and for rules that move around the week (the 15th, a list of dates)
    # the days they fall on in the coming year.
    facets["day"] = tuple(WEEKDAYS[day] for day in weekdays_of(timetable, clock.today()))
    facets["cost"] = (listing.cost.value,)

    venue = listing.venue
    tag_parts = [term.name for term in listing.terms]
    tag_parts += [listing.organisation.name, listing.kind.label]
    if venue is not None:
        tag_parts += [venue.name, venue.address_1, venue.address_2 or "", venue.postcode]
        if venue.ward is not None:
            tag_parts.append(venue.ward.display_name)
    return SearchDocument(
        id=str(listing.id),
        kind=listing.kind.value,
        name=listing.name,
        description=plain_text(listing.description),
        tags=" ".join(part for part in tag_parts if part),
        facets=facets,
        latitude=venue.latitude if venue else None,
        longitude=venue.longitude if venue else None,
        starts_at=listing.starts_at.timestamp() if listing.starts_at else None,
        ends_at=listing.ends_at.timestamp() if listing.ends_at else None,
        schedule=timetable.to_json(),
        stale=listing.is_stale,
    )

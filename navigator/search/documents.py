"""Turning a listing into the document the search index holds."""

from __future__ import annotations

from navigator.clock import LONDON
from navigator.models import Listing, ListingKind, Vocabulary
from navigator.schedules import WEEKDAYS, weekday_codes
from navigator.search.index import SearchDocument

FACET_VOCABULARIES = {
    "category": Vocabulary.CATEGORY,
    "group": Vocabulary.TARGET_GROUP,
    "language": Vocabulary.LANGUAGE,
    "access": Vocabulary.ACCESSIBILITY,
}


def listing_days(listing: Listing) -> tuple[str, ...]:
    """Day-of-week codes ("monday") on which a listing happens."""
    if listing.kind is ListingKind.EVENT and listing.starts_at:
        return (WEEKDAYS[listing.starts_at.astimezone(LONDON).weekday()],)
    days: list[str] = []
    for schedule in listing.schedules:
        for day in weekday_codes(schedule.by_day):
            if day not in days:
                days.append(day)
    return tuple(days)


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
    facets["day"] = listing_days(listing)
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
        description=listing.description,
        tags=" ".join(part for part in tag_parts if part),
        facets=facets,
        latitude=venue.latitude if venue else None,
        longitude=venue.longitude if venue else None,
        starts_at=listing.starts_at.timestamp() if listing.starts_at else None,
        ends_at=listing.ends_at.timestamp() if listing.ends_at else None,
    )

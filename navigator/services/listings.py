"""Changing listings. Every function here commits once and keeps the search index
in step with the database in the same call."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from navigator import clock
from navigator.extensions import db
from navigator.geo.postcodes import lookup_postcode
from navigator.models import (
    Activity,
    Cost,
    Event,
    Frequency,
    HowToJoin,
    Listing,
    ListingKind,
    ListingStatus,
    Organisation,
    Schedule,
    Space,
    TaxonomyTerm,
    Venue,
    Vocabulary,
)
from navigator.schedules import RRULE_FROM_DAY
from navigator.search import get_backend
from navigator.search.documents import document_for
from navigator.search.index import Progress, SearchDocument


class ListingError(ValueError):
    """A listing that breaks a rule users can fix (unknown postcode, bad times...)."""


@dataclass
class WeeklySession:
    day: str  # "tuesday"
    start: time
    end: time


@dataclass
class ListingData:
    """Plain values describing a listing, as forms, seeds and imports provide them."""

    kind: ListingKind
    name: str
    organisation_id: uuid.UUID
    venue_id: uuid.UUID | None = None
    description: str = ""
    terms: dict[Vocabulary, list[str]] = field(default_factory=dict)
    cost: Cost = Cost.FREE
    cost_detail: str = ""
    how_to_join: HowToJoin = HowToJoin.DROP_IN
    min_age: int | None = None
    max_age: int | None = None
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    website: str = ""
    sessions: list[WeeklySession] = field(default_factory=list)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    capacity: int | None = None
    bookable: bool | None = None
    booking_info: str = ""


LISTING_CLASSES: dict[ListingKind, type[Listing]] = {
    ListingKind.ACTIVITY: Activity,
    ListingKind.EVENT: Event,
    ListingKind.SPACE: Space,
}


def create_venue(
    *, name: str, address_1: str, postcode: str, address_2: str | None = None, city: str = "London"
) -> Venue:
    """Add a venue, placing it from the postcode table. Raises ListingError for unknown postcodes."""
    row = lookup_postcode(postcode)
    if row is None:
        raise ListingError(f"Unknown postcode for {name}: {postcode}")
    venue = Venue(
        name=name,
        address_1=address_1,
        address_2=address_2,
        city=city,
        postcode=row.postcode,
        latitude=row.latitude,
        longitude=row.longitude,
        ward_code=row.ward_code,
    )
    db.session.add(venue)
    return venue


def _resolve_terms(terms: dict[Vocabulary, list[str]]) -> list[TaxonomyTerm]:
    resolved: list[TaxonomyTerm] = []
    for vocabulary, codes in terms.items():
        if not codes:
            continue
        found = db.session.scalars(
            select(TaxonomyTerm).where(TaxonomyTerm.vocabulary == vocabulary, TaxonomyTerm.code.in_(codes))
        ).all()
        missing = set(codes) - {term.code for term in found}
        if missing:
            raise ListingError(f"Unknown {vocabulary.value.replace('_', ' ')}: {', '.join(sorted(missing))}")
        resolved.extend(found)
    return resolved


def _build_listing(data: ListingData, status: ListingStatus) -> Listing:
    if data.kind is ListingKind.EVENT:
        if data.starts_at is None:
            raise ListingError(f"{data.name}: an event needs a start time")
        if data.ends_at is not None and data.ends_at <= data.starts_at:
            raise ListingError(f"{data.name}: an event must end after it starts")
    for session in data.sessions:
        if session.day not in RRULE_FROM_DAY:
            raise ListingError(f"{data.name}: unknown day {session.day!r}")
        if session.end <= session.start:
            raise ListingError(f"{data.name}: a session must end after it starts")
    if data.min_age is not None and data.max_age is not None and data.min_age > data.max_age:
        raise ListingError(f"{data.name}: the minimum age is above the maximum age")
    listing = LISTING_CLASSES[data.kind](
        name=data.name,
        organisation_id=data.organisation_id,
        venue_id=data.venue_id,
        description=data.description,
        status=status,
        cost=data.cost,
        cost_detail=data.cost_detail,
        how_to_join=data.how_to_join,
        min_age=data.min_age,
        max_age=data.max_age,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        contact_phone=data.contact_phone,
        website=data.website,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        capacity=data.capacity,
        bookable=data.bookable,
        booking_info=data.booking_info,
        last_confirmed_at=clock.now(),
    )
    listing.terms = _resolve_terms(data.terms)
    listing.schedules = [
        Schedule(
            position=position,
            frequency=Frequency.WEEKLY,
            interval=1,
            by_day=RRULE_FROM_DAY[session.day],
            opens_at=session.start,
            closes_at=session.end,
        )
        for position, session in enumerate(data.sessions)
    ]
    return listing


def add_listings(items: Iterable[ListingData], *, status: ListingStatus = ListingStatus.PUBLISHED) -> list[Listing]:
    """Add several listings in one transaction and index the public ones.

    Used by imports and demo data; nothing is saved if any item is invalid.
    """
    listings = [_build_listing(data, status) for data in items]
    db.session.add_all(listings)
    db.session.commit()
    sync_index(listings)
    return listings


def publish_listing(data: ListingData) -> Listing:
    """Add one listing straight to the public directory."""
    return add_listings([data])[0]


def set_listing_status(listing_id: uuid.UUID, status: ListingStatus) -> Listing:
    """Move a listing to another moderation state; the index follows."""
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise ListingError("No such listing")
    listing.status = status
    db.session.commit()
    sync_index([listing])
    return listing


def sync_index(listings: Iterable[Listing]) -> None:
    """Make the index agree with these listings: public ones in, others out."""
    backend = get_backend()
    public: list[Listing] = []
    withdrawn: list[Listing] = []
    for listing in listings:
        (public if listing.is_public else withdrawn).append(listing)
    backend.upsert(document_for(listing) for listing in public)
    backend.delete(str(listing.id) for listing in withdrawn)


def public_listings_query():  # type: ignore[no-untyped-def]
    return (
        select(Listing)
        .where(Listing.status == ListingStatus.PUBLISHED)
        .options(
            selectinload(Listing.terms).selectinload(TaxonomyTerm.parent),
            selectinload(Listing.schedules),
            selectinload(Listing.organisation),
            selectinload(Listing.venue).selectinload(Venue.ward),
        )
        .order_by(Listing.id)
    )


def count_public_listings() -> int:
    from sqlalchemy import func

    return int(db.session.scalar(select(func.count(Listing.id)).where(Listing.status == ListingStatus.PUBLISHED)) or 0)


def _public_documents(batch_size: int = 500) -> Iterator[SearchDocument]:
    for listing in db.session.scalars(public_listings_query().execution_options(yield_per=batch_size)):
        yield document_for(listing)


def reindex_all(progress: Progress | None = None) -> int:
    """Rebuild the search index from the database (the source of truth)."""
    return get_backend().rebuild(_public_documents(), progress)


def organisation_by_name(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))

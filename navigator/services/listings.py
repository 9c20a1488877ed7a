"""Changing listings. Every function here commits once and keeps the search index
in step with the database in the same call."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import selectinload

from navigator import clock
from navigator.extensions import db
from navigator.geo.postcodes import lookup_postcode
from navigator.models import (
    Activity,
    Cost,
    Event,
    ExceptionKind,
    Frequency,
    HowToJoin,
    Listing,
    ListingKind,
    ListingStatus,
    Organisation,
    Schedule,
    ScheduleException,
    Space,
    TaxonomyTerm,
    Venue,
    Vocabulary,
)
from navigator.models.directory import PUBLIC_STATUSES
from navigator.recurrence import RuleError, parse_by_day
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


_WEB_ADDRESS = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
MAX_INTERVAL = 8
# A break longer than this is a listing that has stopped: archive it instead.
MAX_BREAK_DAYS = 366


@dataclass(kw_only=True)
class ScheduleRule:
    """Any schedule (domain.md 5.2): weekly or every few weeks on some days ("TU,TH"),
    monthly on the nth weekday ("2TU,4TU", "-1FR") or a day of the month (15), or a
    list of dates. `valid_from` anchors the weeks of a fortnightly rule and starts a
    term; `valid_to` ends it."""

    start: time
    end: time
    frequency: Frequency = Frequency.WEEKLY
    interval: int = 1
    by_day: str = ""
    by_month_day: int | None = None
    dates: list[date | str] = field(default_factory=list)
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(kw_only=True)
class ScheduleChange:
    """No session on a date or over a break (`ends_on`), or the sessions of a date
    moved to another time."""

    kind: ExceptionKind
    starts_on: date
    ends_on: date | None = None
    new_start: time | None = None
    new_end: time | None = None
    note: str = ""


@dataclass(kw_only=True)
class VenueData:
    name: str
    address_1: str
    postcode: str
    address_2: str = ""


@dataclass
class ListingData:
    """Plain values describing a listing, as forms, seeds and imports provide them."""

    kind: ListingKind
    name: str
    organisation_id: uuid.UUID
    venue_id: uuid.UUID | None = None
    venue: VenueData | None = None  # instead of venue_id: found or added when saved
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
    schedules: list[ScheduleRule] = field(default_factory=list)
    exceptions: list[ScheduleChange] = field(default_factory=list)
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
        # An id now, not at the flush: fill_listing links the listing by venue_id straight away.
        id=uuid.uuid4(),
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
    listing = LISTING_CLASSES[data.kind](status=status, last_confirmed_at=clock.now())
    fill_listing(listing, data)
    return listing


@dataclass
class _Checked:
    rules: list[ScheduleRule]
    changes: list[ScheduleChange]
    terms: list[TaxonomyTerm]


def _check(data: ListingData) -> _Checked:
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
    rules = [
        ScheduleRule(start=session.start, end=session.end, by_day=RRULE_FROM_DAY[session.day])
        for session in data.sessions
    ]
    rules += [_checked_rule(data.name, rule) for rule in data.schedules]
    changes = [_checked_change(data.name, change) for change in data.exceptions]
    if data.min_age is not None and data.max_age is not None and data.min_age > data.max_age:
        raise ListingError(f"{data.name}: the minimum age is above the maximum age")
    if data.website and not _WEB_ADDRESS.match(data.website):
        # Shown as a link on the public page: only web addresses, never javascript: or data:.
        raise ListingError(f"{data.name}: the website must be a web address starting https:// or http://")
    if data.venue is not None and lookup_postcode(data.venue.postcode) is None:
        raise ListingError(f"Unknown postcode for {data.venue.name}: {data.venue.postcode}")
    return _Checked(rules, changes, _resolve_terms(data.terms))


def check_listing_data(data: ListingData) -> None:
    """Raise ListingError if `data` could not be saved as a listing; change nothing."""
    _check(data)


def fill_listing(listing: Listing, data: ListingData) -> None:
    """Check `data` and write it into `listing` (new or existing). Raises ListingError, with
    a message an editor can act on, before changing anything."""
    if listing.kind is not None and data.kind is not listing.kind:
        raise ListingError(f"{data.name}: a listing cannot change from {listing.kind.value} to {data.kind.value}")
    checked = _check(data)
    rules, changes, terms = checked.rules, checked.changes, checked.terms
    venue_id = data.venue_id
    if data.venue is not None:
        venue_id = find_or_create_venue(data.venue).id
    listing.name = data.name
    listing.organisation_id = data.organisation_id
    listing.venue_id = venue_id
    listing.description = data.description
    listing.cost = data.cost
    listing.cost_detail = data.cost_detail
    listing.how_to_join = data.how_to_join
    listing.min_age = data.min_age
    listing.max_age = data.max_age
    listing.contact_name = data.contact_name
    listing.contact_email = data.contact_email
    listing.contact_phone = data.contact_phone
    listing.website = data.website
    listing.starts_at = data.starts_at
    listing.ends_at = data.ends_at
    listing.capacity = data.capacity
    listing.bookable = data.bookable
    listing.booking_info = data.booking_info
    listing.terms = terms
    listing.schedules = [
        Schedule(
            position=position,
            frequency=rule.frequency,
            interval=rule.interval,
            by_day=rule.by_day,
            by_month_day=rule.by_month_day,
            dates=[day.isoformat() for day in _rule_dates(data.name, rule)],
            opens_at=rule.start,
            closes_at=rule.end,
            valid_from=rule.valid_from,
            valid_to=rule.valid_to,
        )
        for position, rule in enumerate(rules)
    ]
    listing.exceptions = [
        ScheduleException(
            kind=change.kind,
            starts_on=change.starts_on,
            ends_on=change.ends_on if change.ends_on != change.starts_on else None,
            new_opens_at=change.new_start,
            new_closes_at=change.new_end,
            note=change.note,
        )
        for change in changes
    ]


def find_or_create_venue(data: VenueData) -> Venue:
    """The venue with this name and address, or a new one placed from the postcode table.
    Venues are shared between listings, so a changed address makes a new venue rather
    than moving other organisations' listings."""
    row = lookup_postcode(data.postcode)
    if row is None:
        raise ListingError(f"Unknown postcode for {data.name}: {data.postcode}")
    existing = db.session.scalar(
        select(Venue)
        .where(
            Venue.name == data.name,
            Venue.address_1 == data.address_1,
            Venue.postcode == row.postcode,
        )
        .order_by(Venue.id)
        .limit(1)
    )
    if existing is not None and (existing.address_2 or "") == (data.address_2 or ""):
        return existing
    return create_venue(
        name=data.name, address_1=data.address_1, address_2=data.address_2 or None, postcode=data.postcode
    )


def _rule_dates(name: str, rule: ScheduleRule) -> list[date]:
    days: list[date] = []
    for value in rule.dates:
        if isinstance(value, date):
            day = value
        else:
            try:
                day = date.fromisoformat(str(value).strip())
            except ValueError:
                raise ListingError(f"{name}: {value!r} is not a date (use YYYY-MM-DD)") from None
        if day not in days:
            days.append(day)
    return sorted(days)


def _checked_rule(name: str, rule: ScheduleRule) -> ScheduleRule:
    """Refuse a schedule that cannot be a recurrence rule, with a message a person can act on."""
    if rule.end <= rule.start:
        raise ListingError(f"{name}: a session must end after it starts")
    if not 1 <= rule.interval <= MAX_INTERVAL:
        raise ListingError(f"{name}: a schedule repeats every 1 to {MAX_INTERVAL} weeks or months")
    if rule.valid_from and rule.valid_to and rule.valid_to < rule.valid_from:
        raise ListingError(f"{name}: a schedule's end date must be on or after its start date")
    try:
        entries = parse_by_day(rule.by_day)
    except RuleError as error:
        raise ListingError(f"{name}: {error}") from None
    by_day = ",".join(entry.code for entry in entries)
    if rule.frequency is Frequency.WEEKLY:
        if not entries:
            raise ListingError(f"{name}: a weekly schedule needs a day of the week")
        if any(entry.ordinal for entry in entries):
            raise ListingError(f"{name}: a weekly schedule takes days without a week number, like TU")
        if rule.by_month_day is not None or rule.dates:
            raise ListingError(f"{name}: a weekly schedule has days of the week only")
    elif rule.frequency is Frequency.MONTHLY:
        if (rule.by_month_day is None) == (not entries):
            raise ListingError(f"{name}: a monthly schedule needs either days like 2TU or a day of the month")
        if rule.by_month_day is not None and not 1 <= rule.by_month_day <= 31:
            raise ListingError(f"{name}: the day of the month must be from 1 to 31")
        if rule.dates:
            raise ListingError(f"{name}: a monthly schedule has no list of dates")
    else:
        if entries or rule.by_month_day is not None:
            raise ListingError(f"{name}: a list of dates has no days of the week or of the month")
        if not _rule_dates(name, rule):
            raise ListingError(f"{name}: give at least one date")
    valid_from = rule.valid_from
    if valid_from is None and rule.interval > 1 and rule.frequency is not Frequency.DATES:
        # "Every other week" needs a start (iCalendar DTSTART) to say which weeks.
        valid_from = clock.today()
    return ScheduleRule(
        start=rule.start,
        end=rule.end,
        frequency=rule.frequency,
        interval=rule.interval if rule.frequency is not Frequency.DATES else 1,
        by_day=by_day,
        by_month_day=rule.by_month_day,
        dates=list(_rule_dates(name, rule)),
        valid_from=valid_from,
        valid_to=rule.valid_to,
    )


def _checked_change(name: str, change: ScheduleChange) -> ScheduleChange:
    last = change.ends_on or change.starts_on
    if last < change.starts_on:
        raise ListingError(f"{name}: a break must end on or after the day it starts")
    if (last - change.starts_on).days >= MAX_BREAK_DAYS:
        raise ListingError(f"{name}: a break can be up to a year long")
    if change.kind is ExceptionKind.MOVED:
        if change.new_start is None or change.new_end is None:
            raise ListingError(f"{name}: a moved session needs its new start and end times")
        if change.new_end <= change.new_start:
            raise ListingError(f"{name}: a moved session must end after it starts")
    elif change.new_start is not None or change.new_end is not None:
        raise ListingError(f"{name}: a cancelled session has no new times")
    return change


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
        .where(Listing.status.in_(PUBLIC_STATUSES))
        .options(
            selectinload(Listing.terms).selectinload(TaxonomyTerm.parent),
            selectinload(Listing.schedules),
            selectinload(Listing.exceptions),
            selectinload(Listing.organisation),
            selectinload(Listing.venue).selectinload(Venue.ward),
        )
        .order_by(Listing.id)
    )


def public_listings_by_id(ids: Iterable[uuid.UUID], *conditions: ColumnElement[bool]) -> dict[uuid.UUID, Listing]:
    """The public listings among these ids (meeting any further conditions), with what
    result rows, listing pages and shortlists read loaded in a few queries, not per row."""
    wanted = list(ids)
    if not wanted:
        return {}
    query = public_listings_query().where(Listing.id.in_(wanted), *conditions)
    return {listing.id: listing for listing in db.session.scalars(query)}


def count_public_listings() -> int:
    from sqlalchemy import func

    return int(db.session.scalar(select(func.count(Listing.id)).where(Listing.status.in_(PUBLIC_STATUSES))) or 0)


def _public_documents(batch_size: int = 500) -> Iterator[SearchDocument]:
    for listing in db.session.scalars(public_listings_query().execution_options(yield_per=batch_size)):
        yield document_for(listing)


def reindex_all(progress: Progress | None = None) -> int:
    """Rebuild the search index from the database (the source of truth)."""
    return get_backend().rebuild(_public_documents(), progress)


def organisation_by_name(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))

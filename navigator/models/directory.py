"""The public directory: organisations, venues, listings (activities, events, spaces)
and the taxonomy that classifies them (domain.md section 5)."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from navigator.extensions import Base
from navigator.models.types import UTCDateTime, utcnow, value_enum

if TYPE_CHECKING:
    from navigator.models.people import User


class Vocabulary(enum.Enum):
    """The controlled vocabularies held in the taxonomy table."""

    CATEGORY = "category"
    TARGET_GROUP = "target_group"
    ACCESSIBILITY = "accessibility"
    LANGUAGE = "language"
    FACILITY = "facility"


class ListingKind(enum.Enum):
    ACTIVITY = "activity"
    EVENT = "event"
    SPACE = "space"

    @property
    def label(self) -> str:
        return {"activity": "Activity", "event": "Event", "space": "Space"}[self.value]

    @property
    def plural(self) -> str:
        return {"activity": "Activities", "event": "Events", "space": "Spaces"}[self.value]


class ListingStatus(enum.Enum):
    """Moderation states (domain.md 5.4). Only PUBLISHED listings are public."""

    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    CHANGES_PENDING = "changes_pending"
    REJECTED = "rejected"
    HIDDEN = "hidden"
    ARCHIVED = "archived"


class Cost(enum.Enum):
    """Cost bands (domain.md 5.1, local convention)."""

    FREE = "free"
    LOW = "low"
    PAID = "paid"
    PAY_WHAT_YOU_CAN = "pay_what_you_can"

    @property
    def label(self) -> str:
        return {
            "free": "Free",
            "low": "Low cost (£5 or less)",
            "paid": "Paid",
            "pay_what_you_can": "Pay what you can",
        }[self.value]


class HowToJoin(enum.Enum):
    DROP_IN = "drop_in"
    BOOKING = "booking"
    REFERRAL = "referral"
    CONTACT_FIRST = "contact_first"

    @property
    def label(self) -> str:
        return {
            "drop_in": "Drop in: just turn up",
            "booking": "Booking required",
            "referral": "Referral required",
            "contact_first": "Contact the organiser first",
        }[self.value]


class OrganisationStatus(enum.Enum):
    """A registered organisation waits for a moderator before its editors can list anything."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Freshness(enum.Enum):
    """How far a listing has gone through the review schedule (domain.md 5.5), since its
    owner last confirmed it. The order is the order of the schedule."""

    CURRENT = "current"
    ASKED = "asked"  # first mail: please confirm or update
    REMINDED = "reminded"
    URGENT = "urgent"  # last reminder
    STALE = "stale"  # ranked lower, "Last checked" badge
    HIDDEN = "hidden"  # out of public search until confirmed; never deleted


class VersionState(enum.Enum):
    DRAFT = "draft"  # being edited
    SUBMITTED = "submitted"  # waiting for a moderator
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # replaced by a later edit before anyone decided


class RejectionReason(enum.Enum):
    """Rejection reasons (domain.md 5.4, local list)."""

    INCOMPLETE = "incomplete"
    DUPLICATE = "duplicate"
    OUTSIDE_AREA = "outside_area"
    NOT_COMMUNITY = "not_community"
    CONTACT_DETAILS = "contact_details"
    SAFEGUARDING = "safeguarding"
    INAPPROPRIATE = "inappropriate"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "incomplete": "Incomplete information",
            "duplicate": "Duplicate of another listing",
            "outside_area": "Outside the area",
            "not_community": "Not a community activity (for example a commercial advert)",
            "contact_details": "Contact details do not work",
            "safeguarding": "Safeguarding concern",
            "inappropriate": "Inappropriate content",
            "other": "Other",
        }[self.value]


class ProblemKind(enum.Enum):
    """What a resident can report about a listing (domain.md 5.5, after ALISS)."""

    CLOSED = "closed"
    WRONG_TIME = "wrong_time"
    WRONG_CONTACT = "wrong_contact"
    WRONG_PLACE = "wrong_place"
    UNCLEAR = "unclear"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "closed": "It has closed or stopped running",
            "wrong_time": "The days or times are wrong",
            "wrong_contact": "The contact details do not work",
            "wrong_place": "The address or area is wrong",
            "unclear": "The information is unclear",
            "other": "Something else",
        }[self.value]


class ReportStatus(enum.Enum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class Frequency(enum.Enum):
    """How a schedule repeats. WEEKLY and MONTHLY are iCalendar RRULE frequencies (the
    ones Open Referral UK allows); DATES is a list of specific dates (iCalendar RDATE)."""

    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    DATES = "DATES"


class ExceptionKind(enum.Enum):
    CANCELLED = "cancelled"  # no session on these dates (a holiday break is a date range)
    MOVED = "moved"  # the session on this date runs at another time


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_terms"
    __table_args__ = (sa.UniqueConstraint("vocabulary", "code", name="uq_taxonomy_terms_vocabulary_code"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    vocabulary: Mapped[Vocabulary] = mapped_column(value_enum(Vocabulary), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("taxonomy_terms.id"))

    parent: Mapped[TaxonomyTerm | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[TaxonomyTerm]] = relationship(back_populates="parent", order_by="TaxonomyTerm.position")

    def __repr__(self) -> str:
        return f"<TaxonomyTerm {self.vocabulary.value}:{self.code}>"


listing_terms = sa.Table(
    "listing_terms",
    Base.metadata,
    sa.Column("listing_id", sa.ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("term_id", sa.ForeignKey("taxonomy_terms.id", ondelete="CASCADE"), primary_key=True),
)


organisation_members = sa.Table(
    "organisation_members",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    website: Mapped[str | None] = mapped_column(sa.String(300))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    charity_number: Mapped[str | None] = mapped_column(sa.String(20))
    company_number: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Registration (organisations loaded from seeds or imports are approved already).
    status: Mapped[OrganisationStatus] = mapped_column(
        value_enum(OrganisationStatus, 20), default=OrganisationStatus.APPROVED, server_default="approved", index=True
    )
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Optimistic lock: bumped by every change, so two moderators deciding at once (or a
    # decision on a registration sent again meanwhile) cannot both win.
    revision: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")

    listings: Mapped[list[Listing]] = relationship(back_populates="organisation")
    editors: Mapped[list[User]] = relationship(secondary=organisation_members, back_populates="organisations")

    __mapper_args__ = {"version_id_col": revision}

    @property
    def is_approved(self) -> bool:
        return self.status is OrganisationStatus.APPROVED


class Venue(Base):
    """A place: where an activity runs, or the building a space is in."""

    __tablename__ = "venues"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(200))
    address_1: Mapped[str] = mapped_column(sa.String(200))
    address_2: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(100), default="London")
    postcode: Mapped[str] = mapped_column(sa.String(8))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    # Not a foreign key: a full-country postcode file can name wards we have not loaded.
    ward_code: Mapped[str | None] = mapped_column(sa.String(9))

    ward = relationship("Ward", primaryjoin="foreign(Venue.ward_code) == Ward.code", viewonly=True)

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.name, self.address_1, self.address_2, self.city, self.postcode) if line]


class Listing(Base):
    """Anything residents can find in the directory. Activities, events and spaces
    share one table (single-table inheritance) so search, moderation and freshness
    treat them alike."""

    __tablename__ = "listings"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[ListingKind] = mapped_column(value_enum(ListingKind, 20), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ListingStatus] = mapped_column(
        value_enum(ListingStatus, 20), default=ListingStatus.DRAFT, index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    venue_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("venues.id"), index=True)
    cost: Mapped[Cost] = mapped_column(value_enum(Cost, 20), default=Cost.FREE)
    cost_detail: Mapped[str] = mapped_column(sa.String(300), default="")
    how_to_join: Mapped[HowToJoin] = mapped_column(value_enum(HowToJoin, 20), default=HowToJoin.DROP_IN)
    min_age: Mapped[int | None] = mapped_column(sa.Integer)
    max_age: Mapped[int | None] = mapped_column(sa.Integer)
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    last_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    freshness: Mapped[Freshness] = mapped_column(
        value_enum(Freshness, 20), default=Freshness.CURRENT, server_default="current", index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic lock: every save to the listing or its open version bumps it (the edit form
    # carries the revision it was loaded from), so a save from a stale tab cannot overwrite.
    revision: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")

    # Events
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Spaces
    capacity: Mapped[int | None] = mapped_column(sa.Integer)
    bookable: Mapped[bool | None] = mapped_column(sa.Boolean)
    booking_info: Mapped[str] = mapped_column(sa.String(500), default="")

    organisation: Mapped[Organisation] = relationship(back_populates="listings")
    venue: Mapped[Venue | None] = relationship()
    terms: Mapped[list[TaxonomyTerm]] = relationship(secondary=listing_terms, order_by=TaxonomyTerm.position)
    schedules: Mapped[list[Schedule]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="Schedule.position"
    )
    exceptions: Mapped[list[ScheduleException]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="ScheduleException.starts_on"
    )

    __mapper_args__ = {"polymorphic_on": "kind", "version_id_col": revision}

    def terms_in(self, vocabulary: Vocabulary) -> list[TaxonomyTerm]:
        return [term for term in self.terms if term.vocabulary is vocabulary]

    @property
    def categories(self) -> list[TaxonomyTerm]:
        return self.terms_in(Vocabulary.CATEGORY)

    @property
    def target_groups(self) -> list[TaxonomyTerm]:
        return self.terms_in(Vocabulary.TARGET_GROUP)

    @property
    def accessibility(self) -> list[TaxonomyTerm]:
        return self.terms_in(Vocabulary.ACCESSIBILITY)

    @property
    def languages(self) -> list[TaxonomyTerm]:
        return self.terms_in(Vocabulary.LANGUAGE)

    @property
    def facilities(self) -> list[TaxonomyTerm]:
        return self.terms_in(Vocabulary.FACILITY)

    @property
    def is_public(self) -> bool:
        # A change waiting for a moderator leaves the published version live.
        return self.status in PUBLIC_STATUSES

    @property
    def is_stale(self) -> bool:
        return self.freshness in (Freshness.STALE, Freshness.HIDDEN)


PUBLIC_STATUSES = (ListingStatus.PUBLISHED, ListingStatus.CHANGES_PENDING)
# States whose content has been live: edits to them wait in a version until approved.
LIVE_STATUSES = (ListingStatus.PUBLISHED, ListingStatus.CHANGES_PENDING, ListingStatus.HIDDEN)


class Activity(Listing):
    """A regular group, club, class or service with a schedule."""

    __mapper_args__ = {"polymorphic_identity": ListingKind.ACTIVITY}


class Event(Listing):
    """A one-off, dated event."""

    __mapper_args__ = {"polymorphic_identity": ListingKind.EVENT}


class Space(Listing):
    """A community hall, library room or faith venue that groups can use or hire."""

    __mapper_args__ = {"polymorphic_identity": ListingKind.SPACE}


class Schedule(Base):
    """When an activity meets, as an iCalendar-style rule (domain.md 5.2).

    `frequency` + `interval` + `by_day` ("TU", "TU,TH", "2TU,4TU", "-1FR") or
    `by_month_day` (15) make the RRULE; `valid_from` anchors it (which weeks a
    fortnightly group meets) and `valid_to` ends it, so term-time patterns are
    schedules bounded by dates. Frequency DATES uses `dates` instead.
    """

    __tablename__ = "schedules"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    listing_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    frequency: Mapped[Frequency] = mapped_column(value_enum(Frequency, 10), default=Frequency.WEEKLY)
    interval: Mapped[int] = mapped_column(sa.Integer, default=1)
    by_day: Mapped[str] = mapped_column(sa.String(40), default="")
    by_month_day: Mapped[int | None] = mapped_column(sa.Integer)
    dates: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # ISO dates, frequency DATES
    opens_at: Mapped[time] = mapped_column(sa.Time)
    closes_at: Mapped[time] = mapped_column(sa.Time)
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)

    listing: Mapped[Listing] = relationship(back_populates="schedules")


class ScheduleException(Base):
    """A change to a listing's regular sessions: cancelled dates, holiday breaks (a date
    range), or one session moved to another time. ORUK has no field for these."""

    __tablename__ = "schedule_exceptions"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    listing_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ExceptionKind] = mapped_column(value_enum(ExceptionKind, 20), default=ExceptionKind.CANCELLED)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)  # for a break; None means one day
    new_opens_at: Mapped[time | None] = mapped_column(sa.Time)  # MOVED only
    new_closes_at: Mapped[time | None] = mapped_column(sa.Time)
    note: Mapped[str] = mapped_column(sa.String(200), default="")

    listing: Mapped[Listing] = relationship(back_populates="exceptions")


class ListingVersion(Base):
    """One version of a listing's content (a snapshot of every field an editor can
    change), kept for ever: who wrote it, when, what changed, and what a moderator
    decided. The listing row holds the approved content; a change to a live listing
    waits here until it is approved (domain.md 5.4)."""

    __tablename__ = "listing_versions"
    __table_args__ = (sa.UniqueConstraint("listing_id", "number", name="uq_listing_versions_listing_number"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    listing_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(sa.Integer)
    state: Mapped[VersionState] = mapped_column(value_enum(VersionState, 20), default=VersionState.DRAFT, index=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # Field labels that differ from the version before, for the history page.
    changed_fields: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    note: Mapped[str] = mapped_column(sa.String(500), default="")  # e.g. "Restored from version 2"
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[RejectionReason | None] = mapped_column(value_enum(RejectionReason, 30))
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    # Optimistic locking: two moderators deciding at once, or a moderator deciding while the
    # editor withdraws the change, cannot both win (the second gets StaleDataError).
    revision: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": revision}

    listing: Mapped[Listing] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        return self.state in (VersionState.DRAFT, VersionState.SUBMITTED)


class ListingReport(Base):
    """A resident's "report a problem" on a listing, for the moderation queue."""

    __tablename__ = "listing_reports"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    listing_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ProblemKind] = mapped_column(value_enum(ProblemKind, 20))
    details: Mapped[str] = mapped_column(sa.Text, default="")
    reporter_email: Mapped[str] = mapped_column(sa.String(254), default="")
    status: Mapped[ReportStatus] = mapped_column(value_enum(ReportStatus, 20), default=ReportStatus.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    # The moderator took the listing out of the directory over this report.
    hid_listing: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    listing: Mapped[Listing] = relationship()


class FreshnessNotice(Base):
    """A step of the review schedule taken for a listing, once per confirmation: the
    unique key makes `flask listings review-stale` safe to run again."""

    __tablename__ = "freshness_notices"
    __table_args__ = (
        sa.UniqueConstraint("listing_id", "stage", "confirmed_at", name="uq_freshness_notices_listing_stage"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    listing_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    stage: Mapped[Freshness] = mapped_column(value_enum(Freshness, 20))
    # The confirmation this step follows: a new confirmation starts the schedule again.
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

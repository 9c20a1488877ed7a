"""Referrals to community navigators and the casework that follows (domain.md section 2)."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from navigator.extensions import Base
from navigator.models.directory import Listing
from navigator.models.people import ReferralSource, Team, User
from navigator.models.person_key import PersonKeySource, keep_person_key
from navigator.models.types import UTCDateTime, utcnow, value_enum


class ReferralState(enum.Enum):
    SUBMITTED = "submitted"
    MORE_INFO_REQUESTED = "more_info_requested"
    REJECTED = "rejected"
    REDIRECTED = "redirected"
    ACCEPTED = "accepted"
    ALLOCATED = "allocated"
    CONTACTING = "contacting"
    ENGAGED = "engaged"
    IN_SUPPORT = "in_support"
    CLOSED = "closed"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES

    @property
    def label(self) -> str:
        """How staff in the navigation service see the state."""
        return STATE_LABELS[self]

    @property
    def referrer_label(self) -> str:
        """What the referrer sees (domain.md 2.7)."""
        return REFERRER_LABELS[self]


FINAL_STATES = frozenset({ReferralState.REJECTED, ReferralState.REDIRECTED, ReferralState.CLOSED})
OPEN_CASE_STATES = frozenset(
    {ReferralState.ALLOCATED, ReferralState.CONTACTING, ReferralState.ENGAGED, ReferralState.IN_SUPPORT}
)
STATE_LABELS = {
    ReferralState.SUBMITTED: "Awaiting triage",
    ReferralState.MORE_INFO_REQUESTED: "More information requested",
    ReferralState.REJECTED: "Rejected",
    ReferralState.REDIRECTED: "Redirected",
    ReferralState.ACCEPTED: "Accepted, not allocated",
    ReferralState.ALLOCATED: "Allocated",
    ReferralState.CONTACTING: "Trying to contact",
    ReferralState.ENGAGED: "Engaged",
    ReferralState.IN_SUPPORT: "In support",
    ReferralState.CLOSED: "Closed",
}
REFERRER_LABELS = {
    ReferralState.SUBMITTED: "Received",
    ReferralState.MORE_INFO_REQUESTED: "More information needed",
    ReferralState.REJECTED: "Not accepted",
    ReferralState.REDIRECTED: "Redirected",
    ReferralState.ACCEPTED: "Accepted – waiting for a navigator",
    ReferralState.ALLOCATED: "Accepted – waiting for a navigator",
    ReferralState.CONTACTING: "Trying to contact",
    ReferralState.ENGAGED: "Working with navigator",
    ReferralState.IN_SUPPORT: "Working with navigator",
    ReferralState.CLOSED: "Closed",
}


def _referrer_statuses() -> dict[str, tuple[str, frozenset[ReferralState]]]:
    groups: dict[str, list[ReferralState]] = {}
    for state in ReferralState:
        groups.setdefault(REFERRER_LABELS[state], []).append(state)
    return {states[0].value: (label, frozenset(states)) for label, states in groups.items()}


# What a referrer can narrow their team's referrals to: each status they are shown, keyed by
# the first state it covers ("accepted" is Accepted – waiting for a navigator: accepted or allocated).
REFERRER_STATUSES = _referrer_statuses()


class Agreement(enum.Enum):
    """Person agrees to referral (domain.md 2.1, 6.1): not "GDPR consent"."""

    YES = "yes"
    NO = "no"
    UNABLE_TO_SAY = "unable_to_say"
    NOT_OBTAINED_SAFEGUARDING = "not_obtained_safeguarding"


AGREEMENT_LABELS = {
    Agreement.YES: "Yes",
    Agreement.NO: "No",
    Agreement.UNABLE_TO_SAY: "Unable to say",
    Agreement.NOT_OBTAINED_SAFEGUARDING: "Not obtained – safeguarding",  # domain.md 6.9's words
}


class ContactChannel(enum.Enum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    HOME_VISIT = "home_visit"
    VIA_REFERRER = "via_referrer"


class ContactOutcome(enum.Enum):
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"
    REACHED = "reached"
    DECLINED = "declined"

    @property
    def is_failed(self) -> bool:
        return self in {ContactOutcome.NO_ANSWER, ContactOutcome.VOICEMAIL, ContactOutcome.WRONG_NUMBER}


class ConnectionStatus(enum.Enum):
    SUGGESTED = "suggested"
    CONTACTED = "contacted"
    ATTENDED_FIRST_SESSION = "attended_first_session"
    ATTENDING_REGULARLY = "attending_regularly"
    STOPPED = "stopped"


class GoalStatus(enum.Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    NO_LONGER_RELEVANT = "no_longer_relevant"


class Person(Base):
    """The person referred. Identifiable data: read only through need-to-know checks."""

    __tablename__ = "people"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    given_name: Mapped[str] = mapped_column(sa.String(100))
    family_name: Mapped[str] = mapped_column(sa.String(100))
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date)
    nhs_number: Mapped[str | None] = mapped_column(sa.String(10), index=True)
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    address: Mapped[str] = mapped_column(sa.Text, default="")
    postcode: Mapped[str] = mapped_column(sa.String(8), default="")
    ward_code: Mapped[str | None] = mapped_column(sa.String(9))
    preferred_contact_method: Mapped[str] = mapped_column(sa.String(20), default="")
    preferred_contact_times: Mapped[str] = mapped_column(sa.String(200), default="")
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # ISO 639 codes
    interpreter_needed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    interpreter_language: Mapped[str] = mapped_column(sa.String(10), default="")
    communication_needs: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The name as possible duplicates compare it (any case, any script), kept in step with the
    # names by the listener below. With the date of birth it is indexed, so the duplicates of
    # a queue's people are found by an index lookup, not by reading everyone born that day.
    name_key: Mapped[str] = mapped_column(sa.String(201), default="", server_default="")
    # Pseudonymous, the same for every episode of one person (models/person_key.py): set and
    # kept in step with the details by the listener below, fixed once triage links an episode.
    person_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    person_key_source: Mapped[PersonKeySource] = mapped_column(value_enum(PersonKeySource, 30))

    __table_args__ = (sa.Index("ix_people_date_of_birth_name_key", "date_of_birth", "name_key"),)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def person_name_key(given_name: str, family_name: str) -> str:
    """Given and family name without case, in any script (SQLite's lower() leaves Ö and Ç)."""
    return f"{given_name.strip().casefold()}|{family_name.strip().casefold()}"


@sa.event.listens_for(Person, "before_insert")
@sa.event.listens_for(Person, "before_update")
def _keep_name_key(_mapper: object, _connection: object, person: Person) -> None:
    person.name_key = person_name_key(person.given_name or "", person.family_name or "")
    keep_person_key(person)


class Referral(Base):
    __tablename__ = "referrals"
    # One index for each list's filter and order, so that no list reads the whole table at
    # 1,000,000 referrals: triage, unallocated and awaiting-answer queues (state, oldest first,
    # with the risk flags that put urgent ones first); a team's referrals (newest first, by
    # status); a navigator's open cases and follow-ups; everyone's follow-ups (by due date).
    # Each list's index ends with the id: a page is found from index entries alone (services/paging.py).
    __table_args__ = (
        sa.Index(
            "ix_referrals_state_submitted_at_id",
            "state",
            "submitted_at",
            "id",
            "safeguarding_concern",
            "lone_working_risk",
            "risk_to_self_or_others",
        ),
        sa.Index("ix_referrals_team_id_submitted_at_id", "team_id", "submitted_at", "id"),
        sa.Index("ix_referrals_team_id_state_submitted_at_id", "team_id", "state", "submitted_at", "id"),
        sa.Index("ix_referrals_navigator_id_state_follow_up_due", "navigator_id", "state", "follow_up_due"),
        # Follow-ups still to do, and only those: the list and its count read nothing but these
        # (the flag is a column too, or SQLite does not count the index as covering the query).
        sa.Index(
            "ix_referrals_follow_up_pending",
            "follow_up_due",
            "id",
            "follow_up_pending",
            sqlite_where=sa.text("follow_up_pending = 1"),
            postgresql_where=sa.text("follow_up_pending"),
        ),
        sa.Index(
            "ix_referrals_navigator_id_follow_up_pending",
            "navigator_id",
            "follow_up_due",
            "id",
            "follow_up_pending",
            sqlite_where=sa.text("follow_up_pending = 1"),
            postgresql_where=sa.text("follow_up_pending"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id"), index=True)
    state: Mapped[ReferralState] = mapped_column(value_enum(ReferralState, 30))
    # Optimistic lock: every state change bumps it, so two people acting at once cannot both win.
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)

    source_code: Mapped[str] = mapped_column(sa.ForeignKey("referral_sources.code"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("teams.id"))
    referred_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    entered_by_proxy: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    referrer_name: Mapped[str] = mapped_column(sa.String(120), default="")
    referrer_role: Mapped[str] = mapped_column(sa.String(120), default="")
    referrer_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    referrer_email: Mapped[str] = mapped_column(sa.String(254), default="")

    reason: Mapped[str] = mapped_column(sa.Text, default="")
    what_matters: Mapped[str] = mapped_column(sa.Text, default="")
    needs: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    target_groups: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    barriers: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    support_needed: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    safeguarding_concern: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    safeguarding_reference: Mapped[str] = mapped_column(sa.String(60), default="")
    lone_working_risk: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    risk_to_self_or_others: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    risk_detail: Mapped[str] = mapped_column(sa.Text, default="")

    agreement: Mapped[Agreement] = mapped_column(value_enum(Agreement, 30))
    agreed_by: Mapped[str] = mapped_column(sa.String(30), default="person")
    agreement_date: Mapped[date | None] = mapped_column(sa.Date)
    agreement_obtained_by: Mapped[str] = mapped_column(sa.String(120), default="")
    information_sharing_agreed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    gillick_competent: Mapped[bool | None] = mapped_column(sa.Boolean)

    # The screen at referral could not be done: it becomes required at the first conversation.
    screening_not_completed_reason: Mapped[str] = mapped_column(sa.String(300), default="")

    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    navigator_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    allocated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Outcomes of decisions, kept on the referral for the referrer's view and reports.
    decision_reason: Mapped[str] = mapped_column(sa.String(60), default="")
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    redirected_to: Mapped[str] = mapped_column(sa.String(200), default="")
    more_info_question: Mapped[str] = mapped_column(sa.Text, default="")
    closure_reason: Mapped[str] = mapped_column(sa.String(40), default="")
    closure_summary: Mapped[str] = mapped_column(sa.Text, default="")
    follow_up_due: Mapped[date | None] = mapped_column(sa.Date)
    follow_up_not_obtained_reason: Mapped[str] = mapped_column(sa.String(60), default="")
    # Asked at closure: may the navigator contact the person again for the 3-month follow-up?
    contact_again_agreed: Mapped[bool | None] = mapped_column(sa.Boolean)
    # The person's age band as told to the navigator when the date of birth is unknown
    # (under_10, 10_15, 16_plus): which screening questions fit them.
    stated_age_band: Mapped[str | None] = mapped_column(sa.String(10))
    # Closed with a follow-up screen due and none recorded yet: set at closure, cleared when a
    # follow-up screen is recorded (services/referrals), so the follow-ups list reads one index.
    follow_up_pending: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    next_review_due: Mapped[date | None] = mapped_column(sa.Date)
    previous_referral_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("referrals.id"))

    # SQLAlchemy adds "AND version = :old" to every UPDATE and raises StaleDataError when
    # another transaction changed the row first: two people acting at once cannot both win.
    __mapper_args__ = {"version_id_col": version}

    person: Mapped[Person] = relationship(lazy="joined")
    source: Mapped[ReferralSource] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship()
    referred_by: Mapped[User | None] = relationship(foreign_keys=[referred_by_id])
    navigator: Mapped[User | None] = relationship(foreign_keys=[navigator_id])
    # The person's episode before this one, linked at triage (services/referrals/episodes.py).
    previous_referral: Mapped[Referral | None] = relationship(remote_side=[id], foreign_keys=[previous_referral_id])
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.at", cascade="all, delete-orphan"
    )
    contacts: Mapped[list[ContactAttempt]] = relationship(
        back_populates="referral", order_by="ContactAttempt.at", cascade="all, delete-orphan"
    )
    notes: Mapped[list[CaseNote]] = relationship(
        back_populates="referral", order_by="CaseNote.at", cascade="all, delete-orphan"
    )
    goals: Mapped[list[Goal]] = relationship(
        back_populates="referral", order_by="Goal.created_at", cascade="all, delete-orphan"
    )
    connections: Mapped[list[Connection]] = relationship(
        back_populates="referral", order_by="Connection.created_at", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[Review]] = relationship(
        back_populates="referral", order_by="Review.at", cascade="all, delete-orphan"
    )

    @property
    def has_risk_flags(self) -> bool:
        return self.safeguarding_concern or self.lone_working_risk or self.risk_to_self_or_others

    @property
    def failed_contact_attempts(self) -> int:
        return sum(1 for attempt in self.contacts if attempt.outcome.is_failed)


class ReferralEvent(Base):
    """The referral's timeline: every state change, and what the referrer is shown."""

    __tablename__ = "referral_events"
    # When a referral last moved into a state (triage orders questions by when they were asked).
    __table_args__ = (sa.Index("ix_referral_events_referral_id_to_state_at", "referral_id", "to_state", "at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    from_state: Mapped[ReferralState | None] = mapped_column(value_enum(ReferralState, 30))
    to_state: Mapped[ReferralState] = mapped_column(value_enum(ReferralState, 30))
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    # What the referrer is told (a reason, a question); never screening scores or case notes.
    referrer_note: Mapped[str] = mapped_column(sa.Text, default="")

    referral: Mapped[Referral] = relationship(back_populates="events")
    by: Mapped[User | None] = relationship()


class ContactAttempt(Base):
    __tablename__ = "contact_attempts"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[ContactChannel] = mapped_column(value_enum(ContactChannel, 20))
    outcome: Mapped[ContactOutcome] = mapped_column(value_enum(ContactOutcome, 20))
    interpreter_used: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="contacts")
    by: Mapped[User] = relationship()


class CaseNote(Base):
    """Append-only: a correction is a new note pointing at the one it corrects."""

    __tablename__ = "case_notes"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("case_notes.id"))

    referral: Mapped[Referral] = relationship(back_populates="notes")
    author: Mapped[User] = relationship()
    corrects: Mapped[CaseNote | None] = relationship(remote_side=[id])


class Goal(Base):
    """A goal in the person's own words, part of their wellbeing plan."""

    __tablename__ = "goals"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    target_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[GoalStatus] = mapped_column(value_enum(GoalStatus, 30), default=GoalStatus.NOT_STARTED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic lock: the status form carries it, so a stale page cannot overwrite a change.
    revision: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": revision}

    referral: Mapped[Referral] = relationship(back_populates="goals")


class Connection(Base):
    """A link from the person to a directory listing, with its own lifecycle (domain.md 2.5)."""

    __tablename__ = "connections"
    # An activity is on a person's plan once at a time (again only after it stopped): two
    # suggestions at the same moment cannot both be stored.
    __table_args__ = (
        sa.Index(
            "uq_connections_open_listing",
            "referral_id",
            "listing_id",
            unique=True,
            sqlite_where=sa.text("status != 'stopped'"),
            postgresql_where=sa.text("status != 'stopped'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("listings.id"), index=True)
    status: Mapped[ConnectionStatus] = mapped_column(value_enum(ConnectionStatus, 30))
    details_shared_agreed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    buddy_went: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    other_support: Mapped[str] = mapped_column(sa.String(200), default="")
    stopped_reason: Mapped[str] = mapped_column(sa.String(40), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_attended_at: Mapped[date | None] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic lock: the update form carries it, so a stale page cannot overwrite a change.
    revision: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": revision}

    referral: Mapped[Referral] = relationship(back_populates="connections")
    listing: Mapped[Listing] = relationship()


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"))
    progress: Mapped[str] = mapped_column(sa.Text, default="")
    next_review_due: Mapped[date | None] = mapped_column(sa.Date)

    referral: Mapped[Referral] = relationship(back_populates="reviews")
    by: Mapped[User] = relationship()

"""Keeping the directory fresh (domain.md 5.5).

Every listing records when its owner last confirmed it. `review_stale` (run by
`flask listings review-stale`, from cron) walks the schedule for each live listing:

    ASKED     after FRESHNESS_ASK_AFTER_MONTHS: the owners get a one-click "still correct" link
    REMINDED  FRESHNESS_REMINDER_WEEKS after that first mail (the last reminder is URGENT)
    STALE     after FRESHNESS_STALE_AFTER_MONTHS: ranked after fresh listings, with a
              "Last checked on" badge
    HIDDEN    after FRESHNESS_HIDE_AFTER_MONTHS: out of the public directory (never deleted);
              owners and moderators are told

Each step is taken once per confirmation: a FreshnessNotice row (unique per listing, step and
confirmation) is written in the same transaction as the mail and the change, so running the
command twice, or two runs at once, never sends anything twice. A listing whose steps fell due
together (the command has not run for a while) gets one mail, for the latest of them.
Confirming starts the schedule again. Events that have ended are archived.
"""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import (
    AuditAction,
    Freshness,
    FreshnessNotice,
    Listing,
    ListingKind,
    ListingStatus,
    Organisation,
    User,
    VersionState,
)
from navigator.models.directory import LIVE_STATUSES, PUBLIC_STATUSES
from navigator.presenters import london_date
from navigator.services import audit
from navigator.services.listings import sync_index
from navigator.services.mail import queue_mail
from navigator.services.moderation import (
    NotFound,
    active_users_with,
    can_edit_for,
    get_listing,
    open_version,
    owner_addresses,
)
from navigator.services.transactions import commit_or
from navigator.urls import external_url

LINK_SALT = "navigator-listing-confirm"
BATCH_SIZE = 50
# Steps that mail the owners; when several fall due together only the latest is sent.
MAIL_STAGES = (Freshness.ASKED, Freshness.REMINDED, Freshness.URGENT, Freshness.HIDDEN)
STAGE_ORDER = {stage: position for position, stage in enumerate(Freshness)}
STEP_LABELS = {
    Freshness.CURRENT: "Up to date",
    Freshness.ASKED: "Asked to confirm",
    Freshness.REMINDED: "Reminder sent",
    Freshness.URGENT: "Last reminder sent",
    Freshness.STALE: "Ranked lower (stale)",
    Freshness.HIDDEN: "Hidden from the public",
}


class FreshnessError(ValueError):
    """A step that cannot be taken (a listing that is not in the directory, bad settings)."""


class LinkProblem(ValueError):
    """A "still correct" link that cannot be used: the message says why, for the owner."""

    def __init__(self, message: str, *, listing: Listing | None = None, used: bool = False) -> None:
        super().__init__(message)
        self.listing = listing
        self.used = used


# -- the schedule ----------------------------------------------------------------------


@dataclass(frozen=True)
class FreshnessSchedule:
    ask_after_months: int = 6
    reminder_weeks: tuple[int, ...] = (2, 4)
    stale_after_months: int = 12
    hide_after_months: int = 15

    def steps(self, since: datetime) -> list[tuple[Freshness, datetime]]:
        """When each step falls due for a listing last confirmed at `since`, in order."""
        asked = since + relativedelta(months=self.ask_after_months)
        steps = [(Freshness.ASKED, asked)]
        reminders = (Freshness.REMINDED, Freshness.URGENT)[-len(self.reminder_weeks) :] if self.reminder_weeks else ()
        steps += [
            (stage, asked + timedelta(weeks=weeks)) for stage, weeks in zip(reminders, self.reminder_weeks, strict=True)
        ]
        steps.append((Freshness.STALE, since + relativedelta(months=self.stale_after_months)))
        steps.append((Freshness.HIDDEN, since + relativedelta(months=self.hide_after_months)))
        return steps

    def due_on(self, since: datetime, stage: Freshness) -> datetime | None:
        return dict(self.steps(since)).get(stage)

    def check(self) -> None:
        if self.ask_after_months < 1:
            raise FreshnessError("FRESHNESS_ASK_AFTER_MONTHS must be 1 or more")
        if len(self.reminder_weeks) > 2:
            raise FreshnessError("FRESHNESS_REMINDER_WEEKS takes at most two numbers of weeks, like 2,4")
        if any(weeks < 1 for weeks in self.reminder_weeks):
            raise FreshnessError("FRESHNESS_REMINDER_WEEKS must be whole numbers of weeks, 1 or more")
        dates = [due for _, due in self.steps(datetime(2001, 1, 31, tzinfo=clock.LONDON))]
        if any(later <= earlier for earlier, later in itertools.pairwise(dates)):
            raise FreshnessError(
                "The freshness settings must come in order: asking, then the reminders, "
                "then FRESHNESS_STALE_AFTER_MONTHS, then FRESHNESS_HIDE_AFTER_MONTHS"
            )


def current_schedule() -> FreshnessSchedule:
    """The schedule from the FRESHNESS_* settings (README: Configuration)."""
    config = current_app.config
    schedule = FreshnessSchedule(
        ask_after_months=int(config["FRESHNESS_ASK_AFTER_MONTHS"]),
        reminder_weeks=tuple(int(weeks) for weeks in config["FRESHNESS_REMINDER_WEEKS"]),
        stale_after_months=int(config["FRESHNESS_STALE_AFTER_MONTHS"]),
        hide_after_months=int(config["FRESHNESS_HIDE_AFTER_MONTHS"]),
    )
    schedule.check()
    return schedule


def confirmed_since(listing: Listing) -> datetime:
    """When the schedule started: the last confirmation, or when the listing was added."""
    return listing.last_confirmed_at or listing.created_at


# -- running the schedule --------------------------------------------------------------


@dataclass
class ReviewSummary:
    """What one run did: steps taken (including those recorded without a mail because a
    later one fell due at the same time), events archived and mail queued."""

    steps: dict[Freshness, int] = field(default_factory=lambda: {stage: 0 for stage in (*MAIL_STAGES, Freshness.STALE)})
    archived: int = 0
    mails: int = 0

    def add(self, other: ReviewSummary) -> None:
        for stage, count in other.steps.items():
            self.steps[stage] = self.steps.get(stage, 0) + count
        self.archived += other.archived
        self.mails += other.mails

    def __str__(self) -> str:
        s = self.steps
        return (
            f"Asked {s[Freshness.ASKED]}, reminded {s[Freshness.REMINDED]}, urgent {s[Freshness.URGENT]}, "
            f"stale {s[Freshness.STALE]}, hidden {s[Freshness.HIDDEN]}, events archived {self.archived}; "
            f"{self.mails} mails queued."
        )


def review_stale(now: datetime | None = None) -> ReviewSummary:
    """Archive events that have ended, then take every step of the freshness schedule that
    has fallen due, once. Safe to run again at any time (cron); commits in small batches."""
    now = now or clock.now()
    schedule = current_schedule()
    summary = ReviewSummary()
    summary.archived = _archive_past_events(now)
    candidates = select(Listing.id).where(_under_review()).order_by(Listing.id)
    for batch in _chunks(list(db.session.scalars(candidates)), BATCH_SIZE):
        summary.add(_review_batch(batch, now, schedule))
    return summary


def _under_review():  # type: ignore[no-untyped-def]
    """Live listings, except those a moderator has hidden for another reason."""
    return (Listing.status.in_(PUBLIC_STATUSES)) | (
        (Listing.status == ListingStatus.HIDDEN) & (Listing.freshness == Freshness.HIDDEN)
    )


def _chunks(ids: Sequence[uuid.UUID], size: int) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _review_batch(ids: Sequence[uuid.UUID], now: datetime, schedule: FreshnessSchedule) -> ReviewSummary:
    # A second run at the same moment may win the race for a step: the unique key refuses
    # our copy, so start the batch again and it sees the step as taken. So does an editor
    # saving one of these listings meanwhile (Listing.revision).
    for attempt in range(2):
        summary = ReviewSummary()
        reindex: list[Listing] = []
        hidden: list[Listing] = []
        try:
            listings = db.session.scalars(
                select(Listing)
                .where(Listing.id.in_(ids), _under_review())
                .options(selectinload(Listing.organisation).selectinload(Organisation.editors))
                .order_by(Listing.id)
            ).all()
            taken = _steps_taken(listings)
            for listing in listings:
                _review_listing(listing, taken[listing.id], now, schedule, summary, reindex, hidden)
            if hidden:
                summary.mails += _tell_moderators(hidden, schedule)
            db.session.commit()
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            if attempt:
                raise
            continue
        sync_index(reindex)
        return summary
    raise AssertionError("unreachable")  # pragma: no cover


def _notices_since_confirmed(listings: Iterable[Listing]) -> list[FreshnessNotice]:
    """The steps recorded for these listings since each one's last confirmation."""
    since = {listing.id: confirmed_since(listing) for listing in listings}
    if not since:
        return []
    notices = db.session.scalars(select(FreshnessNotice).where(FreshnessNotice.listing_id.in_(list(since))))
    return [notice for notice in notices if notice.confirmed_at == since[notice.listing_id]]


def _steps_taken(listings: Sequence[Listing]) -> dict[uuid.UUID, set[Freshness]]:
    """The steps already taken since each listing's last confirmation."""
    taken: dict[uuid.UUID, set[Freshness]] = {listing.id: set() for listing in listings}
    for notice in _notices_since_confirmed(listings):
        taken[notice.listing_id].add(notice.stage)
    return taken


def _review_listing(
    listing: Listing,
    taken: set[Freshness],
    now: datetime,
    schedule: FreshnessSchedule,
    summary: ReviewSummary,
    reindex: list[Listing],
    hidden: list[Listing],
) -> None:
    since = confirmed_since(listing)
    due = [stage for stage, due_at in schedule.steps(since) if due_at <= now and stage not in taken]
    if not due:
        return
    old = {"freshness": listing.freshness, "status": listing.status}
    for stage in due:
        db.session.add(FreshnessNotice(listing_id=listing.id, stage=stage, confirmed_at=since, taken_at=now))
        summary.steps[stage] += 1
    latest = due[-1]
    if STAGE_ORDER[latest] > STAGE_ORDER[listing.freshness]:
        listing.freshness = latest
    if Freshness.STALE in due or Freshness.HIDDEN in due:
        reindex.append(listing)
    if Freshness.HIDDEN in due:
        listing.status = ListingStatus.HIDDEN
        hidden.append(listing)
    db.session.flush()  # the unique key is checked here, before any mail is queued
    audit.record(
        AuditAction.STATE_CHANGE,
        "listing",
        listing.id,
        by=None,
        old=old,
        new={"freshness": listing.freshness, "status": listing.status, "steps": [stage.value for stage in due]},
        reason=f"Not confirmed since {london_date(since)}",
    )
    mail_stage = next((stage for stage in reversed(due) if stage in MAIL_STAGES), None)
    if mail_stage is not None:
        summary.mails += _mail_owners(listing, mail_stage, since, now, schedule)


def _archive_past_events(now: datetime) -> int:
    """Events whose end (or start, with no end) has passed are archived, kept for history:
    live ones leave the directory, and drafts or submissions still waiting are withdrawn."""
    ends = func.coalesce(Listing.ends_at, Listing.starts_at)
    ids = list(
        db.session.scalars(
            select(Listing.id)
            .where(Listing.kind == ListingKind.EVENT, Listing.status != ListingStatus.ARCHIVED, ends < now)
            .order_by(Listing.id)
        )
    )
    archived = 0
    for batch in _chunks(ids, BATCH_SIZE):
        listings = db.session.scalars(
            select(Listing).where(Listing.id.in_(batch), Listing.status != ListingStatus.ARCHIVED)
        ).all()
        for listing in listings:
            old_status = listing.status
            version = open_version(listing)
            if version is not None:
                version.state = VersionState.WITHDRAWN
            listing.status = ListingStatus.ARCHIVED
            audit.record(
                AuditAction.STATE_CHANGE,
                "listing",
                listing.id,
                by=None,
                old={"status": old_status},
                new={"status": listing.status},
                reason="The event has ended",
            )
        try:
            db.session.commit()
        except StaleDataError:
            # Someone saved one of these events meanwhile: the next daily run archives them.
            db.session.rollback()
            continue
        sync_index(listings)
        archived += len(listings)
    return archived


# -- telling people --------------------------------------------------------------------


def edit_link(listing: Listing) -> str:
    """The editors' page for changing the listing (signing in is needed)."""
    return external_url("listings.edit", listing_id=listing.id)


def _mail_owners(
    listing: Listing, stage: Freshness, since: datetime, now: datetime, schedule: FreshnessSchedule
) -> int:
    """One mail per owner address, each with its own link (so we know who confirmed)."""
    sent = 0
    for address in owner_addresses(listing):
        subject, body = _owner_message(listing, stage, since, now, schedule, confirm_link(listing, address))
        if queue_mail(address, subject, body) is not None:
            sent += 1
    return sent


def _owner_message(
    listing: Listing, stage: Freshness, since: datetime, now: datetime, schedule: FreshnessSchedule, link: str
) -> tuple[str, str]:
    days = int(current_app.config["FRESHNESS_LINK_MAX_AGE_DAYS"])
    name = listing.name
    last = f"{name} was last confirmed on {london_date(since)}."
    links = (
        f"If it is still correct, confirm it with one click:\n{link}\n\n"
        f"If something has changed, update it (you will need to sign in):\n{edit_link(listing)}\n\n"
        f"The confirm link works for {days} days."
    )
    stale_on = schedule.due_on(since, Freshness.STALE) or now
    hide_on = schedule.due_on(since, Freshness.HIDDEN) or now
    if stage is Freshness.HIDDEN:
        subject = f"Hidden from the directory: {name}"
        intro = (
            f"{last} Because nobody has confirmed it since, it has been hidden from the public directory. "
            "It has not been deleted: you and the moderators can still see it. Confirm it is still correct "
            "and it will be back in the directory straight away."
        )
    else:
        if now < stale_on:
            warning = (
                f"If nobody confirms it, it will be shown lower in search results from {london_date(stale_on)}, "
                f"and hidden from the directory from {london_date(hide_on)}."
            )
        else:
            warning = (
                "It is now shown lower in search results, marked as not checked recently. If nobody confirms "
                f"it, it will be hidden from the directory from {london_date(hide_on)}."
            )
        if stage is Freshness.ASKED:
            subject = f"Please check your listing: {name}"
            intro = (
                f"{last} Residents and frontline staff use the Community Navigator directory to find "
                "activities, so please check it is still right."
            )
        elif stage is Freshness.REMINDED:
            subject = f"Reminder: please check your listing: {name}"
            intro = f"{last} We asked you to check it, and have not heard back yet.\n\n{warning}"
        else:
            subject = f"Last reminder: please check your listing: {name}"
            intro = f"{last} This is our last reminder.\n\n{warning}"
    return subject, f"Hello,\n\n{intro}\n\n{links}\n"


def moderators() -> list[User]:
    """Active users who may moderate listings."""
    return active_users_with(Permission.MODERATE_LISTINGS)


def _tell_moderators(hidden: list[Listing], schedule: FreshnessSchedule) -> int:
    count = len(hidden)
    subject = (
        f"Hidden from the directory: {hidden[0].name}"
        if count == 1
        else f"Hidden from the directory: {count} listings nobody has confirmed"
    )
    lines = "\n".join(
        f"- {listing.name} ({listing.organisation.name}), last confirmed on {london_date(confirmed_since(listing))}"
        for listing in hidden
    )
    body = (
        f"Nobody has confirmed these listings for {schedule.hide_after_months} months, so they have been "
        f"hidden from the public directory (not deleted). Their owners have been told.\n\n{lines}\n\n"
        f"See every listing due for review:\n{external_url('moderation.freshness')}\n"
    )
    return sum(1 for user in moderators() if queue_mail(user.email, subject, body) is not None)


# -- confirming ------------------------------------------------------------------------


class _ClockSigner(TimestampSigner):
    """Signs with the application's clock, so link expiry follows the same time as the rest."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT, signer=_ClockSigner)


def confirm_link(listing: Listing, address: str) -> str:
    """The one-click "still correct" link for a mail to `address`. It names the confirmation
    it follows, so it stops working once the listing is confirmed or changed."""
    token = _serializer().dumps(
        {"listing": str(listing.id), "since": confirmed_since(listing).isoformat(), "to": address}
    )
    return external_url("listings.confirm", token=token)


@dataclass(frozen=True)
class ConfirmLink:
    listing: Listing
    sent_to: str


def check_confirm_link(token: str) -> ConfirmLink:
    """The listing a "still correct" link is for. Raises LinkProblem (changes nothing)."""
    max_age = int(current_app.config["FRESHNESS_LINK_MAX_AGE_DAYS"]) * 24 * 60 * 60
    try:
        data = _serializer().loads(token, max_age=max_age)
        listing_id = uuid.UUID(str(data["listing"]))
        since = datetime.fromisoformat(str(data["since"]))
        sent_to = str(data.get("to", ""))
    except SignatureExpired:
        raise LinkProblem(
            "This link has expired. Sign in to confirm or update the listing, or ask a moderator for help"
        ) from None
    except (BadData, KeyError, TypeError, ValueError, AttributeError):
        raise LinkProblem("This link is not valid. Check you copied all of it from the email") from None
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.status not in LIVE_STATUSES:
        raise LinkProblem("This listing is no longer in the directory, so there is nothing to confirm")
    if sent_to.lower() not in {address.lower() for address in owner_addresses(listing)}:
        # Sent to someone who no longer edits for the organisation.
        raise LinkProblem("This link is no longer valid. Sign in to confirm or update the listing")
    if confirmed_since(listing) != since:
        raise LinkProblem(
            "This link has already been used, or the listing has been confirmed or changed since we sent it. "
            f"It was last confirmed on {london_date(confirmed_since(listing))}",
            listing=listing,
            used=True,
        )
    return ConfirmLink(listing, sent_to)


def confirm_by_link(token: str, *, by: User | None = None) -> Listing:
    """Confirm a listing from the link in a mail (the POST of its page). Who confirmed is the
    signed-in editor, or the editor the link was sent to."""
    link = check_confirm_link(token)
    confirmer = by if by is not None and can_edit_for(by, link.listing.organisation_id) else None
    if confirmer is None:
        confirmer = _editor_with_address(link.listing, link.sent_to)
    return confirm_listing(link.listing.id, by=confirmer, via_token=True, sent_to=link.sent_to)


def _editor_with_address(listing: Listing, address: str) -> User | None:
    for editor in listing.organisation.editors:
        if editor.active and editor.email.lower() == address.lower():
            return editor
    return None


def confirm_as_editor(listing_id: uuid.UUID, *, by: User) -> Listing:
    """A signed-in editor (or moderator) confirms a listing from their listing page."""
    listing = get_listing(listing_id, by)  # NotFound outside their organisations
    return confirm_listing(listing.id, by=by, via_token=False)


def confirm_listing(listing_id: uuid.UUID, *, by: User | None, via_token: bool, sent_to: str = "") -> Listing:
    """The listing is still correct: the schedule starts again from now, and a listing hidden
    because nobody confirmed it goes back into the directory."""
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise NotFound("No such listing")
    if listing.status not in LIVE_STATUSES:
        raise FreshnessError("Only a listing that is in the directory can be confirmed")
    old = {"freshness": listing.freshness, "status": listing.status, "last_confirmed_at": listing.last_confirmed_at}
    listing.last_confirmed_at = clock.now()
    listing.last_confirmed_by_id = by.id if by is not None else None
    if listing.status is ListingStatus.HIDDEN and listing.freshness is Freshness.HIDDEN:
        version = open_version(listing)
        waiting = version is not None and version.state is VersionState.SUBMITTED
        listing.status = ListingStatus.CHANGES_PENDING if waiting else ListingStatus.PUBLISHED
    listing.freshness = Freshness.CURRENT
    how = (
        f"with the link emailed to {sent_to}" if via_token and sent_to else "with an emailed link" if via_token else ""
    )
    audit.record(
        AuditAction.STATE_CHANGE,
        "listing",
        listing.id,
        by=by,
        old=old,
        new={"freshness": listing.freshness, "status": listing.status, "last_confirmed_at": listing.last_confirmed_at},
        reason=f"Confirmed still correct {how}".strip(),
    )
    commit_or(lambda: FreshnessError("Someone changed this listing at the same moment. Check it and confirm again"))
    sync_index([listing])
    return listing


# -- the moderators' freshness page ----------------------------------------------------


@dataclass(frozen=True)
class FreshnessRow:
    listing: Listing
    confirmed_on: datetime
    confirmed_by: str  # a name, or "" (added by an import, or confirmed by a link)
    months: int
    last_step: Freshness | None
    last_step_at: datetime | None


@dataclass
class FreshnessOverview:
    due: list[FreshnessRow] = field(default_factory=list)  # asked to confirm, not stale yet
    stale: list[FreshnessRow] = field(default_factory=list)
    hidden: list[FreshnessRow] = field(default_factory=list)
    up_to_date: int = 0
    organisations: list[Organisation] = field(default_factory=list)  # with live listings, for the filter
    schedule: FreshnessSchedule = field(default_factory=FreshnessSchedule)


@dataclass(frozen=True)
class OrganisationFreshness:
    organisation: Organisation
    up_to_date: int
    due: int
    stale: int
    hidden: int
    oldest: datetime

    @property
    def listings(self) -> int:
        return self.up_to_date + self.due + self.stale + self.hidden

    @property
    def needing_attention(self) -> int:
        return self.due + self.stale + self.hidden


def _months_between(start: datetime, end: datetime) -> int:
    delta = relativedelta(end, start)
    return max(delta.years * 12 + delta.months, 0)


def _bucket(listing: Listing, now: datetime, schedule: FreshnessSchedule) -> str:
    since = confirmed_since(listing)
    if (listing.status is ListingStatus.HIDDEN and listing.freshness is Freshness.HIDDEN) or now >= (
        schedule.due_on(since, Freshness.HIDDEN) or now
    ):
        return "hidden"
    if listing.freshness is Freshness.STALE or now >= (schedule.due_on(since, Freshness.STALE) or now):
        return "stale"
    if listing.freshness is not Freshness.CURRENT or now >= (schedule.due_on(since, Freshness.ASKED) or now):
        return "due"
    return "up_to_date"


def _live_listings(organisation_id: uuid.UUID | None = None) -> list[Listing]:
    query = select(Listing).where(Listing.status.in_(LIVE_STATUSES)).options(selectinload(Listing.organisation))
    if organisation_id is not None:
        query = query.where(Listing.organisation_id == organisation_id)
    return list(db.session.scalars(query))


def freshness_overview(organisation_id: uuid.UUID | None = None, now: datetime | None = None) -> FreshnessOverview:
    """Live listings by how long ago they were confirmed, oldest first, for moderators."""
    now = now or clock.now()
    schedule = current_schedule()
    overview = FreshnessOverview(schedule=schedule)
    overview.organisations = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(select(Listing.organisation_id).where(Listing.status.in_(LIVE_STATUSES))))
            .order_by(Organisation.name)
        )
    )
    listings = _live_listings(organisation_id)
    buckets: dict[str, list[Listing]] = defaultdict(list)
    for listing in listings:
        buckets[_bucket(listing, now, schedule)].append(listing)
    overview.up_to_date = len(buckets["up_to_date"])
    attention = buckets["due"] + buckets["stale"] + buckets["hidden"]
    last_steps = _last_steps(attention)
    confirmers = _names(listing.last_confirmed_by_id for listing in attention)
    for name in ("due", "stale", "hidden"):
        rows = [
            FreshnessRow(
                listing=listing,
                confirmed_on=confirmed_since(listing),
                confirmed_by=confirmers.get(listing.last_confirmed_by_id, "") if listing.last_confirmed_by_id else "",
                months=_months_between(confirmed_since(listing), now),
                last_step=last_steps.get(listing.id, (None, None))[0],
                last_step_at=last_steps.get(listing.id, (None, None))[1],
            )
            for listing in buckets[name]
        ]
        rows.sort(key=lambda row: (row.confirmed_on, row.listing.name))
        setattr(overview, name, rows)
    return overview


def _last_steps(listings: list[Listing]) -> dict[uuid.UUID, tuple[Freshness | None, datetime | None]]:
    """The furthest step taken since each listing's last confirmation, and when."""
    found: dict[uuid.UUID, tuple[Freshness | None, datetime | None]] = {}
    for notice in _notices_since_confirmed(listings):
        current = found.get(notice.listing_id)
        if current is None or current[0] is None or STAGE_ORDER[notice.stage] > STAGE_ORDER[current[0]]:
            found[notice.listing_id] = (notice.stage, notice.taken_at)
    return found


def _names(user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return {user.id: user.name for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def freshness_by_organisation(now: datetime | None = None) -> list[OrganisationFreshness]:
    """Per organisation: how many live listings are up to date, due, stale and hidden; the
    organisations with most to do first."""
    now = now or clock.now()
    schedule = current_schedule()
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    oldest: dict[uuid.UUID, datetime] = {}
    organisations: dict[uuid.UUID, Organisation] = {}
    for listing in _live_listings():
        organisations[listing.organisation_id] = listing.organisation
        counts[listing.organisation_id][_bucket(listing, now, schedule)] += 1
        since = confirmed_since(listing)
        if listing.organisation_id not in oldest or since < oldest[listing.organisation_id]:
            oldest[listing.organisation_id] = since
    rows = [
        OrganisationFreshness(
            organisation=organisation,
            up_to_date=counts[organisation_id]["up_to_date"],
            due=counts[organisation_id]["due"],
            stale=counts[organisation_id]["stale"],
            hidden=counts[organisation_id]["hidden"],
            oldest=oldest[organisation_id],
        )
        for organisation_id, organisation in organisations.items()
    ]
    rows.sort(key=lambda row: (-row.needing_attention, row.oldest, row.organisation.name))
    return rows

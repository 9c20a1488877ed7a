"""Editors list their organisation's activities, events and spaces; moderators approve
(domain.md 5.4).

Every change is a version of the listing (ListingVersion): a snapshot of its content,
who wrote it, when, and what a moderator decided. The listing row holds the approved
content, so the public directory never shows a change before a moderator has approved
it. A listing that has never been live keeps its row in step with its draft (the editor
sees what they wrote) and stays out of the directory until approved.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import (
    AuditAction,
    Frequency,
    Freshness,
    Listing,
    ListingKind,
    ListingStatus,
    ListingVersion,
    Organisation,
    OrganisationStatus,
    RejectionReason,
    Role,
    RolePermission,
    TaxonomyTerm,
    User,
    VersionState,
    Vocabulary,
)
from navigator.models.directory import LIVE_STATUSES, PUBLIC_STATUSES
from navigator.presenters import london_datetime
from navigator.richtext import clean_description
from navigator.services import audit
from navigator.services.listings import (
    LISTING_CLASSES,
    ListingData,
    ListingError,
    check_listing_data,
    fill_listing,
    sync_index,
)
from navigator.services.mail import queue_mail
from navigator.services.numbering import claim_next, listing_version_series
from navigator.services.transactions import all_or_nothing, committing, expect_revision
from navigator.snapshots import (
    FieldChange,
    Snapshot,
    data_from_snapshot,
    differences,
    snapshot_of_data,
    snapshot_of_listing,
)

P = ParamSpec("P")
T = TypeVar("T")
MAX_DECISION_NOTE = 2000
CHANGED_MEANWHILE = "Someone else changed this listing at the same time. Check it and try again"
ALREADY_DECIDED = "Someone has already decided on this version, or it was changed. Check the queue"


class ModerationError(ValueError):
    """A step that cannot be taken now (nothing to submit, already decided...)."""


class NotFound(LookupError):
    """No such listing or version, or not one this person may see."""


class StaleEdit(ModerationError):
    """The listing was changed (by someone else, or in another tab) after the page acting on
    it was loaded: nothing is saved, and the person is told who changed it and when."""


def stale_edit(listing_id: uuid.UUID, what_next: str = "Check it and try again") -> StaleEdit:
    return StaleEdit(audit.changed_after_opened("This listing", "listing", listing_id, what_next))


def check_revision(listing: Listing, revision: int | None, what_next: str = "Check it and try again") -> None:
    """Refuse to act for a page loaded at another revision of the listing (None: not checked)."""
    expect_revision(
        listing, revision, what="This listing", record_type="listing", refusal=StaleEdit, what_next=what_next
    )


# -- who may do what -----------------------------------------------------------------


def can_moderate(user: User) -> bool:
    return user.can(Permission.MODERATE_LISTINGS)


def active_users_with(permission: Permission) -> list[User]:
    """Active accounts holding `permission` through a role: who hears about work waiting."""
    query = (
        select(User)
        .join(User.roles)
        .join(Role.permissions)
        .where(RolePermission.permission == permission, User.active.is_(True))
        .distinct()
        .order_by(User.email)
    )
    return list(db.session.scalars(query))


def can_edit_for(user: User, organisation_id: uuid.UUID) -> bool:
    """Moderators edit any listing; editors their own organisations' (domain.md 1.2: O)."""
    if can_moderate(user):
        return True
    return user.can(Permission.EDIT_LISTINGS) and organisation_id in user.organisation_ids


def organisations_for(user: User) -> list[Organisation]:
    """Approved organisations this person can list for."""
    query = select(Organisation).where(Organisation.status == OrganisationStatus.APPROVED)
    if not can_moderate(user):
        query = query.where(Organisation.id.in_(user.organisation_ids or {uuid.uuid4()}))
    return list(db.session.scalars(query.order_by(Organisation.name)))


def listings_for(user: User, organisation_id: uuid.UUID | None = None) -> list[Listing]:
    """Listings this person can edit, newest change first."""
    query = select(Listing).options(selectinload(Listing.organisation))
    if organisation_id is not None:
        query = query.where(Listing.organisation_id == organisation_id)
    if not can_moderate(user):
        query = query.where(Listing.organisation_id.in_(user.organisation_ids or {uuid.uuid4()}))
    return list(db.session.scalars(query.order_by(Listing.updated_at.desc(), Listing.name)))


def get_listing(listing_id: uuid.UUID, user: User) -> Listing:
    listing = db.session.get(Listing, listing_id)
    if listing is None or not can_edit_for(user, listing.organisation_id):
        raise NotFound("No such listing")
    return listing


def get_version(version_id: uuid.UUID, user: User) -> ListingVersion:
    version = db.session.get(ListingVersion, version_id)
    if version is None or not can_edit_for(user, version.listing.organisation_id):
        raise NotFound("No such version")
    return version


# -- reading versions ----------------------------------------------------------------


def versions_of(listing: Listing) -> list[ListingVersion]:
    """Every version, newest first."""
    return list(
        db.session.scalars(
            select(ListingVersion).where(ListingVersion.listing_id == listing.id).order_by(ListingVersion.number.desc())
        )
    )


def open_version(listing: Listing) -> ListingVersion | None:
    """The draft or submitted change, if there is one (there is never more than one)."""
    return db.session.scalar(
        select(ListingVersion).where(
            ListingVersion.listing_id == listing.id,
            ListingVersion.state.in_([VersionState.DRAFT, VersionState.SUBMITTED]),
        )
    )


def submitted_versions(listing_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ListingVersion]:
    """The change waiting for a moderator on each of these listings, in one query."""
    ids = list(listing_ids)
    if not ids:
        return {}
    versions = db.session.scalars(
        select(ListingVersion).where(ListingVersion.listing_id.in_(ids), ListingVersion.state == VersionState.SUBMITTED)
    )
    return {version.listing_id: version for version in versions}


def last_decided_version(listing: Listing) -> ListingVersion | None:
    return db.session.scalar(
        select(ListingVersion)
        .where(
            ListingVersion.listing_id == listing.id,
            ListingVersion.state.in_([VersionState.APPROVED, VersionState.REJECTED]),
        )
        .order_by(ListingVersion.number.desc())
        .limit(1)
    )


def working_snapshot(listing: Listing) -> Snapshot:
    """What the edit form starts from: the open change, or the listing as it is."""
    version = open_version(listing)
    return dict(version.snapshot) if version is not None else snapshot_of_listing(listing)


def working_data(listing: Listing) -> ListingData:
    return data_from_snapshot(working_snapshot(listing))


def is_live(listing: Listing) -> bool:
    return listing.status in LIVE_STATUSES


def term_name(vocabulary: Vocabulary, code: str) -> str:
    name = db.session.scalar(
        select(TaxonomyTerm.name).where(TaxonomyTerm.vocabulary == vocabulary, TaxonomyTerm.code == code)
    )
    return name or code


def changes_in(version: ListingVersion) -> list[FieldChange]:
    """What a moderator decides on: the change against the live listing, or every field of
    a listing that has never been live."""
    listing = version.listing
    if version.state is VersionState.SUBMITTED or version.is_open:
        base = snapshot_of_listing(listing) if is_live(listing) else None
    else:
        previous = db.session.scalar(
            select(ListingVersion)
            .where(
                ListingVersion.listing_id == listing.id,
                ListingVersion.number < version.number,
                ListingVersion.state == VersionState.APPROVED,
            )
            .order_by(ListingVersion.number.desc())
            .limit(1)
        )
        base = previous.snapshot if previous is not None else None
    return differences(base, version.snapshot, term_name)


def count_review_queue() -> int:
    """How many new listings and changes wait for a moderator."""
    query = select(func.count()).select_from(ListingVersion).where(ListingVersion.state == VersionState.SUBMITTED)
    return int(db.session.scalar(query) or 0)


def review_queue() -> list[ListingVersion]:
    """Submitted new listings and changes, oldest first."""
    return list(
        db.session.scalars(
            select(ListingVersion)
            .where(ListingVersion.state == VersionState.SUBMITTED)
            .options(
                selectinload(ListingVersion.created_by),
                selectinload(ListingVersion.listing).options(
                    selectinload(Listing.organisation),
                    selectinload(Listing.venue),
                    selectinload(Listing.terms),
                    selectinload(Listing.schedules),
                    selectinload(Listing.exceptions),
                ),
            )
            .order_by(ListingVersion.submitted_at, ListingVersion.number)
        )
    )


# -- changing listings ---------------------------------------------------------------


def _one_at_a_time(change: Callable[P, T]) -> Callable[P, T]:
    """A decision that lost a race for a version (ListingVersion.revision, Listing.revision)
    is undone and explained, whether the database noticed on an early flush or at commit."""

    @functools.wraps(change)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with committing(lambda: ModerationError(CHANGED_MEANWHILE)):
            return change(*args, **kwargs)

    return wrapper


def _one_edit_at_a_time(change: Callable[Concatenate[uuid.UUID, P], T]) -> Callable[Concatenate[uuid.UUID, P], T]:
    """An editor's change to a listing that lost a race for it (Listing.revision, a version
    number, the baseline version) is undone, and the person is told who changed it."""

    @functools.wraps(change)
    def wrapper(listing_id: uuid.UUID, /, *args: P.args, **kwargs: P.kwargs) -> T:
        with committing(lambda: stale_edit(listing_id)):
            return change(listing_id, *args, **kwargs)

    return wrapper


def _take(listing: Listing, revision: int | None, what_next: str = "Check it and try again") -> None:
    """Check the page's revision, then bump the listing's own, first of all writes: a save at
    the same moment waits here for this one and then finds the listing changed (StaleDataError),
    before it has written anything. A change to a live listing only writes a version, so
    without this its revision would not move."""
    check_revision(listing, revision, what_next)
    listing.updated_at = clock.now()
    flag_modified(listing, "updated_at")  # an UPDATE even when the clock has not moved
    db.session.flush()


def _clean(data: ListingData) -> ListingData:
    data.description = clean_description(data.description)
    for rule in data.schedules:
        if rule.interval > 1 and rule.valid_from is None and rule.frequency is not Frequency.DATES:
            # "Every other week" counts from a date: the day it was written, not the day it is approved.
            rule.valid_from = clock.today()
    return data


def _next_number(listing: Listing) -> int:
    """The listing's next version number, claimed so two saves at once cannot share one."""
    return claim_next(listing_version_series(listing.id))


def _previous_snapshot(listing: Listing) -> Snapshot | None:
    latest = db.session.scalar(
        select(ListingVersion).where(ListingVersion.listing_id == listing.id).order_by(ListingVersion.number.desc())
    )
    return latest.snapshot if latest is not None else None


def _record_baseline(listing: Listing) -> None:
    """A listing loaded from seeds or an import has no versions: keep what is live as
    version 1, so it can be restored after a change. Called after `_take`, which holds the
    listing, so two saves cannot both find no versions."""
    if db.session.scalar(select(ListingVersion.id).where(ListingVersion.listing_id == listing.id).limit(1)):
        return
    db.session.add(
        ListingVersion(
            listing_id=listing.id,
            number=_next_number(listing),
            state=VersionState.APPROVED,
            snapshot=snapshot_of_listing(listing),
            changed_fields=[],
            note="As first published",
            created_at=listing.created_at,
            decided_at=listing.created_at,
        )
    )
    db.session.flush()


def _new_version(listing: Listing, snapshot: Snapshot, by: User, note: str = "") -> ListingVersion:
    version = ListingVersion(
        listing_id=listing.id,
        number=_next_number(listing),
        state=VersionState.DRAFT,
        snapshot=snapshot,
        changed_fields=[change.label for change in differences(_previous_snapshot(listing), snapshot)],
        note=note,
        created_by_id=by.id,
        created_at=clock.now(),
    )
    db.session.add(version)
    return version


@all_or_nothing
def create_listing(data: ListingData, *, by: User, listing_id: uuid.UUID | None = None) -> Listing:
    """Start a new listing as a draft for one of the editor's organisations. `listing_id`
    (chosen by the form) makes a form sent twice return the listing the first one made."""
    if listing_id is not None and db.session.get(Listing, listing_id) is not None:
        return get_listing(listing_id, by)
    if not can_edit_for(by, data.organisation_id):
        raise NotFound("No such organisation")
    organisation = db.session.get(Organisation, data.organisation_id)
    if organisation is None or not organisation.is_approved:
        raise ModerationError("This organisation has not been approved yet, so it cannot list anything")
    data = _clean(data)
    listing = LISTING_CLASSES[data.kind](status=ListingStatus.DRAFT)
    if listing_id is not None:
        listing.id = listing_id
    fill_listing(listing, data)
    db.session.add(listing)
    db.session.flush()
    _new_version(listing, snapshot_of_data(data), by)
    audit.record(AuditAction.CREATE, "listing", listing.id, by=by, new={"name": listing.name, "version": 1})
    db.session.commit()
    return listing


SAVE_AGAIN = "Check what changed, then save again to keep your version"


@_one_edit_at_a_time
@all_or_nothing
def save_changes(listing_id: uuid.UUID, data: ListingData, *, by: User, revision: int | None = None) -> ListingVersion:
    """Save an edit as the listing's draft. A live listing stays as it is; a change that was
    waiting for a moderator goes back to being a draft (submit it again). `revision` is the
    one the form was loaded at: a save from a stale form raises StaleEdit and stores nothing."""
    listing = get_listing(listing_id, by)
    if listing.status is ListingStatus.ARCHIVED:
        raise ModerationError("This listing has been archived. Restore it before changing it")
    if data.organisation_id != listing.organisation_id:
        raise NotFound("No such organisation")
    _take(listing, revision, SAVE_AGAIN)
    data = _clean(data)
    if is_live(listing):
        check_listing_data(data)
        _record_baseline(listing)
    else:
        fill_listing(listing, data)
        listing.status = ListingStatus.DRAFT
    snapshot = snapshot_of_data(data)
    version = open_version(listing)
    if listing.status in PUBLIC_STATUSES and not differences(snapshot_of_listing(listing), snapshot):
        # Back to what the directory shows: nothing to send, so no draft is kept.
        if version is None:
            raise ModerationError("There are no changes to save: this is what the directory shows")
        version.state = VersionState.WITHDRAWN
        listing.status = ListingStatus.PUBLISHED
        audit.record(AuditAction.UPDATE, "listing", listing.id, by=by, new={"withdrawn": version.number})
        db.session.commit()
        return version
    if version is not None and version.state is VersionState.SUBMITTED:
        version.state = VersionState.WITHDRAWN
        version = None
        if listing.status is ListingStatus.CHANGES_PENDING:
            listing.status = ListingStatus.PUBLISHED
    if version is not None and version.created_by_id not in (None, by.id):
        # Someone else's draft is kept in the history as it was, never written over.
        version.state = VersionState.WITHDRAWN
        version = None
    if version is None:
        version = _new_version(listing, snapshot, by)
    else:
        version.snapshot = snapshot
        version.created_by_id = by.id
        version.updated_at = clock.now()
        db.session.flush()
        version.changed_fields = [change.label for change in differences(_snapshot_before(listing, version), snapshot)]
    audit.record(AuditAction.UPDATE, "listing", listing.id, by=by, new={"version": version.number})
    db.session.commit()
    return version


def _snapshot_before(listing: Listing, version: ListingVersion) -> Snapshot | None:
    previous = db.session.scalar(
        select(ListingVersion)
        .where(ListingVersion.listing_id == listing.id, ListingVersion.number < version.number)
        .order_by(ListingVersion.number.desc())
        .limit(1)
    )
    return previous.snapshot if previous is not None else None


@_one_edit_at_a_time
@all_or_nothing
def submit_for_review(listing_id: uuid.UUID, *, by: User, revision: int | None = None) -> ListingVersion:
    """Send the draft to the moderators (the one the page showed, at `revision`)."""
    listing = get_listing(listing_id, by)
    _take(listing, revision)
    version = open_version(listing)
    if version is None:
        raise ModerationError("There are no changes to send. Edit the listing first")
    if version.state is VersionState.SUBMITTED:
        raise ModerationError("These changes are already waiting for a moderator")
    unchanged = is_live(listing) and not differences(snapshot_of_listing(listing), version.snapshot)
    if unchanged and listing.status is not ListingStatus.HIDDEN:
        # A hidden listing may go back unchanged: the owner says it was right all along.
        raise ModerationError("This draft is the same as the live listing. Change something before sending it")
    version.state = VersionState.SUBMITTED
    version.submitted_at = clock.now()
    old_status = listing.status
    if is_live(listing):
        if listing.status is ListingStatus.PUBLISHED:
            listing.status = ListingStatus.CHANGES_PENDING
    else:
        listing.status = ListingStatus.PENDING
    _audit_status(listing, old_status, by=by, version=version.number)
    db.session.commit()
    sync_index([listing])
    return version


def _audit_status(listing: Listing, old_status: ListingStatus, *, by: User, reason: str = "", **new: object) -> None:
    audit.record(
        AuditAction.STATE_CHANGE,
        "listing",
        listing.id,
        by=by,
        old={"status": old_status},
        new={"status": listing.status, **new},
        reason=reason,
    )


def _submitted(version_id: uuid.UUID, by: User) -> ListingVersion:
    if not can_moderate(by):
        raise NotFound("No such version")
    version = db.session.get(ListingVersion, version_id)
    if version is None:
        raise NotFound("No such version")
    if version.state is not VersionState.SUBMITTED:
        raise ModerationError(ALREADY_DECIDED)
    return version


@_one_at_a_time
@all_or_nothing
def approve_version(
    version_id: uuid.UUID, *, by: User, note: str = "", categories: Iterable[str] | None = None
) -> Listing:
    """Publish a submitted version. Moderators may set the categories (domain.md 5.4: the
    editor's choice is a suggestion); what is published is kept as the version."""
    version = _submitted(version_id, by)
    listing = version.listing
    snapshot = dict(version.snapshot)
    if categories is not None:
        terms = dict(snapshot.get("terms") or {})
        terms[Vocabulary.CATEGORY.value] = sorted(set(categories))
        snapshot["terms"] = terms
    data = data_from_snapshot(snapshot)
    if data.kind is ListingKind.EVENT and data.starts_at is not None:
        finished = data.ends_at or data.starts_at
        if finished < clock.now():
            raise ModerationError(
                f"This event finished on {london_datetime(finished)}, so it cannot go into the directory. "
                "Reject it, or ask the organiser to change the date"
            )
    changes = differences(snapshot_of_listing(listing) if is_live(listing) else None, snapshot, term_name)
    fill_listing(listing, data)
    old_status = listing.status
    version.snapshot = snapshot
    version.state = VersionState.APPROVED
    version.decided_by_id = by.id
    version.decided_at = clock.now()
    version.decision_note = note.strip()[:MAX_DECISION_NOTE]
    listing.status = ListingStatus.PUBLISHED
    # Sending a change counts as confirming the listing is right (domain.md 5.5).
    submitted = version.submitted_at or clock.now()
    listing.last_confirmed_at = max(submitted, listing.last_confirmed_at or submitted)
    listing.last_confirmed_by_id = version.created_by_id
    listing.freshness = Freshness.CURRENT
    audit.record(
        AuditAction.STATE_CHANGE,
        "listing",
        listing.id,
        by=by,
        old={"status": old_status, **{change.label: change.old for change in changes}},
        new={"status": listing.status, "version": version.number, **{change.label: change.new for change in changes}},
        reason=version.decision_note,
    )
    tell_owners(
        listing,
        f"Approved: {listing.name}",
        f"A moderator has approved {listing.name} (version {version.number}). It is now in the directory."
        + (f"\n\nTheir note: {version.decision_note}" if version.decision_note else ""),
    )
    db.session.commit()
    sync_index([listing])
    return listing


@_one_at_a_time
@all_or_nothing
def reject_version(version_id: uuid.UUID, *, by: User, reason: RejectionReason, note: str = "") -> ListingVersion:
    """Send a version back with a reason the editor sees. A live listing stays as it was."""
    version = _submitted(version_id, by)
    note = note.strip()[:MAX_DECISION_NOTE]
    if reason is RejectionReason.OTHER and not note:
        raise ModerationError("Say why the listing cannot be published")
    listing = version.listing
    old_status = listing.status
    version.state = VersionState.REJECTED
    version.decided_by_id = by.id
    version.decided_at = clock.now()
    version.rejection_reason = reason
    version.decision_note = note
    if listing.status is ListingStatus.CHANGES_PENDING:
        listing.status = ListingStatus.PUBLISHED
    elif not is_live(listing):
        listing.status = ListingStatus.REJECTED
    _audit_status(
        listing,
        old_status,
        by=by,
        reason=f"{reason.label}. {note}".strip(),
        version=version.number,
        rejection_reason=reason,
    )
    tell_owners(
        listing,
        f"Not approved: {listing.name}",
        f"A moderator could not approve {listing.name} (version {version.number}).\n\nReason: {reason.label}"
        + (f"\n{note}" if note else "")
        + "\n\nSign in to change the listing and send it again.",
    )
    db.session.commit()
    sync_index([listing])
    return version


@_one_edit_at_a_time
def restore_version(listing_id: uuid.UUID, number: int, *, by: User, revision: int | None = None) -> ListingVersion:
    """Start a new draft from an earlier version's content (the history is never rewritten)."""
    listing = get_listing(listing_id, by)
    _take(listing, revision)
    old = db.session.scalar(
        select(ListingVersion).where(ListingVersion.listing_id == listing.id, ListingVersion.number == number)
    )
    if old is None:
        raise NotFound("No such version")
    data = data_from_snapshot(old.snapshot)
    try:
        check_listing_data(data)
    except ListingError as error:
        raise ModerationError(f"Version {number} cannot be restored as it is: {error}") from None
    current = open_version(listing)
    if current is not None:
        current.state = VersionState.WITHDRAWN
        if listing.status is ListingStatus.CHANGES_PENDING:
            listing.status = ListingStatus.PUBLISHED
    if is_live(listing):
        _record_baseline(listing)
    else:
        fill_listing(listing, data)
        listing.status = ListingStatus.DRAFT
    version = _new_version(listing, dict(old.snapshot), by, note=f"Restored from version {number}")
    audit.record(AuditAction.UPDATE, "listing", listing.id, by=by, new={"restored_from": number})
    db.session.commit()
    return version


@_one_edit_at_a_time
def archive_listing(listing_id: uuid.UUID, *, by: User, revision: int | None = None) -> Listing:
    """Take a listing out of the directory for good (it ended). Kept for history and reports."""
    listing = get_listing(listing_id, by)
    _take(listing, revision)
    old_status = listing.status
    # A listing from seeds or an import has no versions yet: keep its content, so it can be restored.
    _record_baseline(listing)
    current = open_version(listing)
    if current is not None:
        current.state = VersionState.WITHDRAWN
    listing.status = ListingStatus.ARCHIVED
    _audit_status(listing, old_status, by=by)
    db.session.commit()
    sync_index([listing])
    return listing


# -- telling people ------------------------------------------------------------------


def owner_addresses(listing: Listing) -> list[str]:
    """Who hears about a listing: its organisation's active editors, or the organisation's
    contact address when it has no editors yet."""
    organisation = listing.organisation
    addresses = sorted({editor.email for editor in organisation.editors if editor.active})
    if not addresses:
        fallback = organisation.contact_email or organisation.email or ""
        addresses = [fallback] if fallback else []
    return addresses


def tell_owners(listing: Listing, subject: str, body: str) -> None:
    """Queue a mail to the listing's owners in the caller's transaction."""
    for address in owner_addresses(listing):
        queue_mail(address, subject, body)

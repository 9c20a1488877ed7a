"""Residents' "report a problem" on a listing, and what moderators do with the reports
(issue 5, domain.md 5.5: closed, wrong time, wrong contact... go to the moderators).

A report is kept with what the resident said; the listing's owners are told at once (never
who reported it) and moderators resolve, dismiss, or hide the listing until its owner
corrects it through an edit and an approval. Every decision is audited.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from navigator import clock
from navigator.extensions import db
from navigator.forms import EMAIL_PATTERN
from navigator.models import (
    AuditAction,
    Freshness,
    Listing,
    ListingReport,
    ListingStatus,
    ProblemKind,
    ReportStatus,
    User,
)
from navigator.services import audit
from navigator.services.listings import sync_index
from navigator.services.moderation import NotFound, can_moderate, tell_owners
from navigator.services.transactions import all_or_nothing
from navigator.urls import external_url

MAX_DETAILS = 2000
MAX_NOTE = 2000
MAX_EMAIL = 254
# A second identical report this soon after the first is a double submit, not news.
DUPLICATE_WINDOW = timedelta(minutes=10)
CLOSED_REPORTS_SHOWN = 50


class ReportError(ValueError):
    """Something the person can correct (a missing note, a report already dealt with)."""


def _public_link(listing: Listing) -> str:
    """The listing's public page, for mail (built from BASE_URL like other mailed links)."""
    return external_url(f"directory.{listing.kind.value}", listing_id=listing.id)


# -- residents ------------------------------------------------------------------------


_LINK = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)


def _without_links(text: str) -> str:
    """Residents' words go to owners in the service's own mail: links are left out, so the
    form cannot be used to send anyone a link that looks as if it came from us."""
    return _LINK.sub("[link removed]", text)


@all_or_nothing
def report_problem(
    listing_id: uuid.UUID, kind: ProblemKind, details: str = "", reporter_email: str = ""
) -> ListingReport:
    """Store a resident's report on a public listing and tell the listing's owners. The
    same report sent again within a few minutes (a double click) is not stored twice."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing.is_public:
        raise NotFound("No such listing")
    details = (details or "").replace("\r\n", "\n").strip()
    reporter_email = (reporter_email or "").strip()
    if kind is ProblemKind.OTHER and not details:
        raise ReportError("Tell us what is wrong")
    if len(details) > MAX_DETAILS:
        raise ReportError(f"Details must be {MAX_DETAILS} characters or fewer")
    if reporter_email and (len(reporter_email) > MAX_EMAIL or not EMAIL_PATTERN.match(reporter_email)):
        raise ReportError("Enter an email address in the correct format, like name@example.org")
    now = clock.now()
    earlier = db.session.scalar(
        select(ListingReport)
        .where(
            ListingReport.listing_id == listing.id,
            ListingReport.kind == kind,
            ListingReport.details == details,
            ListingReport.created_at >= now - DUPLICATE_WINDOW,
        )
        .limit(1)
    )
    if earlier is not None:
        return earlier
    report = ListingReport(
        listing_id=listing.id, kind=kind, details=details, reporter_email=reporter_email, created_at=now
    )
    db.session.add(report)
    db.session.flush()
    # The reporter's address is personal data: it stays out of the audit log and the owners' mail.
    audit.record(
        AuditAction.CREATE,
        "listing_report",
        report.id,
        by=None,
        new={"listing_id": listing.id, "kind": kind, "reply_wanted": bool(reporter_email)},
    )
    tell_owners(
        listing,
        f"Problem reported: {listing.name}",
        f"Someone using the directory has reported a problem with {listing.name}.\n\n"
        f"What is wrong: {kind.label}\n"
        + (f"What they said: {_without_links(details)}\n" if details else "")
        + f"\nThe listing: {_public_link(listing)}\n\n"
        "Please check it. If something has changed, sign in and update the listing; a moderator "
        "will review the change. Our moderators have been told about this report too.",
    )
    db.session.commit()
    return report


# -- moderators -----------------------------------------------------------------------


def _reports_query():  # type: ignore[no-untyped-def]
    return select(ListingReport).options(
        selectinload(ListingReport.listing).selectinload(Listing.organisation),
    )


def open_reports() -> list[ListingReport]:
    """Reports waiting for a moderator, oldest first."""
    return list(
        db.session.scalars(
            _reports_query().where(ListingReport.status == ReportStatus.OPEN).order_by(ListingReport.created_at)
        )
    )


def closed_reports(limit: int = CLOSED_REPORTS_SHOWN) -> list[ListingReport]:
    """Reports already dealt with, most recent decision first."""
    return list(
        db.session.scalars(
            _reports_query()
            .where(ListingReport.status != ReportStatus.OPEN)
            .order_by(ListingReport.resolved_at.desc(), ListingReport.created_at.desc())
            .limit(limit)
        )
    )


def open_reports_for(listing: Listing) -> list[ListingReport]:
    return list(
        db.session.scalars(
            select(ListingReport)
            .where(ListingReport.listing_id == listing.id, ListingReport.status == ReportStatus.OPEN)
            .order_by(ListingReport.created_at)
        )
    )


def hiding_report(listing: Listing) -> ListingReport | None:
    """The report a moderator hid this listing over, while it is still hidden for it."""
    if listing.status is not ListingStatus.HIDDEN or listing.freshness is Freshness.HIDDEN:
        return None
    return db.session.scalar(
        select(ListingReport)
        .where(ListingReport.listing_id == listing.id, ListingReport.hid_listing.is_(True))
        .order_by(ListingReport.resolved_at.desc())
        .limit(1)
    )


def count_open_reports() -> int:
    return int(db.session.scalar(select(func.count()).where(ListingReport.status == ReportStatus.OPEN)) or 0)


def open_report_counts(listing_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Open reports per listing, for the review queue."""
    if not listing_ids:
        return {}
    rows = db.session.execute(
        select(ListingReport.listing_id, func.count())
        .where(ListingReport.listing_id.in_(listing_ids), ListingReport.status == ReportStatus.OPEN)
        .group_by(ListingReport.listing_id)
    )
    return {listing_id: int(count) for listing_id, count in rows}


def _open_report(report_id: uuid.UUID, by: User) -> ListingReport:
    if not can_moderate(by):
        raise NotFound("No such report")
    report = db.session.get(ListingReport, report_id)
    if report is None:
        raise NotFound("No such report")
    if report.status is not ReportStatus.OPEN:
        raise ReportError("Someone has already dealt with this report")
    return report


def _close(report: ListingReport, status: ReportStatus, note: str, by: User, extra: dict[str, object]) -> None:
    report.status = status
    report.resolved_by_id = by.id
    report.resolved_at = clock.now()
    report.resolution = note
    audit.record(
        AuditAction.STATE_CHANGE,
        "listing_report",
        report.id,
        by=by,
        old={"status": ReportStatus.OPEN},
        new={"status": status, "listing_id": report.listing_id, **extra},
        reason=note,
    )


def _note(note: str, *, required: str | None) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ReportError(required)
    if len(note) > MAX_NOTE:
        raise ReportError(f"The note must be {MAX_NOTE} characters or fewer")
    return note


@all_or_nothing
def resolve_report(report_id: uuid.UUID, *, by: User, note: str) -> ListingReport:
    """The problem is dealt with (the owner fixed it, or a moderator did): say how."""
    report = _open_report(report_id, by)
    _close(report, ReportStatus.RESOLVED, _note(note, required="Say what was done about the problem"), by, {})
    db.session.commit()
    return report


@all_or_nothing
def dismiss_report(report_id: uuid.UUID, *, by: User, note: str = "") -> ListingReport:
    """Nothing needs to change (the listing is right, or the report is not about it)."""
    report = _open_report(report_id, by)
    _close(report, ReportStatus.DISMISSED, _note(note, required=None), by, {})
    db.session.commit()
    return report


@all_or_nothing
def hide_reported_listing(report_id: uuid.UUID, *, by: User, note: str) -> ListingReport:
    """Take the listing out of the directory until its owner corrects it: they edit it and
    a moderator approves the change, which publishes it again. The report is resolved."""
    report = _open_report(report_id, by)
    note = _note(note, required="Say why the listing is hidden. Its owner sees this")
    listing = report.listing
    if not listing.is_public:
        raise ReportError("This listing is not in the directory now, so it cannot be hidden")
    old_status = listing.status
    listing.status = ListingStatus.HIDDEN
    audit.record(
        AuditAction.STATE_CHANGE,
        "listing",
        listing.id,
        by=by,
        old={"status": old_status},
        new={"status": listing.status, "report_id": report.id},
        reason=note,
    )
    report.hid_listing = True
    _close(report, ReportStatus.RESOLVED, note, by, {"listing_hidden": True})
    tell_owners(
        listing,
        f"Hidden from the directory: {listing.name}",
        f"A moderator has hidden {listing.name} from the directory after a problem was reported: "
        f"{report.kind.label.lower()}.\n\nTheir note: {note}\n\n"
        "Sign in, correct the listing and send it for review. It goes back into the directory "
        "when a moderator approves the change.",
    )
    db.session.commit()
    sync_index([listing])
    return report

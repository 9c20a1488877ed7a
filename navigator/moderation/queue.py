"""Moderators' review queue: new listings and changes to live listings, each read field
by field, then approved (with the categories the moderator settles on) or rejected with a
reason the editor sees (issue 5, domain.md 5.4). A live listing stays as it is until its
change is approved: the services in navigator/services/moderation.py see to that."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from navigator import clock
from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.clock import LONDON
from navigator.extensions import db
from navigator.models import Listing, ListingVersion, TaxonomyTerm, VersionState, Vocabulary
from navigator.moderation import bp
from navigator.moderation.forms import ApproveForm, RejectForm
from navigator.services import moderation as service
from navigator.services import reports as report_service
from navigator.services.listings import ListingError
from navigator.snapshots import changed_labels, snapshot_of_listing

DECIDED_STATES = (VersionState.APPROVED, VersionState.REJECTED)


def days_since(moment: datetime | None) -> int:
    """Whole calendar days (London) since `moment`: 0 on the day itself."""
    if moment is None:
        return 0
    return max((clock.today() - moment.astimezone(LONDON).date()).days, 0)


@dataclass(frozen=True)
class QueueRow:
    version: ListingVersion
    listing: Listing
    is_new: bool
    waiting_days: int
    open_reports: int
    changed: list[str]


@bp.route("")
@requires(Permission.MODERATE_LISTINGS)
def queue() -> str:
    """Submitted new listings and changes, longest waiting first."""
    versions = service.review_queue()
    counts = report_service.open_report_counts([version.listing_id for version in versions])
    rows = []
    for version in versions:
        is_new = not service.is_live(version.listing)
        rows.append(
            QueueRow(
                version=version,
                listing=version.listing,
                is_new=is_new,
                waiting_days=days_since(version.submitted_at),
                open_reports=counts.get(version.listing_id, 0),
                # Which fields a change touches (labels only: no term names to look up).
                changed=[] if is_new else changed_labels(snapshot_of_listing(version.listing), version.snapshot),
            )
        )
    return render_template("moderation/queue.html", rows=rows, open_reports=report_service.count_open_reports())


# -- one version ----------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryGroup:
    """A top-level category and the categories under it, for the approve form."""

    name: str
    terms: list[TaxonomyTerm]


def category_groups() -> list[CategoryGroup]:
    terms = db.session.scalars(
        select(TaxonomyTerm)
        .where(TaxonomyTerm.vocabulary == Vocabulary.CATEGORY)
        .order_by(TaxonomyTerm.position, TaxonomyTerm.name)
    ).all()
    tops = [term for term in terms if term.parent_id is None]
    groups = []
    for top in tops:
        children = [term for term in terms if term.parent_id == top.id]
        # A top-level term is offered on its own only when it has nothing under it.
        groups.append(CategoryGroup(top.name, children or [top]))
    return groups


def _suggested_categories(version: ListingVersion) -> list[str]:
    return list((version.snapshot.get("terms") or {}).get(Vocabulary.CATEGORY.value, []))


def _version_or_404(version_id: uuid.UUID) -> ListingVersion:
    version = db.session.get(ListingVersion, version_id)
    if version is None:
        abort(404)
    return version


def _forms(version: ListingVersion, *, posted: str | None = None) -> tuple[ApproveForm, RejectForm]:
    """The two decision forms; only the one posted reads the request."""
    groups = category_groups()
    codes = [term.code for group in groups for term in group.terms]
    suggested = _suggested_categories(version)
    # A category the editor chose that is not offered (a top-level one) stays choosable.
    codes += [code for code in suggested if code not in codes]
    approve = (
        ApproveForm(prefix="approve")
        if posted == "approve"
        else ApproveForm(prefix="approve", formdata=None, data={"categories": suggested})
    )
    approve.setup(codes)
    reject = RejectForm(prefix="reject") if posted == "reject" else RejectForm(prefix="reject", formdata=None)
    return approve, reject


def _render_review(
    version: ListingVersion,
    approve_form: ApproveForm,
    reject_form: RejectForm,
    *,
    problem: str = "",
) -> str:
    listing = version.listing
    earlier = [
        other
        for other in service.versions_of(listing)
        if other.id != version.id and other.state in DECIDED_STATES and other.decided_at is not None
    ]
    newer = service.open_version(listing)
    if newer is not None and (newer.id == version.id or newer.state is not VersionState.SUBMITTED):
        newer = None
    groups = category_groups()
    offered = {term.code for group in groups for term in group.terms}
    # Categories the editor chose that are not in the groups (top-level ones) are offered too.
    extra_categories = [
        (code, service.term_name(Vocabulary.CATEGORY, code)) for code in sorted(approve_form.known_categories - offered)
    ]
    return render_template(
        "moderation/review.html",
        version=version,
        listing=listing,
        organisation=listing.organisation,
        is_new=_is_new_listing(version),
        changes=service.changes_in(version),
        suggested=[service.term_name(Vocabulary.CATEGORY, code) for code in _suggested_categories(version)],
        reports=report_service.open_reports_for(listing),
        hiding_report=report_service.hiding_report(listing),
        earlier=earlier,
        newer=newer,
        waiting_days=days_since(version.submitted_at),
        approve_form=approve_form,
        reject_form=reject_form,
        category_groups=groups,
        extra_categories=extra_categories,
        problem=problem,
        can_decide=version.state is VersionState.SUBMITTED,
    )


def _is_new_listing(version: ListingVersion) -> bool:
    """A new listing, or a change to a live one? A decided version is new when no approved
    version came before it."""
    if version.is_open:
        return not service.is_live(version.listing)
    return (
        db.session.scalar(
            select(ListingVersion.id)
            .where(
                ListingVersion.listing_id == version.listing_id,
                ListingVersion.number < version.number,
                ListingVersion.state == VersionState.APPROVED,
            )
            .limit(1)
        )
        is None
    )


@bp.route("/versions/<uuid:version_id>")
@requires(Permission.MODERATE_LISTINGS)
def review(version_id: uuid.UUID) -> str:
    """The change field by field (every field for a new listing), who sent it, the
    organisation, open problem reports and earlier decisions; approve or reject."""
    version = _version_or_404(version_id)
    approve_form, reject_form = _forms(version)
    return _render_review(version, approve_form, reject_form)


def _after_failure(version_id: uuid.UUID, error: Exception) -> tuple[ListingVersion, str]:
    """The version as it is now (the service rolled back what it started); the message goes
    on the page when it can no longer be decided (someone else got there first, or the
    editor changed it)."""
    version = _version_or_404(version_id)
    return version, str(error)


@bp.route("/versions/<uuid:version_id>/approve", methods=["POST"])
@requires(Permission.MODERATE_LISTINGS)
def approve(version_id: uuid.UUID) -> str | Response:
    version = _version_or_404(version_id)
    approve_form, reject_form = _forms(version, posted="approve")
    problem = ""
    if version.state is not VersionState.SUBMITTED:
        problem = service.ALREADY_DECIDED
    elif approve_form.validate_on_submit():
        name = version.listing.name
        try:
            listing = service.approve_version(
                version.id,
                by=current_user,
                note=approve_form.note.data or "",
                categories=approve_form.chosen_categories(),
            )
        except service.NotFound:
            abort(404)
        except service.ModerationError as error:
            version, problem = _after_failure(version_id, error)
        except ListingError as error:
            version, message = _after_failure(version_id, error)
            approve_form.form_errors.append(f"This version cannot be published as it is: {message}")
        else:
            flash(f"Approved: {listing.name or name}. It is now in the directory")
            return redirect(url_for("moderation.queue"))
    return _render_review(version, approve_form, reject_form, problem=problem)


@bp.route("/versions/<uuid:version_id>/reject", methods=["POST"])
@requires(Permission.MODERATE_LISTINGS)
def reject(version_id: uuid.UUID) -> str | Response:
    version = _version_or_404(version_id)
    approve_form, reject_form = _forms(version, posted="reject")
    problem = ""
    if version.state is not VersionState.SUBMITTED:
        problem = service.ALREADY_DECIDED
    elif reject_form.validate_on_submit():
        name = version.listing.name
        try:
            service.reject_version(
                version.id, by=current_user, reason=reject_form.chosen_reason(), note=reject_form.note.data or ""
            )
        except service.NotFound:
            abort(404)
        except service.ModerationError as error:
            version, message = _after_failure(version_id, error)
            if version.state is VersionState.SUBMITTED:
                reject_form.note.errors = [message]
            else:
                problem = message
        else:
            flash(f"Not approved: {name}. The editor has been told why")
            return redirect(url_for("moderation.queue"))
    return _render_review(version, approve_form, reject_form, problem=problem)

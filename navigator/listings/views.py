"""Editors' pages: an organisation's listings, the listing form, sending a change for
approval, the moderator's decision, the history of versions and restoring one.

Editors see their own organisations' listings, moderators any (the moderation service
decides); anything else is a 404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from navigator import clock
from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.listings import bp
from navigator.listings.forms import (
    TERM_FIELDS,
    ListingForm,
    TermGroup,
    form_values,
    new_form_values,
    padded,
    term_groups,
)
from navigator.models import (
    Listing,
    ListingKind,
    ListingStatus,
    ListingVersion,
    Organisation,
    TaxonomyTerm,
    VersionState,
    Vocabulary,
)
from navigator.richtext import clean_description
from navigator.services import moderation
from navigator.services.listings import ListingData, ListingError
from navigator.snapshots import FieldChange, differences, snapshot_of_data

# What an editor is told about a listing's state, with the GOV.UK tag colour.
STATUS_TAGS = {
    ListingStatus.DRAFT: ("Draft", "govuk-tag--grey"),
    ListingStatus.PENDING: ("Waiting for approval", "govuk-tag--blue"),
    ListingStatus.PUBLISHED: ("Live", "govuk-tag--green"),
    ListingStatus.CHANGES_PENDING: ("Live — changes waiting for approval", "govuk-tag--yellow"),
    ListingStatus.REJECTED: ("Not approved", "govuk-tag--red"),
    ListingStatus.HIDDEN: ("Hidden (not confirmed)", "govuk-tag--orange"),
    ListingStatus.ARCHIVED: ("Archived", "govuk-tag--grey"),
}
VERSION_TAGS = {
    VersionState.DRAFT: ("Draft", "govuk-tag--grey"),
    VersionState.SUBMITTED: ("Waiting for approval", "govuk-tag--blue"),
    VersionState.APPROVED: ("Approved", "govuk-tag--green"),
    VersionState.REJECTED: ("Not approved", "govuk-tag--red"),
    VersionState.WITHDRAWN: ("Replaced before a decision", "govuk-tag--grey"),
}
KIND_NAMES = {ListingKind.ACTIVITY: "an activity", ListingKind.EVENT: "an event", ListingKind.SPACE: "a space"}


def _kind(value: str) -> ListingKind:
    try:
        return ListingKind(value)
    except ValueError:
        abort(404)


def _listing(listing_id: uuid.UUID) -> Listing:
    try:
        return moderation.get_listing(listing_id, current_user)
    except moderation.NotFound:
        abort(404)


def _term_groups() -> dict[Vocabulary, list[TermGroup]]:
    terms = list(db.session.scalars(select(TaxonomyTerm).order_by(TaxonomyTerm.position, TaxonomyTerm.name)))
    groups: dict[Vocabulary, list[TermGroup]] = {}
    for vocabulary in TERM_FIELDS:
        rows: list[tuple[str, str, str | None]] = []
        for term in (t for t in terms if t.vocabulary is vocabulary and t.parent_id is None):
            children = [t for t in terms if t.parent_id == term.id]
            rows += [(child.code, child.name, term.name) for child in children] or [(term.code, term.name, None)]
        groups[vocabulary] = term_groups(rows)
    return groups


def _render_form(form: ListingForm, listing: Listing | None) -> tuple[str, int]:
    return (
        render_template(
            "listings/form.html",
            form=form,
            listing=listing,
            kind=form.kind,
            kind_name=KIND_NAMES[form.kind],
            errors=form.error_items() if request.method == "POST" else [],
        ),
        200,
    )


# -- your listings ---------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationListings:
    organisation: Organisation
    listings: list[Listing]
    can_add: bool


@bp.route("")
@requires(Permission.EDIT_LISTINGS)
def index() -> str:
    """Every listing of the organisations this person edits for, with its state."""
    organisations = moderation.organisations_for(current_user)
    listings = moderation.listings_for(current_user)
    by_organisation: dict[uuid.UUID, list[Listing]] = {}
    for listing in listings:
        by_organisation.setdefault(listing.organisation_id, []).append(listing)
    groups = [OrganisationListings(org, by_organisation.pop(org.id, []), True) for org in organisations]
    others = {listing.organisation_id: listing.organisation for listing in listings}
    groups += [
        OrganisationListings(others[org_id], items, False)
        for org_id, items in sorted(by_organisation.items(), key=lambda item: others[item[0]].name)
    ]
    unsent = set(
        db.session.scalars(
            select(ListingVersion.listing_id).where(
                ListingVersion.state == VersionState.DRAFT,
                ListingVersion.listing_id.in_([listing.id for listing in listings]),
            )
        )
    )
    return render_template(
        "listings/index.html", groups=groups, unsent=unsent, status_tags=STATUS_TAGS, kinds=list(ListingKind)
    )


# -- adding and changing ----------------------------------------------------------------


@bp.route("/new/<kind>", methods=["GET", "POST"])
@requires(Permission.EDIT_LISTINGS)
def new(kind: str) -> Response | tuple[str, int]:
    """Start a new activity, event or space; it is saved as a draft."""
    listing_kind = _kind(kind)
    organisations = moderation.organisations_for(current_user)
    if not organisations:
        return redirect(url_for("listings.index"))
    values = None
    if request.method == "GET":
        values = padded(new_form_values())
        chosen = request.args.get("organisation", "")
        if chosen in {str(org.id) for org in organisations}:
            values["organisation"] = chosen
    form = ListingForm(data=values)
    form.setup(
        kind=listing_kind,
        organisations=[(str(org.id), org.name) for org in organisations],
        terms=_term_groups(),
        today=clock.today(),
    )
    if form.validate_on_submit():
        key = form.key()
        try:
            listing = moderation.create_listing(
                form.listing_data(uuid.UUID(form.organisation.data)), by=current_user, listing_id=key
            )
        except (ListingError, moderation.ModerationError) as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        except moderation.NotFound:
            db.session.rollback()
            abort(404)
        except IntegrityError:
            # The same form sent twice at once: the other request made the listing.
            db.session.rollback()
            return redirect(url_for("listings.show", listing_id=key))
        else:
            if request.form.get("action") != "send":
                flash(f"{listing.name} is saved as a draft. Send it for approval when it is ready.")
                return redirect(url_for("listings.show", listing_id=listing.id))
            return _send(listing, "saved and sent for approval")
    return _render_form(form, None)


def _send(listing: Listing, done: str) -> Response | tuple[str, int]:
    """Send a saved draft to the moderators, or say on the listing's page why it was not sent."""
    try:
        moderation.submit_for_review(listing.id, by=current_user)
    except moderation.ModerationError as error:
        db.session.rollback()
        return _render_show(listing, [f"Your changes are saved as a draft but were not sent: {error}"])
    flash(f"{listing.name} is {done}. A moderator will check it.")
    return redirect(url_for("listings.show", listing_id=listing.id))


def _already_sent(listing: Listing, data: ListingData) -> bool:
    """Whether these answers are exactly the change already waiting for a moderator (the
    "Save and send" button pressed twice): sending again would only withdraw it."""
    version = moderation.open_version(listing)
    if version is None or version.state is not VersionState.SUBMITTED:
        return False
    cleaned = replace(data, description=clean_description(data.description))
    return snapshot_of_data(cleaned) == version.snapshot


@bp.route("/<uuid:listing_id>/edit", methods=["GET", "POST"])
@requires(Permission.EDIT_LISTINGS)
def edit(listing_id: uuid.UUID) -> Response | tuple[str, int]:
    """Change a listing. A live listing stays as it is until a moderator approves the change."""
    listing = _listing(listing_id)
    if listing.status is ListingStatus.ARCHIVED:
        return redirect(url_for("listings.show", listing_id=listing.id))
    values = padded(form_values(moderation.working_data(listing))) if request.method == "GET" else None
    form = ListingForm(data=values)
    form.setup(kind=listing.kind, organisations=[], terms=_term_groups(), today=clock.today())
    if form.validate_on_submit():
        data = form.listing_data(listing.organisation_id)
        send = request.form.get("action") == "send"
        if send and _already_sent(listing, data):
            flash("These changes are waiting for a moderator.")
            return redirect(url_for("listings.show", listing_id=listing.id))
        try:
            moderation.save_changes(listing.id, data, by=current_user)
        except (ListingError, moderation.ModerationError) as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            return _render_form(form, listing)
        except moderation.NotFound:
            db.session.rollback()
            abort(404)
        if not send:
            flash("Your changes are saved as a draft. Send them for approval when they are ready.")
            return redirect(url_for("listings.show", listing_id=listing.id))
        return _send(listing, "saved and sent for approval")
    return _render_form(form, listing)


# -- a listing ----------------------------------------------------------------------------


def _render_show(listing: Listing, errors: list[str] | None = None) -> tuple[str, int]:
    version = moderation.open_version(listing)
    changes: list[FieldChange] = []
    if version is not None and moderation.is_live(listing):
        changes = moderation.changes_in(version)
    return (
        render_template(
            "listings/show.html",
            listing=listing,
            status_tag=STATUS_TAGS[listing.status],
            open_version=version,
            decided=moderation.last_decided_version(listing),
            changes=changes,
            summary=differences(None, moderation.working_snapshot(listing), moderation.term_name),
            errors=errors or [],
        ),
        200,
    )


@bp.route("/<uuid:listing_id>")
@requires(Permission.EDIT_LISTINGS)
def show(listing_id: uuid.UUID) -> tuple[str, int]:
    """A listing's state, the moderator's last decision and what it says now."""
    return _render_show(_listing(listing_id))


@bp.route("/<uuid:listing_id>/submit", methods=["POST"])
@requires(Permission.EDIT_LISTINGS)
def submit(listing_id: uuid.UUID) -> Response | tuple[str, int]:
    """Send the draft to the moderators."""
    listing = _listing(listing_id)
    try:
        moderation.submit_for_review(listing.id, by=current_user)
    except moderation.ModerationError as error:
        db.session.rollback()
        return _render_show(listing, [str(error)])
    flash(f"{listing.name} is sent for approval. A moderator will check it.")
    return redirect(url_for("listings.show", listing_id=listing.id))


@bp.route("/<uuid:listing_id>/archive", methods=["GET", "POST"])
@requires(Permission.EDIT_LISTINGS)
def archive(listing_id: uuid.UUID) -> Response | str:
    """Take a listing out of the directory (it has ended), after asking."""
    listing = _listing(listing_id)
    if listing.status is ListingStatus.ARCHIVED:
        return redirect(url_for("listings.show", listing_id=listing.id))
    if request.method == "POST":
        moderation.archive_listing(listing.id, by=current_user)
        flash(f"{listing.name} is archived. It is no longer in the directory.")
        return redirect(url_for("listings.show", listing_id=listing.id))
    return render_template("listings/archive.html", listing=listing)


# -- versions ---------------------------------------------------------------------------


def _render_history(listing: Listing, errors: list[str] | None = None) -> tuple[str, int]:
    return (
        render_template(
            "listings/history.html",
            listing=listing,
            versions=moderation.versions_of(listing),
            version_tags=VERSION_TAGS,
            errors=errors or [],
        ),
        200,
    )


@bp.route("/<uuid:listing_id>/history")
@requires(Permission.EDIT_LISTINGS)
def history(listing_id: uuid.UUID) -> tuple[str, int]:
    """Every version of a listing: who wrote it, when, what changed, what a moderator decided."""
    return _render_history(_listing(listing_id))


@bp.route("/<uuid:listing_id>/versions/<int:number>")
@requires(Permission.EDIT_LISTINGS)
def version(listing_id: uuid.UUID, number: int) -> str:
    """One version: what changed from the version before it was approved, and all it says."""
    listing = _listing(listing_id)
    found = next((item for item in moderation.versions_of(listing) if item.number == number), None)
    if found is None:
        abort(404)
    context: dict[str, Any] = {
        "listing": listing,
        "version": found,
        "version_tag": VERSION_TAGS[found.state],
        "changes": moderation.changes_in(found),
        "fields": differences(None, found.snapshot, moderation.term_name),
    }
    return render_template("listings/version.html", **context)


@bp.route("/<uuid:listing_id>/versions/<int:number>/restore", methods=["POST"])
@requires(Permission.EDIT_LISTINGS)
def restore(listing_id: uuid.UUID, number: int) -> Response | tuple[str, int]:
    """Start a new draft from an earlier version (the history is kept as it was)."""
    listing = _listing(listing_id)
    try:
        restored = moderation.restore_version(listing.id, number, by=current_user)
    except moderation.NotFound:
        db.session.rollback()
        abort(404)
    except moderation.ModerationError as error:
        db.session.rollback()
        return _render_history(listing, [str(error)])
    flash(f"Version {number} is restored as version {restored.number}, a draft. Check it, then send it for approval.")
    return redirect(url_for("listings.show", listing_id=listing.id))

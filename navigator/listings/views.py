"""Editors' pages: an organisation's listings, the listing form, sending a change for
approval, the moderator's decision, the history of versions and restoring one.

Editors see their own organisations' listings, moderators any (the moderation service
decides); anything else is a 404.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
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
from navigator.services import moderation, organisations
from navigator.services.listings import ListingData, ListingError
from navigator.services.reports import hiding_report
from navigator.snapshots import FieldChange, Snapshot, differences, snapshot_of_data, snapshot_of_listing

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


def _render_form(
    form: ListingForm,
    listing: Listing | None,
    *,
    unchanged: bool = False,
    changed_since: list[FieldChange] | None = None,
) -> tuple[str, int]:
    """The form; `unchanged` says that what was sent is the live listing as it is;
    `changed_since` lists what someone else saved after this form was loaded."""
    return (
        render_template(
            "listings/form.html",
            form=form,
            listing=listing,
            kind=form.kind,
            kind_name=KIND_NAMES[form.kind],
            errors=form.error_items() if request.method == "POST" else [],
            unchanged=unchanged,
            changed_since=changed_since,
        ),
        200,
    )


def _sealer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="navigator-listing-form")


def _seal(snapshot: Snapshot) -> str:
    """What the form was loaded with, carried in the page (signed, so it can be trusted)."""
    return _sealer().dumps(snapshot)


def _unseal(raw: str | None) -> Snapshot | None:
    try:
        loaded = _sealer().loads(raw or "")
    except BadSignature:
        return None
    return loaded if isinstance(loaded, dict) else None


def _revision(raw: str | None) -> int | None:
    """The listing revision a page was loaded at (None from a page that did not say)."""
    return int(raw) if raw and re.fullmatch(r"[0-9]{1,9}", raw) else None


def _stamp(form: ListingForm, listing: Listing) -> None:
    """Mark the form as loaded from the listing as it is now."""
    form.revision.data = str(listing.revision)
    form.loaded.data = _seal(moderation.working_snapshot(listing))


def _render_stale(form: ListingForm, listing: Listing, error: moderation.StaleEdit) -> tuple[str, int]:
    """Someone saved the listing after this form was loaded: keep what was typed, list what
    they changed (their saved value), and stamp the form afresh so saving again goes through."""
    db.session.refresh(listing)
    now = moderation.working_snapshot(listing)
    changed = differences(_unseal(form.loaded.data), now, moderation.term_name)
    _stamp(form, listing)
    form.form_errors.append(str(error))
    return _render_form(form, listing, changed_since=changed)


def _as_saved(data: ListingData) -> Snapshot:
    """The snapshot the moderation service would keep for these answers (it cleans the description)."""
    return snapshot_of_data(replace(data, description=clean_description(data.description)))


# -- your listings ---------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationListings:
    organisation: Organisation
    listings: list[Listing]
    can_add: bool


# A moderator sees organisations with counts, and one organisation's listings at a time.
ORGANISATIONS_PER_PAGE = 50
MAX_SEARCH = 100
NO_SUCH_ORGANISATION = "We could not find that organisation, or you cannot change its listings."


def _chosen_organisation(raw: str) -> tuple[Organisation | None, str | None]:
    """The organisation in ?organisation=, if this person may edit its listings; else a
    message to show (a link from another page, a typed address, a stale bookmark)."""
    if not raw.strip():
        return None, None
    try:
        organisation_id = uuid.UUID(raw.strip())
    except ValueError:
        return None, NO_SUCH_ORGANISATION
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not moderation.can_edit_for(current_user, organisation.id):
        return None, NO_SUCH_ORGANISATION
    return organisation, None


def _page_number(raw: str | None) -> int:
    return max(1, int(raw)) if raw and re.fullmatch(r"[0-9]{1,5}", raw) else 1


def _render_overview(problem: str | None) -> str:
    search = " ".join(request.args.get("q", "").split())[:MAX_SEARCH]
    counts, page, pages = organisations.listing_counts(
        search, _page_number(request.args.get("page")), per_page=ORGANISATIONS_PER_PAGE
    )
    return render_template(
        "listings/overview.html",
        counts=counts,
        search=search,
        page=page,
        pages=pages,
        problem=problem,
    )


@bp.route("")
@requires(Permission.EDIT_LISTINGS)
def index() -> str:
    """The listings of the organisations this person edits for, with their state. Moderators
    (who edit for every organisation) first choose an organisation from a list with counts."""
    chosen, problem = _chosen_organisation(request.args.get("organisation", ""))
    if chosen is None and moderation.can_moderate(current_user):
        return _render_overview(problem)
    organisations = moderation.organisations_for(current_user)
    listings = moderation.listings_for(current_user, chosen.id if chosen else None)
    if chosen is not None:
        organisations = [org for org in organisations if org.id == chosen.id]
    by_organisation: dict[uuid.UUID, list[Listing]] = {}
    for listing in listings:
        by_organisation.setdefault(listing.organisation_id, []).append(listing)
    groups = [OrganisationListings(org, by_organisation.pop(org.id, []), True) for org in organisations]
    others = {listing.organisation_id: listing.organisation for listing in listings}
    groups += [
        OrganisationListings(others[org_id], items, False)
        for org_id, items in sorted(by_organisation.items(), key=lambda item: others[item[0]].name)
    ]
    if chosen is not None and not groups:
        groups = [OrganisationListings(chosen, [], False)]
    unsent = set(
        db.session.scalars(
            select(ListingVersion.listing_id).where(
                ListingVersion.state == VersionState.DRAFT,
                ListingVersion.listing_id.in_([listing.id for listing in listings]),
            )
        )
    )
    return render_template(
        "listings/index.html",
        groups=groups,
        chosen=chosen,
        problem=problem,
        moderator=moderation.can_moderate(current_user),
        unsent=unsent,
        status_tags=STATUS_TAGS,
        kinds=list(ListingKind),
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
        data = form.listing_data(uuid.UUID(form.organisation.data))
        existing = db.session.get(Listing, key) if key is not None else None
        if existing is not None:
            return _form_used_before(form, _listing(existing.id), data)
        try:
            listing = moderation.create_listing(data, by=current_user, listing_id=key)
        except (ListingError, moderation.ModerationError) as error:
            form.form_errors.append(str(error))
        except moderation.NotFound:
            abort(404)
        except IntegrityError:
            # The same form sent twice at once: the other request made the listing.
            return redirect(url_for("listings.show", listing_id=key))
        else:
            if request.form.get("action") != "send":
                flash(f"{listing.name} is saved as a draft. Send it for approval when it is ready.")
                return redirect(url_for("listings.show", listing_id=listing.id))
            return _send(listing, "saved and sent for approval")
    return _render_form(form, None)


def _form_used_before(form: ListingForm, listing: Listing, data: ListingData) -> Response | tuple[str, int]:
    """The new-listing form's key already names a listing. The same answers again are the
    form sent twice (a double click, or Back and send): that listing. Different answers are
    the form reused for another listing (Back, then changed): show them again with a new
    key, so saving adds the new listing and nothing typed is lost."""
    if _as_saved(data) != moderation.working_snapshot(listing):
        form.listing_key.data = uuid.uuid4().hex
        form.form_errors.append(
            f"This form was already used to add {listing.name}. Check the details and save again to add a new listing"
        )
        return _render_form(form, None)
    version = moderation.open_version(listing)
    if version is not None and version.state is VersionState.SUBMITTED:
        flash(f"{listing.name} is waiting for a moderator.")
    elif version is not None and request.form.get("action") == "send":
        return _send(listing, "sent for approval")
    elif listing.status is ListingStatus.DRAFT:
        flash(f"{listing.name} is saved as a draft. Send it for approval when it is ready.")
    else:
        flash(f"{listing.name} is saved.")
    return redirect(url_for("listings.show", listing_id=listing.id))


def _send(listing: Listing, done: str) -> Response | tuple[str, int]:
    """Send a saved draft to the moderators, or say on the listing's page why it was not sent."""
    try:
        moderation.submit_for_review(listing.id, by=current_user)
    except moderation.ModerationError as error:
        return _render_show(listing, [f"Your changes are saved as a draft but were not sent: {error}"])
    flash(f"{listing.name} is {done}. A moderator will check it.")
    return redirect(url_for("listings.show", listing_id=listing.id))


def _already_sent(listing: Listing, data: ListingData) -> bool:
    """Whether these answers are exactly the change already waiting for a moderator (the
    "Save and send" button pressed twice): sending again would only withdraw it."""
    version = moderation.open_version(listing)
    if version is None or version.state is not VersionState.SUBMITTED:
        return False
    return _as_saved(data) == version.snapshot


def _already_saved(listing: Listing, data: ListingData) -> bool:
    """Whether these answers are exactly the draft saved now (the form sent twice)."""
    version = moderation.open_version(listing)
    return version is not None and version.state is VersionState.DRAFT and _as_saved(data) == version.snapshot


def _same_as_live(listing: Listing, data: ListingData) -> bool:
    """Whether these answers are the live listing as it is, with no change open: saving them
    would make a draft that could never be sent ("the same as the live listing")."""
    # A hidden listing may go back unchanged (its owner says it was right all along).
    if not listing.is_public or moderation.open_version(listing) is not None:
        return False
    return not differences(snapshot_of_listing(listing), _as_saved(data))


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
    if request.method == "GET":
        _stamp(form, listing)
    if form.validate_on_submit():
        data = form.listing_data(listing.organisation_id)
        send = request.form.get("action") == "send"
        if send and _already_sent(listing, data):
            flash("These changes are waiting for a moderator.")
            return redirect(url_for("listings.show", listing_id=listing.id))
        revision = _revision(form.revision.data)
        if revision is not None and revision != listing.revision and _already_saved(listing, data):
            # The same answers saved a moment ago (a double click): nothing to merge.
            flash("Your changes are saved as a draft. Send them for approval when they are ready.")
            return redirect(url_for("listings.show", listing_id=listing.id))
        try:
            moderation.check_revision(listing, revision, moderation.SAVE_AGAIN)
        except moderation.StaleEdit as error:
            return _render_stale(form, listing, error)
        if _same_as_live(listing, data):
            return _render_form(form, listing, unchanged=True)
        try:
            version = moderation.save_changes(listing.id, data, by=current_user, revision=revision)
        except moderation.StaleEdit as error:
            return _render_stale(form, listing, error)
        except (ListingError, moderation.ModerationError) as error:
            form.form_errors.append(str(error))
            return _render_form(form, listing)
        except moderation.NotFound:
            abort(404)
        if version.state is VersionState.WITHDRAWN:
            flash("The listing is back to what the directory shows, so your draft was discarded.")
            return redirect(url_for("listings.show", listing_id=listing.id))
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
            hiding_report=hiding_report(listing),
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
        moderation.submit_for_review(listing.id, by=current_user, revision=_revision(request.form.get("revision")))
    except moderation.ModerationError as error:
        db.session.refresh(listing)
        return _render_show(listing, [str(error)])
    flash(f"{listing.name} is sent for approval. A moderator will check it.")
    return redirect(url_for("listings.show", listing_id=listing.id))


@bp.route("/<uuid:listing_id>/archive", methods=["GET", "POST"])
@requires(Permission.EDIT_LISTINGS)
def archive(listing_id: uuid.UUID) -> Response | str | tuple[str, int]:
    """Take a listing out of the directory (it has ended), after asking."""
    listing = _listing(listing_id)
    if listing.status is ListingStatus.ARCHIVED:
        return redirect(url_for("listings.show", listing_id=listing.id))
    if request.method == "POST":
        try:
            moderation.archive_listing(listing.id, by=current_user, revision=_revision(request.form.get("revision")))
        except moderation.ModerationError as error:
            db.session.refresh(listing)
            return _render_show(listing, [str(error)])
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
        restored = moderation.restore_version(
            listing.id, number, by=current_user, revision=_revision(request.form.get("revision"))
        )
    except moderation.NotFound:
        abort(404)
    except moderation.ModerationError as error:
        db.session.refresh(listing)
        return _render_history(listing, [str(error)])
    flash(f"Version {number} is restored as version {restored.number}, a draft. Check it, then send it for approval.")
    return redirect(url_for("listings.show", listing_id=listing.id))

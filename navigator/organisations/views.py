"""Organisation registration (public), and moderators' pages for registrations,
organisations and their editors."""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from navigator.auth.decorators import public, requires
from navigator.auth.permissions import Permission
from navigator.extensions import limiter
from navigator.models import Organisation
from navigator.organisations import bp
from navigator.organisations.forms import ApproveForm, InviteEditorForm, RegistrationForm, RejectForm
from navigator.rate_limits import attempt_limit, count_submission, submissions_left
from navigator.services import organisations as service

# The confirmation page reads what to say from the session, so its address names nothing.
REGISTERED_SESSION_KEY = "organisation_registered"


# -- registering (public) ----------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(attempt_limit, methods=["POST"])
def register() -> str | Response | tuple[str, int]:
    """A community organisation asks to list its activities; a moderator decides. Only
    accepted registrations count towards REGISTRATION_RATE_LIMIT; over it, the form keeps
    what was typed."""
    form = RegistrationForm()
    if request.method == "POST" and form.is_bot:
        # Pretend it worked: nothing is stored and the robot learns nothing.
        session[REGISTERED_SESSION_KEY] = {"name": "", "again": False}
        return redirect(url_for("organisations.registered"))
    if form.validate_on_submit():
        if not submissions_left("REGISTRATION_RATE_LIMIT", "registration"):
            form.name.errors = [
                *form.name.errors,
                "We have had a lot of registrations from your internet connection in the last hour. "
                f"Your answers are still here: try again later, or email us at {current_app.config['SERVICE_EMAIL']}",
            ]
            return render_template("organisations/register.html", form=form), 429
        count_submission("REGISTRATION_RATE_LIMIT", "registration")
        try:
            organisation = service.register_organisation(form.registration())
        except service.AlreadyRegistered as already:
            session[REGISTERED_SESSION_KEY] = {"name": already.organisation.name, "again": True}
            return redirect(url_for("organisations.registered"))
        except service.OrganisationError as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            session[REGISTERED_SESSION_KEY] = {"name": organisation.name, "again": False}
            return redirect(url_for("organisations.registered"))
    return render_template("organisations/register.html", form=form)


@bp.route("/register/sent")
@public
def registered() -> str | Response:
    outcome = session.get(REGISTERED_SESSION_KEY)
    if not isinstance(outcome, dict):
        return redirect(url_for("organisations.register"))
    return render_template("organisations/registered.html", name=outcome.get("name", ""), again=outcome.get("again"))


# -- moderators ----------------------------------------------------------------------------


@bp.route("")
@requires(Permission.MANAGE_ORGANISATIONS)
def manage() -> str:
    """Registrations to decide, then the organisations in the directory."""
    search = (request.args.get("q") or "").strip()[: service.MAX_NAME]
    return render_template("organisations/manage.html", overview=service.overview(search), search=search)


def _organisation(organisation_id: uuid.UUID) -> Organisation:
    try:
        return service.get_organisation(organisation_id)
    except service.NotFound:
        abort(404)


def _revision() -> int | None:
    """The registration's revision the moderator's page was loaded at (None if it did not say)."""
    raw = request.form.get("revision", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _render_detail(
    organisation: Organisation,
    approve_form: ApproveForm | None = None,
    reject_form: RejectForm | None = None,
    error: str = "",
) -> str:
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        editors=service.editors_of(organisation),
        listing_count=service.listing_count(organisation),
        listings_url=_listings_url(organisation),
        decided_by=service.decided_by(organisation),
        approve_form=approve_form or ApproveForm(formdata=None),
        reject_form=reject_form or RejectForm(formdata=None),
        error=error,
    )


def _listings_url(organisation: Organisation) -> str | None:
    """The editor pages for this organisation's listings, once they exist."""
    if "listings.index" not in current_app.view_functions:
        return None
    return url_for("listings.index", organisation=organisation.id)


@bp.route("/<uuid:organisation_id>")
@requires(Permission.MANAGE_ORGANISATIONS)
def detail(organisation_id: uuid.UUID) -> str:
    return _render_detail(_organisation(organisation_id))


@bp.route("/<uuid:organisation_id>/approve", methods=["POST"])
@requires(Permission.MANAGE_ORGANISATIONS)
def approve(organisation_id: uuid.UUID) -> str | Response:
    organisation = _organisation(organisation_id)
    form = ApproveForm()
    if form.validate_on_submit():
        try:
            editor = service.approve_organisation(
                organisation.id, by=current_user, note=form.note.data or "", revision=_revision()
            )
        except service.OrganisationError as error:
            return _render_detail(organisation, approve_form=form, error=str(error))
        else:
            if editor is None:
                flash(f"{organisation.name} is approved. Its contact was not invited: invite an editor.")
            else:
                flash(f"{organisation.name} is approved. {editor.email} has been invited to edit its listings.")
            return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return _render_detail(organisation, approve_form=form)


@bp.route("/<uuid:organisation_id>/reject", methods=["POST"])
@requires(Permission.MANAGE_ORGANISATIONS)
def reject(organisation_id: uuid.UUID) -> str | Response:
    organisation = _organisation(organisation_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            service.reject_organisation(
                organisation.id, by=current_user, reason=form.reason.data or "", revision=_revision()
            )
        except service.OrganisationError as error:
            return _render_detail(organisation, reject_form=form, error=str(error))
        else:
            flash(f"{organisation.name} is rejected. Its contact has been sent your reason.")
            return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return _render_detail(organisation, reject_form=form)


@bp.route("/<uuid:organisation_id>/editors/invite", methods=["GET", "POST"])
@requires(Permission.MANAGE_ORGANISATIONS)
def invite_editor(organisation_id: uuid.UUID) -> str | Response:
    organisation = _organisation(organisation_id)
    form = InviteEditorForm()
    if form.validate_on_submit():
        try:
            editor = service.invite_editor(
                organisation.id, form.name.data or "", form.email.data or "", by=current_user
            )
        except service.OrganisationError as error:
            form.email.errors = [*form.email.errors, str(error)]
        else:
            flash(f"{editor.name} ({editor.email}) can now edit listings for {organisation.name}.")
            return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return render_template("organisations/invite_editor.html", organisation=organisation, form=form)


@bp.route("/<uuid:organisation_id>/editors/<uuid:user_id>/remove", methods=["POST"])
@requires(Permission.MANAGE_ORGANISATIONS)
def remove_editor(organisation_id: uuid.UUID, user_id: uuid.UUID) -> Response:
    organisation = _organisation(organisation_id)
    try:
        editor = service.remove_editor(organisation.id, user_id, by=current_user)
    except service.NotFound:
        abort(404)
    flash(f"{editor.name} can no longer edit listings for {organisation.name}.")
    return redirect(url_for("organisations.detail", organisation_id=organisation.id))

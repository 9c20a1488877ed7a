"""Unmet need on a case: record that nothing suitable exists, correct it, mark it resolved,
or withdraw it when recorded in error (domain.md 2.5, 7.3)."""

from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import Field, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.case.helpers import _not_found, _render, _to_case, _user, _workable
from navigator.casework.forms import page_revision
from navigator.forms import choices
from navigator.models import Referral, UnmetNeed, UnmetNeedStatus
from navigator.models.unmet_need import UNMET_NEED_STATUS_LABELS
from navigator.services import referrals
from navigator.services.referrals import unmet_need as service
from navigator.vocabularies import NEEDS, UNMET_NEED_CONSTRAINTS


class UnmetNeedForm(FlaskForm):
    # The entry's revision the page was loaded at: a stale page cannot overwrite a change.
    revision = HiddenField()
    need = RadioField(
        "Which need could not be met?",
        choices=choices(NEEDS.items()),
        validators=[DataRequired("Choose the need that could not be met")],
        invalid_choice_message="Choose the need that could not be met",
    )
    ward_code = SelectField(
        "Ward",
        validators=[DataRequired("Choose the ward where nothing suitable was found")],
        invalid_choice_message="Choose the ward where nothing suitable was found",
    )
    constraint = RadioField(
        "What stands in the way?",
        choices=choices(UNMET_NEED_CONSTRAINTS.items()),
        validators=[DataRequired("Choose what stands in the way")],
        invalid_choice_message="Choose what stands in the way",
    )
    note = TextAreaField(
        "Note (optional)",
        validators=[Length(max=service.MAX_NOTE, message=f"The note must be {service.MAX_NOTE} characters or fewer")],
    )
    status = RadioField(
        "Is the need still unmet?",
        choices=choices(
            (s.value, UNMET_NEED_STATUS_LABELS[s]) for s in (UnmetNeedStatus.STILL_UNMET, UnmetNeedStatus.RESOLVED)
        ),
        validators=[DataRequired("Choose whether the need is still unmet or resolved")],
        invalid_choice_message="Choose whether the need is still unmet or resolved",
    )


class WithdrawUnmetNeedForm(FlaskForm):
    revision = HiddenField()


def _form(*, editing: bool) -> UnmetNeedForm:
    form = UnmetNeedForm()
    form.ward_code.choices = choices([("", "Choose a ward"), *referrals.wards()])
    if not editing:
        del form.status
    return form


def _details(form: UnmetNeedForm) -> service.UnmetNeedDetails:
    return service.UnmetNeedDetails(
        need=form.need.data or "",
        ward_code=form.ward_code.data or "",
        constraint=form.constraint.data or "",
        note=form.note.data or "",
    )


def _show_error(form: UnmetNeedForm, error: referrals.ReferralError) -> None:
    """The message next to the answer it is about (the form as typed is kept)."""
    message = str(error)
    field: Field = form.need
    if isinstance(error, service.UnmetNeedError) and error.field in form:
        field = form[error.field]
    field.errors = [*field.errors, message]


def _recordable(referral: Referral) -> Referral:
    if not service.can_record_unmet_need(referral):
        _not_found()
    return referral


@bp.route("/cases/<uuid:referral_id>/unmet-needs/new", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def new_unmet_need(referral_id: uuid.UUID) -> str | tuple[str, int] | Response:
    referral = _recordable(_workable(referral_id))
    form = _form(editing=False)
    if not form.is_submitted():
        form.ward_code.data = referral.person.ward_code or ""
    if form.validate_on_submit():
        try:
            service.add_unmet_need(referral.id, by=_user(), details=_details(form))
        except referrals.ReferralError as error:
            _show_error(form, error)
        else:
            return _to_case(referral.id, f"Unmet need recorded: {NEEDS[form.need.data or '']}")
    page = _render("unmet_need.html", form=form, referral=referral, entry=None, withdraw_form=None)
    return (page, 400) if form.errors else page


def _entry(unmet_need_id: uuid.UUID) -> tuple[UnmetNeed, Referral]:
    try:
        entry = service.get_unmet_need(unmet_need_id, _user())
    except referrals.NotFound:
        _not_found()
    return entry, _recordable(_workable(entry.referral_id))


@bp.route("/unmet-needs/<uuid:unmet_need_id>/edit", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def edit_unmet_need(unmet_need_id: uuid.UUID) -> str | tuple[str, int] | Response:
    entry, referral = _entry(unmet_need_id)
    form = _form(editing=True)
    if not form.is_submitted():
        form.need.data, form.ward_code.data, form.constraint.data = entry.need, entry.ward_code, entry.constraint
        form.note.data, form.status.data = entry.note, entry.status.value
        form.revision.data = str(entry.revision)
    if form.validate_on_submit():
        try:
            service.update_unmet_need(
                entry.id,
                by=_user(),
                details=_details(form),
                status=UnmetNeedStatus(form.status.data),
                revision=page_revision(form.revision),
            )
        except referrals.ReferralError as error:
            _show_error(form, error)
            # Shown the entry as it is now, with the answers kept: saving again is deliberate.
            form.revision.data = str(entry.revision)
        else:
            return _to_case(referral.id, f"Unmet need updated: {NEEDS[entry.need]}")
    withdraw_form = WithdrawUnmetNeedForm(formdata=None)
    withdraw_form.revision.data = str(entry.revision)
    page = _render("unmet_need.html", form=form, referral=referral, entry=entry, withdraw_form=withdraw_form)
    return (page, 400) if form.errors else page


@bp.route("/unmet-needs/<uuid:unmet_need_id>/withdraw", methods=["POST"])
@requires(Permission.WORK_CASES)
def withdraw_unmet_need(unmet_need_id: uuid.UUID) -> str | tuple[str, int] | Response:
    entry, referral = _entry(unmet_need_id)
    withdraw_form = WithdrawUnmetNeedForm()
    if withdraw_form.validate_on_submit():
        try:
            service.withdraw_unmet_need(entry.id, by=_user(), revision=page_revision(withdraw_form.revision))
        except referrals.ReferralError as error:
            withdraw_form.revision.errors = [str(error)]
            withdraw_form.revision.data = str(entry.revision)
        else:
            return _to_case(referral.id, f"Unmet need withdrawn: {NEEDS.get(entry.need, entry.need)}")
    form = _form(editing=True)
    form.process(formdata=None)
    form.need.data, form.ward_code.data, form.constraint.data = entry.need, entry.ward_code, entry.constraint
    form.note.data, form.status.data = entry.note, entry.status.value
    form.revision.data = str(entry.revision)
    page = _render("unmet_need.html", form=form, referral=referral, entry=entry, withdraw_form=withdraw_form)
    return page, 400

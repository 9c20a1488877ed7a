"""Recording screens and starting support."""

from __future__ import annotations

import uuid

from flask import request
from werkzeug.wrappers import Response

from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.case.helpers import _not_found, _refused, _render, _to_case, _user, _workable
from navigator.casework.case.overview import _render_case
from navigator.casework.forms import OCCASION_LABELS, StartSupportForm, item_field, screening_answers, screening_form
from navigator.models import ScreeningOccasion
from navigator.screening import AdministrationMode, UnknownInstrument, get_instrument
from navigator.services import referrals


@bp.route("/cases/<uuid:referral_id>/screenings/new", methods=["GET", "POST"])
@requires(Permission.RECORD_SCREENING)
def record_screening(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    try:
        instrument = get_instrument(request.args.get("instrument", ""))
        occasion = ScreeningOccasion(request.args.get("occasion") or ScreeningOccasion.BASELINE.value)
    except (UnknownInstrument, ValueError):
        _not_found()
    person = referral.person
    form = screening_form(instrument, AdministrationMode.VIA_INTERPRETER if person.interpreter_needed else None)
    if form.validate_on_submit():
        answers = screening_answers(form, instrument)
        first_item = item_field(form, instrument.items[0].code)
        if not answers:
            first_item.errors = ["Answer at least one question, or choose “Prefer not to say”"]
        else:
            try:
                screening = referrals.record_screening(
                    referral.id,
                    by=_user(),
                    instrument_code=instrument.code,
                    answers=answers,
                    occasion=occasion,
                    mode=AdministrationMode(form.mode.data),
                    answered_by=form.answered_by.data or "person",
                )
            except referrals.ReferralError as error:
                first_item.errors = [_refused(error)]
            else:
                message = f"{instrument.name} recorded ({OCCASION_LABELS[occasion].lower()})"
                if not screening.complete:
                    message += ". Some questions have no answer, so it is incomplete"
                return _to_case(referral.id, message)
    return _render(
        "screening.html",
        form=form,
        referral=referral,
        instrument=instrument,
        occasion=occasion,
        item_field=item_field,
    )


@bp.route("/cases/<uuid:referral_id>/start-support", methods=["POST"])
@requires(Permission.WORK_CASES)
def start_support(referral_id: uuid.UUID) -> Response | tuple[str, int]:
    referral = _workable(referral_id)
    form = StartSupportForm()
    if not form.validate_on_submit():
        return _render_case(referral, ["The form expired. Try again"])
    try:
        referrals.start_support(referral.id, by=_user())
    except referrals.ReferralError as error:
        return _render_case(referral, [_refused(error)])
    return _to_case(referral.id, "Support started. Agree goals with the person and find activities")

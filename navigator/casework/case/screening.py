"""Recording screens, the person's age band when their date of birth is unknown, and starting support."""

from __future__ import annotations

import uuid

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.case.helpers import _not_found, _render, _to_case, _user, _workable
from navigator.casework.case.overview import _render_case
from navigator.casework.forms import (
    MODE_LABELS,
    AgeBandForm,
    StartSupportForm,
    item_field,
    screening_answers,
    screening_form,
)
from navigator.models import Referral, ScreeningOccasion
from navigator.screening import AdministrationMode, Instrument, UnknownInstrument, get_instrument
from navigator.screening.pairing import AgeBand
from navigator.services import referrals


def _asked(referral: Referral) -> tuple[Instrument, ScreeningOccasion]:
    try:
        instrument = get_instrument(request.args.get("instrument", ""))
        occasion = ScreeningOccasion(request.args.get("occasion") or ScreeningOccasion.BASELINE.value)
    except (UnknownInstrument, ValueError):
        _not_found()
    return instrument, occasion


@bp.route("/cases/<uuid:referral_id>/screenings/new", methods=["GET", "POST"])
@requires(Permission.RECORD_SCREENING)
def record_screening(referral_id: uuid.UUID) -> str | Response | tuple[str, int]:
    referral = _workable(referral_id)
    instrument, occasion = _asked(referral)
    try:
        offer = referrals.screening_offer(referral, occasion)
    except referrals.AgeBandNeeded:
        return redirect(
            url_for("casework.age_band", referral_id=referral.id, instrument=instrument.code, occasion=occasion.value)
        )
    baseline = offer.baselines.get(instrument.code)
    if instrument.code not in offer.all:
        # Asked by URL for questions that do not fit: say which do, store nothing.
        refusal = referrals.screening_refusal(referral, instrument.code, occasion)
        return _render(
            "screening_refused.html",
            referral=referral,
            instrument=instrument,
            occasion=occasion,
            message=refusal,
            fitting=[get_instrument(code) for code in offer.all],
        ), 400
    default_mode: AdministrationMode | None = None
    if baseline is not None:
        default_mode = baseline.mode
    elif referral.person.interpreter_needed:
        default_mode = AdministrationMode.VIA_INTERPRETER
    form = screening_form(instrument, default_mode)
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
                    mode_change_reason=form.mode_change_reason.data or "",
                )
            except referrals.ReferralError as error:
                target = form.mode_change_reason if error.field == "mode_change_reason" else first_item
                target.errors = [str(error)]
            else:
                message = f"{instrument.name} recorded ({screening.time_point.label.lower()})"
                if not screening.complete:
                    message += ". Some questions have no answer, so it is incomplete"
                return _to_case(referral.id, message)
    return _render(
        "screening.html",
        form=form,
        referral=referral,
        instrument=instrument,
        occasion=occasion,
        baseline=baseline,
        baseline_mode=MODE_LABELS.get(baseline.mode) if baseline else None,
        item_field=item_field,
    )


@bp.route("/cases/<uuid:referral_id>/age-band", methods=["GET", "POST"])
@requires(Permission.RECORD_SCREENING)
def age_band(referral_id: uuid.UUID) -> str | Response:
    """How old the person is, in the bands the questions are written for, when their date of
    birth is unknown; then on to the screen that was asked for."""
    referral = _workable(referral_id)
    form = AgeBandForm()
    if not form.is_submitted() and referral.stated_age_band:
        form.age_band.data = referral.stated_age_band
    if form.validate_on_submit():
        try:
            referrals.record_age_band(referral.id, by=_user(), band=AgeBand(form.age_band.data))
        except referrals.ReferralError as error:
            form.age_band.errors = [str(error)]
        else:
            instrument, occasion = request.args.get("instrument"), request.args.get("occasion") or "baseline"
            if instrument:
                return redirect(
                    url_for(
                        "casework.record_screening", referral_id=referral.id, instrument=instrument, occasion=occasion
                    )
                )
            return _to_case(referral.id, "Age band recorded")
    return _render("age_band.html", form=form, referral=referral)


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
        return _render_case(referral, [str(error)])
    return _to_case(referral.id, "Support started. Agree goals with the person and find activities")

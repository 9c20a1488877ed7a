"""Reviews and case notes, with corrections."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app, request
from werkzeug.wrappers import Response

from navigator import clock
from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.case.helpers import _not_found, _render, _to_case, _user, _workable
from navigator.casework.forms import CaseNoteForm, ReviewForm
from navigator.models import CaseNote, Referral
from navigator.screening import get_instrument
from navigator.services import referrals


@bp.route("/cases/<uuid:referral_id>/reviews/new", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def new_review(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    form = ReviewForm()
    if not form.is_submitted():
        due = clock.today() + timedelta(days=current_app.config["REVIEW_INTERVAL_DAYS"])
        form.next_review_due.process(None, due)
    if form.validate_on_submit():
        try:
            referrals.record_review(
                referral.id, by=_user(), progress=form.progress.data or "", next_review_due=form.next_review_due.data
            )
        except referrals.ReferralError as error:
            form.progress.errors = [str(error)]
        else:
            return _to_case(referral.id, "Review recorded")
    return _render(
        "review.html",
        form=form,
        referral=referral,
        review_screens=[get_instrument(code) for code in referrals.baseline_instruments(referral)],
    )


def _note_being_corrected(referral: Referral, raw: str | None) -> CaseNote | None:
    if not raw:
        return None
    try:
        note_id = uuid.UUID(raw)
    except ValueError:
        _not_found()
    note = next((note for note in referral.notes if note.id == note_id), None)
    if note is None:
        _not_found()
    return note


@bp.route("/cases/<uuid:referral_id>/notes/new")
@requires(Permission.WORK_CASES)
def new_note(referral_id: uuid.UUID) -> str:
    referral = _workable(referral_id)
    corrected = _note_being_corrected(referral, request.args.get("corrects"))
    form = CaseNoteForm()
    form.corrects_id.data = str(corrected.id) if corrected else ""
    return _render("note.html", form=form, referral=referral, corrected=corrected)


@bp.route("/cases/<uuid:referral_id>/notes", methods=["POST"])
@requires(Permission.WORK_CASES)
def add_note(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    form = CaseNoteForm()
    corrected = _note_being_corrected(referral, form.corrects_id.data)
    if form.validate_on_submit():
        try:
            referrals.add_case_note(
                referral.id, by=_user(), text=form.text.data or "", corrects_id=corrected.id if corrected else None
            )
        except referrals.ReferralError as error:
            form.text.errors = [str(error)]
        else:
            return _to_case(referral.id, "Correction added" if corrected else "Note added")
    return _render("note.html", form=form, referral=referral, corrected=corrected)

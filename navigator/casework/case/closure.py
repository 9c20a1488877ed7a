"""Closing a case and raising a safeguarding concern."""

from __future__ import annotations

import uuid

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.case.helpers import _render, _to_case, _user, _visible, _workable
from navigator.casework.forms import ClosureForm, SafeguardingForm, closure_reason_choices
from navigator.casework.presenters import _screening_row
from navigator.models import Referral, ScreeningOccasion
from navigator.screening import get_instrument
from navigator.services import referrals


@bp.route("/cases/<uuid:referral_id>/close", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def close(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    form = ClosureForm()
    form.reason.choices = closure_reason_choices(referrals.CLOSURE_REASONS_FROM.get(referral.state, frozenset()))
    if not form.is_submitted():
        form.expected_version.data = str(referral.version)
    if form.validate_on_submit():
        try:
            referrals.close_referral(
                referral.id,
                by=_user(),
                reason=form.reason.data or "",
                summary=(form.summary.data or "").strip(),
                contact_again_agreed=form.contact_again_agreed(),
                follow_up_not_obtained_reason=form.follow_up_not_obtained_reason.data or "",
                expected_version=form.version(),
            )
        except referrals.ReferralError as error:
            fields = {
                "follow_up_not_obtained_reason": form.follow_up_not_obtained_reason,
                "contact_again": form.contact_again,
            }
            # Show the message next to the answer it is about.
            fields.get(error.field or "", form.reason).errors = [str(error)]
            if isinstance(error, referrals.ConcurrentChange):
                form.expected_version.data = str(referral.version)
        else:
            return _to_case(referral.id, "Case closed. The referrer has been sent the closure summary")
    closure_screens = [
        _screening_row(s)
        for s in referrals.screenings_for(referral, _user())
        if s.occasion is ScreeningOccasion.CLOSURE
    ]
    return _render(
        "close.html",
        form=form,
        referral=referral,
        closure_screens=closure_screens,
        closure_missing=[get_instrument(code) for code in referrals.closure_screens_missing(referral)],
        closure_instruments=[
            get_instrument(code) for code in referrals.screening_offer(referral, ScreeningOccasion.CLOSURE).instruments
        ],
        ask_contact_again=referral.follow_up_pending,
    )


def _after_safeguarding(referral: Referral) -> str:
    user = _user()
    if referrals.can_work_case(user, referral) or user.can(Permission.VIEW_ALL_REFERRALS):
        return url_for("casework.case", referral_id=referral.id)
    return url_for("staff.dashboard")


@bp.route("/cases/<uuid:referral_id>/safeguarding", methods=["GET", "POST"])
@requires(Permission.RAISE_SAFEGUARDING)
def safeguarding(referral_id: uuid.UUID) -> str | Response:
    """Anyone who may see the referral, at any state; only an empty note is refused (domain.md 6.9)."""
    referral = _visible(referral_id)
    form = SafeguardingForm()
    if form.validate_on_submit():
        try:
            referrals.raise_safeguarding_concern(
                referral.id,
                by=_user(),
                note=(form.note.data or "").strip(),
                reference=(form.reference.data or "").strip(),
            )
        except referrals.ReferralError as error:
            form.note.errors = [str(error)]
        else:
            flash("Safeguarding concern recorded. The team leads have been told")
            return redirect(_after_safeguarding(referral))
    return _render("safeguarding.html", form=form, referral=referral, back_url=_after_safeguarding(referral))

"""Logging contact attempts."""

from __future__ import annotations

import uuid

from flask import current_app
from werkzeug.wrappers import Response

from navigator import clock
from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.case.helpers import S, _language_name, _render, _to_case, _user, _workable
from navigator.casework.forms import OUTCOME_LABELS, ContactAttemptForm
from navigator.models import ContactChannel, ContactOutcome, Referral
from navigator.services import referrals


@bp.route("/cases/<uuid:referral_id>/contacts/new", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def log_contact(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    form = ContactAttemptForm()
    if not form.is_submitted():
        now = clock.now().astimezone(clock.LONDON)
        form.day.process(None, now.date())
        form.at_time.data = f"{now:%H:%M}"
        form.interpreter_used.data = referral.person.interpreter_needed
    if form.validate_on_submit():
        outcome = ContactOutcome(form.outcome.data)
        try:
            referrals.log_contact_attempt(
                referral.id,
                by=_user(),
                at=form.attempted_at(),
                channel=ContactChannel(form.channel.data),
                outcome=outcome,
                note=(form.note.data or "").strip(),
                interpreter_used=bool(form.interpreter_used.data),
                person_agrees=bool(form.person_agrees.data),
            )
        except referrals.ReferralError as error:
            form.outcome.errors = [str(error)]
        else:
            return _to_case(referral.id, _contact_message(referral, outcome))
    return _render(
        "contact.html",
        form=form,
        referral=referral,
        counted_failures=referrals.counted_failed_attempts(referral),
        attempts_limit=current_app.config["UNABLE_TO_CONTACT_ATTEMPTS"],
        interpreter_language=_language_name(referral.person.interpreter_language),
    )


def _contact_message(referral: Referral, outcome: ContactOutcome) -> str:
    if referral.state is S.ENGAGED:
        return f"{referral.person.full_name} agreed to work with a navigator. Record the baseline loneliness screen"
    if referral.state is S.CLOSED and referral.closure_reason == "unable_to_contact":
        return "Contact attempt logged. The case is closed as unable to contact and the referrer has been told"
    if referral.state is S.CLOSED:
        return "The person declined the service. The case is closed and the referrer has been told"
    return f"Contact attempt logged: {OUTCOME_LABELS[outcome].lower()}"

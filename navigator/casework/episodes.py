"""Triage: is this referral the same person as an earlier one? (domain.md 2.3, 6.8)

The triage page lists possible duplicates; this page lets the team lead confirm one of the
earlier ones as the same person (the referral is linked to that person's last episode and
shares their person key), or undo that while the referral is still in triage.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField
from wtforms.validators import DataRequired

from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.forms import choices
from navigator.models import Referral
from navigator.presenters import london_date
from navigator.services import referrals as service
from navigator.services.referrals import NotFound, ReferralError, episodes

NOT_THE_SAME = "none"
NOT_THE_SAME_LABEL = "None of these: not the same person"


class SamePersonForm(FlaskForm):
    # The service decides which referrals may be linked, and says why one may not.
    duplicate = RadioField(
        "Is this the same person as one of these earlier referrals?",
        validate_choice=False,
        validators=[DataRequired("Choose the earlier referral for the same person, or “None of these”")],
    )


@bp.route("/referrals/<uuid:referral_id>/same-person", methods=["GET", "POST"])
@requires(Permission.TRIAGE)
def same_person(referral_id: uuid.UUID) -> str | Response | tuple[str, int]:
    """Confirm that a referral is an earlier referral's person, or that it is not."""
    try:
        referral = service.get_referral(referral_id, current_user, audit_view=request.method == "GET")
    except NotFound:
        abort(404)
    form = SamePersonForm()
    candidates = episodes.earlier_duplicates(referral, current_user)
    in_triage = referral.state in episodes.TRIAGE_STATES
    if not form.is_submitted() and referral.previous_referral_id is not None:
        linked_key = referral.person.person_key
        form.duplicate.data = next(
            (str(other.id) for other in candidates if other.person.person_key == linked_key), None
        )
    if form.validate_on_submit():
        try:
            message = _answer(referral, form.duplicate.data or "")
        except ReferralError as error:
            form.duplicate.errors = [str(error)]
        else:
            flash(message)
            return redirect(url_for("casework.triage", referral_id=referral.id))
    form.duplicate.choices = choices([*(_choice(other) for other in candidates), (NOT_THE_SAME, NOT_THE_SAME_LABEL)])
    page = render_template(
        "casework/same_person.html",
        referral=referral,
        form=form,
        candidates=candidates,
        in_triage=in_triage,
    )
    return (page, 400) if form.errors else page


def _choice(other: Referral) -> tuple[str, str]:
    return str(other.id), f"{other.reference}: {other.person.full_name}, received {london_date(other.submitted_at)}"


def _answer(referral: Referral, answer: str) -> str:
    if answer == NOT_THE_SAME:
        result = episodes.undo_same_person(referral.id, by=current_user)
        if not result.changed:
            return f"{referral.reference} is not linked to an earlier referral"
        previous = result.previous.reference if result.previous else "the earlier referral"
        return f"{referral.reference} is no longer linked to {previous}"
    try:
        duplicate_id = uuid.UUID(answer)
    except ValueError as error:
        raise ReferralError("Choose one of the possible duplicates shown for this referral") from error
    result = episodes.confirm_same_person(referral.id, by=current_user, duplicate_id=duplicate_id)
    previous = result.previous.reference if result.previous else ""
    if not result.changed:
        return f"{referral.reference} is already linked to {previous} as the same person"
    return f"{referral.reference} linked to {previous}: the same person, a new episode"

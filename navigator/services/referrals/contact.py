"""Contact attempts (domain.md 2.4) and the moves they cause."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app

from navigator import clock
from navigator.extensions import db
from navigator.models import (
    AuditAction,
    ContactAttempt,
    ContactChannel,
    ContactOutcome,
    Referral,
    User,
)
from navigator.services import audit
from navigator.services.referrals.access import get_case
from navigator.services.referrals.errors import InvalidTransition, ReferralError
from navigator.services.referrals.lifecycle import S, close, commit, hold, move
from navigator.services.transactions import all_or_nothing


@all_or_nothing
def log_contact_attempt(
    referral_id: uuid.UUID,
    *,
    by: User,
    at: datetime,
    channel: ContactChannel,
    outcome: ContactOutcome,
    note: str = "",
    interpreter_used: bool = False,
    person_agrees: bool = False,
) -> Referral:
    """Record an attempt to reach the person and move the case on:
    reached and agrees -> engaged; declined -> closed; Nth failed attempt -> unable to contact."""
    referral = get_case(referral_id, by)
    if referral.state not in (S.ALLOCATED, S.CONTACTING):
        raise InvalidTransition("Contact attempts are logged before the person is engaged")
    if at > clock.now() + timedelta(minutes=5):
        raise ReferralError("The time of the attempt cannot be in the future")
    hold(referral)
    attempt = ContactAttempt(
        id=uuid.uuid4(),
        referral=referral,
        at=at,
        channel=channel,
        outcome=outcome,
        note=note,
        interpreter_used=interpreter_used,
        by_id=by.id,
    )
    db.session.add(attempt)
    audit.record(
        AuditAction.CREATE,
        "contact_attempt",
        attempt.id,
        by=by,
        referral_id=referral.id,
        new={"channel": channel, "outcome": outcome},
    )
    if outcome is ContactOutcome.REACHED:
        if person_agrees:
            move(referral, S.ENGAGED, by, summary="Person reached and agreed to work with a navigator")
        elif referral.state is S.ALLOCATED:
            move(referral, S.CONTACTING, by, summary="Contact made; agreement not yet given")
    elif outcome is ContactOutcome.DECLINED:
        close(referral, by, reason="declined", summary="The person declined the service")
    else:
        if referral.state is S.ALLOCATED:
            move(referral, S.CONTACTING, by, summary="First contact attempt")
        failures = _counted_failures(referral)
        if failures >= current_app.config["UNABLE_TO_CONTACT_ATTEMPTS"]:
            close(referral, None, reason="unable_to_contact", summary=f"Unable to contact after {failures} attempts")
    commit()
    return referral


def _counted_failures(referral: Referral) -> int:
    """Failed attempts that count towards "unable to contact". Where an interpreter is
    needed, only interpreter-supported attempts count (domain.md 2.4)."""
    needs_interpreter = referral.person.interpreter_needed
    return sum(
        1
        for attempt in referral.contacts
        if attempt.outcome.is_failed and (attempt.interpreter_used or not needs_interpreter)
    )


def counted_failed_attempts(referral: Referral) -> int:
    """How many failed attempts count so far towards closing as unable to contact."""
    return _counted_failures(referral)

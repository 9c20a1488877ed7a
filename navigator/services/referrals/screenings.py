"""Loneliness screens on a referral (domain.md 3) and the start of support."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import (
    AuditAction,
    Referral,
    Screening,
    ScreeningOccasion,
    User,
)
from navigator.screening import AdministrationMode
from navigator.services import audit
from navigator.services.referrals.access import can_work_case, get_case
from navigator.services.referrals.errors import InvalidTransition, NotFound, ReferralError
from navigator.services.referrals.lifecycle import S, commit, move


def add_screening(
    referral: Referral,
    instrument_code: str,
    answers: dict[str, str],
    occasion: ScreeningOccasion,
    mode: AdministrationMode,
    answered_by: str,
    by: User | None,
) -> Screening:
    from navigator.screening import get_instrument, score, validate_answers

    try:
        instrument = get_instrument(instrument_code)
        validate_answers(instrument, answers)
    except (LookupError, ValueError) as error:
        raise ReferralError(str(error)) from error
    result = score(instrument_code, answers)
    screening = Screening(
        id=uuid.uuid4(),
        referral=referral,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        scoring_version=instrument.scoring_version,
        occasion=occasion,
        mode=mode,
        answered_by=answered_by,
        answers=dict(answers),
        score=result.score,
        band=result.band,
        details=result.details,
        complete=result.complete,
        recorded_by_id=by.id if by else None,
        recorded_at=clock.now(),
    )
    db.session.add(screening)
    if occasion is ScreeningOccasion.FOLLOW_UP:
        referral.follow_up_pending = False  # done: off the follow-ups list
    audit.record(
        AuditAction.CREATE,
        "screening",
        screening.id,
        by=by,
        referral_id=referral.id,
        new={"instrument": instrument.code, "occasion": occasion, "complete": result.complete},
    )
    return screening


def record_screening(
    referral_id: uuid.UUID,
    *,
    by: User,
    instrument_code: str,
    answers: dict[str, str],
    occasion: ScreeningOccasion,
    mode: AdministrationMode = AdministrationMode.SELF_COMPLETED,
    answered_by: str = "person",
) -> Screening:
    referral = get_case(referral_id, by)
    if not by.can(Permission.RECORD_SCREENING):
        raise NotFound()
    if referral.state.is_final and occasion is not ScreeningOccasion.FOLLOW_UP:
        raise ReferralError("Only a follow-up screen can be added to a closed referral")
    screening = add_screening(referral, instrument_code, answers, occasion, mode, answered_by, by)
    commit()
    return screening


def screenings_for(referral: Referral, user: User) -> list[Screening]:
    """Identifiable scores: the allocated navigator and team leads only."""
    if not can_work_case(user, referral):
        return []
    audit.record(AuditAction.VIEW, "screening", referral.id, by=user, referral_id=referral.id)
    db.session.commit()
    return list(
        db.session.scalars(
            select(Screening).where(Screening.referral_id == referral.id).order_by(Screening.recorded_at)
        )
    )


def baseline_instruments(referral: Referral) -> list[str]:
    from navigator.screening import baseline_instruments_for

    age = referral.person.age_on(clock.today())
    easy_read = "easy_read" in referral.person.communication_needs
    return baseline_instruments_for(age, easy_read)


def has_complete_baseline(referral: Referral) -> bool:
    """The guard for engaged -> in support (domain.md 2.3): every baseline instrument
    due for this person has a complete screen (declined items count as answered)."""
    due = set(baseline_instruments(referral))
    done = set(
        db.session.scalars(
            select(Screening.instrument_code).where(
                Screening.referral_id == referral.id,
                Screening.occasion == ScreeningOccasion.BASELINE,
                Screening.complete.is_(True),
            )
        )
    )
    return due <= done


def start_support(referral_id: uuid.UUID, *, by: User) -> Referral:
    """Engaged -> in support, once the baseline loneliness screen is complete."""
    referral = get_case(referral_id, by)
    if referral.state is S.ENGAGED and not has_complete_baseline(referral):
        raise InvalidTransition("Record the baseline loneliness screen before starting support")
    move(referral, S.IN_SUPPORT, by, summary="Baseline screen recorded; support started")
    referral.next_review_due = clock.today() + timedelta(days=current_app.config["REVIEW_INTERVAL_DAYS"])
    commit()
    return referral

"""Closing a referral (domain.md 2.6) and raising a safeguarding concern (6.9)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import exists, select

from navigator.extensions import db
from navigator.models import (
    AuditAction,
    CaseNote,
    Referral,
    Screening,
    ScreeningOccasion,
    User,
)
from navigator.services import audit
from navigator.services.referrals.access import get_case, get_referral
from navigator.services.referrals.errors import ReferralError
from navigator.services.referrals.lifecycle import S, close, commit, expect_version
from navigator.services.referrals.notices import tell_team_leads
from navigator.vocabularies import CLOSURE_REASONS


def close_referral(
    referral_id: uuid.UUID,
    *,
    by: User,
    reason: str,
    summary: str = "",
    follow_up_due: date | None = None,
    follow_up_not_obtained_reason: str = "",
    expected_version: int | None = None,
) -> Referral:
    """Close with a reason; from in-support, a closure follow-up screen is recorded or
    the reason it was not obtained (domain.md 2.6)."""
    referral = get_case(referral_id, by)
    expect_version(referral, expected_version)
    if reason not in CLOSURE_REASONS:
        raise ReferralError("Choose a reason for closing")
    screen_due = referral.state is S.IN_SUPPORT and reason != "deceased" and not follow_up_not_obtained_reason
    if screen_due and not _has_screen(referral, ScreeningOccasion.CLOSURE):
        raise ReferralError("Record the follow-up screen at closure, or say why it was not obtained")
    close(referral, by, reason=reason, summary="Closed", closure_summary=summary)
    referral.follow_up_due = follow_up_due
    referral.follow_up_not_obtained_reason = follow_up_not_obtained_reason
    # On the follow-ups list until a follow-up screen is recorded (one may have been already).
    referral.follow_up_pending = follow_up_due is not None and not _has_screen(referral, ScreeningOccasion.FOLLOW_UP)
    commit()
    return referral


def _has_screen(referral: Referral, occasion: ScreeningOccasion) -> bool:
    screened = exists().where(Screening.referral_id == referral.id, Screening.occasion == occasion)
    return bool(db.session.scalar(select(screened)))


def raise_safeguarding_concern(referral_id: uuid.UUID, *, by: User, note: str, reference: str = "") -> Referral:
    """Any user with access, at any state, never blocked by validation (domain.md 6.9)."""
    referral = get_referral(referral_id, by, audit_view=False)
    referral.safeguarding_concern = True
    if reference:
        referral.safeguarding_reference = reference
    db.session.add(CaseNote(referral=referral, author_id=by.id, text=f"Safeguarding concern: {note}".strip()))
    audit.record(
        AuditAction.UPDATE,
        "referral",
        referral.id,
        by=by,
        referral_id=referral.id,
        new={"safeguarding_concern": True, "reference": reference},
        reason=note,
    )
    tell_team_leads(f"Safeguarding concern on {referral.reference}", f"{by.name} raised a concern: {note}")
    commit()
    return referral

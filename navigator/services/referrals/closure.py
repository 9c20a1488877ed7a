"""Closing a referral (domain.md 2.6) and raising a safeguarding concern (6.9)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from navigator.extensions import db
from navigator.models import (
    AuditAction,
    CaseNote,
    Referral,
    Screening,
    ScreeningOccasion,
    User,
)
from navigator.screening import get_instrument
from navigator.services import audit
from navigator.services.referrals.access import get_case, get_referral
from navigator.services.referrals.errors import ReferralError
from navigator.services.referrals.lifecycle import S, close, commit, expect_version
from navigator.services.referrals.notices import tell_team_leads
from navigator.services.referrals.pairs import FOLLOW_UP_STILL_POSSIBLE, episode_baselines, place_screens
from navigator.services.transactions import all_or_nothing
from navigator.vocabularies import CLOSURE_REASONS, FOLLOW_UP_NOT_OBTAINED


@all_or_nothing
def close_referral(
    referral_id: uuid.UUID,
    *,
    by: User,
    reason: str,
    summary: str = "",
    contact_again_agreed: bool | None = None,
    follow_up_not_obtained_reason: str = "",
    expected_version: int | None = None,
) -> Referral:
    """Close with a reason (domain.md 2.6). From support, a complete closure screen of each
    of the episode's baseline instruments is needed, or the reason it was not obtained; while
    the 3-month follow-up is still to come, whether the person agreed to be contacted again."""
    referral = get_case(referral_id, by)
    expect_version(referral, expected_version)
    if reason not in CLOSURE_REASONS:
        raise ReferralError("Choose a reason for closing", field="reason")
    if reason == "deceased":
        # No follow-up, and no contact with the family for screening.
        follow_up_not_obtained_reason, contact_again_agreed = "deceased", False
    if follow_up_not_obtained_reason and follow_up_not_obtained_reason not in FOLLOW_UP_NOT_OBTAINED:
        raise ReferralError("Choose why the screen was not obtained", field="follow_up_not_obtained_reason")
    if referral.state is S.IN_SUPPORT and not follow_up_not_obtained_reason:
        missing = closure_screens_missing(referral)
        if missing:
            names = " and the ".join(get_instrument(code).name for code in missing)
            raise ReferralError(
                f"Record a complete closure screen of the {names} (the questions asked at baseline), "
                "or say why it was not obtained",
                field="follow_up_not_obtained_reason",
            )
    follow_up_still_possible = follow_up_not_obtained_reason in FOLLOW_UP_STILL_POSSIBLE
    if referral.follow_up_pending and follow_up_still_possible and contact_again_agreed is None:
        raise ReferralError(
            "Say whether the person agreed to be contacted again for the 3-month follow-up", field="contact_again"
        )
    close(referral, by, reason=reason, summary="Closed", closure_summary=summary)
    referral.contact_again_agreed = contact_again_agreed
    referral.follow_up_not_obtained_reason = follow_up_not_obtained_reason
    place_screens(referral)  # on the follow-ups list only with the person's agreement
    commit()
    return referral


def closure_screens_missing(referral: Referral) -> list[str]:
    """The episode's mandatory baseline instruments with no complete closure screen yet."""
    mandatory = [code for code in episode_baselines(referral) if get_instrument(code).is_mandatory_baseline]
    done = set(
        db.session.scalars(
            select(Screening.instrument_code).where(
                Screening.referral_id == referral.id,
                Screening.occasion == ScreeningOccasion.CLOSURE,
                Screening.complete.is_(True),
            )
        )
    )
    return [code for code in mandatory if code not in done]


@all_or_nothing
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

"""The referral state machine (domain.md 2.3): allowed moves, closure reasons, and committing them."""

from __future__ import annotations

from sqlalchemy.orm.attributes import flag_modified

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import (
    AuditAction,
    Referral,
    ReferralEvent,
    ReferralState,
    User,
)
from navigator.services import audit
from navigator.services.referrals.errors import ConcurrentChange, InvalidTransition, ReferralError
from navigator.services.referrals.notices import tell_referrer
from navigator.services.transactions import commit_or
from navigator.vocabularies import CLOSURE_REASONS

S = ReferralState


# (from, to) -> permissions that may make the move (domain.md 2.3). "System" moves
# (unable to contact) are made by the service itself after a contact attempt.
TRANSITIONS: dict[tuple[ReferralState, ReferralState], frozenset[Permission]] = {
    (S.SUBMITTED, S.ACCEPTED): frozenset({Permission.TRIAGE}),
    (S.SUBMITTED, S.REJECTED): frozenset({Permission.TRIAGE}),
    (S.SUBMITTED, S.REDIRECTED): frozenset({Permission.TRIAGE}),
    (S.SUBMITTED, S.MORE_INFO_REQUESTED): frozenset({Permission.TRIAGE}),
    (S.MORE_INFO_REQUESTED, S.SUBMITTED): frozenset({Permission.SUBMIT_REFERRAL, Permission.TRIAGE}),
    (S.MORE_INFO_REQUESTED, S.REJECTED): frozenset({Permission.TRIAGE}),
    (S.ACCEPTED, S.ALLOCATED): frozenset({Permission.ALLOCATE, Permission.SELF_ALLOCATE}),
    (S.ALLOCATED, S.ALLOCATED): frozenset({Permission.ALLOCATE}),
    (S.ALLOCATED, S.CONTACTING): frozenset({Permission.WORK_CASES}),
    (S.ALLOCATED, S.ENGAGED): frozenset({Permission.WORK_CASES}),
    (S.CONTACTING, S.ENGAGED): frozenset({Permission.WORK_CASES}),
    (S.ALLOCATED, S.CLOSED): frozenset({Permission.WORK_CASES}),
    (S.CONTACTING, S.CLOSED): frozenset({Permission.WORK_CASES}),
    (S.ENGAGED, S.IN_SUPPORT): frozenset({Permission.WORK_CASES}),
    (S.ENGAGED, S.CLOSED): frozenset({Permission.WORK_CASES}),
    (S.IN_SUPPORT, S.CLOSED): frozenset({Permission.WORK_CASES}),
}


# Closure reasons allowed from each state (domain.md 2.3, 2.6).
CLOSURE_REASONS_FROM: dict[ReferralState, frozenset[str]] = {
    S.ALLOCATED: frozenset({"declined"}),
    S.CONTACTING: frozenset({"declined", "unable_to_contact"}),
    S.ENGAGED: frozenset({"declined", "disengaged", "moved_away", "deceased"}),
    S.IN_SUPPORT: frozenset(CLOSURE_REASONS) - {"unable_to_contact"},
}


def check_transition(referral: Referral, to: ReferralState, by: User | None) -> None:
    allowed = TRANSITIONS.get((referral.state, to))
    if allowed is None:
        raise InvalidTransition(
            f"A referral that is {referral.state.label.lower()} cannot be moved to {to.label.lower()}"
        )
    if by is not None and not any(by.can(permission) for permission in allowed):
        raise InvalidTransition(f"You cannot move this referral to {to.label.lower()}")


def move(
    referral: Referral,
    to: ReferralState,
    by: User | None,
    *,
    summary: str,
    referrer_note: str = "",
    reason: str = "",
) -> ReferralEvent:
    """Change state, record it on the timeline and in the audit log (not committed)."""
    check_transition(referral, to, by)
    before = referral.state
    referral.state = to
    event = ReferralEvent(
        referral=referral,
        at=clock.now(),
        by_id=by.id if by else None,
        from_state=before,
        to_state=to,
        summary=summary,
        referrer_note=referrer_note,
    )
    db.session.add(event)
    audit.record(
        AuditAction.STATE_CHANGE,
        "referral",
        referral.id,
        by=by,
        referral_id=referral.id,
        old={"state": before},
        new={"state": to},
        reason=reason or summary,
    )
    return event


def close(referral: Referral, by: User | None, *, reason: str, summary: str, closure_summary: str = "") -> None:
    allowed = CLOSURE_REASONS_FROM.get(referral.state, frozenset())
    if reason not in allowed:
        raise InvalidTransition(
            f"A referral that is {referral.state.label.lower()} cannot be closed as "
            f"“{CLOSURE_REASONS.get(reason, reason).lower()}”"
        )
    text = CLOSURE_REASONS[reason] + (f". {closure_summary}" if closure_summary else "")
    move(referral, S.CLOSED, by, summary=summary, referrer_note=text, reason=CLOSURE_REASONS[reason])
    referral.closure_reason = reason
    referral.closure_summary = closure_summary
    tell_referrer(referral, "closed", f"The referral has been closed. {text}")


def commit(message: str = "Someone else changed this referral at the same time. Check it and try again") -> None:
    """Commit the change, or undo it and raise ConcurrentChange when someone else's got there first."""
    commit_or(lambda: ConcurrentChange(message))


def expect_version(referral: Referral, expected_version: int | None) -> None:
    if expected_version is not None and referral.version != expected_version:
        raise ConcurrentChange("This referral changed while you were looking at it. Check what changed and try again")


def hold(referral: Referral) -> None:
    """Bump the referral's version although its state may not change, for a change that
    depends on what else is on the case (how many attempts failed): two at once cannot both
    count the same and both be stored; the second gets ConcurrentChange at commit."""
    referral.updated_at = clock.now()
    flag_modified(referral, "updated_at")


def require_open(referral: Referral) -> None:
    if referral.state.is_final:
        raise ReferralError("This referral is closed. Start a new referral to work with the person again")

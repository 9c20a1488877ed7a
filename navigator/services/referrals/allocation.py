"""Allocation (domain.md 2.3): giving accepted referrals to navigators within their caseload cap."""

from __future__ import annotations

import uuid

from flask import current_app
from sqlalchemy import func, select

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import AuditAction, Referral, User
from navigator.models.referrals import OPEN_CASE_STATES
from navigator.services import audit
from navigator.services.mail import queue_mail
from navigator.services.referrals.access import get_referral
from navigator.services.referrals.errors import InvalidTransition, ReferralError
from navigator.services.referrals.lifecycle import S, commit, expect_version, move


def caseloads() -> list[tuple[User, int]]:
    """Active navigators with the number of open cases each holds."""
    open_cases = (
        select(Referral.navigator_id, func.count(Referral.id).label("n"))
        .where(Referral.state.in_(OPEN_CASE_STATES))
        .group_by(Referral.navigator_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, func.coalesce(open_cases.c.n, 0))
        .outerjoin(open_cases, open_cases.c.navigator_id == User.id)
        .where(User.active.is_(True))
        .order_by(User.name)
    ).all()
    return [
        (user, int(count)) for user, count in rows if user.can(Permission.WORK_CASES) and user.has_role("navigator")
    ]


def open_case_count(navigator_id: uuid.UUID) -> int:
    """How many open cases this navigator holds (what the caseload cap limits)."""
    query = select(func.count(Referral.id)).where(
        Referral.navigator_id == navigator_id, Referral.state.in_(OPEN_CASE_STATES)
    )
    return db.session.scalar(query) or 0


def caseload_cap(user: User) -> int:
    return user.caseload_cap or current_app.config["DEFAULT_CASELOAD_CAP"]


def allocate_referral(
    referral_id: uuid.UUID,
    navigator_id: uuid.UUID,
    *,
    by: User,
    expected_version: int | None = None,
    reason: str = "",
) -> Referral:
    """Give a referral to a navigator. Of two people allocating at once exactly one wins;
    the other gets ConcurrentChange."""
    referral = get_referral(referral_id, by, audit_view=False)
    expect_version(referral, expected_version)
    navigator = db.session.get(User, navigator_id)
    if navigator is None or not navigator.active or not navigator.has_role("navigator"):
        raise ReferralError("Choose a navigator from the list")
    if not by.can(Permission.ALLOCATE):
        if not (current_app.config["NAVIGATOR_SELF_ALLOCATION"] and by.can(Permission.SELF_ALLOCATE)):
            raise InvalidTransition("You cannot allocate referrals")
        if navigator.id != by.id:
            raise InvalidTransition("You can only take referrals for yourself")
    if referral.state is S.ALLOCATED and not reason.strip():
        raise ReferralError("Give a reason for re-allocating this referral")
    load = open_case_count(navigator.id)
    if referral.navigator_id != navigator.id and load >= caseload_cap(navigator):
        raise ReferralError(f"{navigator.name} already has a full caseload ({load} open cases)")
    previous = referral.navigator
    summary = f"Allocated to {navigator.name}" if previous is None else f"Re-allocated to {navigator.name}"
    move(referral, S.ALLOCATED, by, summary=summary, reason=reason)
    referral.navigator_id = navigator.id
    referral.allocated_at = clock.now()
    audit.record(
        AuditAction.UPDATE,
        "referral",
        referral.id,
        by=by,
        referral_id=referral.id,
        old={"navigator": previous.email if previous else None},
        new={"navigator": navigator.email},
        reason=reason,
    )
    if navigator.id != by.id:
        queue_mail(
            navigator.email,
            f"Referral {referral.reference} allocated to you",
            f"Referral {referral.reference} has been allocated to you. Sign in to Community Navigator to see it.",
        )
    commit("Someone else allocated this referral at the same moment. It was not changed: check who has it now")
    return referral

"""The lists staff work from: triage, unallocated, caseloads, team referrals, follow-ups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import Referral, Screening, ScreeningOccasion, User
from navigator.models.referrals import OPEN_CASE_STATES
from navigator.services.referrals.access import can_work_case, visible_referrals
from navigator.services.referrals.lifecycle import S


def unallocated_queue(user: User) -> list[Referral]:
    query = visible_referrals(user).where(Referral.state == S.ACCEPTED).order_by(Referral.submitted_at)
    return list(db.session.scalars(query))


def triage_queue(user: User) -> list[Referral]:
    if not user.can(Permission.TRIAGE):
        return []
    query = select(Referral).where(Referral.state == S.SUBMITTED).order_by(Referral.submitted_at)
    return list(db.session.scalars(query))


def caseload(user: User) -> list[Referral]:
    query = (
        select(Referral)
        .where(Referral.navigator_id == user.id, Referral.state.in_(OPEN_CASE_STATES))
        .order_by(Referral.submitted_at)
    )
    return list(db.session.scalars(query))


def team_referrals(user: User) -> list[Referral]:
    if not user.teams:
        return []
    query = (
        select(Referral).where(Referral.team_id.in_([t.id for t in user.teams])).order_by(Referral.submitted_at.desc())
    )
    return list(db.session.scalars(query))


def due_for_follow_up(user: User, *, on: date | None = None) -> list[Referral]:
    day = on or clock.today()
    query = (
        visible_referrals(user)
        .where(Referral.state == S.CLOSED, Referral.follow_up_due.is_not(None), Referral.follow_up_due <= day)
        .order_by(Referral.follow_up_due)
    )
    referrals = list(db.session.scalars(query))
    done = set(
        db.session.scalars(
            select(Screening.referral_id).where(
                Screening.occasion == ScreeningOccasion.FOLLOW_UP,
                Screening.referral_id.in_([r.id for r in referrals]),
            )
        )
    )
    return [r for r in referrals if r.id not in done and can_work_case(user, r)]

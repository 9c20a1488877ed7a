"""The lists staff work from: triage, unallocated, caseloads, team referrals, follow-ups.

Each list is one page of one query, filtered and ordered in SQL on an index that matches
(models/referrals.py), with a COUNT of the same filters: fast at 1,000,000 referrals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import ColumnElement, Select, case, exists, false, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.clock import in_london
from navigator.extensions import db
from navigator.models import (
    Person,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralState,
    Screening,
    ScreeningOccasion,
    Team,
    User,
    Ward,
)
from navigator.models.referrals import OPEN_CASE_STATES
from navigator.services.paging import Page, paginate
from navigator.services.referrals.access import visible_referrals
from navigator.services.referrals.lifecycle import S
from navigator.services.referrals.triage import AwaitingAnswer, awaiting_answer


@dataclass(frozen=True)
class ListFilters:
    """What a list is narrowed to; None (or empty) means any. Values are checked by the
    page's form: an unknown one here simply matches nothing."""

    states: frozenset[ReferralState] = frozenset()
    source_code: str | None = None
    team_id: uuid.UUID | None = None
    ward_code: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None


NO_FILTERS = ListFilters()
# Counting follow-ups looks up each closed case's screens: the count stops here ("more than").
FOLLOW_UPS_COUNTED = 1000


def _filtered(query: Select[tuple[Referral]], filters: ListFilters) -> Select[tuple[Referral]]:
    if filters.states:
        query = query.where(Referral.state.in_(sorted(filters.states, key=lambda s: s.value)))
    if filters.source_code:
        query = query.where(Referral.source_code == filters.source_code)
    if filters.team_id:
        query = query.where(Referral.team_id == filters.team_id)
    if filters.ward_code:
        query = query.where(Referral.person_id.in_(select(Person.id).where(Person.ward_code == filters.ward_code)))
    if filters.submitted_from:
        query = query.where(Referral.submitted_at >= in_london(filters.submitted_from))
    if filters.submitted_to:
        query = query.where(Referral.submitted_at <= in_london(filters.submitted_to, time.max))
    return query


def is_urgent() -> case[int]:
    """0 for a referral with a safeguarding concern or a risk flagged, else 1: sorts them first."""
    flagged = or_(Referral.safeguarding_concern, Referral.lone_working_risk, Referral.risk_to_self_or_others)
    return case((flagged, 0), else_=1)


def triage_queue(user: User, filters: ListFilters = NO_FILTERS, *, page: int = 1, size: int = 25) -> Page[Referral]:
    """Referrals waiting for a decision: urgent ones (safeguarding or risk flagged) first,
    then longest waiting first."""
    if not user.can(Permission.TRIAGE):
        return paginate(select(Referral).where(false()).order_by(Referral.submitted_at), page, size)
    query = _filtered(select(Referral).where(Referral.state == S.SUBMITTED), filters)
    query = query.order_by(is_urgent(), Referral.submitted_at).options(joinedload(Referral.team))
    return paginate(query, page, size)


def awaiting_answers(user: User, *, page: int = 1, size: int = 25) -> Page[AwaitingAnswer]:
    """Referrals waiting for the referrer's answer, asked longest ago first (for triage)."""
    asked_at = (
        select(ReferralEvent.at)
        .where(ReferralEvent.referral_id == Referral.id, ReferralEvent.to_state == S.MORE_INFO_REQUESTED)
        .order_by(ReferralEvent.at.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = select(Referral).where(Referral.state == S.MORE_INFO_REQUESTED)
    if not user.can(Permission.TRIAGE):
        query = query.where(false())
    found = paginate(query.order_by(asked_at, Referral.submitted_at).options(selectinload(Referral.events)), page, size)
    return Page([awaiting_answer(r) for r in found.items], found.number, found.size, found.total, found.asked)


def unallocated_queue(
    user: User, filters: ListFilters = NO_FILTERS, *, page: int = 1, size: int = 25
) -> Page[Referral]:
    """Accepted referrals waiting for a navigator, longest waiting first."""
    query = _filtered(visible_referrals(user).where(Referral.state == S.ACCEPTED), filters)
    return paginate(query.order_by(Referral.submitted_at).options(joinedload(Referral.team)), page, size)


def caseload(user: User) -> list[Referral]:
    """The navigator's open cases (at most their caseload cap: not paged)."""
    query = (
        select(Referral)
        .where(Referral.navigator_id == user.id, Referral.state.in_(OPEN_CASE_STATES))
        .order_by(Referral.submitted_at)
    )
    return list(db.session.scalars(query))


def team_referrals(user: User, filters: ListFilters = NO_FILTERS, *, page: int = 1, size: int = 25) -> Page[Referral]:
    """Referrals made by the user's teams, newest first."""
    team_ids = sorted(user.team_ids)
    if filters.team_id is not None:
        team_ids = [filters.team_id] if filters.team_id in team_ids else []
    if len(team_ids) == 1:
        query = select(Referral).where(Referral.team_id == team_ids[0])
    else:
        query = select(Referral).where(Referral.team_id.in_(team_ids) if team_ids else false())
    query = _filtered(query, ListFilters(**{**filters.__dict__, "team_id": None}))
    return paginate(query.order_by(Referral.submitted_at.desc()).options(joinedload(Referral.team)), page, size)


def due_for_follow_up(user: User, *, on: date | None = None, page: int = 1, size: int = 25) -> Page[Referral]:
    """Closed cases the user works whose follow-up screen is due and not yet recorded,
    longest overdue first: one query, the need-to-know rule in SQL (domain.md 1.3)."""
    day = on or clock.today()
    screened = exists().where(Screening.referral_id == Referral.id, Screening.occasion == ScreeningOccasion.FOLLOW_UP)
    query = visible_referrals(user).where(
        Referral.state == S.CLOSED,
        Referral.follow_up_due.is_not(None),
        Referral.follow_up_due <= day,
        ~screened,
        _works_cases_of(user),
    )
    query = query.order_by(Referral.follow_up_due).options(joinedload(Referral.navigator))
    return paginate(query, page, size, count_at_most=FOLLOW_UPS_COUNTED)


def _works_cases_of(user: User) -> ColumnElement[bool]:
    """can_work_case in SQL: team leads work any case, navigators their own."""
    if not user.can(Permission.WORK_CASES):
        return false()
    if user.can(Permission.VIEW_ALL_REFERRALS):
        return true()
    return Referral.navigator_id == user.id


# -- what the lists can be narrowed to ------------------------------------------------------


def referral_sources() -> list[tuple[str, str]]:
    """Every referral source (retired ones too: old referrals still carry them), in form order."""
    rows = db.session.execute(select(ReferralSource.code, ReferralSource.name).order_by(ReferralSource.position))
    return [(code, name) for code, name in rows]


def referring_teams() -> list[tuple[uuid.UUID, str]]:
    """Teams that make referrals (the navigation team does not), by name."""
    rows = db.session.execute(select(Team.id, Team.name).where(Team.source_code.is_not(None)).order_by(Team.name))
    return [(team_id, name) for team_id, name in rows]


def wards() -> list[tuple[str, str]]:
    """The wards people live in, by name."""
    return [(ward.code, ward.display_name) for ward in db.session.scalars(select(Ward).order_by(Ward.name))]

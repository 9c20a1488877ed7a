"""The lists staff work from: triage, unallocated, caseloads, team referrals, follow-ups.

Each list is one page of one query, filtered and ordered in SQL on an index that matches
(models/referrals.py), with a COUNT of the same filters: fast at 1,000,000 referrals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, case, false, or_, select, true, union_all
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
    Team,
    User,
    Ward,
)
from navigator.models.referrals import OPEN_CASE_STATES
from navigator.services.paging import Page, paginate
from navigator.services.referrals.access import visible_referrals
from navigator.services.referrals.lifecycle import S
from navigator.services.referrals.pairs import follow_up_schedule
from navigator.services.referrals.triage import AwaitingAnswer, awaiting_answer

QueryT = TypeVar("QueryT", bound=Select)  # type: ignore[type-arg]  # any columns


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


def _filtered(query: QueryT, filters: ListFilters) -> QueryT:
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


def is_urgent() -> ColumnElement[int]:
    """0 for a referral with a safeguarding concern or a risk flagged, else 1: sorts them first."""
    flagged = or_(Referral.safeguarding_concern, Referral.lone_working_risk, Referral.risk_to_self_or_others)
    return case((flagged, 0), else_=1)


def triage_queue(user: User, filters: ListFilters = NO_FILTERS, *, page: int = 1, size: int = 25) -> Page[Referral]:
    """Referrals waiting for a decision: urgent ones (safeguarding or risk flagged) first,
    then longest waiting first."""
    if not user.can(Permission.TRIAGE):
        return paginate(select(Referral).where(false()).order_by(Referral.submitted_at), page, size)
    query = _filtered(select(Referral).where(Referral.state == S.SUBMITTED), filters)
    # Ordered in SQL; the state's index carries the flags, so the order costs no row reads.
    query = query.order_by(is_urgent(), Referral.submitted_at, Referral.id).options(joinedload(Referral.team))
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
    query = query.order_by(asked_at, Referral.submitted_at, Referral.id).options(selectinload(Referral.events))
    found = paginate(query, page, size)
    return Page([awaiting_answer(r) for r in found.items], found.number, found.size, found.total, found.asked)


def unallocated_queue(
    user: User, filters: ListFilters = NO_FILTERS, *, page: int = 1, size: int = 25
) -> Page[Referral]:
    """Accepted referrals waiting for a navigator, longest waiting first."""
    if user.can(Permission.VIEW_ALL_REFERRALS) or user.can(Permission.VIEW_QUEUE):
        # visible_referrals lets them see every accepted referral: said plainly, the index serves it.
        query = select(Referral).where(Referral.state == S.ACCEPTED)
    else:
        query = visible_referrals(user).where(Referral.state == S.ACCEPTED)
    query = _filtered(query, filters).order_by(Referral.submitted_at, Referral.id)
    return paginate(query.options(joinedload(Referral.team)), page, size)


def caseload(user: User) -> list[Referral]:
    """The navigator's open cases (at most their caseload cap: not paged)."""
    query = (
        select(Referral)
        .where(Referral.navigator_id == user.id, Referral.state.in_(OPEN_CASE_STATES))
        .order_by(Referral.submitted_at)
    )
    return list(db.session.scalars(query))


def team_referrals(user: User, filters: ListFilters = NO_FILTERS, *, page: int = 1, size: int = 25) -> Page[Referral]:
    """Referrals made by the user's teams, newest first. For someone in several teams the
    page is merged from each team's newest referrals, each read in order from the team's
    index, never from all their teams' rows sorted."""
    team_ids = sorted(user.team_ids)
    if filters.team_id is not None:
        team_ids = [filters.team_id] if filters.team_id in team_ids else []
    rest = ListFilters(**{**filters.__dict__, "team_id": None})
    if len(team_ids) == 1:
        query = select(Referral).where(Referral.team_id == team_ids[0])
    else:
        query = select(Referral).where(Referral.team_id.in_(team_ids) if team_ids else false())
    newest_first = (Referral.submitted_at.desc(), Referral.id.desc())
    query = _filtered(query, rest).order_by(*newest_first).options(joinedload(Referral.team))
    if len(team_ids) < 2:  # one team: its index serves the list as it is
        return paginate(query, page, size)

    def merged(limit: int, offset: int) -> Select[tuple[uuid.UUID]]:
        each = [
            _filtered(select(Referral.id, Referral.submitted_at).where(Referral.team_id == team_id), rest)
            .order_by(*newest_first)
            .limit(offset + limit)
            .subquery()
            for team_id in team_ids
        ]
        teams = union_all(*(select(part.c.id, part.c.submitted_at) for part in each)).subquery()
        return select(teams.c.id).order_by(teams.c.submitted_at.desc(), teams.c.id.desc()).limit(limit).offset(offset)

    return paginate(query, page, size, ids=merged)


# Follow-ups counted past the page asked for before the count says "more than" (40 pages).
FOLLOW_UPS_COUNTED_AHEAD = 1000


def due_for_follow_up(user: User, *, on: date | None = None, page: int = 1, size: int = 25) -> Page[Referral]:
    """Cases the user works whose 3-month follow-up screen can be taken now (its window has
    opened) and is not yet recorded: open cases, and closed ones whose person agreed to be
    contacted again (pairs.py keeps referrals.follow_up_pending). Longest overdue first: both
    the page and its count read only the index of pending follow-ups, the need-to-know rule in
    SQL (domain.md 1.3). The count is exact up to FOLLOW_UPS_COUNTED_AHEAD rows past the page,
    then "more than": a team lead sees every case in the service, tens of thousands due at
    1,000,000 referrals, and counting them all would cost each page more than the page itself."""
    day = on or clock.today()
    window_open = Referral.follow_up_due <= day + follow_up_schedule().window
    query = _follow_ups_seen_by(user).where(Referral.follow_up_pending, window_open)
    query = query.order_by(Referral.follow_up_due, Referral.id).options(joinedload(Referral.navigator))
    return paginate(query, page, size, count_ahead=FOLLOW_UPS_COUNTED_AHEAD)


def _follow_ups_seen_by(user: User) -> Select[Any]:
    """Referrals the user may see (visible_referrals) and work (can_work_case), said so that
    the index on pending follow-ups answers it: a team lead sees and works every case; a
    navigator's own cases are visible to them, so "works" alone is the rule."""
    works = _works_cases_of(user)
    own_cases = not user.can(Permission.VIEW_ALL_REFERRALS) and user.can(Permission.VIEW_CASELOAD)
    if own_cases and user.can(Permission.WORK_CASES):
        return select(Referral).where(works)
    return visible_referrals(user).where(works)


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


def referring_teams(
    *, with_referrals_in: ReferralState | None = None, including: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, str]]:
    """Teams that make referrals (the navigation team does not), by name. With a state, only
    teams with referrals in that state (a queue's filter offers what it can show: a county
    has hundreds of teams, a queue a few), and the team `including` names, if any."""
    query = select(Team.id, Team.name).where(Team.source_code.is_not(None)).order_by(Team.name)
    if with_referrals_in is not None:
        waiting = select(Referral.team_id).where(Referral.state == with_referrals_in, Referral.team_id.is_not(None))
        query = query.where(or_(Team.id.in_(waiting), Team.id == including) if including else Team.id.in_(waiting))
    return [(team_id, name) for team_id, name in db.session.execute(query)]


def wards() -> list[tuple[str, str]]:
    """The wards people live in, by name."""
    return [(ward.code, ward.display_name) for ward in db.session.scalars(select(Ward).order_by(Ward.name))]

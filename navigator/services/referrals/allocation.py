"""Allocation (domain.md 2.3): giving accepted referrals to navigators within their caseload cap."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import AuditAction, Referral, ReferralState, RolePermission, Team, User
from navigator.models.people import team_members, user_roles
from navigator.models.referrals import OPEN_CASE_STATES
from navigator.services import audit
from navigator.services.mail import queue_mail
from navigator.services.paging import Page, paginate
from navigator.services.referrals.access import get_referral
from navigator.services.referrals.errors import InvalidTransition, ReferralError
from navigator.services.referrals.lifecycle import S, commit, expect_version, move
from navigator.services.transactions import all_or_nothing


@dataclass(frozen=True)
class NavigatorLoad:
    """An active navigator and their open cases, by state."""

    user: User
    open_cases: dict[ReferralState, int]

    @property
    def total(self) -> int:
        return sum(self.open_cases.values())


def navigator_teams() -> list[Team]:
    """Teams with active navigators in them: what the caseload lists can be narrowed to."""
    has_navigators = _navigators(select(team_members.c.team_id).join(User, User.id == team_members.c.user_id))
    return list(
        db.session.scalars(select(Team).where(Team.active.is_(True), Team.id.in_(has_navigators)).order_by(Team.name))
    )


QueryT = TypeVar("QueryT", bound=Select)  # type: ignore[type-arg]  # any columns


def _navigators(query: QueryT) -> QueryT:
    """Narrow a query over User to active navigators: the navigator role, held by an account
    whose roles let it work cases. Said as a join on the role, so a county's thousand
    navigators are read from the role's rows once, not each looked up row by row."""
    query = query.join(
        user_roles, and_(user_roles.c.user_id == User.id, user_roles.c.role_code == NAVIGATOR_ROLE)
    ).where(User.active.is_(True))
    if _role_works_cases(NAVIGATOR_ROLE):
        return query  # as set up: the role itself lets its holders work cases
    other_role = user_roles.alias("working_role")
    return query.where(
        exists().where(
            other_role.c.user_id == User.id,
            RolePermission.role_code == other_role.c.role_code,
            RolePermission.permission == Permission.WORK_CASES,
        )
    )


def _role_works_cases(role_code: str) -> bool:
    granted = select(RolePermission.role_code).where(
        RolePermission.role_code == role_code, RolePermission.permission == Permission.WORK_CASES
    )
    return db.session.scalar(granted) is not None


NAVIGATOR_ROLE = "navigator"


def caseloads(*, viewer: User, team_id: uuid.UUID | None = None, page: int = 1, size: int = 25) -> Page[NavigatorLoad]:
    """Active navigators (of one team, if given) with their open cases by state: the
    viewer's own teams' navigators first, then by name."""
    query = _navigators(select(User))
    if team_id is not None:
        query = query.where(exists().where(team_members.c.user_id == User.id, team_members.c.team_id == team_id))
    order: list[ColumnElement[object]] = []
    if viewer.team_ids:
        in_own_team = exists().where(
            team_members.c.user_id == User.id, team_members.c.team_id.in_(sorted(viewer.team_ids))
        )
        order.append(case((in_own_team, 0), else_=1))
    found = paginate(query.order_by(*order, User.name, User.id), page, size)
    counts: dict[uuid.UUID, dict[ReferralState, int]] = {user.id: {} for user in found.items}
    if counts:
        rows = db.session.execute(
            select(Referral.navigator_id, Referral.state, func.count())
            .where(Referral.navigator_id.in_(list(counts)), Referral.state.in_(sorted(OPEN_CASE_STATES, key=str)))
            .group_by(Referral.navigator_id, Referral.state)
        )
        for navigator_id, state, count in rows:
            if navigator_id is not None:
                counts[navigator_id][state] = int(count)
    loads = [NavigatorLoad(user, counts[user.id]) for user in found.items]
    return Page(loads, found.number, found.size, found.total, found.asked)


def open_case_count(navigator_id: uuid.UUID) -> int:
    """How many open cases this navigator holds (what the caseload cap limits)."""
    query = select(func.count(Referral.id)).where(
        Referral.navigator_id == navigator_id, Referral.state.in_(OPEN_CASE_STATES)
    )
    return db.session.scalar(query) or 0


def caseload_cap(user: User) -> int:
    return user.caseload_cap or current_app.config["DEFAULT_CASELOAD_CAP"]


@all_or_nothing
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

"""Need to know (domain.md 1.3): which referrals a user may see and which cases they may work."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, false, or_, select

from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import AuditAction, Referral, User
from navigator.services import audit
from navigator.services.referrals.errors import NotFound, ReferralError
from navigator.services.referrals.lifecycle import S
from navigator.services.referrals.notices import tell_team_leads


def visible_referrals(user: User) -> Select[Referral]:
    """Referrals this user may see (domain.md 1.3)."""
    query = select(Referral)
    if user.can(Permission.VIEW_ALL_REFERRALS):
        return query
    conditions: list[ColumnElement[bool]] = []
    if user.can(Permission.VIEW_TEAM_REFERRALS) and user.teams:
        conditions.append(Referral.team_id.in_([team.id for team in user.teams]))
    if user.can(Permission.VIEW_CASELOAD):
        conditions.append(Referral.navigator_id == user.id)
    if user.can(Permission.VIEW_QUEUE):
        conditions.append(Referral.state == S.ACCEPTED)
    if not conditions:
        return query.where(false())  # nothing visible
    return query.where(or_(*conditions))


def can_work_case(user: User, referral: Referral) -> bool:
    """Navigators work their own caseload; team leads work any case."""
    if not user.can(Permission.WORK_CASES):
        return False
    return user.can(Permission.VIEW_ALL_REFERRALS) or referral.navigator_id == user.id


def is_referrer_view(user: User, referral: Referral) -> bool:
    """True when the user sees this referral only as its referrer (status, no case detail)."""
    return not (
        user.can(Permission.VIEW_ALL_REFERRALS) or referral.navigator_id == user.id or _in_queue(user, referral)
    )


def _in_queue(user: User, referral: Referral) -> bool:
    return user.can(Permission.VIEW_QUEUE) and referral.state is S.ACCEPTED


def get_referral(referral_id: uuid.UUID, user: User, *, audit_view: bool = True) -> Referral:
    """Fetch a referral the user may see, recording the read. Raises NotFound otherwise."""
    referral = db.session.scalar(visible_referrals(user).where(Referral.id == referral_id))
    if referral is None:
        raise NotFound()
    if audit_view:
        audit.record(AuditAction.VIEW, "referral", referral.id, by=user, referral_id=referral.id)
        db.session.commit()
    return referral


BREAK_GLASS_MIN_REASON = 20


def break_glass_read(reference: str, *, by: User, reason: str) -> Referral:
    """A system admin reads one referral outside their normal access (domain.md 1.3 rule 4):
    the reason is required, the read is audited and the team leads are told."""
    if not by.can(Permission.BREAK_GLASS):
        raise NotFound()
    if len(reason.strip()) < BREAK_GLASS_MIN_REASON:
        raise ReferralError(f"Explain why you need to read this record ({BREAK_GLASS_MIN_REASON} characters or more)")
    referral = db.session.scalar(select(Referral).where(Referral.reference == reference.strip().upper()))
    if referral is None:
        raise ReferralError("There is no referral with that reference")
    audit.record(
        AuditAction.BREAK_GLASS, "referral", referral.id, by=by, referral_id=referral.id, reason=reason.strip()
    )
    tell_team_leads(
        f"Break-glass access to {referral.reference}",
        f"{by.name} ({by.email}) read referral {referral.reference} under break-glass access.\n"
        f"Reason given: {reason.strip()}",
    )
    db.session.commit()
    return referral


def get_case(referral_id: uuid.UUID, user: User) -> Referral:
    referral = get_referral(referral_id, user, audit_view=False)
    if not can_work_case(user, referral):
        raise NotFound()
    return referral

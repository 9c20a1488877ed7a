"""Unmet need (domain.md 2.5, 7.3): when nothing suitable exists, the navigator records the
need, the ward and what stands in the way. Entries can be corrected, marked resolved, or
withdrawn when recorded in error (kept, but left out of the case page and reports). Every
change is audited with what changed; the note is case text and never goes in the audit log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from navigator import clock
from navigator.extensions import db
from navigator.models import AuditAction, Referral, ReferralEvent, UnmetNeed, UnmetNeedStatus, User, Ward
from navigator.services import audit
from navigator.services.referrals.access import get_case
from navigator.services.referrals.errors import ConcurrentChange, InvalidTransition, NotFound, ReferralError
from navigator.services.referrals.lifecycle import S, commit
from navigator.services.transactions import all_or_nothing
from navigator.vocabularies import NEEDS, UNMET_NEED_CONSTRAINTS

MAX_NOTE = 2000
# Recorded while working with the person, and at closure (a gap is often clearest then).
UNMET_NEED_STATES = frozenset({S.ENGAGED, S.IN_SUPPORT, S.CLOSED})


class UnmetNeedError(ReferralError):
    """Bad input, with the field it is about (need, ward_code, constraint, note or status)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class UnmetNeedDetails:
    need: str
    ward_code: str
    constraint: str
    note: str = ""


def _check(details: UnmetNeedDetails) -> UnmetNeedDetails:
    if details.need not in NEEDS:
        raise UnmetNeedError("need", "Choose the need that could not be met")
    if not details.ward_code or db.session.get(Ward, details.ward_code) is None:
        raise UnmetNeedError("ward_code", "Choose the ward where nothing suitable was found")
    if details.constraint not in UNMET_NEED_CONSTRAINTS:
        raise UnmetNeedError("constraint", "Choose what stands in the way")
    note = details.note.strip()
    if len(note) > MAX_NOTE:
        raise UnmetNeedError("note", f"The note must be {MAX_NOTE} characters or fewer")
    return UnmetNeedDetails(details.need, details.ward_code, details.constraint, note)


def _was_engaged(referral: Referral) -> bool:
    return bool(
        db.session.scalar(
            select(exists().where(ReferralEvent.referral_id == referral.id, ReferralEvent.to_state == S.ENGAGED))
        )
    )


def can_record_unmet_need(referral: Referral) -> bool:
    """While the person is engaged or in support, and after closure if they were engaged."""
    if referral.state not in UNMET_NEED_STATES:
        return False
    return referral.state is not S.CLOSED or _was_engaged(referral)


def _require_recordable(referral: Referral) -> None:
    if not can_record_unmet_need(referral):
        raise InvalidTransition("Unmet need is recorded once the person is engaged with a navigator")


@all_or_nothing
def add_unmet_need(referral_id: uuid.UUID, *, by: User, details: UnmetNeedDetails) -> UnmetNeed:
    """Record that nothing suitable exists for one of the person's needs. Audited."""
    referral = get_case(referral_id, by)
    _require_recordable(referral)
    checked = _check(details)
    entry = UnmetNeed(
        id=uuid.uuid4(),
        referral=referral,
        need=checked.need,
        ward_code=checked.ward_code,
        constraint=checked.constraint,
        note=checked.note,
        status=UnmetNeedStatus.STILL_UNMET,
        recorded_by_id=by.id,
        recorded_at=clock.now(),
    )
    db.session.add(entry)
    audit.record(
        AuditAction.CREATE,
        "unmet_need",
        entry.id,
        by=by,
        referral_id=referral.id,
        new={
            "need": checked.need,
            "ward_code": checked.ward_code,
            "constraint": checked.constraint,
            "status": UnmetNeedStatus.STILL_UNMET,
            "with_note": bool(checked.note),
        },
    )
    commit()
    return entry


def get_unmet_need(unmet_need_id: uuid.UUID, by: User) -> UnmetNeed:
    """An entry on a case this user may work, not withdrawn. NotFound otherwise."""
    entry = db.session.get(UnmetNeed, unmet_need_id)
    if entry is None or entry.status is UnmetNeedStatus.WITHDRAWN:
        raise NotFound()
    get_case(entry.referral_id, by)
    return entry


def _expect_revision(entry: UnmetNeed, revision: int | None) -> None:
    if revision is not None and entry.revision != revision:
        raise ConcurrentChange(
            audit.changed_after_opened("This unmet need", "unmet_need", entry.id, "Check it and try again")
        )


@all_or_nothing
def update_unmet_need(
    unmet_need_id: uuid.UUID,
    *,
    by: User,
    details: UnmetNeedDetails,
    status: UnmetNeedStatus,
    revision: int | None = None,
) -> UnmetNeed:
    """Correct an entry or mark it resolved; `revision` is the one the page showed. Audited
    with the values that changed (the note only as "changed")."""
    entry = get_unmet_need(unmet_need_id, by)
    referral = get_case(entry.referral_id, by)
    _require_recordable(referral)
    _expect_revision(entry, revision)
    checked = _check(details)
    if status not in (UnmetNeedStatus.STILL_UNMET, UnmetNeedStatus.RESOLVED):
        raise UnmetNeedError("status", "Choose whether the need is still unmet or resolved")
    old: dict[str, object] = {}
    new: dict[str, object] = {}
    for name, value in (
        ("need", checked.need),
        ("ward_code", checked.ward_code),
        ("constraint", checked.constraint),
        ("status", status),
    ):
        if getattr(entry, name) != value:
            old[name], new[name] = getattr(entry, name), value
            setattr(entry, name, value)
    if entry.note != checked.note:
        new["note_changed"] = True
        entry.note = checked.note
    if not new:
        return entry
    audit.record(AuditAction.UPDATE, "unmet_need", entry.id, by=by, referral_id=referral.id, old=old, new=new)
    commit()
    return entry


@all_or_nothing
def withdraw_unmet_need(unmet_need_id: uuid.UUID, *, by: User, revision: int | None = None) -> UnmetNeed:
    """Withdraw an entry recorded in error: kept, with its audit trail, but no longer shown
    on the case or counted in reports."""
    entry = get_unmet_need(unmet_need_id, by)
    referral = get_case(entry.referral_id, by)
    _require_recordable(referral)
    _expect_revision(entry, revision)
    before = entry.status
    entry.status = UnmetNeedStatus.WITHDRAWN
    audit.record(
        AuditAction.UPDATE,
        "unmet_need",
        entry.id,
        by=by,
        referral_id=referral.id,
        old={"status": before},
        new={"status": UnmetNeedStatus.WITHDRAWN},
        reason="Recorded in error",
    )
    commit()
    return entry


def unmet_needs_for(referral: Referral) -> list[UnmetNeed]:
    """The entries on a case, oldest first, without withdrawn ones."""
    return list(
        db.session.scalars(
            select(UnmetNeed)
            .where(UnmetNeed.referral_id == referral.id, UnmetNeed.status != UnmetNeedStatus.WITHDRAWN)
            .options(selectinload(UnmetNeed.ward), selectinload(UnmetNeed.recorded_by))
            .order_by(UnmetNeed.recorded_at)
        )
    )


@dataclass(frozen=True)
class UnmetNeedCount:
    ward_code: str
    need: str
    constraint: str
    entries: int


def unmet_need_counts(start: date, end: date) -> list[UnmetNeedCount]:
    """Unmet-need entries recorded from `start` to `end` (London days, both included) by
    ward, need and constraint, withdrawn ones left out (domain.md 7.3): counted by the database."""
    since, until = clock.in_london(start), clock.in_london(end + timedelta(days=1))
    rows = db.session.execute(
        select(UnmetNeed.ward_code, UnmetNeed.need, UnmetNeed.constraint, func.count(UnmetNeed.id))
        .where(
            UnmetNeed.recorded_at >= since,
            UnmetNeed.recorded_at < until,
            UnmetNeed.status != UnmetNeedStatus.WITHDRAWN,
        )
        .group_by(UnmetNeed.ward_code, UnmetNeed.need, UnmetNeed.constraint)
        .order_by(UnmetNeed.ward_code, UnmetNeed.need, UnmetNeed.constraint)
    )
    return [UnmetNeedCount(ward, need, constraint, int(entries)) for ward, need, constraint, entries in rows]

"""The navigator's view and change of a case's monitoring answers, and the target groups of
one case or of many people at once.

Need to know (domain.md 1.3): only staff who may work the case (its navigator, a team lead)
see or change the answers; anyone else gets NotFound, as if the case did not exist. Reads and
changes are audited like other case records, naming the answers that changed, never their values.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from navigator import clock
from navigator.extensions import db
from navigator.models import AuditAction, EqualityMonitoring, Person, Referral, User
from navigator.monitoring.answers import MonitoringAnswers, answers_row, checked, stage
from navigator.monitoring.target_groups import DerivedGroup, Facts, derive
from navigator.services import audit
from navigator.services.referrals import get_case
from navigator.services.referrals.lifecycle import commit
from navigator.services.transactions import all_or_nothing

RECORD_TYPE = "equality_monitoring"
# People read a batch at a time, so no query has more parameters than a database allows.
BATCH = 500


def case_answers(referral_id: uuid.UUID, *, by: User) -> tuple[Referral, MonitoringAnswers]:
    """The case and its person's answers, for the navigator to read or change; the read is audited."""
    referral = get_case(referral_id, by)
    row = answers_row(referral.person_id)
    audit.record(AuditAction.VIEW, RECORD_TYPE, referral.person_id, by=by, referral_id=referral.id)
    db.session.commit()
    return referral, MonitoringAnswers.of(row)


@all_or_nothing
def update_case_answers(referral_id: uuid.UUID, answers: MonitoringAnswers, *, by: User) -> list[str]:
    """Store the navigator's answers for the case's person. Returns the names of the answers
    that changed (an empty list when none did: nothing is written). Answers outside the lists
    raise MonitoringError and nothing is stored."""
    referral = get_case(referral_id, by)
    today = clock.today()
    answers = checked(answers, age=referral.person.age_on(today), today=today)
    is_new = answers_row(referral.person_id) is None
    changed = stage(referral.person, answers)
    if not changed:
        db.session.rollback()
        return []
    audit.record(
        AuditAction.CREATE if is_new else AuditAction.UPDATE,
        RECORD_TYPE,
        referral.person_id,
        by=by,
        referral_id=referral.id,
        new={"answers_changed": changed},
    )
    commit()
    return changed


def facts_for(person: Person, row: EqualityMonitoring | None, today: date) -> Facts:
    return Facts(
        answers=row,
        age=person.age_on(today),
        interpreter_needed=person.interpreter_needed,
        interpreter_language=person.interpreter_language,
        today=today,
    )


def groups_for_case(referral: Referral) -> list[DerivedGroup]:
    """The case's person's target groups, derived now. The caller has checked the user may work the case."""
    return derive(facts_for(referral.person, answers_row(referral.person_id), clock.today()))


def groups_for_people(
    person_ids: Iterable[uuid.UUID], today: date | None = None
) -> dict[uuid.UUID, list[DerivedGroup]]:
    """Target groups for many people at once (the impact report): one query a batch of
    people, not one a person. For aggregate reporting only (domain.md 6.1, 6.8)."""
    today = today or clock.today()
    ids = list(dict.fromkeys(person_ids))
    found: dict[uuid.UUID, list[DerivedGroup]] = {}
    for start in range(0, len(ids), BATCH):
        query = (
            select(Person, EqualityMonitoring)
            .outerjoin(EqualityMonitoring, EqualityMonitoring.person_id == Person.id)
            .where(Person.id.in_(ids[start : start + BATCH]))
        )
        for person, row in db.session.execute(query):
            found[person.id] = derive(facts_for(person, row, today))
    return found

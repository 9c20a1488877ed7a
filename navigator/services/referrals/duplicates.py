"""Possible duplicates: other referrals that may be for the same person (shown, never merged)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import and_, or_, select

from navigator.extensions import db
from navigator.models import Person, Referral
from navigator.models.referrals import person_name_key

PersonKey = tuple[str, str] | tuple[str, str, date]


def _person_keys(person: Person) -> list[PersonKey]:
    """What makes two referrals possibly the same person: the NHS number, or the name
    (compared without case, in any script) with the date of birth."""
    return _keys(person.given_name, person.family_name, person.date_of_birth, person.nhs_number)


def _keys(given: str, family: str, born: date | None, nhs_number: str | None) -> list[PersonKey]:
    keys: list[PersonKey] = []
    if nhs_number:
        keys.append(("nhs", nhs_number))
    if born:
        keys.append(("name", person_name_key(given, family), born))
    return keys


def _referrals_by_person_key(people: list[Person]) -> dict[PersonKey, set[uuid.UUID]]:
    """Every referral that shares a key with one of these people, in one query answered by
    the indexes on the NHS number and on (date of birth, name key): one index look-up for
    each person's (date of birth, name key) pair, not one for every date of birth with every
    name (625 for a page of 25)."""
    nhs_numbers = sorted({p.nhs_number for p in people if p.nhs_number})
    pairs = sorted({(p.date_of_birth, person_name_key(p.given_name, p.family_name)) for p in people if p.date_of_birth})
    if not nhs_numbers and not pairs:
        return {}
    matches = [and_(Person.date_of_birth == born, Person.name_key == name) for born, name in pairs]
    if nhs_numbers:
        matches.append(Person.nhs_number.in_(nhs_numbers))
    rows = db.session.execute(
        select(Referral.id, Person.given_name, Person.family_name, Person.date_of_birth, Person.nhs_number)
        .join(Person, Person.id == Referral.person_id)
        .where(or_(*matches))
    )
    found: dict[PersonKey, set[uuid.UUID]] = {}
    for referral_id, given, family, born, nhs_number in rows:
        for key in _keys(given, family, born, nhs_number):
            found.setdefault(key, set()).add(referral_id)
    return found


def possible_duplicates(referral: Referral) -> list[Referral]:
    """Other referrals for what may be the same person: same NHS number, or same name
    and date of birth. Shown to the triager; never merged automatically."""
    found = _referrals_by_person_key([referral.person])
    ids = set().union(*(found.get(key, set()) for key in _person_keys(referral.person))) - {referral.id}
    if not ids:
        return []
    return list(db.session.scalars(select(Referral).where(Referral.id.in_(ids)).order_by(Referral.submitted_at.desc())))


def with_possible_duplicates(referrals: list[Referral]) -> set[uuid.UUID]:
    """Which of these referrals have a possible duplicate (as possible_duplicates), with
    one query for the lot: for the triage queue."""
    found = _referrals_by_person_key([referral.person for referral in referrals])
    return {
        referral.id
        for referral in referrals
        if any(found.get(key, set()) - {referral.id} for key in _person_keys(referral.person))
    }

"""The target groups (domain.md 4.1) and ethnic groups (4.2) as SQL, so the report counts
them in the database rather than deriving each person in Python.

The rules are navigator/monitoring/target_groups.py's, as of the day each referral was
received (age then, a bereavement within 2 years before it). tests/reports/test_groups.py
holds the two to the same answers for every group. "Prefer not to say" and no answer never
put anyone in a group. Queries using these are joined to Referral, Person and (outer) to
EqualityMonitoring: `sql.counted(..., monitoring=True)` does that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement

from navigator.models import EqualityMonitoring, Person, Referral
from navigator.monitoring.questions import (
    BRITISH_SIGN_LANGUAGE,
    ENGLISH,
    ETHNIC_GROUPS,
    PREFER_NOT_TO_SAY,
    TRAVELLER_ETHNICITIES,
    WHITE_ETHNICITIES,
    YES,
)
from navigator.monitoring.target_groups import (
    BEREAVED_WITHIN_DAYS,
    CHILD_UNDER,
    LGBTQIA_ORIENTATIONS,
    MIDDLE_AGED_FROM,
    RENTING,
    TARGET_GROUPS,
    TRAVELLER_WORDS,
    YOUNGER_RENTER_AGES,
)
from navigator.reports.functions import age_at, days_before

M = EqualityMonitoring
NO_GROUP = "none"  # in none of the target groups, as far as was recorded


def _said(column: Any) -> ColumnElement[bool]:
    return sa.and_(column.is_not(None), column != PREFER_NOT_TO_SAY)


def _yes(column: Any) -> ColumnElement[bool]:
    return sa.func.coalesce(column, "") == YES


def _age() -> ColumnElement[int]:
    return age_at(Person.date_of_birth, Referral.submitted_at)


def _known_age() -> ColumnElement[bool]:
    return Person.date_of_birth.is_not(None)


def _older_living_alone() -> ColumnElement[bool]:
    return sa.and_(_known_age(), _age() >= MIDDLE_AGED_FROM, _yes(M.lives_alone), _yes(M.long_term_condition))


def _children_families() -> ColumnElement[bool]:
    child = sa.and_(_known_age(), _age() >= 0, _age() < CHILD_UNDER)
    return sa.or_(child, _yes(M.family_referral))


def _younger_renters() -> ColumnElement[bool]:
    low, high = YOUNGER_RENTER_AGES
    return sa.and_(_known_age(), _age() >= low, _age() <= high, M.tenure.in_(sorted(RENTING)))


def _recently_bereaved() -> ColumnElement[bool]:
    within = M.bereavement_date >= days_before(Referral.submitted_at, BEREAVED_WITHIN_DAYS)
    return sa.and_(_yes(M.recently_bereaved), sa.or_(M.bereavement_date.is_(None), within))


def _flag(column: Any) -> Callable[[], ColumnElement[bool]]:
    return lambda: _yes(column)


def _renters() -> ColumnElement[bool]:
    return M.tenure.in_(sorted(RENTING))


def _black_global_majority() -> ColumnElement[bool]:
    return sa.and_(_said(M.ethnicity), M.ethnicity.not_in(sorted(WHITE_ETHNICITIES)))


def _traveller() -> ColumnElement[bool]:
    written = sa.func.lower(sa.func.coalesce(M.ethnicity_write_in, ""))
    self_identified = sa.and_(_said(M.ethnicity), sa.or_(*(written.contains(word) for word in TRAVELLER_WORDS)))
    return sa.or_(M.ethnicity.in_(sorted(TRAVELLER_ETHNICITIES)), self_identified)


def _migrants_esol() -> ColumnElement[bool]:
    other_language = sa.and_(_said(M.main_language), M.main_language.not_in([ENGLISH, BRITISH_SIGN_LANGUAGE]))
    interpreter = sa.and_(
        Person.interpreter_needed.is_(True),
        sa.func.coalesce(Person.interpreter_language, "") != BRITISH_SIGN_LANGUAGE,
    )
    return sa.or_(_yes(M.migrant), other_language, interpreter)


def _lgbtqia() -> ColumnElement[bool]:
    return sa.or_(
        M.sexual_orientation.in_(sorted(LGBTQIA_ORIENTATIONS)), sa.func.coalesce(M.gender_identity_same, "") == "no"
    )


def _men() -> ColumnElement[bool]:
    return sa.func.coalesce(M.sex, "") == "male"


RULES: dict[str, Callable[[], ColumnElement[bool]]] = {
    "older-living-alone": _older_living_alone,
    "children-young-people-families": _children_families,
    "younger-renters": _younger_renters,
    "recently-bereaved": _recently_bereaved,
    "serious-mental-illness": _flag(M.serious_mental_illness),
    "not-engaging-health-services": _flag(M.not_engaging_health_services),
    "renters-social-housing": _renters,
    "black-global-majority": _black_global_majority,
    "traveller-community": _traveller,
    "migrants-refugees-esol": _migrants_esol,
    "lgbtqia": _lgbtqia,
    "men": _men,
    "carers": _flag(M.unpaid_carer),
}
assert set(RULES) == {group.code for group in TARGET_GROUPS}, "every target group needs its SQL rule"

TARGET_GROUP_NAMES = {group.code: group.name for group in TARGET_GROUPS}


def in_group(code: str) -> ColumnElement[bool]:
    """True for a referral whose person was in the target group when referred."""
    return RULES[code]()


def in_no_group() -> ColumnElement[bool]:
    return sa.not_(sa.or_(*(sa.func.coalesce(rule(), False) for rule in RULES.values())))


# -- ethnic groups (domain.md 4.2: the GSS harmonised groups) ----------------------------------

ETHNIC_GROUP_OF = {option.code: group.name for group in ETHNIC_GROUPS for option in group.options}
ETHNIC_GROUP_LABELS = [group.name for group in ETHNIC_GROUPS] + ["Prefer not to say", "Not recorded"]


def ethnic_group() -> ColumnElement[str]:
    """The broad ethnic group of the person's answer, "Prefer not to say" or "Not recorded"."""
    by_group: dict[str, list[str]] = {}
    for code, name in ETHNIC_GROUP_OF.items():
        by_group.setdefault(name, []).append(code)
    return sa.case(
        *((M.ethnicity.in_(codes), name) for name, codes in by_group.items()),
        (M.ethnicity == PREFER_NOT_TO_SAY, "Prefer not to say"),
        else_="Not recorded",
    )

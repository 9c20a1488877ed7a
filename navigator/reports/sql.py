"""SQL pieces the report's queries share: who is counted (the filters), which month a
moment falls in, a person's age band, and the source team a referral came from.

Everything here works on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, Select

from navigator.models import EqualityMonitoring, Person, Referral
from navigator.reports.functions import age_at
from navigator.reports.groups import in_group

# Reporting age bands at referral (domain.md 6.8: age band rather than date of birth):
# code, label, youngest, oldest.
AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("under_16", "Under 16", 0, 15),
    ("16_24", "16 to 24", 16, 24),
    ("25_49", "25 to 49", 25, 49),
    ("50_64", "50 to 64", 50, 64),
    ("65_79", "65 to 79", 65, 79),
    ("80_plus", "80 or over", 80, None),
)
AGE_NOT_KNOWN = "not_known"
AGE_BAND_LABELS = {code: label for code, label, _, _ in AGE_BANDS} | {AGE_NOT_KNOWN: "Not known"}


@dataclass(frozen=True)
class Filters:
    """Whose referrals a report counts; None means everyone."""

    team_id: uuid.UUID | None = None
    ward_code: str | None = None
    age_band: str | None = None
    target_group: str | None = None

    def describe(self) -> dict[str, str]:
        """For the audit log: codes only, never free text."""
        return {
            key: str(value)
            for key, value in (
                ("team", self.team_id),
                ("ward", self.ward_code),
                ("age_band", self.age_band),
                ("target_group", self.target_group),
            )
            if value is not None
        }


def age_band() -> ColumnElement[str]:
    """The person's reporting age band when referred."""
    age = age_at(Person.date_of_birth, Referral.submitted_at)
    whens = [
        ((age <= oldest) if oldest is not None else (age >= youngest), code) for code, _, youngest, oldest in AGE_BANDS
    ]
    return sa.case((Person.date_of_birth.is_(None), AGE_NOT_KNOWN), *whens, else_=AGE_NOT_KNOWN)


def month_index(moment: Any, bounds: list[tuple[Any, datetime]]) -> ColumnElement[int]:
    """Which of the period's months a moment falls in (0, 1 ...), from the UTC instants the
    London months end at: the same on every database, whatever its time zone support."""
    return sa.case(*((moment < end, index) for index, (_, end) in enumerate(bounds)), else_=-1)


Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")


def counted(query: Q, filters: Filters, *, monitoring: bool = False) -> Q:
    """Referrals (joined to their person, and to their equality answers when `monitoring`
    or a target group is asked for) narrowed to the filters."""
    query = query.join(Person, Person.id == Referral.person_id)
    if monitoring or filters.target_group is not None:
        query = query.outerjoin(EqualityMonitoring, EqualityMonitoring.person_id == Person.id)
    if filters.target_group is not None:
        query = query.where(in_group(filters.target_group))
    if filters.team_id is not None:
        query = query.where(Referral.team_id == filters.team_id)
    if filters.ward_code is not None:
        query = query.where(Person.ward_code == filters.ward_code)
    if filters.age_band is not None:
        query = query.where(age_band() == filters.age_band)
    return query


def submitted_in(start: datetime, end: datetime) -> ColumnElement[bool]:
    return sa.and_(Referral.submitted_at >= start, Referral.submitted_at < end)

"""Equality monitoring answers (domain.md 4.2) and the source answers the target groups are
derived from (4.1): one row a person, apart from their contact details, so special-category
data is held (and can be protected and reported on) separately.

Every column is optional. NULL means not asked or not answered; "prefer_not_to_say" is a
stored answer of its own. Codes and wording are in navigator/monitoring/questions.py.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from navigator.extensions import Base
from navigator.models.types import UTCDateTime, utcnow


def _answer(length: int = 40) -> Mapped[str | None]:
    return mapped_column(sa.String(length))


class EqualityMonitoring(Base):
    __tablename__ = "equality_monitoring"

    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    sex: Mapped[str | None] = _answer()
    gender_identity_same: Mapped[str | None] = _answer()
    gender_identity_same_write_in: Mapped[str | None] = _answer(100)
    sexual_orientation: Mapped[str | None] = _answer()
    sexual_orientation_write_in: Mapped[str | None] = _answer(100)
    ethnicity: Mapped[str | None] = _answer()
    ethnicity_write_in: Mapped[str | None] = _answer(100)
    religion: Mapped[str | None] = _answer()
    religion_write_in: Mapped[str | None] = _answer(100)
    long_term_condition: Mapped[str | None] = _answer()
    lives_alone: Mapped[str | None] = _answer()
    tenure: Mapped[str | None] = _answer()
    recently_bereaved: Mapped[str | None] = _answer()
    bereavement_date: Mapped[date | None] = mapped_column(sa.Date)
    serious_mental_illness: Mapped[str | None] = _answer()
    not_engaging_health_services: Mapped[str | None] = _answer()
    migrant: Mapped[str | None] = _answer()
    migration_status: Mapped[str | None] = _answer()
    main_language: Mapped[str | None] = _answer(20)  # ISO 639 code from the language vocabulary
    unpaid_carer: Mapped[str | None] = _answer()
    family_referral: Mapped[str | None] = _answer()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

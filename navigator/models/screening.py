"""Loneliness and wellbeing screens recorded against a referral (domain.md section 3).

Instruments, items and scoring live in navigator/screening as data and pure functions;
a row here keeps the raw answers, which instrument and scoring version produced the
score, and who recorded it when.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from navigator.extensions import Base
from navigator.models.people import User
from navigator.models.referrals import Referral
from navigator.models.types import UTCDateTime, utcnow, value_enum
from navigator.screening import AdministrationMode


class ScreeningOccasion(enum.Enum):
    BASELINE = "baseline"
    REVIEW = "review"
    CLOSURE = "closure"
    FOLLOW_UP = "follow_up"


class Screening(Base):
    """One administration of one instrument: raw answers plus the computed score."""

    __tablename__ = "screenings"
    # Which screens a referral has on an occasion (the follow-ups list asks for every row).
    __table_args__ = (sa.Index("ix_screenings_referral_id_occasion", "referral_id", "occasion"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"))
    instrument_code: Mapped[str] = mapped_column(sa.String(40))
    instrument_version: Mapped[str] = mapped_column(sa.String(20))
    scoring_version: Mapped[str] = mapped_column(sa.String(40))
    occasion: Mapped[ScreeningOccasion] = mapped_column(value_enum(ScreeningOccasion, 20))
    mode: Mapped[AdministrationMode] = mapped_column(
        value_enum(AdministrationMode, 30), default=AdministrationMode.SELF_COMPLETED
    )
    answered_by: Mapped[str] = mapped_column(sa.String(30), default="person")
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    score: Mapped[int | None] = mapped_column(sa.Integer)
    band: Mapped[str | None] = mapped_column(sa.String(80))
    # Everything else the scoring produced: subscores and their bands, item scores,
    # categorical answers, the chronic-loneliness flag, unanswered and declined items.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    complete: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User | None] = relationship()
    # Lets a new referral and its screens be saved in one flush, referral row first.
    referral: Mapped[Referral] = relationship()

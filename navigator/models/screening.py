"""Loneliness and wellbeing screens recorded against a referral (domain.md section 3).

Instruments, items and scoring live in navigator/screening as data and pure functions;
a row here keeps the raw answers, which instrument and scoring version produced the
score, and who recorded it when.
"""

from __future__ import annotations

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
from navigator.screening.pairing import ScreeningOccasion, TimePoint

__all__ = ["Screening", "ScreeningOccasion", "TimePoint"]


class Screening(Base):
    """One administration of one instrument: raw answers plus the computed score."""

    __tablename__ = "screenings"
    # Which screens a referral has on an occasion (the follow-ups list asks for every row).
    __table_args__ = (
        sa.Index("ix_screenings_referral_id_occasion", "referral_id", "occasion"),
        sa.Index("ix_screenings_baseline_id", "baseline_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"))
    instrument_code: Mapped[str] = mapped_column(sa.String(40))
    instrument_version: Mapped[str] = mapped_column(sa.String(20))
    scoring_version: Mapped[str] = mapped_column(sa.String(40))
    occasion: Mapped[ScreeningOccasion] = mapped_column(value_enum(ScreeningOccasion, 20))
    # When it falls for comparison, and what it is compared with (navigator/screening/pairing.py):
    # kept up to date by the services each time a screen is added to the referral.
    time_point: Mapped[TimePoint] = mapped_column(value_enum(TimePoint, 20))
    episode_baseline: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    baseline_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("screenings.id", ondelete="SET NULL"))
    comparable: Mapped[bool | None] = mapped_column(sa.Boolean)
    # Asked in another mode than the baseline: why (such a pair is not comparable).
    mode_change_reason: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    # Taken by the referrer on the referral form, not by a navigator.
    at_referral: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # Answered by a parent, carer or representative: left out of pooled figures.
    proxy: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # The person's age band when screened (under_10, 10_15, 16_plus); None when unknown.
    age_band: Mapped[str | None] = mapped_column(sa.String(10))
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

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    # Lets a new referral and its screens be saved in one flush, referral row first.
    referral: Mapped[Referral] = relationship()

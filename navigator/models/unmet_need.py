"""Unmet need: a navigator's record that nothing suitable exists for a person's need in
their area (domain.md 2.5). The coverage-gap reports count these (domain.md 7.3)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from navigator.extensions import Base
from navigator.models.geo import Ward
from navigator.models.people import User
from navigator.models.referrals import Referral
from navigator.models.types import UTCDateTime, utcnow, value_enum


class UnmetNeedStatus(enum.Enum):
    STILL_UNMET = "still_unmet"
    # Something suitable was found or started later: kept, it was a gap when recorded.
    RESOLVED = "resolved"
    # Recorded in error: kept for the audit trail, left out of the case page and reports.
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return UNMET_NEED_STATUS_LABELS[self]


UNMET_NEED_STATUS_LABELS = {
    UnmetNeedStatus.STILL_UNMET: "Still unmet",
    UnmetNeedStatus.RESOLVED: "Resolved",
    UnmetNeedStatus.WITHDRAWN: "Withdrawn (recorded in error)",
}


class UnmetNeed(Base):
    __tablename__ = "unmet_needs"
    # Coverage-gap reports count entries by when they were recorded.
    __table_args__ = (sa.Index("ix_unmet_needs_recorded_at", "recorded_at"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    need: Mapped[str] = mapped_column(sa.String(40))  # vocabularies.NEEDS
    ward_code: Mapped[str] = mapped_column(sa.ForeignKey("wards.code"))
    constraint: Mapped[str] = mapped_column(sa.String(30))  # vocabularies.UNMET_NEED_CONSTRAINTS
    # Case text: never in audit reasons, mail, URLs or logs.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[UnmetNeedStatus] = mapped_column(
        value_enum(UnmetNeedStatus, 20), default=UnmetNeedStatus.STILL_UNMET
    )
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic lock: the edit form carries it, so a stale page cannot overwrite a change.
    revision: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": revision}

    referral: Mapped[Referral] = relationship()
    ward: Mapped[Ward] = relationship()
    recorded_by: Mapped[User] = relationship()

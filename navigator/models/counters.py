"""Named number series (referral references, listing version numbers)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from navigator.extensions import Base


class Counter(Base):
    """The last number handed out in one series, e.g. "referral:2026" or
    "listing-version:<listing id>". Claimed only through services.numbering."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger)

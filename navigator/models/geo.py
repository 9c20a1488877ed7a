"""Postcode lookup tables, loaded as data (`flask postcodes import`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from navigator.extensions import Base
from navigator.models.types import UTCDateTime, utcnow


class Postcode(Base):
    __tablename__ = "postcodes"

    postcode: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    latitude: Mapped[float] = mapped_column(sa.Float)
    longitude: Mapped[float] = mapped_column(sa.Float)
    local_authority: Mapped[str | None] = mapped_column(sa.String(9))
    ward_code: Mapped[str | None] = mapped_column(sa.String(9), index=True)


class PostcodeDistrict(Base):
    """Outward codes ("E8") with the mean position of their postcodes."""

    __tablename__ = "postcode_districts"

    district: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    latitude: Mapped[float] = mapped_column(sa.Float)
    longitude: Mapped[float] = mapped_column(sa.Float)


class Ward(Base):
    __tablename__ = "wards"

    code: Mapped[str] = mapped_column(sa.String(9), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    local_authority: Mapped[str | None] = mapped_column(sa.String(9))
    local_authority_name: Mapped[str | None] = mapped_column(sa.String(120))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)

    @property
    def display_name(self) -> str:
        return self.name.removesuffix(" Ward")


class PostcodeImport(Base):
    """One row per file loaded, so reports can say which lookup version they used."""

    __tablename__ = "postcode_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(255))
    kind: Mapped[str] = mapped_column(sa.String(20))
    rows: Mapped[int] = mapped_column(sa.Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

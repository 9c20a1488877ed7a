"""Staff accounts, roles, referring teams and referral sources."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from navigator.auth.permissions import Permission
from navigator.extensions import Base
from navigator.models.types import UTCDateTime, utcnow, value_enum

if TYPE_CHECKING:
    from navigator.models.directory import Organisation


class ReferralSource(Base):
    """Where referrals come from (domain.md 2.1): data, so the partnership can add routes."""

    __tablename__ = "referral_sources"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)


class Role(Base):
    __tablename__ = "roles"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    permissions: Mapped[list[RolePermission]] = relationship(
        back_populates="role", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def permission_set(self) -> frozenset[Permission]:
        return frozenset(grant.permission for grant in self.permissions)


class RolePermission(Base):
    __tablename__ = "role_permissions"

    role_code: Mapped[str] = mapped_column(sa.ForeignKey("roles.code", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[Permission] = mapped_column(value_enum(Permission), primary_key=True)

    role: Mapped[Role] = relationship(back_populates="permissions")


user_roles = sa.Table(
    "user_roles",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role_code", sa.ForeignKey("roles.code", ondelete="CASCADE"), primary_key=True),
)

team_members = sa.Table(
    "team_members",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_id", sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class Team(Base):
    """A referring team (e.g. "Hackney Adult Social Care – North") or the navigation team."""

    __tablename__ = "teams"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    source_code: Mapped[str | None] = mapped_column(sa.ForeignKey("referral_sources.code"))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    source: Mapped[ReferralSource | None] = relationship(lazy="joined")
    members: Mapped[list[User]] = relationship(secondary=team_members, back_populates="teams")


class User(Base):
    """A member of staff who signs in. `is_authenticated` etc. satisfy Flask-Login."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    job_title: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    caseload_cap: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changes when the password changes, so sessions and reset links from before stop working.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=lambda: uuid.uuid4().hex)
    # Two-factor authentication (TOTP, RFC 6238): the shared secret, and the last time step
    # used so a code cannot be replayed.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")
    teams: Mapped[list[Team]] = relationship(secondary=team_members, back_populates="members", lazy="selectin")
    organisations: Mapped[list[Organisation]] = relationship(
        secondary="organisation_members", back_populates="editors", lazy="selectin"
    )

    # Flask-Login
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def permissions(self) -> frozenset[Permission]:
        granted: set[Permission] = set()
        for role in self.roles:
            granted |= role.permission_set
        return frozenset(granted)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def has_role(self, code: str) -> bool:
        return any(role.code == code for role in self.roles)

    @property
    def role_names(self) -> str:
        return ", ".join(role.name for role in self.roles)

    @property
    def team_ids(self) -> set[uuid.UUID]:
        return {team.id for team in self.teams}

    @property
    def organisation_ids(self) -> set[uuid.UUID]:
        return {organisation.id for organisation in self.organisations}


class BankHoliday(Base):
    """England and Wales bank holidays: working-day counts skip them (domain.md 2.9)."""

    __tablename__ = "bank_holidays"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))

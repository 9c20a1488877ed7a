"""The audit log (domain.md 6.6): append-only, reads of case records included.

The application never updates or deletes rows, and database triggers refuse to
(see APPEND_ONLY_SQL, installed by the migrations).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from navigator.extensions import Base
from navigator.models.types import UTCDateTime, utcnow, value_enum


class AuditAction(enum.Enum):
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    STATE_CHANGE = "state_change"
    EXPORT = "export"
    PRINT = "print"
    BREAK_GLASS = "break_glass"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    # Copied, not joined: the log must still read correctly after accounts change.
    user_email: Mapped[str] = mapped_column(sa.String(254), default="")
    user_roles: Mapped[str] = mapped_column(sa.String(200), default="")
    action: Mapped[AuditAction] = mapped_column(value_enum(AuditAction, 20))
    record_type: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    ip_address: Mapped[str] = mapped_column(sa.String(45), default="")
    old_values: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    reason: Mapped[str] = mapped_column(sa.Text, default="")


# The triggers installed by migration 0002 (append-only at database level). Tests lift
# them briefly to empty the table between tests; the application never does.
APPEND_ONLY_TRIGGERS = {
    "sqlite": ("audit_log_no_update", "audit_log_no_delete"),
    "postgresql": ("audit_log_no_change",),
}

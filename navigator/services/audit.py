"""Writing the audit log. Callers add the entry to their own transaction, so the
change and its audit entry are committed together or not at all."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, User
from navigator.presenters import london_datetime


def last_change(record_type: str, record_id: object) -> tuple[str, datetime | None]:
    """Who last changed a record (their name now, or the address the log kept) and when."""
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.record_type == record_type, AuditEntry.record_id == str(record_id))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return "someone else", None
    author = db.session.get(User, entry.user_id) if entry.user_id else None
    return (author.name if author is not None else entry.user_email or "the system"), entry.at


def changed_after_opened(what: str, record_type: str, record_id: object, what_next: str) -> str:
    """The message for a page that acts on a record someone changed after it was loaded."""
    name, at = last_change(record_type, record_id)
    when = f" at {london_datetime(at)}" if at else ""
    return f"{what} was changed by {name}{when} after you opened it. {what_next}"


def _client_ip() -> str:
    if not has_request_context():
        return ""
    # Behind a proxy, configure ProxyFix so remote_addr is the client's address.
    return (request.remote_addr or "")[:45]


def record(
    action: AuditAction,
    record_type: str,
    record_id: object,
    *,
    by: User | None,
    referral_id: uuid.UUID | None = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Add an audit entry for who did what to which record, when and from where."""
    entry = AuditEntry(
        user_id=by.id if by else None,
        user_email=by.email if by else "",
        user_roles=",".join(sorted(role.code for role in by.roles)) if by else "",
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        referral_id=referral_id,
        ip_address=_client_ip(),
        old_values=_jsonable(old),
        new_values=_jsonable(new),
        reason=reason,
    )
    db.session.add(entry)
    return entry


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    out: dict[str, Any] = {}
    for key, value in values.items():
        if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
            value = value.value  # enums
        elif value is not None and not isinstance(value, str | int | float | bool | list | dict):
            value = str(value)  # dates, UUIDs
        out[key] = value
    return out

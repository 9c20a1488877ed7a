"""Writing the audit log. Callers add the entry to their own transaction, so the
change and its audit entry are committed together or not at all."""

from __future__ import annotations

import uuid
from typing import Any

from flask import has_request_context, request

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, User


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

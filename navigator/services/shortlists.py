"""Emailing a shortlist to a person: one outbox message and an audit entry, once per form."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, User
from navigator.services import audit
from navigator.services.mail import queue_mail
from navigator.services.transactions import is_taken_meanwhile

RECORD_TYPE = "shortlist"


def already_sent(key: str) -> bool:
    """Whether the email form with this idempotency key has been sent."""
    return (
        db.session.scalar(
            select(AuditEntry.id).where(AuditEntry.record_type == RECORD_TYPE, AuditEntry.record_id == key).limit(1)
        )
        is not None
    )


def email_shortlist(*, to: str, subject: str, body: str, listing_ids: list[str], key: str, by: User) -> bool:
    """Queue the shortlist email to `to` and audit it as an export, committed together.

    `key` is the form's idempotency key (the audit entry's record id): if it has been
    sent already (a double submit, a resubmitted page) nothing is sent and False is returned.
    """
    if already_sent(key):
        return False
    queue_mail(to, subject, body, key=f"{RECORD_TYPE}:{key}")
    audit.record(AuditAction.EXPORT, RECORD_TYPE, key, by=by, new={"to": to, "listing_ids": listing_ids})
    try:
        db.session.commit()
    except IntegrityError as error:
        # Sent twice at the same moment (a double click): the other request queued it.
        db.session.rollback()
        if is_taken_meanwhile(error) and already_sent(key):
            return False
        raise
    return True

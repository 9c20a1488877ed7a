"""Mail to the referrer and the team leads when a referral moves on. No personal details."""

from __future__ import annotations

from sqlalchemy import select

from navigator.extensions import db
from navigator.models import Referral, User
from navigator.services.mail import queue_mail


def tell_referrer(referral: Referral, what: str, text: str) -> None:
    """Mail the referrer (or their team) that the referral moved on. No personal details."""
    to = referral.referrer_email or (referral.referred_by.email if referral.referred_by else "")
    if not to and referral.team is not None:
        to = referral.team.email
    if not to:
        return
    queue_mail(
        to,
        f"Referral {referral.reference}: {what}",
        f"Referral {referral.reference} {what}.\n\n{text}\n\nSign in to Community Navigator to see its status.",
    )


def tell_team_leads(subject: str, text: str) -> None:
    from navigator.models import Role

    leads = db.session.scalars(select(User).where(User.active.is_(True), User.roles.any(Role.code == "team_lead")))
    for lead in leads:
        queue_mail(lead.email, subject, text + "\n\nSign in to Community Navigator to see it.")

"""System admins read a case only through break-glass: reason required, audited, leads told."""

from __future__ import annotations

from sqlalchemy import select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, OutboxMessage, ReferralState
from tests.factories import make_referral


def test_break_glass_read_is_audited_and_reported(client, staff, login_as):
    referral = make_referral(ReferralState.SUBMITTED, referrer=staff["referrer"])
    login_as(staff["admin"])
    # Routine access stays closed.
    assert client.get(f"/referrals/{referral.id}").status_code == 404
    short = client.post("/admin/break-glass", data={"reference": referral.reference, "reason": "curious"})
    assert "20 characters or more" in short.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == AuditAction.BREAK_GLASS)) is None

    reason = "Subject access request SAR-2026-014 from the person"
    page = client.post("/admin/break-glass", data={"reference": referral.reference.lower(), "reason": reason})
    assert page.status_code == 200
    assert referral.person.full_name in page.get_data(as_text=True)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.BREAK_GLASS)).one()
    assert (entry.user_email, entry.reason, entry.referral_id) == (staff["admin"].email, reason, referral.id)
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("Break-glass"))).all()
    assert [m.to for m in mail] == [staff["lead"].email]
    assert reason in mail[0].body


def test_unknown_reference_is_a_message(client, staff, login_as):
    login_as(staff["admin"])
    page = client.post(
        "/admin/break-glass", data={"reference": "CN-2000-999999", "reason": "Investigating incident INC-42 now"}
    ).get_data(as_text=True)
    assert "There is no referral with that reference" in page
    assert "<title>Error: " in page


def test_other_roles_cannot_break_glass(client, staff, login_as):
    for role in ("lead", "navigator", "referrer"):
        login_as(staff[role])
        assert client.get("/admin/break-glass").status_code == 404

"""Signing in, invitations and password resets, through the real pages."""

from __future__ import annotations

import re

from sqlalchemy import select

from navigator import clock
from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, OutboxMessage, User
from tests.factories import PASSWORD, make_user, security_code, sign_in


def _last_link(path_prefix: str) -> str:
    body = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first().body
    match = re.search(rf"http://localhost({path_prefix}[^\s]+)", body)
    assert match, body
    return match.group(1)


def test_sign_in_needs_password_then_security_code(client, staff):
    lead = staff["lead"]
    response = client.post("/sign-in", data={"email": lead.email.upper(), "password": PASSWORD})
    assert response.headers["Location"].endswith("/sign-in/security-code")
    # Half signed in is not signed in.
    assert client.get("/staff/").status_code == 302
    wrong = client.post("/sign-in/security-code", data={"code": "000000"})
    assert "The security code is not right" in wrong.get_data(as_text=True)
    response = client.post("/sign-in/security-code", data={"code": security_code(lead)})
    assert response.headers["Location"].endswith("/staff/")
    page = client.get("/staff/").get_data(as_text=True)
    assert "Signed in as Lena Lead" in page
    assert "Triage" in page
    client.post("/sign-out")
    assert client.get("/staff/").status_code == 302
    # The same code cannot be used twice.
    client.post("/sign-in", data={"email": lead.email, "password": PASSWORD})
    replay = client.post("/sign-in/security-code", data={"code": security_code(lead)})
    assert replay.status_code == 200


def test_first_sign_in_sets_up_security_codes(client, app):
    import pyotp

    user = make_user("navigator")
    user.totp_secret = None
    db.session.commit()
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/sign-in/set-up-security-codes")
    page = client.get("/sign-in/set-up-security-codes").get_data(as_text=True)
    secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
    response = client.post("/sign-in/set-up-security-codes", data={"code": pyotp.TOTP(secret).at(clock.now())})
    assert response.headers["Location"].endswith("/staff/")
    assert db.session.get(User, user.id).totp_secret == secret


def test_wrong_password_is_refused_and_audited(client, staff):
    response = client.post("/sign-in", data={"email": staff["lead"].email, "password": "wrong password!!"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter the email address and password for your account" in page
    assert "<title>Error: " in page
    assert staff["lead"].email in page  # what was typed is kept
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == AuditAction.SIGN_IN_FAILED))


def test_unknown_account_gets_the_same_message(client, app):
    response = client.post("/sign-in", data={"email": "nobody@example.org", "password": "whatever at all"})
    assert "Enter the email address and password for your account" in response.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(client, app):
    user = make_user("navigator", active=False)
    response = sign_in(client, user)
    assert response.status_code == 200


def test_next_only_goes_to_this_site(client, staff):
    for target, expected in (
        ("/casework/triage", "/casework/triage"),
        ("https://evil.example/", "/staff/"),
        ("//evil.example/", "/staff/"),
    ):
        client.post("/sign-out")
        db.session.get(User, staff["lead"].id).totp_last_step = None
        db.session.commit()
        client.post(f"/sign-in?next={target}", data={"email": staff["lead"].email, "password": PASSWORD})
        response = client.post("/sign-in/security-code", data={"code": security_code(staff["lead"])})
        assert response.headers["Location"].endswith(expected)


def test_invitation_sets_a_password_once(client, staff, login_as):
    login_as(staff["admin"])
    response = client.post(
        "/admin/users/invite",
        data={"name": "Nell New", "email": "nell.new@example.org", "roles": ["navigator"]},
    )
    assert response.status_code == 302
    client.post("/sign-out")
    link = _last_link("/invitation/")
    assert "Set up your account" in client.get(link).get_data(as_text=True)
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert "12 characters" in short.get_data(as_text=True)
    done = client.post(link, data={"password": "plum velvet tractor", "confirm": "plum velvet tractor"})
    assert done.status_code == 302
    signed = client.post("/sign-in", data={"email": "nell.new@example.org", "password": "plum velvet tractor"})
    assert signed.headers["Location"].endswith("/sign-in/set-up-security-codes")
    # The link is spent.
    client.post("/sign-out")
    assert client.get(link).status_code == 400


def test_password_reset_signs_out_other_sessions(app, staff):
    first, second = app.test_client(), app.test_client()
    sign_in(first, staff["navigator"])
    assert first.get("/staff/").status_code == 200
    second.post("/reset-password", data={"email": staff["navigator"].email})
    link = _last_link("/reset-password/")
    response = second.post(link, data={"password": "new orange kettle", "confirm": "new orange kettle"})
    assert response.status_code == 302
    assert first.get("/staff/").status_code == 302  # old session no longer valid
    user = db.session.get(User, staff["navigator"].id)
    db.session.refresh(user)
    assert user.password_hash and user.password_hash.startswith("$argon2")


def test_reset_for_unknown_email_reveals_nothing(client, app):
    response = client.post("/reset-password", data={"email": "nobody@example.org"})
    assert "If nobody@example.org has an account" in response.get_data(as_text=True)
    assert db.session.scalar(select(OutboxMessage)) is None


def test_tampered_link_is_refused(client, app):
    assert client.get("/reset-password/not-a-token").status_code == 400


def test_admin_audit_log_filters(client, staff, login_as):
    from navigator.models import ReferralState
    from tests.factories import make_referral

    referral = make_referral(ReferralState.SUBMITTED, referrer=staff["referrer"])
    login_as(staff["lead"])
    page = client.get(f"/admin/audit?referral={referral.reference}").get_data(as_text=True)
    assert staff["referrer"].email in page
    assert "create" in page
    filtered = client.get(f"/admin/audit?person={staff['admin'].email}").get_data(as_text=True)
    assert staff["referrer"].email not in filtered
    bad_date = client.get("/admin/audit?start-day=40&start-month=2&start-year=2026")
    assert bad_date.status_code == 200
    assert "must be a real date" in bad_date.get_data(as_text=True)


def test_production_hashes_use_argon2id_recommended_parameters(app):
    from navigator.config import Config
    from navigator.services.accounts import hash_password

    app.config["ARGON2_PARAMETERS"] = Config.ARGON2_PARAMETERS
    try:
        assert hash_password("plum velvet tractor").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    finally:
        from navigator.config import TestConfig

        app.config["ARGON2_PARAMETERS"] = TestConfig.ARGON2_PARAMETERS


def test_demo_security_code_command_only_for_demo_accounts(app, client):
    demo = make_user("team_lead", email="lead@demo.example.org")
    demo.totp_secret = None
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "demo-security-code", "lead@demo.example.org"])
    assert result.exit_code == 0, result.output
    code = result.output.strip()
    assert re.fullmatch(r"\d{6}", code)
    client.post("/sign-in", data={"email": demo.email, "password": PASSWORD})
    assert client.post("/sign-in/security-code", data={"code": code}).headers["Location"].endswith("/staff/")

    real = make_user("team_lead")
    refused = runner.invoke(args=["users", "demo-security-code", real.email])
    assert refused.exit_code != 0
    assert "No demo account" in refused.output

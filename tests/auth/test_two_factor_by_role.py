"""Two-factor sign-in is for staff with case or admin access; volunteers who only edit
their organisation's listings sign in with a password (domain.md 1.1)."""

from __future__ import annotations

import pytest

from navigator.extensions import db
from navigator.models import User
from navigator.services.accounts import needs_two_factor
from tests.factories import PASSWORD, make_user, security_code


def test_organisation_editors_sign_in_with_a_password_alone(client, staff):
    editor = staff["editor"]
    editor.totp_secret = None  # never set up an authenticator app
    db.session.commit()

    response = client.post("/sign-in", data={"email": editor.email, "password": PASSWORD})

    assert response.headers["Location"].endswith("/staff/")
    assert "Signed in as Esme Editor" in client.get("/staff/").get_data(as_text=True)
    assert db.session.get(User, editor.id).last_signed_in_at is not None
    assert db.session.get(User, editor.id).totp_secret is None


def test_moderators_still_need_the_security_code(client, staff):
    moderator = staff["moderator"]
    response = client.post("/sign-in", data={"email": moderator.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/sign-in/security-code")
    assert client.get("/staff/").status_code == 302  # not signed in yet
    done = client.post("/sign-in/security-code", data={"code": security_code(moderator)})
    assert done.headers["Location"].endswith("/staff/")


def test_an_editor_who_is_also_staff_needs_the_security_code(client, staff):
    both = make_user("organisation_editor", "navigator", organisations=[staff["organisation"]])
    both.totp_secret = None
    db.session.commit()
    response = client.post("/sign-in", data={"email": both.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/sign-in/set-up-security-codes")


@pytest.mark.parametrize(
    ("roles", "needed"),
    [
        (("organisation_editor",), False),
        ((), False),
        (("moderator",), True),
        (("referrer",), True),
        (("navigator",), True),
        (("team_lead",), True),
        (("admin",), True),
        (("analyst",), True),
        (("organisation_editor", "referrer"), True),
    ],
)
def test_needs_two_factor_follows_the_permissions(app, roles, needed):
    assert needs_two_factor(make_user(*roles)) is needed


def test_nobody_needs_it_when_two_factor_is_switched_off(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_TWO_FACTOR", False)
    assert needs_two_factor(make_user("admin")) is False

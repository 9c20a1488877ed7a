"""The demo seed has a moderator, organisation editors and a registration to decide."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import Organisation, OrganisationStatus, OutboxMessage, User
from navigator.seeding import DEMO_PASSWORD_DEFAULT, PEOPLE_DIR


def test_demo_seed_adds_directory_people_and_a_pending_registration(app, client, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    monkeypatch.delenv("NAVIGATOR_ENV", raising=False)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()

    moderator = db.session.scalar(select(User).where(User.email == "moderator@demo.example.org"))
    assert moderator is not None and moderator.has_role("moderator") and moderator.name == "Sam Okafor"
    editors = {
        item["email"]: item["organisations"]
        for item in yaml.safe_load((PEOPLE_DIR / "staff.yaml").read_text(encoding="utf-8"))
        if "organisations" in item
    }
    assert len(editors) >= 2
    for email, names in editors.items():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None and [role.code for role in user.roles] == ["organisation_editor"]
        assert sorted(o.name for o in user.organisations) == sorted(names)
        assert all(o.status is OrganisationStatus.APPROVED and o.listings for o in user.organisations)

    pending = db.session.scalars(select(Organisation).where(Organisation.status == OrganisationStatus.PENDING)).all()
    assert [o.name for o in pending] == ["Homerton Grove Allotment Society"]
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.to == "moderator@demo.example.org"))

    # Editors sign in with the demo password alone; the moderator is asked for a code.
    signed = client.post("/sign-in", data={"email": "editor@demo.example.org", "password": DEMO_PASSWORD_DEFAULT})
    assert signed.headers["Location"].endswith("/staff/")
    client.post("/sign-out")
    signed = client.post("/sign-in", data={"email": "moderator@demo.example.org", "password": DEMO_PASSWORD_DEFAULT})
    assert signed.headers["Location"].endswith("/sign-in/set-up-security-codes")

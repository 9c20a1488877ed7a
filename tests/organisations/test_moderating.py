"""Moderators approve or reject registrations and decide who edits each organisation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, Organisation, OrganisationStatus, OutboxMessage, User
from navigator.services import organisations as service
from tests.factories import make_user, sign_in


def register(name: str = "Stoke Newington Knit and Natter", email: str = "bernadette@example.org") -> Organisation:
    return service.register_organisation(
        service.Registration(
            name=name,
            description="A friendly knitting group.",
            contact_name="Bernadette Quayle",
            contact_email=email,
        )
    )


def mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == address).order_by(OutboxMessage.id)))


def link_in(message: OutboxMessage, prefix: str) -> str:
    match = re.search(rf"http://localhost({prefix}[^\s]+)", message.body)
    assert match, message.body
    return match.group(1)


def test_moderators_see_registrations_oldest_first_then_organisations(client, staff, login_as, frozen_now):
    frozen_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    older = register("Zebra Crossing Walkers", "zebra@example.org")
    frozen_now(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    newer = register("Abney Park Birdwatchers", "abney@example.org")
    login_as(staff["moderator"])

    page = client.get("/organisations").get_data(as_text=True)

    assert page.index("Zebra Crossing Walkers") < page.index("Abney Park Birdwatchers")
    assert page.index("Abney Park Birdwatchers") < page.index("Clapton Lunch Club Collective")
    assert "2 March 2026" in page and "zebra@example.org" in page
    # The approved organisation shows its editors (the fixture's editor) and listings.
    row = page[page.index("Clapton Lunch Club Collective") :].split("</tr>")[0]
    assert re.findall(r">\s*(\d+)\s*<", row) == ["1", "0"]
    assert f"/organisations/{older.id}" in page and f"/organisations/{newer.id}" in page

    found = client.get("/organisations?q=abney").get_data(as_text=True)
    assert "Abney Park Birdwatchers" in found
    assert "Zebra Crossing Walkers" not in found and "Clapton Lunch Club Collective" not in found
    # Search text is plain text, never a pattern.
    assert "Abney" not in client.get("/organisations?q=%25").get_data(as_text=True)


def test_approving_invites_the_contact_who_then_edits_without_an_authenticator(client, staff, login_as):
    organisation = register()
    login_as(staff["moderator"])
    page = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "Waiting for a decision" in page and "bernadette@example.org" in page

    response = client.post(f"/organisations/{organisation.id}/approve", data={"note": "Checked the charity."})

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is approved" in page and "Moira Moderator" in page and "Checked the charity." in page
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert organisation.status is OrganisationStatus.APPROVED
    assert organisation.decided_by_id == staff["moderator"].id and organisation.decided_at is not None
    assert organisation.decision_reason == "Checked the charity."
    editor = db.session.scalar(select(User).where(User.email == "bernadette@example.org"))
    assert editor is not None and editor.name == "Bernadette Quayle"
    assert [o.id for o in editor.organisations] == [organisation.id]
    assert [role.code for role in editor.roles] == ["organisation_editor"]
    assert editor.password_hash is None
    assert "Bernadette Quayle" in page and "Invited" in page
    decision = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.record_id == str(organisation.id), AuditEntry.action == AuditAction.STATE_CHANGE
        )
    )
    assert decision.user_id == staff["moderator"].id and decision.new_values == {"status": "approved"}

    invitation = mails_to("bernadette@example.org")[-1]
    assert "Stoke Newington Knit and Natter" in invitation.body
    link = link_in(invitation, "/invitation/")
    client.post("/sign-out")
    assert (
        client.post(link, data={"password": "woolly jumper season", "confirm": "woolly jumper season"}).status_code
        == 302
    )

    # Password only: no authenticator app for an organisation editor.
    signed = client.post("/sign-in", data={"email": "bernadette@example.org", "password": "woolly jumper season"})
    assert signed.headers["Location"].endswith("/staff/")
    assert "Signed in as Bernadette Quayle" in client.get("/staff/").get_data(as_text=True)
    assert client.get("/organisations").status_code == 404


def test_approving_twice_says_it_is_already_decided(client, staff, login_as):
    organisation = register()
    login_as(staff["moderator"])
    client.post(f"/organisations/{organisation.id}/approve", data={})

    again = client.post(f"/organisations/{organisation.id}/approve", data={})

    page = again.get_data(as_text=True)
    assert again.status_code == 200 and "<title>Error: " in page
    assert "has already been approved" in page
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "bernadette@example.org")) == 1


def test_rejecting_needs_a_reason_which_the_contact_is_sent(client, staff, login_as):
    organisation = register()
    login_as(staff["moderator"])

    missing = client.post(f"/organisations/{organisation.id}/reject", data={"reason": "  "})

    page = missing.get_data(as_text=True)
    assert missing.status_code == 200 and "<title>Error: " in page
    assert "Enter the reason" in page and 'href="#reason"' in page
    assert db.session.get(Organisation, organisation.id).status is OrganisationStatus.PENDING

    response = client.post(
        f"/organisations/{organisation.id}/reject", data={"reason": "Please give your charity number."}
    )

    assert response.status_code == 302
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert organisation.status is OrganisationStatus.REJECTED
    assert organisation.decision_reason == "Please give your charity number."
    assert organisation.editors == []
    mail = mails_to("bernadette@example.org")[-1]
    assert "Please give your charity number." in mail.body
    assert "http://localhost/organisations/register" in mail.body
    assert not db.session.scalar(select(User).where(User.email == "bernadette@example.org"))
    # No approve or invite buttons on a rejected registration.
    page = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "Rejected" in page and "Approve and invite" not in page and "Invite an editor" not in page


def test_registering_again_after_a_rejection_reopens_it(client, staff):
    organisation = register()
    service.reject_organisation(organisation.id, by=staff["moderator"], reason="Incomplete")

    response = client.post(
        "/organisations/register",
        data={
            "name": "Stoke Newington Knit and Natter",
            "charity_number": "1187999",
            "description": "Now with our charity number.",
            "contact_name": "Bernadette Quayle",
            "contact_email": "bernadette@example.org",
            "allowed": "y",
        },
    )

    assert response.status_code == 302
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert organisation.status is OrganisationStatus.PENDING
    assert organisation.charity_number == "1187999" and organisation.decision_reason == ""


def test_inviting_someone_new_creates_an_editor_account(client, staff, login_as):
    organisation = staff["organisation"]
    login_as(staff["moderator"])
    form = client.get(f"/organisations/{organisation.id}/editors/invite")
    assert "Invite an editor" in form.get_data(as_text=True)

    missing = client.post(f"/organisations/{organisation.id}/editors/invite", data={"name": "Pat", "email": "pat"})
    assert "Enter an email address like name@example.org" in missing.get_data(as_text=True)

    response = client.post(
        f"/organisations/{organisation.id}/editors/invite", data={"name": "Pat Lindqvist", "email": "Pat@example.org"}
    )

    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "pat@example.org"))
    assert user is not None and user.has_role("organisation_editor") and user.organisation_ids == {organisation.id}
    assert "/invitation/" in mails_to("pat@example.org")[-1].body


def test_inviting_an_existing_account_adds_the_organisation_without_a_new_account(client, staff, login_as):
    other = Organisation(name="Hackney Wick Rowers", status=OrganisationStatus.APPROVED)
    db.session.add(other)
    db.session.commit()
    editor = staff["editor"]
    navigator = staff["navigator"]
    accounts_before = db.session.scalar(select(func.count(User.id)))
    login_as(staff["moderator"])

    response = client.post(
        f"/organisations/{other.id}/editors/invite", data={"name": "Whatever", "email": editor.email.upper()}
    )
    assert response.status_code == 302
    client.post(f"/organisations/{other.id}/editors/invite", data={"name": "Nadia", "email": navigator.email})

    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == accounts_before
    editor = db.session.get(User, editor.id)
    assert editor.organisation_ids == {staff["organisation"].id, other.id}
    assert [role.code for role in editor.roles] == ["organisation_editor"]
    assert editor.name == "Esme Editor"
    mail = mails_to(editor.email)[-1]
    assert mail.subject == "You can now edit listings for Hackney Wick Rowers"
    assert "http://localhost/sign-in" in mail.body
    navigator = db.session.get(User, navigator.id)
    assert {role.code for role in navigator.roles} == {"navigator", "organisation_editor"}
    assert navigator.organisation_ids == {other.id}

    twice = client.post(f"/organisations/{other.id}/editors/invite", data={"name": "Esme", "email": editor.email})
    assert "can already edit listings for Hackney Wick Rowers" in twice.get_data(as_text=True)


def test_an_organisation_waiting_for_approval_cannot_have_editors(client, staff, login_as):
    organisation = register()
    login_as(staff["moderator"])

    response = client.post(
        f"/organisations/{organisation.id}/editors/invite", data={"name": "Pat Lindqvist", "email": "pat@example.org"}
    )

    assert "is not approved, so it cannot have editors yet" in response.get_data(as_text=True)
    assert not db.session.scalar(select(User).where(User.email == "pat@example.org"))


def test_removing_an_editor_keeps_the_account_and_their_other_organisations(client, staff, login_as):
    organisation = staff["organisation"]
    other = Organisation(name="Hackney Wick Rowers", status=OrganisationStatus.APPROVED)
    db.session.add(other)
    db.session.commit()
    both = make_user("organisation_editor", organisations=[organisation, other], name="Bea Both")
    editor = staff["editor"]
    login_as(staff["moderator"])
    page = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "Esme Editor" in page and "Bea Both" in page

    client.post(f"/organisations/{organisation.id}/editors/{both.id}/remove")
    response = client.post(f"/organisations/{organisation.id}/editors/{editor.id}/remove")

    assert response.status_code == 302
    db.session.expire_all()
    both, editor = db.session.get(User, both.id), db.session.get(User, editor.id)
    assert both.organisation_ids == {other.id} and both.has_role("organisation_editor")
    assert editor is not None and editor.active
    assert editor.organisation_ids == set() and editor.roles == []
    assert db.session.get(Organisation, organisation.id).editors == []
    assert "Nobody can edit this organisation" in client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.record_id == str(editor.id), AuditEntry.user_id == staff["moderator"].id)
    )
    # Someone who is not an editor of this organisation: nothing to remove.
    assert client.post(f"/organisations/{organisation.id}/editors/{editor.id}/remove").status_code == 404

    # The removed editor now sees nothing to edit.
    sign_in(client, editor)
    assert client.get("/organisations").status_code == 404


def test_only_moderators_manage_organisations(client, staff, login_as):
    organisation = register()
    for who in ("editor", "lead", "admin", "navigator"):
        login_as(staff[who])
        assert client.get("/organisations").status_code == 404
        assert client.get(f"/organisations/{organisation.id}").status_code == 404
        assert client.post(f"/organisations/{organisation.id}/approve", data={}).status_code == 404
    assert db.session.get(Organisation, organisation.id).status is OrganisationStatus.PENDING
    login_as(staff["moderator"])
    assert client.get(f"/organisations/{organisation.id}").status_code == 200
    assert client.get(f"/organisations/{staff['organisation'].id}x").status_code == 404


def test_unknown_organisation_is_404(client, staff, login_as):
    login_as(staff["moderator"])
    assert client.get("/organisations/00000000-0000-0000-0000-000000000000").status_code == 404


def test_mail_to_moderators_goes_only_to_active_ones(app, staff):
    make_user("moderator", active=False, email="gone.moderator@example.org")
    register()
    assert mails_to("gone.moderator@example.org") == []
    assert len(mails_to(staff["moderator"].email)) == 1

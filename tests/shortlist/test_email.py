"""Staff sending a shortlist to a person by email, through the outbox."""

from __future__ import annotations

import re

from sqlalchemy import select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, OutboxMessage
from navigator.presenters import schedule_lines


def add_to_shortlist(client, *listings):
    for listing in listings:
        client.post("/shortlist/add", data={"listing_id": str(listing.id), "next": "/search"})


def email_form(client) -> tuple[str, str]:
    response = client.get("/shortlist/email")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"', page)[1]


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage)))


def shortlist_audit() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.record_type == "shortlist")))


def test_anonymous_people_are_asked_to_sign_in(client, make_listing):
    add_to_shortlist(client, make_listing("Dalston Community Choir"))
    for method in ("GET", "POST"):
        response = client.open("/shortlist/email", method=method, data={"email": "edna@example.org"})
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]
    assert outbox() == []
    assert "Send by email" not in client.get("/shortlist").get_data(as_text=True)


def test_staff_send_the_shortlist_once(app, staff, login_as, make_listing):
    choir = make_listing("Dalston Community Choir", contact_phone="020 7946 0123")
    walk = make_listing("Hackney Marshes Health Walk", postcode="E9 5PF")
    client = login_as(staff["navigator"])
    add_to_shortlist(client, choir, walk)
    assert 'href="/shortlist/email"' in client.get("/shortlist").get_data(as_text=True)
    page, key = email_form(client)
    assert "Dalston Community Choir" in page and "Hackney Marshes Health Walk" in page

    data = {"email": " edna@example.org ", "message": "Lovely to talk today.", "idempotency_key": key}
    response = client.post("/shortlist/email", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/shortlist"
    assert "Your shortlist has been sent to edna@example.org" in client.get("/shortlist").get_data(as_text=True)

    [message] = outbox()
    assert message.to == "edna@example.org"
    body = message.body
    assert body.startswith("Lovely to talk today.")
    for text in (
        "1. Dalston Community Choir",
        "2. Hackney Marshes Health Walk",
        f"When: {schedule_lines(choir)[0]}",
        "Where: Dalston Community Choir venue, 1 Test Street, London, E8 1DY",
        "Phone: 020 7946 0123",
        "Sent by Nadia Navigator",
    ):
        assert text in body, text
    link = re.search(r"http://localhost/shortlist/shared/\S+", body)[0]
    shared = app.test_client().get(link.removeprefix("http://localhost")).get_data(as_text=True)
    assert "Dalston Community Choir" in shared and "Hackney Marshes Health Walk" in shared

    [entry] = shortlist_audit()
    assert entry.action is AuditAction.EXPORT and entry.user_id == staff["navigator"].id
    assert entry.record_id == key
    assert entry.new_values == {"to": "edna@example.org", "listing_ids": [str(choir.id), str(walk.id)]}

    # A double submit (or back and resubmit) sends nothing more.
    response = client.post("/shortlist/email", data=data)
    assert response.status_code == 302
    assert len(outbox()) == 1 and len(shortlist_audit()) == 1


def test_a_second_click_with_the_old_session_sends_nothing(staff, login_as, make_listing):
    """Both requests of a double click carry the session from before the first answer."""
    client = login_as(staff["navigator"])
    add_to_shortlist(client, make_listing("Dalston Community Choir"))
    _page, key = email_form(client)
    with client.session_transaction() as session:
        before = dict(session)
    data = {"email": "edna@example.org", "idempotency_key": key}
    assert client.post("/shortlist/email", data=data).status_code == 302
    with client.session_transaction() as session:
        session.update(before)
    assert client.post("/shortlist/email", data=data).status_code == 302
    assert len(outbox()) == 1 and len(shortlist_audit()) == 1


def test_mistakes_are_shown_with_what_was_typed(staff, login_as, make_listing):
    client = login_as(staff["navigator"])
    add_to_shortlist(client, make_listing("Dalston Community Choir"))
    _page, key = email_form(client)
    response = client.post(
        "/shortlist/email", data={"email": "edna-at-example", "message": "See you Tuesday", "idempotency_key": key}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Error: Send your shortlist by email" in page
    assert "Enter an email address in the correct format, like name@example.com" in page
    assert 'href="#email"' in page
    assert 'value="edna-at-example"' in page and "See you Tuesday</textarea>" in page
    assert f'value="{key}"' in page
    response = client.post("/shortlist/email", data={"email": "", "idempotency_key": key})
    assert "Enter the email address to send the shortlist to" in response.get_data(as_text=True)
    assert outbox() == [] and shortlist_audit() == []
    # Corrected, the same form sends.
    client.post("/shortlist/email", data={"email": "edna@example.org", "idempotency_key": key})
    assert len(outbox()) == 1


def test_a_form_this_session_did_not_issue_sends_nothing(staff, login_as, make_listing):
    client = login_as(staff["navigator"])
    add_to_shortlist(client, make_listing("Dalston Community Choir"))
    for key in ("0" * 32, "not-a-key", ""):
        response = client.post("/shortlist/email", data={"email": "edna@example.org", "idempotency_key": key})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "This page was out of date, so nothing was sent" in page and 'value="edna@example.org"' in page
    assert outbox() == [] and shortlist_audit() == []


def test_an_empty_shortlist_cannot_be_sent(staff, login_as):
    client = login_as(staff["navigator"])
    assert client.get("/shortlist/email").headers["Location"] == "/shortlist"
    response = client.post("/shortlist/email", data={"email": "edna@example.org", "idempotency_key": "a" * 32})
    assert response.headers["Location"] == "/shortlist"
    assert outbox() == []


def test_the_same_form_sent_twice_at_the_same_moment_queues_one_email(app, staff, monkeypatch):
    """Both requests have checked the form was not sent yet before either commits."""
    from navigator.models import User
    from navigator.services import shortlists
    from tests.concurrency import at_once, hold_after_reading

    navigator_id = staff["navigator"].id
    reached = hold_after_reading(monkeypatch, shortlists, "queue_mail")

    def send() -> object:
        return shortlists.email_shortlist(
            to="edna@example.org",
            subject="Activities",
            body="Lovely to talk today.",
            listing_ids=[],
            key="f" * 32,
            by=db.session.get(User, navigator_id),
        )

    finished, errors = at_once(app, [send, send])
    assert len(reached) == 2
    assert errors == [] and len(finished) == 2
    db.session.expire_all()
    assert len(outbox()) == 1 and len(shortlist_audit()) == 1

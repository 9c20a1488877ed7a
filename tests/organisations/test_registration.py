"""An organisation registers on the public form; moderators are told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, Organisation, OrganisationStatus, OutboxMessage

FORM = {
    "name": "Stoke Newington Knit and Natter",
    "charity_number": "1187 999",
    "company_number": "sc123456",
    "description": "A friendly knitting group for anyone who wants company and a cup of tea.",
    "website": "www.knit-and-natter.example.org",
    "contact_name": "Bernadette Quayle",
    "contact_email": "Bernadette.Quayle@example.org",
    "contact_phone": "020 7946 0555",
    "allowed": "y",
}


def mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == address)))


def test_home_page_links_to_registration(client, app):
    page = client.get("/").get_data(as_text=True)
    assert "List your organisation&#39;s activities" in page or "List your organisation's activities" in page
    assert 'href="/organisations/register"' in page


def test_registration_is_stored_pending_and_mails_the_contact_and_moderators(client, staff, frozen_now):
    frozen_now(datetime(2026, 3, 10, 11, 0, tzinfo=UTC))
    form = client.get("/organisations/register").get_data(as_text=True)
    assert "I am allowed to list activities for this organisation" in form

    response = client.post("/organisations/register", data=FORM)

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Registration sent" in page and "Stoke Newington Knit and Natter" in page
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == FORM["name"]))
    assert organisation is not None
    assert organisation.status is OrganisationStatus.PENDING
    assert organisation.charity_number == "1187999"
    assert organisation.company_number == "SC123456"
    assert organisation.website == "https://www.knit-and-natter.example.org"
    assert organisation.contact_name == "Bernadette Quayle"
    assert organisation.contact_email == "bernadette.quayle@example.org"
    assert organisation.phone == "020 7946 0555"
    assert organisation.created_at == datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
    assert organisation.editors == []

    [to_contact] = mails_to("bernadette.quayle@example.org")
    assert "We have your registration" in to_contact.subject
    [to_moderator] = mails_to(staff["moderator"].email)
    assert "Stoke Newington Knit and Natter" in to_moderator.subject
    assert f"http://localhost/organisations/{organisation.id}" in to_moderator.body
    # Nobody else (the lead, the admin, the editor) hears about it.
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.record_id == str(organisation.id)))
    assert entry.action is AuditAction.CREATE and entry.user_id is None
    assert entry.new_values["status"] == "pending"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter the name of your organisation"),
        ("name", "x" * 201, "The name must be 200 characters or fewer"),
        ("charity_number", "12345", "Enter a charity number of 6 to 8 digits"),
        ("charity_number", "1187342-X", "Enter a charity number of 6 to 8 digits"),
        ("company_number", "1234567", "Enter a company number of 8 characters"),
        ("company_number", "SC12345A", "Enter a company number of 8 characters"),
        ("description", "", "Describe what your organisation does"),
        ("description", "y" * 2001, "The description must be 2000 characters or fewer"),
        ("website", "ftp://files.example.org", "Enter a website address like https://www.example.org"),
        ("website", "not a website", "Enter a website address like https://www.example.org"),
        ("contact_name", "", "Enter your full name"),
        ("contact_email", "", "Enter your email address"),
        ("contact_email", "bernadette.example.org", "Enter an email address like name@example.org"),
        ("contact_phone", "12345", "Enter a UK phone number"),
        ("allowed", "", "Confirm that you are allowed to list activities for this organisation"),
    ],
)
def test_each_mistake_is_explained_and_what_was_typed_is_kept(client, app, field, value, message):
    data = dict(FORM, **{field: value})
    if not value:
        del data[field]

    response = client.post("/organisations/register", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert message in page
    assert f'href="#{field}"' in page  # the error summary links to the field
    # Everything else is still filled in.
    assert "Bernadette Quayle" in page or field == "contact_name"
    assert "A friendly knitting group" in page or field == "description"
    if field not in ("name", "allowed"):
        assert "Stoke Newington Knit and Natter" in page
    if field == "allowed":
        assert "1187 999" in page or "1187999" in page
    elif value and field not in ("name", "description"):
        assert value in page
    assert db.session.scalar(select(func.count(Organisation.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_charity_number_with_a_linked_charity_suffix_and_company_numbers_are_accepted(client, app):
    data = dict(FORM, charity_number="1187342-1", company_number="01234567")
    assert client.post("/organisations/register", data=data).status_code == 302
    organisation = db.session.scalar(select(Organisation))
    assert (organisation.charity_number, organisation.company_number) == ("1187342-1", "01234567")


def test_optional_fields_can_be_left_out(client, app):
    data = {key: FORM[key] for key in ("name", "description", "contact_name", "contact_email", "allowed")}
    assert client.post("/organisations/register", data=data).status_code == 302
    organisation = db.session.scalar(select(Organisation))
    assert organisation.charity_number is None and organisation.company_number is None
    assert organisation.website is None and organisation.phone is None


def test_a_name_already_in_the_directory_is_refused_whatever_its_case(client, make_org):
    make_org("Clapton Good Company")

    response = client.post(
        "/organisations/register", data=dict(FORM, name="  clapton   GOOD company ", contact_email="x@example.org")
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: " in page
    assert "An organisation called Clapton Good Company is already registered" in page
    assert "ask its contact to invite you as an editor" in page
    assert db.session.scalar(select(func.count(Organisation.id))) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_the_same_registration_sent_twice_is_stored_once(client, staff):
    first = client.post("/organisations/register", data=FORM)
    again = client.post("/organisations/register", data=dict(FORM, name=FORM["name"].upper()))

    assert first.status_code == again.status_code == 302
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "We already have your registration" in page
    named = func.lower(Organisation.name) == FORM["name"].lower()
    assert db.session.scalar(select(func.count(Organisation.id)).where(named)) == 1
    assert len(mails_to("bernadette.quayle@example.org")) == 1
    assert len(mails_to(staff["moderator"].email)) == 1


def test_someone_else_registering_a_pending_name_is_told_it_is_taken(client, app):
    client.post("/organisations/register", data=FORM)
    response = client.post("/organisations/register", data=dict(FORM, contact_email="other@example.org"))
    assert "is already registered" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Organisation.id))) == 1


def test_robots_filling_the_hidden_field_store_nothing(client, app):
    response = client.post("/organisations/register", data=dict(FORM, nickname="spam"))
    assert response.status_code == 302
    assert "Registration sent" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Organisation.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_confirmation_page_without_a_registration_goes_to_the_form(client, app):
    response = client.get("/organisations/register/sent")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/organisations/register")


@pytest.fixture
def rate_limited_app(rate_limited):
    return rate_limited(REGISTRATION_RATE_LIMIT="3 per hour")


def test_registrations_are_rate_limited_without_losing_what_was_typed(rate_limited_app):
    client = rate_limited_app.test_client()
    with rate_limited_app.app_context():
        for attempt in range(5):
            response = client.post("/organisations/register", data=dict(FORM, name=""))
            assert response.status_code == 200, f"attempt {attempt + 1}"
        for number in range(3):
            assert client.post("/organisations/register", data=dict(FORM, name=f"Group {number}")).status_code == 302
        response = client.post("/organisations/register", data=dict(FORM, name="Fourth Group"))
        assert response.status_code == 429
        assert 'value="Fourth Group"' in response.get_data(as_text=True)
        assert "try again later" in response.get_data(as_text=True)
        assert client.get("/organisations/register").status_code == 200  # reading the form is not limited
        assert db.session.scalar(select(func.count(Organisation.id))) == 3

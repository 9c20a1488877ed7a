"""A resident asks a navigator to contact them: no account, CSRF, a honeypot and a rate limit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import Agreement, AuditAction, AuditEntry, Referral, ReferralEvent, ReferralState
from tests.directory.pages import Page
from tests.referrals.helpers import assert_kept, error_messages, self_referral_data

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
FORM = "self-referral-form"


@pytest.fixture(autouse=True)
def _today(frozen_now):
    frozen_now(NOW)


def referrals() -> list[Referral]:
    return list(db.session.scalars(select(Referral)))


def test_anyone_can_open_the_form(client):
    page = Page(client.get("/ask-for-help"))

    assert page.status == 200
    assert page.h1s == ["Ask a community navigator to contact you"]
    text = page.main_text
    assert "This is not an emergency service" in text
    assert "999" in text and "116 123" in text
    assert page.root.find("a", href="#privacy") is not None
    assert page.root.find(id="privacy") is not None
    assert "I agree to a navigator contacting me and to my information being shared with the navigation team" in text
    honeypot = page.root.find("input", name="website")
    assert honeypot is not None
    assert honeypot.attrs["tabindex"] == "-1" and honeypot.attrs["autocomplete"] == "off"
    wrapper = honeypot.parent
    assert wrapper is not None and wrapper.attrs.get("aria-hidden") == "true"
    assert "govuk-visually-hidden" in wrapper.classes
    label = page.root.find("label", for_="website")
    assert label is not None and label.text() == "Leave this field empty"


def test_a_resident_asks_for_help(client):
    response = client.post("/ask-for-help", data=self_referral_data())

    assert response.status_code == 302, error_messages(response)
    [referral] = referrals()
    confirmation = Page(client.get(response.headers["Location"]))
    assert confirmation.status == 200
    panel = confirmation.root.find("div", cls="govuk-panel__body")
    assert panel.find("strong").text() == referral.reference
    assert "A community navigator will contact you" in confirmation.main_text
    assert str(referral.id) not in response.headers["Location"]  # no status page to find by address

    assert referral.state is ReferralState.SUBMITTED
    assert referral.source_code == "self_referral"
    assert referral.referred_by_id is None and referral.team_id is None
    assert referral.entered_by_proxy is False
    assert referral.agreement is Agreement.YES
    assert referral.agreed_by == "person" and referral.agreement_date == date(2026, 3, 3)
    assert referral.information_sharing_agreed is True
    assert referral.reason == "I have just moved here and would like to meet people."
    assert referral.what_matters == "Cooking and walking."
    person = referral.person
    assert (person.given_name, person.family_name) == ("Sam", "Selfreferrer-Test")
    assert person.date_of_birth == date(1990, 6, 1)
    assert (person.postcode, person.ward_code) == ("N16 0JL", "E05009369")
    assert (person.phone, person.email) == ("07700 900123", "sam@example.org")
    assert (person.preferred_contact_method, person.preferred_contact_times) == ("sms", "Evenings")
    assert person.languages == ["en", "tr"]
    assert person.interpreter_needed is True and person.interpreter_language == "tr"
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.referral_id == referral.id))
    assert audit.action is AuditAction.CREATE and audit.user_id is None
    events = db.session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)).all()
    assert [(e.to_state, e.by_id) for e in events] == [(ReferralState.SUBMITTED, None)]


def test_date_of_birth_and_postcode_are_optional(client):
    data = self_referral_data(
        **{"date_of_birth-day": "", "date_of_birth-month": "", "date_of_birth-year": "", "postcode": ""}
    )
    response = client.post("/ask-for-help", data=data)
    assert response.status_code == 302, error_messages(response)
    [referral] = referrals()
    assert referral.person.date_of_birth is None and referral.person.postcode == ""


INVALID = {
    "no name": ({"given_name": ""}, "Enter your first name"),
    "no way to contact": (
        {"phone": "", "email": "", "preferred_contact_method": None},
        "Enter a phone number or email address so a navigator can contact you",
    ),
    "bad phone": ({"phone": "999"}, "Enter a UK phone number, like 020 7946 0123 or 07700 900 123"),
    "bad postcode": ({"postcode": "SW1A 1AA"}, "Enter a full postcode we can find, like E8 1DY"),
    "no agreement": ({"agree": None}, "Tick the box to agree to a navigator contacting you"),
    "nothing about what would help": ({"what_would_help": ""}, "Tell us what would help you"),
    "interpreter without language": (
        {"interpreter_language": ""},
        "Choose the language you would like an interpreter for",
    ),
    "half a date of birth": ({"date_of_birth-month": ""}, "Date of birth must include a month"),
}


@pytest.mark.parametrize("case", INVALID, ids=list(INVALID))
def test_mistakes_are_shown_with_everything_typed(client, case):
    changes, message = INVALID[case]
    data = self_referral_data(**changes)
    response = client.post("/ask-for-help", data=data)
    assert response.status_code == 200
    assert message in error_messages(response)
    assert Page(response).title.startswith("Error: ")
    assert_kept(response, FORM, data, ignore=("website",))
    assert referrals() == []


def test_a_filled_in_honeypot_stores_nothing_but_looks_like_success(client):
    response = client.post("/ask-for-help", data=self_referral_data(website="http://spam.example"))

    assert response.status_code == 302
    page = Page(client.get(response.headers["Location"]))
    assert page.status == 200
    assert "We have your request" in page.main_text
    assert "A community navigator will contact you" in page.main_text
    assert referrals() == []
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_sending_the_form_twice_makes_one_referral(client):
    data = self_referral_data(key="double-click-key-0000001")
    first = client.post("/ask-for-help", data=data)
    second = client.post("/ask-for-help", data=data)
    assert first.status_code == second.status_code == 302
    [referral] = referrals()
    assert referral.reference in Page(client.get(second.headers["Location"])).main_text


def test_the_confirmation_page_needs_a_request_first(client):
    response = client.get("/ask-for-help/sent")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/ask-for-help")


def test_a_post_without_a_csrf_token_is_refused(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/ask-for-help", data=self_referral_data())
        assert response.status_code == 400
        assert "There is a problem with your request" in Page(response).title
        assert referrals() == []

        # With the token from the form, the same request goes through.
        form = Page(client.get("/ask-for-help")).root.find("input", name="csrf_token")
        assert form is not None
        response = client.post("/ask-for-help", data={**self_referral_data(), "csrf_token": form.attrs["value"]})
        assert response.status_code == 302, error_messages(response)
        assert len(referrals()) == 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def rate_limited_app(rate_limited):
    return rate_limited(SELF_REFERRAL_RATE_LIMIT="5 per hour")


def test_mistakes_do_not_count_and_a_refused_request_keeps_what_was_typed(rate_limited_app):
    """A library or care home shares one address: forms with mistakes never count towards
    the limit, and the request over it shows the form again as typed, not a 429 page."""
    client = rate_limited_app.test_client()
    with rate_limited_app.app_context():
        for attempt in range(8):
            response = client.post("/ask-for-help", data=self_referral_data(given_name=""))
            assert response.status_code == 200, f"attempt {attempt + 1}"
        for number in range(5):
            response = client.post("/ask-for-help", data=self_referral_data(key=f"accepted-request-key-{number:05d}"))
            assert response.status_code == 302, error_messages(response)
        response = client.post(
            "/ask-for-help", data=self_referral_data(given_name="Winifred", key="sixth-request-key-000001")
        )
        assert response.status_code == 429
        page = Page(response)
        assert page.h1s != ["Too many requests"]
        assert "try again later, or call us on" in response.get_data(as_text=True)
        assert 'value="Winifred"' in response.get_data(as_text=True)
        assert client.get("/ask-for-help").status_code == 200  # reading the form is not limited
        assert len(db.session.scalars(select(Referral)).all()) == 5

"""Making a referral: referrers for their team, navigators and team leads by proxy."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import (
    Agreement,
    AuditAction,
    AuditEntry,
    OutboxMessage,
    Referral,
    ReferralEvent,
    ReferralState,
    Screening,
    ScreeningOccasion,
)
from navigator.screening import AdministrationMode
from tests.directory.pages import Page
from tests.referrals.helpers import (
    ADULT_SCREEN,
    CYP_SCREEN,
    EASY_READ_SCREEN,
    assert_kept,
    date_parts,
    error_messages,
    staff_referral_data,
)

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
FORM = "referral-form"
NO_SCREEN = dict.fromkeys(ADULT_SCREEN)  # None removes the answers from the post


@pytest.fixture(autouse=True)
def _today(frozen_now):
    frozen_now(NOW)


def referrals() -> list[Referral]:
    return list(db.session.scalars(select(Referral)))


def only_referral() -> Referral:
    found = referrals()
    assert len(found) == 1, f"expected one referral, found {len(found)}"
    return found[0]


def post(client, data):
    return client.post("/referrals/new", data=data)


# -- the form --------------------------------------------------------------------


def test_referrer_sees_the_form_with_their_team_chosen_and_crisis_contacts(client, staff, login_as):
    page = Page(login_as(staff["referrer"]).get("/referrals/new"))

    assert page.status == 200
    assert page.h1s == ["Make a referral"]
    text = page.main_text
    assert "This is not an emergency or safeguarding route" in text
    assert "999" in text and "NHS 111" in text and "116 123" in text
    assert "safeguarding procedures" in text
    team = page.root.find("select", id="team")
    assert team is not None
    selected = [option.attrs["value"] for option in team.find_all("option") if "selected" in option.attrs]
    assert selected == [str(staff["team"].id)]
    # The referrer's contact details default from their account; no source question (it comes from the team).
    assert page.root.find("input", id="referrer_name").attrs["value"] == "Rita Referrer"
    assert page.root.find("input", id="referrer_email").attrs["value"] == staff["referrer"].email
    assert page.root.find("select", id="source") is None
    # Every screening set is shown, with its heading, from the instrument data.
    for heading in ("If the person is 16 or over", "If the person is 10 to 15", "Easy Read version"):
        assert heading in text
    assert "How often do you feel that you lack companionship?" in text
    assert "How often do you feel that you have no one to talk to?" in text
    assert "Prefer not to say" in text
    key = page.root.find("input", id="idempotency_key")
    assert key is not None and len(key.attrs["value"]) >= 16


def test_proxy_entry_offers_every_source_including_the_ld_annual_health_check(client, staff, login_as):
    page = Page(login_as(staff["navigator"]).get("/referrals/new"))

    assert page.h1s == ["Enter a referral"]
    source = page.root.find("select", id="source")
    assert source is not None
    options = {option.attrs["value"]: option.text() for option in source.find_all("option")}
    assert options["ld_annual_health_check"] == "LD annual health check"
    assert "gp_primary_care" in options
    team = page.root.find("select", id="team")
    team_values = [option.attrs["value"] for option in team.find_all("option")]
    assert "" in team_values and str(staff["team"].id) in team_values and str(staff["other_team"].id) in team_values
    # A proxy entry's referrer is someone else: nothing is filled in from the navigator's account.
    assert page.root.find("input", id="referrer_name").attrs.get("value", "") == ""


@pytest.mark.parametrize("role", ["admin"])
def test_people_who_cannot_refer_get_not_found(client, staff, login_as, role):
    assert login_as(staff[role]).get("/referrals/new").status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, staff):
    response = client.get("/referrals/new")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


# -- a complete referral ---------------------------------------------------------


def test_referrer_makes_a_referral(client, staff, login_as):
    referrer = staff["referrer"]
    client = login_as(referrer)

    response = post(client, staff_referral_data(staff["team"].id))

    assert response.status_code == 302, error_messages(response)
    referral = only_referral()
    assert response.headers["Location"].endswith(f"/referrals/{referral.id}/submitted")
    confirmation = Page(client.get(response.headers["Location"]))
    assert confirmation.status == 200
    panel = confirmation.root.find("div", cls="govuk-panel__body")
    assert panel.find("strong").text() == referral.reference
    assert referral.reference.startswith("CN-2026-")

    assert referral.state is ReferralState.SUBMITTED
    assert referral.source_code == "adult_social_care"  # from the team
    assert referral.team_id == staff["team"].id
    assert referral.referred_by_id == referrer.id
    assert referral.entered_by_proxy is False
    assert (referral.referrer_name, referral.referrer_role) == ("Rita Referrer", "Social worker")
    assert (referral.referrer_phone, referral.referrer_email) == ("020 7946 0111", "rita@example.org")
    person = referral.person
    assert (person.given_name, person.family_name, person.date_of_birth) == ("Edna", "Okonkwo-Test", date(1948, 3, 14))
    assert person.nhs_number == "9434765919"
    assert person.postcode == "E8 1DY" and person.ward_code == "E05009372"
    assert person.address == "Flat 2, 10 Test Road\nLondon"
    assert (person.phone, person.email) == ("020 7946 0999", "edna@example.org")
    assert (person.preferred_contact_method, person.preferred_contact_times) == ("phone", "Weekday mornings")
    assert person.languages == ["en", "yo"]
    assert person.interpreter_needed is False and person.interpreter_language == ""
    assert person.communication_needs == ["large_print"]
    assert referral.target_groups == []  # groups are derived from the monitoring answers, never ticked
    assert referral.reason == "Lives alone since her husband died and rarely goes out."
    assert referral.what_matters == "Getting back to singing."
    assert referral.needs == ["loneliness", "bereavement"]
    assert referral.barriers == ["mobility", "transport"]
    assert referral.support_needed == ["volunteer_buddy", "travel_support"]
    assert referral.safeguarding_concern is False
    assert referral.agreement is Agreement.YES
    assert (referral.agreed_by, referral.agreement_date) == ("person", date(2026, 3, 2))
    assert referral.agreement_obtained_by == "Rita Referrer"
    assert referral.information_sharing_agreed is True
    assert referral.gillick_competent is None  # an adult
    assert referral.screening_not_completed_reason == ""

    screenings = {s.instrument_code: s for s in db.session.scalars(select(Screening))}
    assert set(screenings) == {"ucla3", "ons_direct"}
    ucla3 = screenings["ucla3"]
    assert ucla3.referral_id == referral.id
    assert ucla3.occasion is ScreeningOccasion.BASELINE
    assert ucla3.mode is AdministrationMode.READ_OUT
    assert ucla3.answers == {"lack_companionship": "often", "left_out": "some_of_the_time", "isolated": "often"}
    assert (ucla3.score, ucla3.complete) == (8, True)
    assert ucla3.band == "lonely (local convention)"
    assert ucla3.recorded_by_id == referrer.id
    assert screenings["ons_direct"].details["chronic_loneliness"] is True

    created = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == AuditAction.CREATE,
            AuditEntry.record_type == "referral",
            AuditEntry.referral_id == referral.id,
        )
    ).all()
    assert len(created) == 1
    assert created[0].user_email == referrer.email
    assert created[0].new_values["proxy"] is False
    events = db.session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)).all()
    assert [(e.from_state, e.to_state, e.by_id) for e in events] == [(None, ReferralState.SUBMITTED, referrer.id)]


def test_navigator_enters_a_referral_by_proxy(client, staff, login_as):
    navigator = staff["navigator"]
    data = staff_referral_data(
        None,
        source="ld_annual_health_check",
        referrer_name="Dr Gita Practice",
        referrer_role="GP, Test Road Surgery",
        referrer_phone="020 7946 0555",
        referrer_email="",
        agreement_obtained_by="Dr Gita Practice",
    )

    response = post(login_as(navigator), data)

    assert response.status_code == 302, error_messages(response)
    referral = only_referral()
    assert referral.entered_by_proxy is True
    assert referral.source_code == "ld_annual_health_check"
    assert referral.team_id is None
    assert referral.referred_by_id == navigator.id
    assert (referral.referrer_name, referral.referrer_role) == ("Dr Gita Practice", "GP, Test Road Surgery")
    assert referral.referrer_phone == "020 7946 0555"
    audit = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == AuditAction.CREATE, AuditEntry.record_type == "referral")
    )
    assert audit.new_values["proxy"] is True


def test_proxy_entry_needs_a_source(client, staff, login_as):
    data = staff_referral_data(None, source="")
    response = post(login_as(staff["lead"]), data)
    assert response.status_code == 200
    assert "Choose where the referral comes from" in error_messages(response)
    assert referrals() == []


def test_a_referrer_cannot_refer_for_another_team(client, staff, login_as):
    response = post(login_as(staff["referrer"]), staff_referral_data(staff["other_team"].id))
    assert response.status_code == 200
    assert "Choose a team from the list" in error_messages(response)
    assert referrals() == []


# -- checks on what was typed ------------------------------------------------------


def test_a_valid_nhs_number_is_accepted_and_stored_as_digits(client, staff, login_as):
    response = post(login_as(staff["referrer"]), staff_referral_data(staff["team"].id, nhs_number="9434765919"))
    assert response.status_code == 302, error_messages(response)
    assert only_referral().person.nhs_number == "9434765919"


def test_an_nhs_number_that_fails_the_check_digit_is_refused(client, staff, login_as):
    data = staff_referral_data(staff["team"].id, nhs_number="9434765918")
    response = post(login_as(staff["referrer"]), data)
    assert response.status_code == 200
    assert error_messages(response) == ["Enter a valid NHS number: 10 digits, like 943 476 5919"]
    assert Page(response).title.startswith("Error: ")
    assert_kept(response, FORM, data)
    assert referrals() == []


@pytest.mark.parametrize(
    ("postcode", "message"),
    [
        ("NOT A POSTCODE", "Enter a real postcode, like E8 1DY"),
        ("SW1A 1AA", "Enter a full postcode we can find, like E8 1DY"),
    ],
)
def test_a_postcode_we_cannot_find_is_refused(client, staff, login_as, postcode, message):
    data = staff_referral_data(staff["team"].id, postcode=postcode)
    response = post(login_as(staff["referrer"]), data)
    assert response.status_code == 200
    assert error_messages(response) == [message]
    assert_kept(response, FORM, data)
    assert referrals() == []


INVALID_CASES = {
    "no reason": ({"reason": ""}, "Enter the reason for the referral"),
    "no first name": ({"given_name": ""}, "Enter the person's first name"),
    "no need chosen": ({"needs": None}, "Choose at least one thing the person would like help with"),
    "bad phone": ({"phone": "12345"}, "Enter a UK phone number, like 020 7946 0123 or 07700 900 123"),
    "bad email": ({"email": "edna.example.org"}, "Enter an email address in the correct format, like name@example.org"),
    "no contact route": (
        {"phone": "", "email": "", "address": "", "preferred_contact_method": None},
        "Enter a phone number, email address or address so a navigator can contact them",
    ),
    "emailed but no email": (
        {"email": "", "preferred_contact_method": "email"},
        "Enter an email address, or choose another way to contact them",
    ),
    "date of birth without a year": ({"date_of_birth-year": ""}, "Date of birth must include a year"),
    "date of birth not real": ({"date_of_birth-month": "13"}, "Date of birth must be a real date"),
    "date of birth in the future": (date_parts("date_of_birth", date(2027, 1, 1)), "Date of birth must be in the past"),
    "no date of birth": (
        {"date_of_birth-day": "", "date_of_birth-month": "", "date_of_birth-year": ""},
        "Enter the person's date of birth",
    ),
    "interpreter without a language": (
        {"interpreter_needed": "yes", "interpreter_language": ""},
        "Choose the language the interpreter should speak",
    ),
    "risk without detail": (
        {"lone_working_risk": "y", "risk_detail": ""},
        "Describe the risks so the navigator can plan a safe visit",
    ),
    "person does not agree": (
        {"agreement": "no"},
        "The person must agree to the referral. If you have a "
        "safeguarding concern, tick “There is a safeguarding concern”",
    ),
    "agreement not answered": ({"agreement": None}, "Say whether the person agrees to the referral"),
    "no agreement date": (
        {"agreement_date-day": "", "agreement_date-month": "", "agreement_date-year": ""},
        "Enter the date they agreed",
    ),
    "screen half answered": (
        {"screen_ucla3__left_out": None, "screen_ons_direct__lonely": None},
        "Answer “How often do you feel left out?”, or choose “Prefer not to say”",
    ),
    "screen not answered": (
        NO_SCREEN,
        "Answer the questions under “If the person is 16 or over”, or tick “Screening not completed” and say why",
    ),
    "wrong screen for the age": (
        {**NO_SCREEN, **CYP_SCREEN},
        "Answer the questions under “If the person is 16 or over”, or tick “Screening not completed” and say why",
    ),
    "no referrer contact": (
        {"referrer_phone": "", "referrer_email": ""},
        "Enter a phone number or email address for the referrer",
    ),
}


@pytest.mark.parametrize("case", INVALID_CASES, ids=list(INVALID_CASES))
def test_an_invalid_referral_is_shown_again_with_everything_typed(client, staff, login_as, case):
    changes, message = INVALID_CASES[case]
    # Fill in the optional parts too, so the test sees them kept.
    optional = {
        "safeguarding_reference": "",
        "risk_to_self_or_others": "y",
        "risk_detail": "Dog in the flat: visit with a colleague.",
        "preferred_contact_times": "Mornings",
    }
    data = staff_referral_data(staff["team"].id, **{**optional, **changes})

    response = post(login_as(staff["referrer"]), data)

    assert response.status_code == 200
    assert message in error_messages(response)
    page = Page(response)
    assert page.title.startswith("Error: ")
    summary_link = page.root.find("div", cls="govuk-error-summary").find("a")
    assert page.root.find(id=summary_link.attrs["href"].lstrip("#")) is not None, "the summary links to the field"
    assert_kept(response, FORM, data)
    assert referrals() == []


def test_every_kind_of_answer_survives_a_re_render(client, staff, login_as):
    """Checkboxes, radios, date parts and screening answers for every set, all kept."""
    data = staff_referral_data(
        staff["team"].id,
        reason="",
        communication_needs=["bsl", "large_print", "advocate"],
        interpreter_needed="yes",
        interpreter_language="bfi",
        barriers=["cost", "anxiety"],
        lone_working_risk="y",
        risk_detail="Do not visit alone.",
        agreed_by="representative",
        **CYP_SCREEN,
        **EASY_READ_SCREEN,
    )
    response = post(login_as(staff["referrer"]), data)
    assert error_messages(response) == ["Enter the reason for the referral"]
    assert_kept(response, FORM, data)


# -- idempotency -------------------------------------------------------------------


def test_submitting_the_same_form_twice_makes_one_referral(client, staff, login_as):
    client = login_as(staff["referrer"])
    data = staff_referral_data(staff["team"].id, key=uuid.uuid4().hex)

    first = post(client, data)
    second = post(client, data)

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    referral = only_referral()
    assert db.session.scalar(select(func.count(Screening.id))) == 2
    for response in (first, second):
        assert referral.reference in Page(client.get(response.headers["Location"])).main_text


def test_the_key_is_kept_when_the_form_is_shown_again(client, staff, login_as):
    client = login_as(staff["referrer"])
    data = staff_referral_data(staff["team"].id, key="kept-key-0000000000001", reason="")
    response = post(client, data)
    assert Page(response).root.find("input", id="idempotency_key").attrs["value"] == "kept-key-0000000000001"
    post(client, {**data, "reason": "Fixed it."})
    assert only_referral().idempotency_key == "kept-key-0000000000001"


def test_only_the_submitter_sees_the_confirmation(client, staff, login_as):
    response = post(login_as(staff["referrer"]), staff_referral_data(staff["team"].id))
    location = response.headers["Location"]
    assert login_as(staff["other_referrer"]).get(location).status_code == 404
    assert login_as(staff["referrer"]).get(f"/referrals/{uuid.uuid4()}/submitted").status_code == 404


# -- screening at referral ----------------------------------------------------------


def test_screening_not_completed_needs_a_reason(client, staff, login_as):
    client = login_as(staff["referrer"])
    data = staff_referral_data(staff["team"].id, screening_not_completed="y", **NO_SCREEN)

    response = post(client, data)
    assert response.status_code == 200
    assert error_messages(response) == ["Say why the screening was not completed"]
    assert_kept(response, FORM, data)

    response = post(client, {**data, "screening_not_completed_reason": "Edna was not with me when I referred."})
    assert response.status_code == 302, error_messages(response)
    referral = only_referral()
    assert referral.screening_not_completed_reason == "Edna was not with me when I referred."
    assert db.session.scalars(select(Screening)).all() == []


def test_an_under_16_answers_the_young_peoples_questions_and_gillick_is_recorded(client, staff, login_as):
    data = staff_referral_data(
        staff["team"].id,
        **date_parts("date_of_birth", date(2014, 1, 10)),  # 12
        **NO_SCREEN,
        **CYP_SCREEN,
        gillick_competent="yes",
        nhs_number="",
    )
    response = post(login_as(staff["referrer"]), data)

    assert response.status_code == 302, error_messages(response)
    referral = only_referral()
    assert referral.gillick_competent is True
    screenings = db.session.scalars(select(Screening)).all()
    assert [s.instrument_code for s in screenings] == ["cyp_loneliness"]
    assert screenings[0].score == 7  # 2 + 3 + 2; the direct question is declined and never summed
    assert screenings[0].complete is True
    assert screenings[0].details["declined_items"] == ["lonely"]


def test_an_under_16_who_agreed_themselves_needs_the_gillick_question(client, staff, login_as):
    data = staff_referral_data(
        staff["team"].id, **date_parts("date_of_birth", date(2014, 1, 10)), **NO_SCREEN, **CYP_SCREEN
    )
    client = login_as(staff["referrer"])
    response = post(client, data)
    assert error_messages(response) == ["Say whether the young person was judged competent to agree"]

    response = post(client, {**data, "gillick_competent": "no"})
    assert "a parent or carer must agree" in " ".join(error_messages(response))

    response = post(client, {**data, "gillick_competent": "no", "agreed_by": "parent_carer"})
    assert response.status_code == 302, error_messages(response)
    assert only_referral().gillick_competent is False


def test_answers_to_sets_that_do_not_fit_the_age_are_not_stored(client, staff, login_as):
    data = staff_referral_data(staff["team"].id, **CYP_SCREEN, **EASY_READ_SCREEN)
    response = post(login_as(staff["referrer"]), data)
    assert response.status_code == 302, error_messages(response)
    assert {s.instrument_code for s in db.session.scalars(select(Screening))} == {"ucla3", "ons_direct"}


def test_an_easy_read_need_stores_the_easy_read_questions(client, staff, login_as):
    data = staff_referral_data(
        staff["team"].id, communication_needs=["easy_read"], **EASY_READ_SCREEN
    )  # the adult answers are posted too, and ignored
    response = post(login_as(staff["referrer"]), data)

    assert response.status_code == 302, error_messages(response)
    screenings = db.session.scalars(select(Screening)).all()
    assert [s.instrument_code for s in screenings] == ["easy_read"]
    assert screenings[0].mode is AdministrationMode.EASY_READ
    assert screenings[0].answers == {"lonely": "sometimes", "social_contact": "some_not_enough"}
    assert only_referral().person.communication_needs == ["easy_read"]


def test_an_easy_read_need_asks_for_the_easy_read_questions(client, staff, login_as):
    data = staff_referral_data(staff["team"].id, communication_needs=["easy_read"])
    response = post(login_as(staff["referrer"]), data)
    assert error_messages(response) == [
        "Answer the questions under “Easy Read version”, or tick “Screening not completed” and say why"
    ]


def test_no_questions_are_asked_of_a_child_under_10(client, staff, login_as):
    data = staff_referral_data(
        staff["team"].id,
        **date_parts("date_of_birth", date(2018, 5, 1)),
        **NO_SCREEN,
        agreed_by="parent_carer",
        nhs_number="",
    )
    response = post(login_as(staff["referrer"]), data)
    assert response.status_code == 302, error_messages(response)
    assert db.session.scalars(select(Screening)).all() == []


# -- safeguarding is never blocked ------------------------------------------------------


def test_a_safeguarding_referral_without_agreement_or_details_is_saved(client, staff, login_as):
    """Only what identifies the person is asked for (domain.md 6.9)."""
    data = {
        "idempotency_key": "safeguarding-key-000001",
        "team": str(staff["team"].id),
        "given_name": "Edna",
        "family_name": "Okonkwo-Test",
        "safeguarding_concern": "y",
        "safeguarding_reference": "ASC-SG-1234",
        "referrer_name": "",
        "referrer_email": "",
    }
    response = post(login_as(staff["referrer"]), data)

    assert response.status_code == 302, error_messages(response)
    referral = only_referral()
    assert referral.safeguarding_concern is True
    assert referral.safeguarding_reference == "ASC-SG-1234"
    assert referral.agreement is Agreement.NOT_OBTAINED_SAFEGUARDING
    assert (referral.agreement_date, referral.agreement_obtained_by) == (None, "")
    assert referral.person.date_of_birth is None
    assert db.session.scalars(select(Screening)).all() == []
    subjects = [m.subject for m in db.session.scalars(select(OutboxMessage))]
    assert f"Safeguarding concern on new referral {referral.reference}" in subjects
    page = Page(client.get(response.headers["Location"]))
    assert "The team lead has been told about the safeguarding concern" in page.main_text


@pytest.mark.parametrize("agreement", ["no", "unable_to_say", "not_obtained_safeguarding"])
def test_a_safeguarding_referral_keeps_the_agreement_given(client, staff, login_as, agreement):
    data = staff_referral_data(
        staff["team"].id, safeguarding_concern="y", agreement=agreement, reason="", needs=None, **NO_SCREEN
    )
    response = post(login_as(staff["referrer"]), data)
    assert response.status_code == 302, error_messages(response)
    referral = only_referral()
    assert referral.agreement is Agreement(agreement)
    asked = agreement != "not_obtained_safeguarding"
    assert referral.agreement_date == (date(2026, 3, 2) if asked else None)


def test_a_safeguarding_referral_takes_a_postcode_outside_the_area(client, staff, login_as):
    data = staff_referral_data(staff["team"].id, safeguarding_concern="y", postcode="sw1a 1aa")
    response = post(login_as(staff["referrer"]), data)
    assert response.status_code == 302, error_messages(response)
    person = only_referral().person
    assert (person.postcode, person.ward_code) == ("SW1A 1AA", None)


def test_a_safeguarding_referral_stores_a_partly_answered_screen(client, staff, login_as):
    data = staff_referral_data(
        staff["team"].id, safeguarding_concern="y", **{**NO_SCREEN, "screen_ucla3__left_out": "often"}
    )
    response = post(login_as(staff["referrer"]), data)
    assert response.status_code == 302, error_messages(response)
    screening = db.session.scalars(select(Screening)).one()
    assert (screening.instrument_code, screening.complete, screening.score) == ("ucla3", False, None)


def test_a_safeguarding_referral_still_needs_the_persons_name(client, staff, login_as):
    data = {"idempotency_key": "safeguarding-key-000002", "team": str(staff["team"].id), "safeguarding_concern": "y"}
    response = post(login_as(staff["referrer"]), data)
    assert response.status_code == 200
    assert error_messages(response) == ["Enter the person's first name", "Enter the person's last name"]
    assert referrals() == []


def test_a_referrer_without_a_team_is_told_why_they_cannot_refer(client, staff, login_as):
    from tests.factories import make_user

    loner = make_user("referrer", name="Lone Referrer")
    page = Page(login_as(loner).get("/referrals/new"))
    assert "Your account is not in a referring team" in page.main_text
    response = post(login_as(loner), staff_referral_data(None))
    assert "Choose your team" in error_messages(response)
    assert referrals() == []

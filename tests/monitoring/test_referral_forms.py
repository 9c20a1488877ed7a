"""The optional "About the person" / "About you" questions on both referral forms (domain.md 4.2):
answers are stored apart from contact details, a referral is never blocked for missing answers,
and answers outside the lists are refused next to the field with everything typed kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import EqualityMonitoring, Referral
from tests.directory.pages import Page
from tests.referrals.helpers import assert_kept, date_parts, error_messages, self_referral_data, staff_referral_data

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)

ABOUT_EDNA = {
    "monitoring_sex": "female",
    "monitoring_gender_identity_same": "yes",
    "monitoring_sexual_orientation": "prefer_not_to_say",
    "monitoring_ethnicity": "black_african",
    "monitoring_religion": "other",
    "monitoring_religion_write_in": "Quaker",
    "monitoring_long_term_condition": "yes",
    "monitoring_lives_alone": "yes",
    "monitoring_tenure": "social_rent",
    "monitoring_recently_bereaved": "yes",
    **date_parts("monitoring_bereavement_date", date(2025, 11, 20)),
    "monitoring_serious_mental_illness": "no",
    "monitoring_not_engaging_health_services": "no",
    "monitoring_migrant": "yes",
    "monitoring_migration_status": "other_migrant",
    "monitoring_main_language": "yo",
    "monitoring_unpaid_carer": "no",
    "monitoring_family_referral": "no",
}


@pytest.fixture(autouse=True)
def _today(frozen_now):
    frozen_now(NOW)


def stored() -> list[EqualityMonitoring]:
    return list(db.session.scalars(select(EqualityMonitoring)))


def referrals() -> list[Referral]:
    return list(db.session.scalars(select(Referral)))


def test_the_staff_form_asks_about_the_person_as_optional_and_says_why(staff, login_as):
    page = Page(login_as(staff["referrer"]).get("/referrals/new"))
    text = page.main_text
    assert "About the person (optional)" in text
    assert "Schedule 1, paragraph 8" in text and "Missing answers never stop a referral" in text
    assert "What is the person's ethnic group?" in text
    assert "Asian or Asian British: Bangladeshi" in text
    assert "Groups the person belongs to" not in text and 'name="target_groups"' not in page.html
    for name in ("monitoring_sex", "monitoring_ethnicity", "monitoring_family_referral"):
        radios = page.root.find_all("input", name=name)
        assert "prefer_not_to_say" in [radio.attrs["value"] for radio in radios], name


def test_a_referrer_records_the_answers_and_they_are_stored_apart(staff, login_as):
    response = login_as(staff["referrer"]).post(
        "/referrals/new", data=staff_referral_data(staff["team"].id, **ABOUT_EDNA)
    )

    assert response.status_code == 302, error_messages(response)
    [referral] = referrals()
    [answers] = stored()
    assert answers.person_id == referral.person_id
    assert (answers.sex, answers.gender_identity_same, answers.sexual_orientation) == (
        "female",
        "yes",
        "prefer_not_to_say",
    )
    assert (answers.ethnicity, answers.ethnicity_write_in) == ("black_african", None)
    assert (answers.religion, answers.religion_write_in) == ("other", "Quaker")
    assert (answers.lives_alone, answers.long_term_condition, answers.tenure) == ("yes", "yes", "social_rent")
    assert (answers.recently_bereaved, answers.bereavement_date) == ("yes", date(2025, 11, 20))
    assert (answers.migrant, answers.migration_status, answers.main_language) == ("yes", "other_migrant", "yo")
    assert answers.family_referral == "no"
    assert referral.target_groups == []


def test_a_referral_with_no_answers_is_sent_and_stores_no_row(staff, login_as):
    response = login_as(staff["referrer"]).post("/referrals/new", data=staff_referral_data(staff["team"].id))
    assert response.status_code == 302, error_messages(response)
    assert len(referrals()) == 1 and stored() == []


BAD_ANSWERS = {
    "ethnicity not on the list": ({"monitoring_ethnicity": "martian"}, "monitoring_ethnicity"),
    "sex not on the list": ({"monitoring_sex": "x"}, "monitoring_sex"),
    "language not in the vocabulary": ({"monitoring_main_language": "tlh"}, "monitoring_main_language"),
    "tenure not on the list": ({"monitoring_tenure": "castle"}, "monitoring_tenure"),
    "write-in too long": (
        {"monitoring_ethnicity": "white_other", "monitoring_ethnicity_write_in": "x" * 101},
        "monitoring_ethnicity_write_in",
    ),
    "bereavement in the future": (
        {"monitoring_recently_bereaved": "yes", **date_parts("monitoring_bereavement_date", date(2026, 5, 1))},
        "monitoring_bereavement_date",
    ),
}


@pytest.mark.parametrize("case", BAD_ANSWERS, ids=list(BAD_ANSWERS))
def test_an_answer_outside_the_lists_is_refused_on_the_staff_form_keeping_everything(staff, login_as, case):
    changes, field = BAD_ANSWERS[case]
    data = staff_referral_data(staff["team"].id, **{**ABOUT_EDNA, **changes})

    response = login_as(staff["referrer"]).post("/referrals/new", data=data)

    assert response.status_code == 200
    page = Page(response)
    assert page.title.startswith("Error: ")
    [message] = error_messages(response)
    summary_link = page.root.find("div", cls="govuk-error-summary").find("a")
    # A date's error links to its Day box (issue 11, fault 3); any other answer's to the answer.
    assert summary_link.attrs["href"] == (f"#{field}-day" if field.endswith("_date") else f"#{field}")
    assert page.root.find(id=summary_link.attrs["href"][1:]) is not None
    assert message in page.root.find(id=f"{field}-error").text()  # next to the field
    # What was not on the list cannot be shown as chosen; everything else is kept as typed.
    assert_kept(response, "referral-form", data, ignore=(field,) if "write_in" not in field else ())
    assert referrals() == [] and stored() == []


def test_sexual_orientation_is_not_recorded_for_under_16s(staff, login_as):
    data = staff_referral_data(
        staff["team"].id,
        **date_parts("date_of_birth", date(2013, 5, 1)),
        agreed_by="parent_carer",
        screening_not_completed="y",
        screening_not_completed_reason="Asked at the first conversation",
        monitoring_sexual_orientation="straight",
        monitoring_sex="male",
    )
    response = login_as(staff["referrer"]).post("/referrals/new", data=data)
    assert error_messages(response) == ["Only ask this of people aged 16 or over: leave it blank"]
    assert referrals() == [] and stored() == []
    del data["monitoring_sexual_orientation"]
    response = login_as(staff["referrer"]).post("/referrals/new", data=data)
    assert response.status_code == 302, error_messages(response)
    [answers] = stored()
    assert (answers.sex, answers.sexual_orientation) == ("male", None)


def test_a_resident_answers_about_themselves_on_the_self_referral_form(client):
    page = Page(client.get("/ask-for-help"))
    assert "About you (optional)" in page.main_text and "What is your ethnic group?" in page.main_text
    # The referrer's and navigator's judgements are not asked of the public.
    assert page.root.find("input", name="monitoring_not_engaging_health_services") is None
    assert page.root.find("input", name="monitoring_serious_mental_illness") is None

    data = self_referral_data(
        monitoring_sex="prefer_not_to_say",
        monitoring_sexual_orientation="bisexual",
        monitoring_ethnicity="other_any",
        monitoring_ethnicity_write_in="Kurdish",
        monitoring_main_language="ku",
        monitoring_unpaid_carer="yes",
    )
    response = client.post("/ask-for-help", data=data)
    assert response.status_code == 302, error_messages(response)
    [answers] = stored()
    assert (answers.sex, answers.sexual_orientation) == ("prefer_not_to_say", "bisexual")
    assert (answers.ethnicity, answers.ethnicity_write_in, answers.main_language) == ("other_any", "Kurdish", "ku")
    assert answers.unpaid_carer == "yes" and answers.not_engaging_health_services is None


def test_an_answer_outside_the_lists_is_refused_on_the_self_referral_form_keeping_everything(client):
    data = self_referral_data(
        monitoring_ethnicity="white_other",
        monitoring_ethnicity_write_in="Polish",
        monitoring_religion="pastafarian",
        monitoring_lives_alone="yes",
        **date_parts("monitoring_bereavement_date", date(2025, 1, 5)),
        monitoring_recently_bereaved="yes",
    )
    response = client.post("/ask-for-help", data=data)
    assert response.status_code == 200
    assert error_messages(response) == ["Choose one of the answers on the list, or “Prefer not to say”"]
    assert Page(response).root.find("div", cls="govuk-error-summary").find("a").attrs["href"] == "#monitoring_religion"
    assert_kept(response, "self-referral-form", data, ignore=("monitoring_religion",))
    assert referrals() == [] and stored() == []

"""The 13 target groups (domain.md 4.1), derived from the answers when read: one test a group,
and "Prefer not to say" (or no answer) never puts anyone in a group."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

import pytest

from navigator.monitoring.answers import MonitoringAnswers
from navigator.monitoring.questions import PREFER_NOT_TO_SAY, QUESTIONS
from navigator.monitoring.target_groups import TARGET_GROUPS, Facts, derive

TODAY = date(2026, 12, 3)


def groups(age: int | None = 40, *, interpreter: str = "", **answers: object) -> dict[str, str]:
    facts = Facts(
        answers=MonitoringAnswers(**answers),  # type: ignore[arg-type]
        age=age,
        interpreter_needed=bool(interpreter),
        interpreter_language=interpreter,
        today=TODAY,
    )
    return {group.code: group.how for group in derive(facts)}


def test_every_group_of_the_strategy_is_defined_once_with_the_taxonomy_codes():
    assert [group.code for group in TARGET_GROUPS] == [
        "older-living-alone",
        "children-young-people-families",
        "younger-renters",
        "recently-bereaved",
        "serious-mental-illness",
        "not-engaging-health-services",
        "renters-social-housing",
        "black-global-majority",
        "traveller-community",
        "migrants-refugees-esol",
        "lgbtqia",
        "men",
        "carers",
    ]
    assert all(group.name and group.definition for group in TARGET_GROUPS)


def test_older_living_alone_with_a_long_term_condition():
    assert "older-living-alone" in groups(72, lives_alone="yes", long_term_condition="yes")
    assert "older-living-alone" in groups(50, lives_alone="yes", long_term_condition="yes")
    assert "older-living-alone" not in groups(49, lives_alone="yes", long_term_condition="yes")
    assert "older-living-alone" not in groups(72, lives_alone="no", long_term_condition="yes")
    assert "older-living-alone" not in groups(72, lives_alone="yes", long_term_condition="no")
    assert "older-living-alone" not in groups(None, lives_alone="yes", long_term_condition="yes")


def test_children_young_people_and_families():
    assert groups(12)["children-young-people-families"] == "Aged 12"
    assert "children-young-people-families" not in groups(18)
    assert groups(38, family_referral="yes")["children-young-people-families"] == "Referred as a family"


def test_younger_renters():
    assert "younger-renters" in groups(16, tenure="private_rent")
    assert "younger-renters" in groups(34, tenure="social_rent")
    assert "younger-renters" not in groups(35, tenure="private_rent")
    assert "younger-renters" not in groups(15, tenure="private_rent")
    assert "younger-renters" not in groups(25, tenure="owner")
    assert "younger-renters" not in groups(25, tenure="temporary")


def test_recently_bereaved_within_two_years_when_a_date_is_given():
    assert "recently-bereaved" in groups(recently_bereaved="yes")
    assert "recently-bereaved" in groups(recently_bereaved="yes", bereavement_date=TODAY - timedelta(days=700))
    assert "recently-bereaved" not in groups(recently_bereaved="yes", bereavement_date=TODAY - timedelta(days=800))
    assert "recently-bereaved" not in groups(recently_bereaved="no")


def test_serious_mental_illness():
    assert "serious-mental-illness" in groups(serious_mental_illness="yes")
    assert "serious-mental-illness" not in groups(serious_mental_illness="no")


def test_not_engaging_with_health_services():
    assert "not-engaging-health-services" in groups(not_engaging_health_services="yes")
    assert "not-engaging-health-services" not in groups(not_engaging_health_services="no")


def test_private_renters_and_social_housing_residents():
    assert "renters-social-housing" in groups(60, tenure="private_rent")
    assert "renters-social-housing" in groups(60, tenure="social_rent")
    assert "renters-social-housing" not in groups(60, tenure="owner")
    assert "renters-social-housing" not in groups(60, tenure="other")


@pytest.mark.parametrize(
    "ethnicity", ["black_caribbean", "black_african", "asian_bangladeshi", "mixed_white_asian", "other_arab"]
)
def test_black_and_global_majority_is_every_ethnic_group_outside_the_white_group(ethnicity):
    assert "black-global-majority" in groups(ethnicity=ethnicity)


@pytest.mark.parametrize("ethnicity", ["white_british", "white_irish", "white_roma", "white_other"])
def test_the_white_groups_are_not_black_and_global_majority(ethnicity):
    assert "black-global-majority" not in groups(ethnicity=ethnicity)


def test_traveller_community():
    assert "traveller-community" in groups(ethnicity="white_gypsy_irish_traveller")
    assert "traveller-community" in groups(ethnicity="white_roma")
    assert "traveller-community" in groups(ethnicity="white_other", ethnicity_write_in="Irish Traveller heritage")
    assert "traveller-community" not in groups(ethnicity="white_irish")


def test_migrants_refugees_and_people_learning_english():
    assert "migrants-refugees-esol" in groups(migrant="yes")
    assert "migrants-refugees-esol" in groups(main_language="tr")
    assert "migrants-refugees-esol" in groups(main_language="other")
    assert "migrants-refugees-esol" in groups(interpreter="pl")
    assert "migrants-refugees-esol" not in groups(main_language="en", migrant="no")
    assert "migrants-refugees-esol" not in groups(main_language="bfi", interpreter="bfi")  # BSL is not ESOL


def test_lgbtqia():
    for orientation in ("gay_lesbian", "bisexual", "other"):
        assert "lgbtqia" in groups(sexual_orientation=orientation)
    assert "lgbtqia" in groups(gender_identity_same="no")
    assert "lgbtqia" not in groups(sexual_orientation="straight", gender_identity_same="yes")


def test_men():
    assert groups(sex="male")["men"] == "Sex: male"
    assert "men" not in groups(sex="female")


def test_carers():
    assert "carers" in groups(unpaid_carer="yes")
    assert "carers" not in groups(unpaid_carer="no")


def test_prefer_not_to_say_derives_nothing():
    every_answer = {question.code: PREFER_NOT_TO_SAY for question in QUESTIONS if question.code != "migration_status"}
    assert groups(40, **every_answer) == {}
    assert groups(40) == {}  # nothing answered
    names = {item.name for item in fields(MonitoringAnswers)}
    assert set(every_answer) <= names


def test_a_definition_can_change_without_asking_again():
    """Groups are derived when read: the same stored answers give the group as of the day asked."""
    answers = MonitoringAnswers(recently_bereaved="yes", bereavement_date=date(2025, 6, 1))
    facts = Facts(answers=answers, age=70, interpreter_needed=False, interpreter_language="", today=TODAY)
    assert "recently-bereaved" in {group.code for group in derive(facts)}
    later = Facts(answers=answers, age=72, interpreter_needed=False, interpreter_language="", today=date(2027, 7, 1))
    assert "recently-bereaved" not in {group.code for group in derive(later)}

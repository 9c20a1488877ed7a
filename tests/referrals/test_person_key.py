"""The stable pseudonymous person key (domain.md 6.8): a keyed hash of the NHS number, or of
the normalised name and date of birth, the same for every episode of one person."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest
from flask import Flask

from navigator.config import DEV_PERSON_KEY_SECRET, ProductionConfig, TestConfig
from navigator.extensions import db
from navigator.models import Person, PersonKeySource, Referral
from navigator.models.person_key import computed_person_key
from tests.factories import make_referral

NHS = "9434765919"


def person_of(referral: Referral) -> Person:
    db.session.expire_all()
    found = db.session.get(Referral, referral.id)
    assert found is not None
    return found.person


def test_the_key_is_an_hmac_of_the_nhs_number_with_the_configured_secret(staff):
    person = person_of(make_referral(referrer=staff["referrer"], nhs_number=NHS))
    expected = hmac.new(TestConfig.PERSON_KEY_SECRET.encode(), f"nhs:{NHS}".encode(), hashlib.sha256).hexdigest()
    assert person.person_key == expected
    assert person.person_key_source is PersonKeySource.NHS_NUMBER
    assert NHS not in person.person_key


def test_the_same_nhs_number_gives_the_same_key_across_re_referrals_whatever_the_name(staff):
    first = person_of(make_referral(referrer=staff["referrer"], nhs_number=NHS, given_name="Edna"))
    again = person_of(make_referral(referrer=staff["referrer"], nhs_number=NHS, given_name="Ednah"))
    assert first.id != again.id  # each episode keeps its own copy of the details
    assert first.person_key == again.person_key


def test_without_an_nhs_number_name_and_date_of_birth_are_keyed_whatever_the_case_and_spacing(staff):
    first = person_of(make_referral(referrer=staff["referrer"], given_name="Mary Ann", family_name="O'Neill"))
    again = person_of(make_referral(referrer=staff["referrer"], given_name=" mary  ann ", family_name="O'NEILL"))
    assert first.person_key_source is PersonKeySource.NAME_AND_DATE_OF_BIRTH
    assert first.person_key == again.person_key


def test_different_people_get_different_keys(staff):
    edna = person_of(make_referral(referrer=staff["referrer"]))
    other_birthday = person_of(make_referral(referrer=staff["referrer"], date_of_birth=date(1948, 3, 15)))
    other_name = person_of(make_referral(referrer=staff["referrer"], given_name="Edwina"))
    other_nhs = person_of(make_referral(referrer=staff["referrer"], nhs_number="9434765870"))
    keys = {edna.person_key, other_birthday.person_key, other_name.person_key, other_nhs.person_key}
    assert len(keys) == 4


def test_with_neither_nhs_number_nor_date_of_birth_each_person_gets_a_key_of_their_own(staff):
    first = person_of(make_referral(referrer=staff["referrer"], date_of_birth=None))
    again = person_of(make_referral(referrer=staff["referrer"], date_of_birth=None))
    assert first.person_key_source is PersonKeySource.RANDOM
    assert len(first.person_key) == 64
    assert first.person_key != again.person_key
    # Kept while there is still nothing to key on.
    key = first.person_key
    first.phone = "020 7946 0000"
    db.session.commit()
    assert person_of_id(first.id).person_key == key


def test_the_secret_from_configuration_changes_the_key(app: Flask, staff, monkeypatch: pytest.MonkeyPatch):
    usual = person_of(make_referral(referrer=staff["referrer"], nhs_number=NHS))
    monkeypatch.setitem(app.config, "PERSON_KEY_SECRET", "another-deployment")
    other = person_of(make_referral(referrer=staff["referrer"], nhs_number=NHS))
    assert other.person_key != usual.person_key
    keyed = computed_person_key("another-deployment", nhs_number=NHS, given_name="", family_name="", date_of_birth=None)
    assert keyed == (other.person_key, PersonKeySource.NHS_NUMBER)


def test_the_key_follows_corrections_of_the_details(staff):
    person = person_of(make_referral(referrer=staff["referrer"], given_name="Ednaa"))
    before = person.person_key
    person.given_name = "Edna"
    db.session.commit()
    corrected = person.person_key
    assert corrected != before
    assert corrected == person_of(make_referral(referrer=staff["referrer"], given_name="Edna")).person_key
    person.nhs_number = NHS
    db.session.commit()
    assert person.person_key_source is PersonKeySource.NHS_NUMBER
    person.nhs_number, person.date_of_birth = None, None
    db.session.commit()
    assert person.person_key_source is PersonKeySource.RANDOM


def test_a_linked_key_does_not_follow_corrections(staff):
    person = person_of(make_referral(referrer=staff["referrer"]))
    person.person_key, person.person_key_source = "f" * 64, PersonKeySource.LINKED
    db.session.commit()
    person.given_name = "Someone"
    db.session.commit()
    assert person_of_id(person.id).person_key == "f" * 64


def person_of_id(person_id) -> Person:
    db.session.expire_all()
    found = db.session.get(Person, person_id)
    assert found is not None
    return found


def test_production_refuses_the_development_person_key_secret(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-real-secret-key")
    for value in (DEV_PERSON_KEY_SECRET, ""):
        monkeypatch.setattr(ProductionConfig, "PERSON_KEY_SECRET", value)
        with pytest.raises(RuntimeError, match="PERSON_KEY_SECRET"):
            ProductionConfig()
    monkeypatch.setattr(ProductionConfig, "PERSON_KEY_SECRET", "a-real-person-key-secret")
    ProductionConfig()

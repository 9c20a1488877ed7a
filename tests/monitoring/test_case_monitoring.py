"""Equality monitoring on the case page (domain.md 4.2): the navigator sees the answers and the
target groups derived from them, and changes the answers (audited, naming the answers changed,
never their values). Nobody else sees them: not other staff, not the referrer's status page,
not any URL the case page builds, not the mail."""

from __future__ import annotations

import html as html_lib
import json
import uuid
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, select

from navigator import clock
from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, EqualityMonitoring, OutboxMessage, Person, Referral, ReferralState
from navigator.monitoring.answers import MonitoringAnswers, MonitoringError
from navigator.monitoring.services import groups_for_people
from navigator.services import referrals as service
from tests.directory.pages import Page
from tests.factories import count_queries, make_referral, referral_details
from tests.referrals.helpers import assert_kept, date_parts, error_messages

ANSWERS = MonitoringAnswers(
    sex="male",
    sexual_orientation="gay_lesbian",
    ethnicity="asian_bangladeshi",
    long_term_condition="yes",
    lives_alone="yes",
    tenure="social_rent",
    main_language="bn",
    unpaid_carer="prefer_not_to_say",
)
# Answer codes and group codes that must never be in a URL the case page builds.
SECRETS = ("gay_lesbian", "asian_bangladeshi", "social_rent", "lgbtqia", "black-global-majority", "older-living")


def case_url(referral) -> str:
    return f"/casework/cases/{referral.id}"


def monitoring_url(referral) -> str:
    return f"/casework/cases/{referral.id}/monitoring"


@pytest.fixture
def case(staff):
    return make_referral(
        ReferralState.ENGAGED,
        referrer=staff["referrer"],
        lead=staff["lead"],
        navigator=staff["navigator"],
        monitoring=ANSWERS,
        target_groups=["older-living-alone", "black-global-majority"],
    )


def audit_rows(referral, action=None) -> list[AuditEntry]:
    query = select(AuditEntry).where(
        AuditEntry.referral_id == referral.id, AuditEntry.record_type == "equality_monitoring"
    )
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def test_the_navigator_sees_the_answers_and_the_groups_derived_from_them(staff, login_as, case):
    page = Page(login_as(staff["navigator"]).get(case_url(case)))
    answers = page.root.find(id="monitoring-answers").text()
    assert "Ethnic group Asian or Asian British: Bangladeshi" in answers
    assert "Unpaid carer Prefer not to say" in answers and "Religion Not answered" in answers
    assert "Main language Bengali" in answers
    derived = page.root.find(id="derived-groups").text()
    age = case.person.age_on(clock.today())
    assert f"Aged {age}, lives alone, has a long-term condition or disability" in derived
    for name in ("Black and Global Majority residents", "LGBTQIA+ people", "Men", "Private renters"):
        assert name in derived, name
    assert "Carers" not in derived  # prefer not to say
    stated = page.root.find(id="referrer-groups").text()
    assert "Groups as stated by the referrer" in stated and "Black and Global Majority residents" in stated
    assert page.root.find("a", id="change-monitoring").attrs["href"] == monitoring_url(case)


def test_no_monitoring_answer_or_group_is_in_any_url_the_case_page_builds(staff, login_as, case):
    page = Page(login_as(staff["navigator"]).get(case_url(case)))
    urls = [node.attrs[name] for node in page.root.iter() for name in ("href", "action", "src") if name in node.attrs]
    assert any("/search?" in url for url in urls)  # "Find activities" is there
    for url in urls:
        url = html_lib.unescape(url)
        for secret in SECRETS:
            assert secret not in url, (secret, url)
        query = parse_qs(urlsplit(url).query)
        assert "group" not in query, url
        values = {value for values in query.values() for value in values}
        assert not values & {"male", "men", "bn", "yes"}, url


def test_the_navigator_changes_the_answers_and_the_change_is_audited_without_values(staff, login_as, case):
    client = login_as(staff["navigator"])
    form = Page(client.get(monitoring_url(case)))
    assert form.status == 200 and form.h1s == ["Equality monitoring"]
    [view] = audit_rows(case, AuditAction.VIEW)
    assert view.user_id == staff["navigator"].id and view.record_id == str(case.person_id)

    data = {
        "monitoring_sex": "male",
        "monitoring_sexual_orientation": "gay_lesbian",
        "monitoring_ethnicity": "asian_other",
        "monitoring_ethnicity_write_in": "Sri Lankan Tamil",
        "monitoring_long_term_condition": "yes",
        "monitoring_lives_alone": "yes",
        "monitoring_tenure": "social_rent",
        "monitoring_main_language": "bn",
        "monitoring_unpaid_carer": "yes",
        "monitoring_recently_bereaved": "yes",
        **date_parts("monitoring_bereavement_date", date(2025, 2, 1)),
    }
    response = client.post(monitoring_url(case), data=data)
    assert response.status_code == 302 and response.headers["Location"] == case_url(case)
    assert "Equality monitoring answers saved" in client.get(case_url(case)).get_data(as_text=True)
    row = db.session.get(EqualityMonitoring, case.person_id)
    db.session.refresh(row)
    assert (row.ethnicity, row.ethnicity_write_in, row.unpaid_carer) == ("asian_other", "Sri Lankan Tamil", "yes")
    assert row.bereavement_date == date(2025, 2, 1)
    [update] = audit_rows(case, AuditAction.UPDATE)
    assert update.user_id == staff["navigator"].id
    assert update.new_values == {
        "answers_changed": [
            "ethnicity",
            "ethnicity_write_in",
            "recently_bereaved",
            "bereavement_date",
            "unpaid_carer",
        ]
    }
    assert update.old_values is None and update.reason == ""
    written = json.dumps([entry.new_values for entry in audit_rows(case)]) + update.reason
    assert "Sri Lankan" not in written and "asian_other" not in written

    # Saving again unchanged writes nothing.
    client.post(monitoring_url(case), data=data)
    assert len(audit_rows(case, AuditAction.UPDATE)) == 1


def test_a_lead_records_answers_for_a_person_who_had_none(staff, login_as):
    referral = make_referral(
        ReferralState.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    client = login_as(staff["lead"])
    assert "None derived from the answers recorded" in client.get(case_url(referral)).get_data(as_text=True)
    response = client.post(monitoring_url(referral), data={"monitoring_unpaid_carer": "yes"})
    assert response.status_code == 302
    [created] = audit_rows(referral, AuditAction.CREATE)
    assert created.new_values == {"answers_changed": ["unpaid_carer"]}
    assert "Provides unpaid care" in client.get(case_url(referral)).get_data(as_text=True)


def test_an_answer_outside_the_lists_is_refused_on_the_edit_page_and_nothing_is_stored(staff, login_as, case):
    client = login_as(staff["navigator"])
    data = {"monitoring_sex": "female", "monitoring_tenure": "houseboat", "monitoring_lives_alone": "no"}
    response = client.post(monitoring_url(case), data=data)
    assert response.status_code == 400
    assert error_messages(response) == ["Choose one of the answers on the list, or “Prefer not to say”"]
    assert Page(response).title.startswith("Error: ")
    assert_kept(response, "monitoring-form", data, ignore=("monitoring_tenure",))
    row = db.session.get(EqualityMonitoring, case.person_id)
    db.session.refresh(row)
    assert (row.sex, row.lives_alone, row.tenure) == ("male", "yes", "social_rent")
    assert audit_rows(case, AuditAction.UPDATE) == []


@pytest.mark.parametrize("who", ["other_navigator", "referrer", "other_referrer", "admin", "editor", "moderator"])
def test_only_staff_who_may_work_the_case_see_or_change_the_answers(staff, login_as, case, who):
    client = login_as(staff[who])
    assert client.get(monitoring_url(case)).status_code == 404
    assert client.post(monitoring_url(case), data={"monitoring_sex": "female"}).status_code == 404
    assert "monitoring-answers" not in client.get(case_url(case)).get_data(as_text=True)
    row = db.session.get(EqualityMonitoring, case.person_id)
    db.session.refresh(row)
    assert row.sex == "male"
    assert audit_rows(case) == []


def test_an_unknown_case_is_not_found(staff, login_as):
    assert login_as(staff["lead"]).get(f"/casework/cases/{uuid.uuid4()}/monitoring").status_code == 404


def test_the_referrer_and_the_mail_never_see_monitoring_answers(staff, login_as, case):
    page = login_as(staff["referrer"]).get(f"/referrals/{case.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for shown in ("Bangladeshi", "Gay or Lesbian", "Equality monitoring", "Black and Global Majority", "LGBTQIA"):
        assert shown not in text, shown
    mail = " ".join(f"{m.subject} {m.body}" for m in db.session.scalars(select(OutboxMessage)))
    for code in ("asian_bangladeshi", "Bangladeshi", "gay_lesbian", "Gay or Lesbian", "black-global-majority"):
        assert code not in mail


def test_answers_outside_the_lists_store_nothing_half_way(staff):
    details = referral_details(staff["team"], monitoring=MonitoringAnswers(sex="male", ethnicity="martian"))
    with pytest.raises(MonitoringError) as refused:
        service.submit_referral(details, by=staff["referrer"], idempotency_key=uuid.uuid4().hex)
    assert set(refused.value.problems) == {"ethnicity"}
    assert db.session.scalars(select(Referral)).all() == []
    assert db.session.scalars(select(Person)).all() == []
    assert db.session.scalars(select(EqualityMonitoring)).all() == []


def test_the_report_derives_many_peoples_groups_in_a_fixed_number_of_queries(staff):
    made = [
        make_referral(referrer=staff["referrer"], monitoring=MonitoringAnswers(sex="male", unpaid_carer="yes")),
        make_referral(referrer=staff["referrer"], monitoring=MonitoringAnswers(ethnicity="black_caribbean")),
        make_referral(referrer=staff["referrer"]),
    ]
    people = [referral.person_id for referral in made]
    statements: list[str] = []

    def remember(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        found = groups_for_people(people)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert len(statements) == 1
    assert [group.code for group in found[made[0].person_id]] == ["men", "carers"]
    assert [group.code for group in found[made[1].person_id]] == ["black-global-majority"]
    assert found[made[2].person_id] == []


def test_the_case_page_costs_the_same_with_answers_as_without(staff, login_as, case):
    bare = make_referral(
        ReferralState.ENGAGED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    client = login_as(staff["navigator"])
    count_queries(client, case_url(bare))  # the first page a session shows reads the account too
    assert count_queries(client, case_url(case)) == count_queries(client, case_url(bare))

"""The report's SQL target groups agree with the Python rules the case page shows
(navigator/monitoring/target_groups.py), as of the day each person was referred; and the
report counts referrals by target group and ethnic group, and filters by target group."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from navigator.extensions import db
from navigator.models import EqualityMonitoring, Person, Referral
from navigator.monitoring.answers import MonitoringAnswers
from navigator.monitoring.services import facts_for
from navigator.monitoring.target_groups import TARGET_GROUPS, derive
from navigator.reports import queries, sections
from navigator.reports.groups import NO_GROUP, ethnic_group, in_group, in_no_group
from navigator.reports.periods import quarter
from navigator.reports.sql import Filters
from navigator.services import referrals as service
from tests.factories import clock_at, referral_details
from tests.reports.conftest import rows

REFERRED = datetime(2026, 5, 12, 11, 0, tzinfo=UTC)
DAY = REFERRED.date()
LATER = date(2026, 12, 3)
P = "prefer_not_to_say"


def born(years: int, *, tomorrow: bool = False) -> date:
    """Born `years` ago on the referral day (turning `years` that day), or a day later (still younger)."""
    birthday = DAY.replace(year=DAY.year - years)
    return birthday + timedelta(days=1) if tomorrow else birthday


# (date of birth, interpreter language or None, answers): edges of every rule.
PEOPLE: list[tuple[date | None, str | None, MonitoringAnswers]] = [
    (born(50), None, MonitoringAnswers(lives_alone="yes", long_term_condition="yes", sex="male")),
    (born(50, tomorrow=True), None, MonitoringAnswers(lives_alone="yes", long_term_condition="yes")),
    (born(80), None, MonitoringAnswers(lives_alone="yes", long_term_condition=P)),
    (None, None, MonitoringAnswers(lives_alone="yes", long_term_condition="yes", family_referral="yes")),
    (born(17), None, MonitoringAnswers()),
    (born(18), None, MonitoringAnswers(family_referral=P, sex=P)),
    (born(18, tomorrow=True), None, MonitoringAnswers(tenure="private_rent")),
    (born(16), None, MonitoringAnswers(tenure="social_rent", sex="female")),
    (born(34), None, MonitoringAnswers(tenure="private_rent", gender_identity_same="no")),
    (born(35), None, MonitoringAnswers(tenure="social_rent", sexual_orientation="bisexual")),
    (born(40), None, MonitoringAnswers(tenure="temporary", sexual_orientation="straight")),
    (born(40), None, MonitoringAnswers(tenure=P, sexual_orientation=P, gender_identity_same=P)),
    (born(60), None, MonitoringAnswers(recently_bereaved="yes")),
    (born(60), None, MonitoringAnswers(recently_bereaved="yes", bereavement_date=DAY - timedelta(days=730))),
    (born(60), None, MonitoringAnswers(recently_bereaved="yes", bereavement_date=DAY - timedelta(days=731))),
    (born(60), None, MonitoringAnswers(recently_bereaved=P, serious_mental_illness="yes")),
    (born(30), None, MonitoringAnswers(not_engaging_health_services="yes", unpaid_carer="yes")),
    (born(30), None, MonitoringAnswers(not_engaging_health_services=P, unpaid_carer=P, serious_mental_illness=P)),
    (born(30), None, MonitoringAnswers(ethnicity="black_caribbean")),
    (born(30), None, MonitoringAnswers(ethnicity="white_british")),
    (born(30), None, MonitoringAnswers(ethnicity=P)),
    (born(30), None, MonitoringAnswers(ethnicity="white_roma")),
    (born(30), None, MonitoringAnswers(ethnicity="white_other", ethnicity_write_in="Irish TRAVELLER family")),
    (born(30), None, MonitoringAnswers(ethnicity="asian_other", ethnicity_write_in="Sri Lankan")),
    (born(30), None, MonitoringAnswers(migrant="yes", main_language="en")),
    (born(30), None, MonitoringAnswers(migrant=P, main_language="tr")),
    (born(30), None, MonitoringAnswers(main_language="bfi")),
    (born(30), None, MonitoringAnswers(main_language=P)),
    (born(30), "tr", MonitoringAnswers()),
    (born(30), "bfi", MonitoringAnswers(main_language="bfi")),
    (born(30), None, MonitoringAnswers(sexual_orientation="other", sexual_orientation_write_in="Queer")),
    (born(30), None, MonitoringAnswers(sexual_orientation="gay_lesbian", sex="male")),
    (born(45), None, MonitoringAnswers()),
]


@pytest.fixture
def referred(staff) -> list[Referral]:
    made = []
    referrer = staff["referrer"]
    for n, (date_of_birth, interpreter, answers) in enumerate(PEOPLE):
        details = referral_details(referrer.teams[0], given_name=f"Person{n}", date_of_birth=date_of_birth)
        details.person.interpreter_needed = interpreter is not None
        details.person.interpreter_language = interpreter or ""
        details.monitoring = answers
        with clock_at(REFERRED):
            made.append(service.submit_referral(details, by=referrer, idempotency_key=uuid.uuid4().hex))
    return made


def _sql_members(code: str) -> set[uuid.UUID]:
    rule = in_no_group() if code == NO_GROUP else in_group(code)
    query = (
        sa.select(Referral.id)
        .join(Person, Person.id == Referral.person_id)
        .outerjoin(EqualityMonitoring, EqualityMonitoring.person_id == Person.id)
        .where(rule)
    )
    return set(db.session.scalars(query))


def test_every_group_in_sql_has_the_members_the_case_page_derives(referred):
    expected: dict[str, set[uuid.UUID]] = {group.code: set() for group in TARGET_GROUPS}
    in_none = set()
    for referral in referred:
        row = db.session.get(EqualityMonitoring, referral.person_id)
        found = derive(facts_for(referral.person, row, DAY))
        for group in found:
            expected[group.code].add(referral.id)
        if not found:
            in_none.add(referral.id)
    for group in TARGET_GROUPS:
        assert _sql_members(group.code) == expected[group.code], group.code
        assert expected[group.code], f"the people above should put someone in {group.code}"
    assert _sql_members(NO_GROUP) == in_none and in_none


def test_ethnic_groups_are_the_broad_census_groups(referred):
    group = ethnic_group()
    query = (
        sa.select(group, sa.func.count())
        .select_from(Referral)
        .join(Person, Person.id == Referral.person_id)
        .outerjoin(EqualityMonitoring, EqualityMonitoring.person_id == Person.id)
        .group_by(group)
    )
    counts = dict(db.session.execute(query).all())
    assert counts == {
        "Black, Black British, Caribbean or African": 1,
        "White": 3,
        "Asian or Asian British": 1,
        "Prefer not to say": 1,
        "Not recorded": len(PEOPLE) - 6,
    }


def test_the_report_counts_referrals_by_target_group_and_ethnic_group(referred, unsuppressed):
    period = quarter("2026Q2", LATER)
    tables = {table.key: table for table in sections.received(period, Filters(), unsuppressed)}
    groups = rows(tables["referrals-by-target-group"])
    carers = [referral for referral in referred if _is(referral, "carers")]
    assert groups["Carers"] == ["0", str(len(carers)), "0", str(len(carers))]
    assert groups["Men"][-1] == "2"
    assert groups["In none of the groups, as far as was recorded"][-1] == str(len(_sql_members(NO_GROUP)))
    ethnic = rows(tables["referrals-by-ethnic-group"])
    assert ethnic["White"][-1] == "3" and ethnic["Total"][-1] == str(len(PEOPLE))


def _is(referral: Referral, code: str) -> bool:
    return referral.id in _sql_members(code)


def test_the_target_group_filter_narrows_every_count(referred, unsuppressed):
    period = quarter("2026Q2", LATER)
    men = queries.people_referred(period, Filters(target_group="men"))
    assert (men.referrals, men.people) == (2, 2)
    received = queries.referrals_received(period, Filters(target_group="younger-renters"))
    assert sum(received.by_target_group["younger-renters"]) == 3
    assert sum(sum(counts) for counts in received.by_ward.values()) == 3
    assert sum(received.by_target_group["men"]) == 0


def test_the_page_offers_the_target_group_filter_and_says_it_is_used(referred, staff, login_as, frozen_now):
    frozen_now(datetime(2026, 7, 2, 9, 0, tzinfo=UTC))
    lead = login_as(staff["lead"])
    page = lead.get("/reports?period=2026Q2&target_group=carers").get_data(as_text=True)
    assert "Target group: Carers" in page
    assert 'value="carers" selected' in page
    refused = lead.get("/reports?period=2026Q2&target_group=astronauts").get_data(as_text=True)
    assert "Choose a target group from the list" in refused

"""Coverage gaps (issue 10 section 6, domain.md 7.3): referrals with a need and unmet-need entries
over the 12 months to the end of the period, against active, fresh listings in the matching
categories that serve the area and are open to the group, with gaps flagged at R and L. The
referrals, entries and listings are hand-built here with known answers."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import ListingKind, ListingStatus, ReferralState, TaxonomyTerm, Vocabulary
from navigator.monitoring.answers import MonitoringAnswers
from navigator.reports import coverage
from navigator.reports.charts import chart_for
from navigator.reports.coverage_queries import window_of
from navigator.reports.periods import quarter
from navigator.reports.service import settings
from navigator.reports.sql import Filters
from navigator.reports.suppression import Shown
from navigator.services import referrals as service
from navigator.services.referrals.unmet_need import UnmetNeedDetails, add_unmet_need, withdraw_unmet_need
from navigator.vocabularies import CATEGORIES_FOR_NEED, NEEDS
from tests.factories import clock_at, make_referral, referral_details

PERIOD = quarter("2026Q2", date(2026, 12, 3))  # window: July 2025 to 30 June 2026
IN_WINDOW = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
CLISSOLD, LEA_BRIDGE, HACKNEY_CENTRAL, HOXTON_WEST = "E05009369", "E05009380", "E05009372", "E05009378"
POSTCODES = {CLISSOLD: "N16 0AN", LEA_BRIDGE: "E5 0AA", HACKNEY_CENTRAL: "E8 1DY", HOXTON_WEST: "EC1V 1AA"}
COMPARED = ["Referrals with the need", "Unmet-need entries", "Matching listings"]


def person(ward: str, **changes: object):
    return replace(referral_details().person, postcode=POSTCODES[ward], **changes)


def refer(
    staff,
    ward: str,
    needs: list[str],
    *,
    moment: datetime = IN_WINDOW,
    times: int = 1,
    born: date | None = None,
    **changes,
) -> None:
    who = person(ward, date_of_birth=born) if born else person(ward)
    with clock_at(moment):
        for _ in range(times):
            details = referral_details(staff["team"], needs=needs, person=who, **changes)
            service.submit_referral(details, by=staff["referrer"], idempotency_key=uuid.uuid4().hex)


def record_unmet(staff, ward: str, need: str, constraints: list[str], **changes) -> list:
    """An engaged referral from the ward with the need, and an unmet-need entry for each constraint."""
    people = {"referrer": staff["referrer"], "lead": staff["lead"], "navigator": staff["navigator"]}
    with clock_at(IN_WINDOW):
        referral = make_referral(ReferralState.ENGAGED, needs=[need], person=person(ward), **changes, **people)
        return [
            add_unmet_need(
                referral.id, by=staff["navigator"], details=UnmetNeedDetails(need=need, ward_code=ward, constraint=code)
            )
            for code in constraints
        ]


@pytest.fixture
def listings(make_listing) -> None:
    """Activities and events that serve each ward (confirmed on 1 June 2026 unless said):

    Clissold: a lunch club for 60 and over (Social); a coffee morning confirmed 13 months before
    the window ends (stale: not counted); a lunch club hidden from the public; a hall (a space).
    Hackney Central: a bereavement cafe. No venue: a bereavement phone line (serves every ward).
    Lea Bridge: befriending for children, young people and families. Hoxton West: a women's
    coffee morning.
    """

    def make(name: str, **fields):
        made = make_listing(name, **fields)
        made.created_at = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
        made.last_confirmed_at = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
        return made

    make("Clissold lunch club", postcode=POSTCODES[CLISSOLD], categories=("lunch-clubs",), min_age=60)
    stale = make("Old coffee morning", postcode=POSTCODES[CLISSOLD], categories=("coffee-mornings",))
    stale.last_confirmed_at = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
    hidden = make("Hidden lunch club", postcode=POSTCODES[CLISSOLD], categories=("lunch-clubs",))
    hidden.status = ListingStatus.HIDDEN
    make("Clissold hall", postcode=POSTCODES[CLISSOLD], kind=ListingKind.SPACE, categories=("befriending",))
    make("Bereavement cafe", postcode=POSTCODES[HACKNEY_CENTRAL], categories=("bereavement-support",))
    make("Bereavement phone line", postcode=None, categories=("bereavement-support",))
    make(
        "Youth befriending",
        postcode=POSTCODES[LEA_BRIDGE],
        categories=("befriending",),
        groups=("children-young-people-families",),
    )
    make("Women's coffee", postcode=POSTCODES[HOXTON_WEST], categories=("coffee-mornings",), groups=("women",))
    db.session.commit()


@pytest.fixture
def needs(staff, listings) -> None:
    """With R = 3 and L = 1 (gap_rule below):

    - Clissold, loneliness: 3 referrals (men), 1 matching listing: a gap at exactly R and L.
    - Clissold, new to the area: 3 referrals (children, aged 11), 1 listing: a gap.
    - Hackney Central, bereavement: 3 referrals, 2 listings (the cafe, the phone line): L + 1, none.
    - Lea Bridge, loneliness: 2 referrals in the window (and 1 before it), 1 listing: R - 1, none.
    - Lea Bridge, carer strain: 1 referral (a carer), 3 unmet-need entries, no listing: a gap.
    - Hoxton West, wanting to learn English: 1 referral, 2 unmet-need entries (and one withdrawn): none.
    """
    refer(staff, CLISSOLD, ["loneliness"], times=3, monitoring=MonitoringAnswers(sex="male"))
    refer(staff, CLISSOLD, ["new_to_area"], times=3, born=date(2014, 6, 1))
    refer(staff, HACKNEY_CENTRAL, ["bereavement"], times=3)
    refer(staff, LEA_BRIDGE, ["loneliness"], times=2)
    refer(staff, LEA_BRIDGE, ["loneliness"], moment=datetime(2025, 6, 20, 10, 0, tzinfo=UTC))
    record_unmet(
        staff,
        LEA_BRIDGE,
        "carer_strain",
        ["cost", "cost", "language"],
        monitoring=MonitoringAnswers(unpaid_carer="yes"),
    )
    *_, withdrawn = record_unmet(staff, HOXTON_WEST, "learn_english", ["language", "time_of_day", "language"])
    withdraw_unmet_need(withdrawn.id, by=staff["navigator"])


@pytest.fixture
def gap_rule(app, monkeypatch, unsuppressed):
    monkeypatch.setitem(app.config, "REPORT_GAP_REFERRALS", 3)
    monkeypatch.setitem(app.config, "REPORT_GAP_LISTINGS", 1)
    return unsuppressed


def by_key(tables) -> dict[str, object]:
    return {table.key: table for table in tables}


def lines(table) -> dict[tuple[str, str], list[str]]:
    return {(row[0], row[1]): row[2:] for row in table.rows}


def test_ward_and_need_gaps_at_exactly_r_and_l(needs, gap_rule):
    table = by_key(coverage.gaps(PERIOD, Filters(), gap_rule))["coverage-by-ward-and-need"]
    assert table.header == ["Ward", "Need", *COMPARED, "Gap"]
    assert lines(table) == {
        ("Clissold", "Loneliness or isolation"): ["3", "0", "1", "Gap"],
        ("Clissold", "New to the area"): ["3", "0", "1", "Gap"],
        ("Hackney Central", "Bereavement"): ["3", "0", "2", ""],
        ("Hoxton West", "Wants to learn English"): ["1", "2", "0", ""],
        ("Lea Bridge", "Loneliness or isolation"): ["2", "0", "1", ""],
        ("Lea Bridge", "Carer strain"): ["1", "3", "0", "Gap"],
    }


def test_target_group_and_need_gaps_count_listings_open_to_the_group(needs, gap_rule):
    table = by_key(coverage.gaps(PERIOD, Filters(), gap_rule))["coverage-by-target-group-and-need"]
    assert lines(table) == {
        # Youth befriending names the group; the lunch club's ages (60 and over) miss it.
        ("Children, young people and their families", "New to the area"): ["3", "0", "1", "Gap"],
        # The lunch club names no group; youth befriending and the women's coffee name others.
        ("Men", "Loneliness or isolation"): ["3", "0", "1", "Gap"],
        ("Carers", "Carer strain"): ["1", "3", "0", "Gap"],
    }


def test_the_gaps_flagged_are_listed_first_with_the_rule_in_the_notes(needs, gap_rule):
    flagged = coverage.gaps(PERIOD, Filters(), gap_rule)[0]
    assert flagged.key == "coverage-gaps-flagged"
    assert flagged.header == ["Ward or target group", "Need", *COMPARED]
    assert [(row[0], row[1]) for row in flagged.rows] == [
        ("Clissold", "Loneliness or isolation"),
        ("Clissold", "New to the area"),
        ("Lea Bridge", "Carer strain"),
        ("Children, young people and their families", "New to the area"),
        ("Men", "Loneliness or isolation"),
        ("Carers", "Carer strain"),
    ]
    assert "REPORT_GAP_REFERRALS = 3" in flagged.notes[0] and "REPORT_GAP_LISTINGS = 1" in flagged.notes[0]
    assert flagged.title == "Gaps flagged, July 2025 to 30 June 2026"
    drawn = chart_for(flagged)
    assert drawn is not None and drawn.bars[0].label == "Clissold, Loneliness or isolation"
    assert [bar.text for bar in drawn.bars] == ["3", "3", "1", "3", "3", "1"]


def test_the_constraints_recorded_by_ward_and_need(needs, gap_rule):
    table = by_key(coverage.gaps(PERIOD, Filters(), gap_rule))["unmet-need-constraints"]
    assert table.header == [
        "Ward",
        "Need",
        "No activity of that kind",
        "Language",
        "Cost",
        "Time of day",
        "Access",
        "Age group",
        "Too far away",
        "Total",
    ]
    assert table.all_rows == [
        ["Hoxton West", "Wants to learn English", "0", "1", "0", "1", "0", "0", "0", "2"],
        ["Lea Bridge", "Carer strain", "0", "1", "2", "0", "0", "0", "0", "3"],
        ["Total", "", "0", "2", "2", "1", "0", "0", "0", "5"],
    ]


def test_filters(needs, gap_rule):
    tables = by_key(coverage.gaps(PERIOD, Filters(ward_code=LEA_BRIDGE), gap_rule))
    assert list(lines(tables["coverage-by-ward-and-need"])) == [
        ("Lea Bridge", "Loneliness or isolation"),
        ("Lea Bridge", "Carer strain"),
    ]
    # People from Lea Bridge and listings held there (or with no venue): youth befriending.
    assert lines(tables["coverage-by-target-group-and-need"]) == {("Carers", "Carer strain"): ["1", "3", "0", "Gap"]}
    only_men = by_key(coverage.gaps(PERIOD, Filters(target_group="men"), gap_rule))
    assert list(lines(only_men["coverage-by-target-group-and-need"])) == [("Men", "Loneliness or isolation")]
    assert len(lines(only_men["coverage-by-ward-and-need"])) == 6  # the ward table is for everyone


def test_a_gap_at_the_configured_r_and_l_with_suppression_on(staff, listings, app):
    """R = 10, L = 2 and counts 1 to 7 suppressed: 10 referrals flag a gap, 9 do not; a count
    hidden to protect a small one never flags, whatever it is."""
    refer(staff, CLISSOLD, ["loneliness"], times=9)
    record_unmet(staff, CLISSOLD, "loneliness", ["cost"])  # the tenth
    refer(staff, HOXTON_WEST, ["loneliness"], times=9)
    refer(staff, HACKNEY_CENTRAL, ["bereavement"], times=2)
    tables = by_key(coverage.gaps(PERIOD, Filters(), settings()))
    table = lines(tables["coverage-by-ward-and-need"])
    assert table[("Clissold", "Loneliness or isolation")] == ["10", "fewer than 8", "1", "Gap"]
    assert table[("Hoxton West", "Loneliness or isolation")] == ["9", "0", "1", ""]
    assert table[("Hackney Central", "Bereavement")] == ["fewer than 8", "0", "2", ""]
    assert [row[:2] for row in tables["coverage-gaps-flagged"].rows] == [["Clissold", "Loneliness or isolation"]]
    assert tables["unmet-need-constraints"].rows == [
        ["Clissold", "Loneliness or isolation", "0", "0", "fewer than 8", "0", "0", "0", "0", "fewer than 8"]
    ]

    # Two referrals with loneliness in Hackney Central: the need's total over the area would give
    # them away, so the smallest other count of the need is hidden as well: Clissold's 10.
    refer(staff, HACKNEY_CENTRAL, ["loneliness"], times=2)
    refer(staff, HOXTON_WEST, ["loneliness"], times=2)
    tables = by_key(coverage.gaps(PERIOD, Filters(), settings()))
    table = lines(tables["coverage-by-ward-and-need"])
    assert table[("Hackney Central", "Loneliness or isolation")] == ["fewer than 8", "0", "0", ""]
    assert table[("Clissold", "Loneliness or isolation")] == ["hidden", "fewer than 8", "1", ""]
    assert table[("Hoxton West", "Loneliness or isolation")] == ["11", "0", "1", "Gap"]
    assert [row[:2] for row in tables["coverage-gaps-flagged"].rows] == [["Hoxton West", "Loneliness or isolation"]]


def test_nothing_recorded_gives_empty_tables(app):
    tables = coverage.gaps(PERIOD, Filters(), settings())
    assert [table.rows for table in tables] == [[], [], [], []]


def test_a_hidden_or_small_count_never_raises_a_flag():
    rule = coverage.GapRule(referrals=10, listings=2)
    shown, none = Shown(12), Shown(0)
    assert rule.flags(shown, none, 2) and not rule.flags(shown, none, 3)
    assert rule.flags(none, Shown(10), 0) and not rule.flags(none, Shown(9), 0)
    assert not rule.flags(Shown(None, secondary=True), Shown(None, primary=True), 0)


def test_the_window_is_the_12_months_to_the_end_of_the_period():
    assert window_of(PERIOD).start == date(2025, 7, 1) and window_of(PERIOD).end == date(2026, 7, 1)
    today = quarter("2026Q4", date(2026, 12, 3))
    assert window_of(today).start == date(2026, 1, 1) and window_of(today).end == date(2026, 12, 4)


def test_every_need_points_to_a_category_of_the_taxonomy_or_to_any(app):
    categories = set(
        db.session.scalars(select(TaxonomyTerm.code).where(TaxonomyTerm.vocabulary == Vocabulary.CATEGORY))
    )
    assert set(CATEGORIES_FOR_NEED) <= set(NEEDS)
    assert set(CATEGORIES_FOR_NEED.values()) <= categories
    assert set(NEEDS) - set(CATEGORIES_FOR_NEED) == {"activity_or_hobby"}  # any activity


@pytest.mark.parametrize(
    "key",
    [
        "coverage-gaps-flagged",
        "coverage-by-ward-and-need",
        "unmet-need-constraints",
        "coverage-by-target-group-and-need",
    ],
)
def test_each_table_downloads_as_on_the_page(needs, staff, login_as, key):
    client = login_as(staff["analyst"])
    page = client.get("/reports?period=2026Q2").get_data(as_text=True)
    assert f'id="table-{key}"' in page
    response = client.get(f"/reports/{key}.csv?period=2026Q2")
    assert response.status_code == 200 and f"{key}-2026Q2.csv" in response.headers["Content-Disposition"]
    table = by_key(coverage.gaps(PERIOD, Filters(), settings()))[key]
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [table.header, *table.all_rows]


def test_a_flagged_gap_is_a_tag_on_the_page_and_a_word_in_the_csv(staff, listings, login_as):
    refer(staff, CLISSOLD, ["loneliness"], times=10)
    client = login_as(staff["lead"])
    page = client.get("/reports?period=2026Q2").get_data(as_text=True)
    assert page.count('<strong class="govuk-tag govuk-tag--red">Gap</strong>') == 1
    response = client.get("/reports/coverage-by-ward-and-need.csv?period=2026Q2")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1] == ["Clissold", "Loneliness or isolation", "10", "0", "1", "Gap"]

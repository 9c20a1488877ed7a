"""Each measure of the report against the hand-built referrals of conftest.known, whose
answers are worked out by hand there (suppression off: threshold 0)."""

from __future__ import annotations

from datetime import date

from navigator.models import ScreeningOccasion
from navigator.reports import sections
from navigator.reports.periods import month_range
from navigator.reports.sql import Filters
from navigator.services import referrals as service
from tests.factories import clock_at
from tests.reports.conftest import at, rows

PERIOD = month_range("2026-04", "2026-09", date(2026, 12, 3))


def test_referrals_received_by_team_month_age_and_need(known, staff, unsuppressed):
    people, by_team, by_ward, by_age, by_need, *_ = sections.received(PERIOD, Filters(), unsuppressed)
    # The same person (same name and date of birth, so the same person key) five times.
    assert rows(people) == {
        "Referrals received": ["5"],
        "Unique people (by person key)": ["1"],
        "Re-referrals (the person had been referred before, at any time)": ["4"],
    }
    assert by_team.header == [
        "Source team",
        "Apr 2026",
        "May 2026",
        "Jun 2026",
        "Jul 2026",
        "Aug 2026",
        "Sep 2026",
        "Total",
    ]
    team = rows(by_team)
    assert team[staff["team"].name] == ["1", "1", "1", "0", "0", "0", "3"]
    assert team[staff["other_team"].name] == ["1", "0", "1", "0", "0", "0", "2"]
    assert team["Total"] == ["2", "1", "2", "0", "0", "0", "5"]
    assert rows(by_ward)["Total"][-1] == "5"
    assert rows(by_age) == {
        "65 to 79": ["2", "1", "2", "0", "0", "0", "5"],
        "Total": ["2", "1", "2", "0", "0", "0", "5"],
    }
    need = rows(by_need)
    assert need["Loneliness or isolation"][-1] == "5" and need["Bereavement"][-1] == "5"
    assert by_need.total_row is None  # needs overlap: no total that pretends they add up


def test_filters_narrow_every_count(known, staff, unsuppressed):
    only_other = Filters(team_id=staff["other_team"].id)
    people, by_team, *_ = sections.received(PERIOD, only_other, unsuppressed)
    assert list(rows(by_team)) == [staff["other_team"].name, "Total"]
    assert rows(people) == {
        "Referrals received": ["2"],
        "Unique people (by person key)": ["1"],
        "Re-referrals (the person had been referred before, at any time)": ["2"],
    }
    assert rows(sections.received(PERIOD, Filters(age_band="16_24"), unsuppressed)[1]) == {}


def test_decisions_acceptance_rate_and_rejection_reasons(known, staff, unsuppressed):
    by_team, reasons = sections.decisions(PERIOD, Filters(), unsuppressed)
    assert by_team.header[1:] == ["Accepted", "Rejected", "Redirected", "Total", "Acceptance rate"]
    decided = rows(by_team)
    assert decided[staff["team"].name] == ["3", "0", "0", "3", "100%"]
    assert decided[staff["other_team"].name] == ["0", "1", "1", "2", "0%"]
    assert decided["Total"] == ["3", "1", "1", "5", "60%"]
    assert rows(reasons) == {"Out of area": ["1"], "Total": ["1"]}


def test_contact_rate_and_waits_in_working_days(known, unsuppressed):
    contact, waits = sections.contact_and_waits(PERIOD, Filters(), unsuppressed)
    accepted = rows(contact)
    assert accepted["Apr 2026"] == ["1", "1", "100%"]
    assert accepted["May 2026"] == ["1", "1", "100%"]
    assert accepted["Jun 2026"] == ["1", "0", "0%"]
    assert accepted["Total"] == ["3", "2", "67%"]
    measured = rows(waits)
    # 2 and 3 working days (the bank holiday on 25 May is not one): median 2.5, both within 10.
    assert measured["Submission to first successful contact (working days)"] == ["2", "2.5", "10 working days", "100%"]
    assert measured["Submission to first activity attended (days)"] == ["1", "7.0", "42 days", "100%"]


def test_connections_by_ward_and_category(known, unsuppressed):
    by_ward, by_category = sections.connections(PERIOD, Filters(), unsuppressed)
    assert rows(by_ward)["Total"] == ["1", "1", "1", "100%", "100%"]
    assert rows(by_category) == {"Lunch clubs": ["1", "1"]}


def test_baseline_distribution(known, unsuppressed):
    direct, ucla = sections.baseline(PERIOD, Filters(), unsuppressed)
    assert rows(direct) == {"Often/always": ["2"], "Total": ["2"]}
    assert "Often/always (chronic loneliness): 100% of those who answered." in direct.notes
    assert rows(ucla)["8"] == ["2"] and rows(ucla)["Total"] == ["2"]
    assert rows(ucla)["5"] == ["0"]  # the 3-month screen is not a baseline


def test_paired_change_at_three_months_and_at_closure(known, unsuppressed):
    ucla, three_month, closure, ons4 = sections.paired(PERIOD, Filters(), unsuppressed)
    paired = rows(ucla)
    # 3-month: first (8 -> 5) paired; second (due 28 Aug) has none. Closure: first only, no closure screen.
    assert paired["Episodes with a baseline"] == ["2", "1"]
    assert paired["Pairs"] == ["1", "0"]
    assert paired["Follow-up completion"] == ["50%", "0%"]
    assert paired["Mean paired change (lower is less lonely)"] == ["\u22123.0", "not shown"]
    assert paired["95% confidence interval of the change"] == ["not shown", "not shown"]  # one pair: no interval
    assert paired["Improved by at least 1 point"] == ["100%", "not shown"]
    assert paired["Baseline mean of those without a follow-up"] == ["8.0", "8.0"]
    assert "Change observed, not impact caused" in " ".join(ucla.notes)
    assert "impact caused" not in ucla.title
    assert rows(three_month) == {
        "Often/always": ["0", "1", "1"],
        "Less often": ["0", "0", "0"],
        "Total": ["0", "1", "1"],
    }
    assert "p = 1.000" in three_month.notes[0]
    assert rows(closure)["Total"] == ["0", "0", "0"]
    assert rows(ons4)["Life satisfaction"] == ["0", "not shown", "0", "not shown"]


def test_a_proxy_or_not_comparable_follow_up_is_not_pooled(journey, unsuppressed):
    referral = journey.submit("2026-04-13T08:00:00")
    journey.accept(referral, "2026-04-13T10:00:00")
    journey.contact(referral, "2026-04-15T09:00:00")
    with clock_at(at("2026-07-14T10:00:00")):
        service.record_screening(
            referral.id,
            by=journey.staff["navigator"],
            instrument_code="ucla3",
            answers={"lack_companionship": "often", "left_out": "often", "isolated": "often"},
            occasion=ScreeningOccasion.REVIEW,
            answered_by="parent_carer",
        )
    paired = rows(sections.paired(PERIOD, Filters(), unsuppressed)[0])
    assert paired["Pairs"] == ["0", "0"] and paired["No comparable follow-up"][0] == "1"

"""Periods the report accepts and refuses, and the statistics over pairs, including the
worked example of domain.md 7.2."""

from __future__ import annotations

from datetime import date

import pytest
from scipy import stats

from navigator.reports.periods import PeriodError, parse_period
from navigator.reports.statistics import mcnemar_p, mean_interval, often_always, paired_change

TODAY = date(2026, 12, 3)


def test_a_quarter_a_month_range_and_the_rolling_year():
    q3 = parse_period("2026Q3", None, None, TODAY)
    assert (q3.start, q3.end, q3.key) == (date(2026, 7, 1), date(2026, 10, 1), "2026Q3")
    assert q3.label == "2026 quarter 3 (Jul 2026 to Sep 2026)"
    current = parse_period(None, None, None, TODAY)
    assert (current.start, current.end) == (date(2026, 10, 1), date(2026, 12, 4))
    assert current.label.endswith("to date")
    months = parse_period(None, "2026-01", "2026-06", TODAY)
    assert (months.start, months.end, len(months.months)) == (date(2026, 1, 1), date(2026, 7, 1), 6)
    rolling = parse_period("rolling", None, None, TODAY)
    assert (rolling.start, rolling.end, len(rolling.months)) == (date(2026, 1, 1), date(2026, 12, 4), 12)


def test_a_month_in_summer_time_starts_at_london_midnight():
    july = parse_period(None, "2026-07", "2026-07", TODAY)
    assert july.starts_at.isoformat() == "2026-06-30T23:00:00+00:00"


@pytest.mark.parametrize(
    ("period", "start", "end", "message"),
    [
        ("2026Q5", None, None, "Enter a quarter like 2026Q3"),
        ("next year", None, None, "Enter a quarter like 2026Q3"),
        ("2027Q1", None, None, "has not started yet"),
        (None, "2026-06", "2026-01", "must be the same as or after the first month"),
        (None, "2026-01", "2027-01", "cannot be after this month"),
        (None, "2026-13", "2026-12", "Enter the first month as a year and month"),
        (None, "2026-01", None, "Enter both the first and the last month"),
        (None, "1999-01", "1999-02", "no data before 2000"),
    ],
)
def test_periods_that_cannot_be_reported_say_why(period, start, end, message):
    with pytest.raises(PeriodError, match=message):
        parse_period(period, start, end, TODAY)


def test_the_worked_example_of_domain_7_2():
    """120 people with a baseline UCLA-3 (mean 7.1); 50 with a 3-month follow-up (mean 5.6),
    whose baseline mean was 6.4. Unpaired -1.5; paired -0.8."""
    pairs = [(7, 5)] * 20 + [(6, 6)] * 30
    without = [8] * 42 + [7] * 28
    change = paired_change(pairs, without)
    scores = change.scores
    assert scores.pairs == 50 and scores.without_follow_up == 70
    assert scores.everyone_baseline_mean == pytest.approx(7.1)
    assert scores.follow_up_mean == pytest.approx(5.6)
    assert scores.baseline_mean == pytest.approx(6.4)
    assert scores.unpaired_difference == pytest.approx(-1.5)
    assert scores.mean_change == pytest.approx(-0.8)
    assert scores.without_follow_up_baseline_mean == pytest.approx(7.6)
    assert scores.improved == 20
    low, high = change.confidence_interval
    expected = stats.ttest_1samp([-2] * 20 + [0] * 30, 0).confidence_interval(0.95)
    assert (low, high) == pytest.approx((expected.low, expected.high))
    assert low < -0.8 < high < 0


def test_the_often_always_table_and_mcnemar_of_domain_7_2():
    """Of 50 pairs, 22 often/always at baseline and 12 at follow-up: 13 moved out, 3 in."""
    pairs = [(True, False)] * 13 + [(False, True)] * 3 + [(True, True)] * 9 + [(False, False)] * 25
    table, p_value = often_always(pairs)
    assert (table.at_baseline, table.at_follow_up, table.moved_out, table.moved_in) == (22, 12, 13, 3)
    assert p_value == pytest.approx(stats.binomtest(13, 16, 0.5).pvalue)
    assert p_value < 0.05
    assert mcnemar_p(often_always([(True, True)])[0]) is None  # nobody changed: nothing to test


def test_intervals_need_two_values_and_allow_no_spread():
    assert mean_interval([-3]) is None
    assert mean_interval([-1, -1, -1]) == (-1, -1)

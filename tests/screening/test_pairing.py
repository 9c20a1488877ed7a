"""Which screen is the baseline, and where each later screen falls (navigator/screening/pairing.py)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from navigator.screening.pairing import (
    AgeBand,
    FollowUpSchedule,
    ScreenFacts,
    ScreeningOccasion,
    TimePoint,
    age_band_for,
    episode_baseline_day,
    place,
)

SCHEDULE = FollowUpSchedule(after=relativedelta(months=3), window=timedelta(days=14))
START = date(2026, 1, 10)
OCC = ScreeningOccasion


def screen(key, occasion, day, *, code="ucla3", at_referral=False, complete=True, mode="read out", version="1"):
    return ScreenFacts(key, code, version, occasion, mode, at_referral, complete, day)


def test_the_navigator_s_first_conversation_screen_is_the_baseline_not_the_referrer_s():
    screens = [
        screen("referrer", OCC.BASELINE, START - timedelta(days=5), at_referral=True),
        screen("navigator", OCC.BASELINE, START),
        screen("review", OCC.REVIEW, START + timedelta(days=40)),
    ]
    placed = place(screens, SCHEDULE)
    assert placed["navigator"].episode_baseline and not placed["referrer"].episode_baseline
    assert placed["review"].baseline_id == "navigator"
    assert episode_baseline_day(screens, placed) == START


def test_the_referrer_s_screen_is_the_baseline_when_the_navigator_recorded_none():
    screens = [
        screen("referrer", OCC.BASELINE, START, at_referral=True),
        screen("closure", OCC.CLOSURE, START + timedelta(days=30)),
    ]
    placed = place(screens, SCHEDULE)
    assert placed["referrer"].episode_baseline
    assert placed["closure"].baseline_id == "referrer" and placed["closure"].time_point is TimePoint.CLOSURE


def test_the_first_complete_navigator_screen_wins_over_an_earlier_incomplete_one():
    screens = [
        screen("incomplete", OCC.BASELINE, START, complete=False),
        screen("complete", OCC.BASELINE, START + timedelta(days=1)),
    ]
    placed = place(screens, SCHEDULE)
    assert placed["complete"].episode_baseline and not placed["incomplete"].episode_baseline


def test_a_later_screen_inside_the_3_month_window_is_the_3_month_one_whatever_it_was_taken_at():
    due = START + relativedelta(months=3)
    screens = [
        screen("baseline", OCC.BASELINE, START),
        screen("early review", OCC.REVIEW, START + timedelta(days=42)),
        screen("window opens", OCC.REVIEW, due - timedelta(days=14)),
        screen("second in window", OCC.CLOSURE, due),
        screen("after", OCC.FOLLOW_UP, due + timedelta(days=15)),
    ]
    placed = place(screens, SCHEDULE)
    assert placed["early review"].time_point is TimePoint.REVIEW
    assert placed["window opens"].time_point is TimePoint.THREE_MONTH
    assert placed["second in window"].time_point is TimePoint.CLOSURE  # only one 3-month screen
    assert placed["after"].time_point is TimePoint.AFTER_CLOSURE
    assert all(placed[key].baseline_id == "baseline" for key in ("early review", "window opens", "after"))


def test_a_pair_asked_another_way_or_in_another_version_is_not_comparable():
    screens = [
        screen("baseline", OCC.BASELINE, START),
        screen("same", OCC.REVIEW, START + timedelta(days=30)),
        screen("interpreter", OCC.REVIEW, START + timedelta(days=60), mode="via interpreter"),
        screen("new version", OCC.REVIEW, START + timedelta(days=70), version="2"),
    ]
    placed = place(screens, SCHEDULE)
    assert placed["same"].comparable is True
    assert placed["interpreter"].comparable is False and placed["new version"].comparable is False


def test_a_screen_of_an_instrument_without_a_baseline_pairs_with_nothing():
    screens = [
        screen("baseline", OCC.BASELINE, START),
        screen("ons4", OCC.REVIEW, START + timedelta(days=91), code="ons4"),
    ]
    placed = place(screens, SCHEDULE)
    assert placed["ons4"].baseline_id is None and placed["ons4"].comparable is None
    assert placed["ons4"].time_point is TimePoint.REVIEW


def test_age_bands():
    assert [age_band_for(age) for age in (None, 9, 10, 15, 16, 80)] == [
        None,
        AgeBand.UNDER_10,
        AgeBand.CHILD,
        AgeBand.CHILD,
        AgeBand.ADULT,
        AgeBand.ADULT,
    ]

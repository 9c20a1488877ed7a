"""Recurrence (domain.md 5.2): which days a schedule really meets on, in London time,
with its exceptions; how it reads in plain English; what the listing service accepts."""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from navigator.clock import LONDON
from navigator.extensions import db
from navigator.models import ExceptionKind, Frequency, Listing, ListingKind, Schedule, ScheduleException
from navigator.recurrence import (
    Change,
    Rule,
    Timetable,
    next_occurrence,
    next_occurrences,
    occurrences,
    occurs_on,
    timetable_for,
    weekdays_of,
)
from navigator.schedules import describe_rule
from navigator.services.listings import ListingError, ScheduleChange, ScheduleRule
from tests.directory.pages import Page

# Tuesday 1 December 2026, 9am in London (GMT).
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
MORNING = (time(10, 30), time(12, 0))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def weekly(by_day: str = "TU", interval: int = 1, **fields: object) -> Rule:
    return Rule(Frequency.WEEKLY, *MORNING, interval=interval, by_day=by_day, **fields)  # type: ignore[arg-type]


def monthly(by_day: str = "", by_month_day: int | None = None, interval: int = 1, **fields: object) -> Rule:
    return Rule(
        Frequency.MONTHLY,
        *MORNING,
        interval=interval,
        by_day=by_day,
        by_month_day=by_month_day,
        **fields,  # type: ignore[arg-type]
    )


def days_of(rule: Rule, start: datetime, end: datetime, changes: tuple[Change, ...] = ()) -> list[date]:
    return [o.starts_at.date() for o in occurrences(Timetable(rules=(rule,), changes=changes), start, end)]


def cancelled(day: date, until: date | None = None) -> Change:
    return Change(ExceptionKind.CANCELLED, day, until)


# -- which days ---------------------------------------------------------------------------


def test_fortnightly_tuesday_stays_at_half_past_ten_london_time_across_both_clock_changes():
    # Anchored on Tuesday 13 October 2026. The clocks go back on Sunday 25 October 2026
    # and forward on Sunday 28 March 2027.
    rule = weekly("TU", interval=2, valid_from=date(2026, 10, 13))

    found = occurrences(Timetable(rules=(rule,)), at(2026, 10, 1), at(2027, 5, 1))

    days = [o.starts_at.date() for o in found]
    assert days[:4] == [date(2026, 10, 13), date(2026, 10, 27), date(2026, 11, 10), date(2026, 11, 24)]
    assert all(later - earlier == timedelta(days=14) for earlier, later in itertools.pairwise(days))
    assert days[-1] == date(2027, 4, 27)
    for occurrence in found:
        local = occurrence.starts_at.astimezone(LONDON)
        assert (local.time(), occurrence.ends_at.astimezone(LONDON).time()) == MORNING
        summer = local.date() < date(2026, 10, 25) or local.date() > date(2027, 3, 28)
        # 10:30 BST is 9:30 UTC; 10:30 GMT is 10:30 UTC.
        assert occurrence.starts_at.astimezone(UTC).time() == (time(9, 30) if summer else time(10, 30))
    assert {o.starts_at.utcoffset() for o in found} == {timedelta(0), timedelta(hours=1)}


def test_fortnightly_anchor_decides_the_weeks():
    on_week = weekly("TU", interval=2, valid_from=date(2026, 12, 1))
    # Anchored on a Wednesday: that week's Tuesday is before the start, so the first is two weeks on.
    from_wednesday = weekly("TU", interval=2, valid_from=date(2026, 12, 2))
    off_week = weekly("TU", interval=2, valid_from=date(2026, 11, 24))

    window = (at(2026, 12, 1), at(2027, 1, 1))
    assert days_of(on_week, *window) == [date(2026, 12, 1), date(2026, 12, 15), date(2026, 12, 29)]
    assert days_of(from_wednesday, *window) == [date(2026, 12, 15), date(2026, 12, 29)]
    assert days_of(off_week, *window) == [date(2026, 12, 8), date(2026, 12, 22)]


def test_second_and_fourth_tuesday():
    rule = monthly("2TU,4TU")

    assert days_of(rule, at(2026, 12, 1), at(2027, 3, 1)) == [
        date(2026, 12, 8),
        date(2026, 12, 22),
        date(2027, 1, 12),
        date(2027, 1, 26),
        date(2027, 2, 9),
        date(2027, 2, 23),
    ]


def _thursdays(year: int, month: int) -> list[date]:
    return [
        date(year, month, day)
        for day, weekday in calendar.Calendar().itermonthdays2(year, month)
        if day and weekday == 3
    ]


def test_fifth_thursday_only_in_months_that_have_one():
    expected = [days[4] for month in range(1, 13) if len(days := _thursdays(2027, month)) == 5]
    assert 3 <= len(expected) < 12

    assert days_of(monthly("5TH"), at(2027, 1, 1), at(2028, 1, 1)) == expected


def test_last_friday_of_every_month():
    expected = [
        max(
            date(2027, month, day)
            for day in range(1, calendar.monthrange(2027, month)[1] + 1)
            if date(2027, month, day).weekday() == 4
        )
        for month in range(1, 13)
    ]

    assert days_of(monthly("-1FR"), at(2027, 1, 1), at(2028, 1, 1)) == expected


def test_fifteenth_of_every_month_and_thirty_first_when_there_is_one():
    assert days_of(monthly(by_month_day=15), at(2027, 1, 1), at(2028, 1, 1)) == [
        date(2027, month, 15) for month in range(1, 13)
    ]
    assert [d.month for d in days_of(monthly(by_month_day=31), at(2027, 1, 1), at(2028, 1, 1))] == [
        1,
        3,
        5,
        7,
        8,
        10,
        12,
    ]


def test_every_other_month():
    assert days_of(monthly("2TU", interval=2, valid_from=date(2026, 12, 1)), at(2026, 12, 1), at(2027, 6, 1)) == [
        date(2026, 12, 8),
        date(2027, 2, 9),
        date(2027, 4, 13),
    ]


def test_specific_dates():
    rule = Rule(Frequency.DATES, *MORNING, dates=(date(2027, 3, 3), date(2027, 3, 10), date(2027, 3, 17)))

    assert days_of(rule, at(2027, 1, 1), at(2028, 1, 1)) == [date(2027, 3, 3), date(2027, 3, 10), date(2027, 3, 17)]
    assert days_of(rule, at(2027, 3, 4), at(2027, 3, 17)) == [date(2027, 3, 10)]


def test_term_time_is_bounded_by_its_dates():
    spring = weekly("WE", valid_from=date(2027, 1, 6), valid_to=date(2027, 3, 24))

    found = days_of(spring, at(2026, 12, 1), at(2027, 6, 1))

    assert found[0] == date(2027, 1, 6)
    assert found[-1] == date(2027, 3, 24)
    assert len(found) == 12


def test_cancelled_date_and_holiday_break():
    rule = weekly("WE")
    changes = (cancelled(date(2026, 12, 9)), cancelled(date(2026, 12, 19), date(2027, 1, 3)))

    assert days_of(rule, at(2026, 12, 1), at(2027, 1, 15), changes) == [
        date(2026, 12, 2),
        date(2026, 12, 16),
        date(2027, 1, 6),
        date(2027, 1, 13),
    ]


def test_moved_session_happens_at_its_new_time_instead():
    moved = Change(ExceptionKind.MOVED, date(2026, 12, 8), new_opens_at=time(13), new_closes_at=time(14, 30))
    timetable = Timetable(rules=(weekly("TU"),), changes=(moved,))

    found = occurrences(timetable, at(2026, 12, 1), at(2026, 12, 16))

    assert [(o.starts_at, o.ends_at, o.moved) for o in found] == [
        (at(2026, 12, 1, 10, 30), at(2026, 12, 1, 12), False),
        (at(2026, 12, 8, 13), at(2026, 12, 8, 14, 30), True),
        (at(2026, 12, 15, 10, 30), at(2026, 12, 15, 12), False),
    ]


def test_next_occurrence_includes_a_session_under_way():
    timetable = Timetable(rules=(weekly("TU"),), changes=(cancelled(date(2026, 12, 8)),))

    assert next_occurrence(timetable, at(2026, 12, 1, 11)).starts_at == at(2026, 12, 1, 10, 30)
    # Finished at noon; next week's is cancelled.
    assert next_occurrence(timetable, at(2026, 12, 1, 12, 30)).starts_at == at(2026, 12, 15, 10, 30)
    assert [o.day for o in next_occurrences(timetable, at(2026, 12, 1, 12, 30), limit=3)] == [
        date(2026, 12, 15),
        date(2026, 12, 22),
        date(2026, 12, 29),
    ]


def test_next_occurrence_of_a_rare_pattern_is_months_away():
    # Fifth Thursdays in 2027 fall in April and July (after 1 February).
    assert next_occurrence(Timetable(rules=(monthly("5TH"),)), at(2027, 2, 1)).day == date(2027, 4, 29)
    assert next_occurrence(Timetable(rules=(weekly("TU", valid_to=date(2026, 11, 30)),)), at(2026, 12, 1)) is None


def test_occurs_on():
    timetable = Timetable(rules=(monthly("2TU,4TU"),), changes=(cancelled(date(2026, 12, 22)),))

    assert occurs_on(timetable, date(2026, 12, 8))
    assert not occurs_on(timetable, date(2026, 12, 15))
    assert not occurs_on(timetable, date(2026, 12, 22))


def test_timetable_survives_the_search_index_copy():
    timetable = Timetable(
        rules=(
            weekly("TU,TH", interval=2, valid_from=date(2026, 12, 1), valid_to=date(2027, 3, 1), key="abc"),
            monthly(by_month_day=15, anchor=date(2026, 1, 1)),
            Rule(Frequency.DATES, *MORNING, dates=(date(2027, 3, 3),)),
        ),
        changes=(
            cancelled(date(2026, 12, 19), date(2027, 1, 3)),
            Change(ExceptionKind.MOVED, date(2026, 12, 8), new_opens_at=time(13), new_closes_at=time(14)),
        ),
    )

    assert Timetable.from_json(timetable.to_json()) == timetable
    assert Timetable.from_json("") == Timetable()


# -- listings -------------------------------------------------------------------------


def rich_listing(make_listing, name="Rich Group", **fields):
    return make_listing(name, days=(), **fields)


def test_listing_keeps_its_rules_and_exceptions(make_listing, frozen_now):
    frozen_now(NOW)
    listing = rich_listing(
        make_listing,
        schedules=[
            ScheduleRule(start=time(10, 30), end=time(12), by_day="tu", interval=2),
            ScheduleRule(start=time(14), end=time(16), frequency=Frequency.MONTHLY, by_day="-1FR"),
            ScheduleRule(
                start=time(18), end=time(19), frequency=Frequency.DATES, dates=["2027-03-10", date(2027, 3, 3)]
            ),
        ],
        exceptions=[
            ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2026, 12, 15)),
            ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2026, 12, 21), ends_on=date(2027, 1, 4)),
        ],
    )

    rows = db.session.scalars(select(Schedule).where(Schedule.listing_id == listing.id).order_by(Schedule.position))
    assert [(r.frequency, r.interval, r.by_day, r.dates, r.valid_from) for r in rows] == [
        # "Every other week" is anchored on the day it was added.
        (Frequency.WEEKLY, 2, "TU", [], TODAY),
        (Frequency.MONTHLY, 1, "-1FR", [], None),
        (Frequency.DATES, 1, "", ["2027-03-03", "2027-03-10"], None),
    ]
    breaks = db.session.scalars(select(ScheduleException).where(ScheduleException.listing_id == listing.id)).all()
    assert sorted((b.starts_on, b.ends_on) for b in breaks) == [
        (date(2026, 12, 15), None),
        (date(2026, 12, 21), date(2027, 1, 4)),
    ]
    assert [o.starts_at for o in occurrences(listing, at(2026, 12, 1), at(2027, 1, 31))] == [
        at(2026, 12, 1, 10, 30),
        # 15 December cancelled; 25 December (last Friday) and 29 December in the break.
        at(2027, 1, 12, 10, 30),
        at(2027, 1, 26, 10, 30),
        at(2027, 1, 29, 14),
    ]


def test_sessions_do_not_depend_on_when_the_listing_was_added(make_listing, frozen_now):
    # The row's created_at is the real time; a weekly rule still meets on every Tuesday before it.
    listing = make_listing("Old Tuesday Club")
    frozen_now(datetime(2020, 1, 1, tzinfo=UTC))

    assert [o.day for o in occurrences(listing, at(2020, 1, 1), at(2020, 1, 15))] == [
        date(2020, 1, 7),
        date(2020, 1, 14),
    ]


def test_event_timetable(make_listing, frozen_now):
    frozen_now(NOW)
    event = make_listing("Winter Fair", kind=ListingKind.EVENT, starts_in=timedelta(days=4, hours=5))

    timetable = timetable_for(event)
    assert timetable.rules == ()
    assert [o.starts_at for o in occurrences(event, at(2026, 12, 1), at(2026, 12, 8))] == [at(2026, 12, 5, 14)]
    assert occurs_on(event, date(2026, 12, 5))
    assert not occurs_on(event, date(2026, 12, 6))


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (ScheduleRule(start=time(10), end=time(12), by_day="TU", interval=0), "repeats every 1 to 8 weeks or months"),
        (ScheduleRule(start=time(10), end=time(12), by_day="TU", interval=9), "repeats every 1 to 8 weeks or months"),
        (ScheduleRule(start=time(10), end=time(12), by_day="XX"), "'XX' is not a day such as TU, 2TU or -1FR"),
        (ScheduleRule(start=time(10), end=time(12), by_day="2TU"), "takes days without a week number, like TU"),
        (ScheduleRule(start=time(10), end=time(12)), "a weekly schedule needs a day of the week"),
        (
            ScheduleRule(start=time(10), end=time(12), frequency=Frequency.MONTHLY, by_day="6TU"),
            "the week of the month must be 1 to 5",
        ),
        (
            ScheduleRule(start=time(10), end=time(12), frequency=Frequency.MONTHLY, by_month_day=32),
            "the day of the month must be from 1 to 31",
        ),
        (
            ScheduleRule(start=time(10), end=time(12), frequency=Frequency.MONTHLY),
            "needs either days like 2TU or a day of the month",
        ),
        (
            ScheduleRule(start=time(10), end=time(12), frequency=Frequency.DATES, dates=["2026-02-30"]),
            "'2026-02-30' is not a date",
        ),
        (ScheduleRule(start=time(10), end=time(12), frequency=Frequency.DATES), "give at least one date"),
        (ScheduleRule(start=time(12), end=time(10), by_day="TU"), "a session must end after it starts"),
        (
            ScheduleRule(
                start=time(10), end=time(12), by_day="TU", valid_from=date(2027, 3, 1), valid_to=date(2027, 1, 1)
            ),
            "end date must be on or after its start date",
        ),
    ],
)
def test_invalid_schedules_are_refused_with_a_reason(make_listing, schedule, message):
    with pytest.raises(ListingError, match=message.replace("(", r"\(").replace(")", r"\)")) as raised:
        rich_listing(make_listing, "Broken Group", schedules=[schedule])

    assert str(raised.value).startswith("Broken Group: ")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Listing.id))) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2027, 1, 4), ends_on=date(2026, 12, 21)),
            "a break must end on or after the day it starts",
        ),
        (
            ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2027, 1, 4), ends_on=date(2028, 6, 1)),
            "a break can be up to a year long",
        ),
        (ScheduleChange(kind=ExceptionKind.MOVED, starts_on=date(2027, 1, 4)), "needs its new start and end times"),
        (
            ScheduleChange(kind=ExceptionKind.MOVED, starts_on=date(2027, 1, 4), new_start=time(14), new_end=time(13)),
            "a moved session must end after it starts",
        ),
        (
            ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2027, 1, 4), new_start=time(14)),
            "a cancelled session has no new times",
        ),
    ],
)
def test_invalid_exceptions_are_refused_with_a_reason(make_listing, change, message):
    with pytest.raises(ListingError, match=message):
        make_listing("Broken Group", exceptions=[change])


# -- plain English ------------------------------------------------------------------------


def moved_to(day: date, start: time, end: time) -> Change:
    return Change(ExceptionKind.MOVED, day, new_opens_at=start, new_closes_at=end)


@pytest.mark.parametrize(
    ("rule", "changes", "expected"),
    [
        (weekly("TU"), (), "Every Tuesday, 10:30am to 12pm"),
        (weekly("TU,TH"), (), "Every Tuesday and Thursday, 10:30am to 12pm"),
        (weekly("TU", 2, valid_from=date(2026, 12, 8)), (), "Every other Tuesday, 10:30am to 12pm, from 8 December"),
        # A start on a Wednesday: the first session is the Tuesday two weeks on.
        (weekly("TU", 2, valid_from=date(2026, 12, 2)), (), "Every other Tuesday, 10:30am to 12pm, from 15 December"),
        # Started already: the start date no longer matters to anyone.
        (weekly("TU", 2, valid_from=date(2026, 11, 24)), (), "Every other Tuesday, 10:30am to 12pm"),
        (
            weekly("TU", 2, valid_from=date(2027, 1, 5)),
            (cancelled(date(2027, 1, 19)),),
            "Every other Tuesday, 10:30am to 12pm, from 5 January, not on 19 January",
        ),
        (weekly("TU", 3, valid_from=date(2026, 12, 1)), (), "Every 3 weeks on Tuesday, 10:30am to 12pm"),
        (monthly("2TU,4TU"), (), "2nd and 4th Tuesday of every month, 10:30am to 12pm"),
        (monthly("-1FR"), (), "Last Friday of every month, 10:30am to 12pm"),
        (monthly("5TH"), (), "5th Thursday of every month that has one, 10:30am to 12pm"),
        (monthly("1MO,3WE"), (), "1st Monday and 3rd Wednesday of every month, 10:30am to 12pm"),
        (monthly("2TU", interval=2), (), "2nd Tuesday of every other month, 10:30am to 12pm"),
        (monthly(by_month_day=15), (), "15th of every month, 10:30am to 12pm"),
        (monthly(by_month_day=22), (), "22nd of every month, 10:30am to 12pm"),
        (monthly(by_month_day=31), (), "31st of every month that has one, 10:30am to 12pm"),
        (
            Rule(Frequency.DATES, *MORNING, dates=(date(2027, 3, 3), date(2027, 3, 10), date(2027, 3, 17))),
            (),
            "On 3, 10 and 17 March, 10:30am to 12pm",
        ),
        (
            Rule(Frequency.DATES, *MORNING, dates=(date(2026, 12, 16), date(2026, 12, 30), date(2027, 1, 6))),
            (),
            "On 16 and 30 December and 6 January, 10:30am to 12pm",
        ),
        # Dates gone by are left out, and a list with none to come says so.
        (
            Rule(Frequency.DATES, *MORNING, dates=(date(2026, 11, 24), date(2026, 12, 8))),
            (),
            "On 8 December, 10:30am to 12pm",
        ),
        (Rule(Frequency.DATES, *MORNING, dates=(date(2026, 11, 24),)), (), "No dates coming up"),
        (
            weekly("WE", valid_from=date(2027, 1, 6), valid_to=date(2027, 3, 24)),
            (),
            "Every Wednesday, 10:30am to 12pm, from 6 January to 24 March",
        ),
        # A term under way; it ends on a Friday, so the last session is that Wednesday.
        (
            weekly("WE", valid_from=date(2026, 9, 2), valid_to=date(2026, 12, 18)),
            (),
            "Every Wednesday, 10:30am to 12pm, until 16 December",
        ),
        (
            weekly("TU", 2, valid_from=date(2027, 9, 7)),
            (),
            "Every other Tuesday, 10:30am to 12pm, from 7 September 2027",
        ),
        (
            weekly("WE"),
            (cancelled(date(2026, 12, 21), date(2027, 1, 4)),),
            "Every Wednesday, 10:30am to 12pm, no sessions 21 December to 4 January",
        ),
        (
            weekly("TU"),
            (moved_to(date(2026, 12, 8), time(13), time(14, 30)),),
            "Every Tuesday, 10:30am to 12pm, on 8 December 1pm to 2:30pm instead",
        ),
        (
            weekly("TU"),
            (
                cancelled(date(2026, 11, 24)),  # gone by
                cancelled(date(2026, 12, 9)),  # a Wednesday: no session to cancel
                cancelled(date(2026, 12, 15)),
                cancelled(date(2026, 12, 22)),
                cancelled(date(2026, 12, 29)),
                moved_to(date(2027, 1, 5), time(13), time(14, 30)),
                cancelled(date(2027, 2, 9), date(2027, 2, 20)),
            ),
            "Every Tuesday, 10:30am to 12pm, not on 15 December, 22 December or 29 December, "
            "on 5 January 1pm to 2:30pm instead, no sessions 9 February to 20 February",
        ),
    ],
)
def test_plain_english(rule, changes, expected):
    assert describe_rule(rule, changes, today=TODAY) == expected


def test_detail_page_says_when_and_lists_the_next_sessions(client, make_listing, frozen_now):
    frozen_now(NOW)
    listing = rich_listing(
        make_listing,
        "Fortnightly Tuesday Club",
        schedules=[
            ScheduleRule(start=time(10, 30), end=time(12), by_day="TU", interval=2, valid_from=date(2026, 12, 8))
        ],
        exceptions=[
            ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2026, 12, 22)),
            ScheduleChange(
                kind=ExceptionKind.MOVED, starts_on=date(2027, 1, 5), new_start=time(13), new_end=time(14, 30)
            ),
        ],
    )

    page = Page(client.get(f"/activities/{listing.id}"))

    assert page.status == 200
    main = page.root.find("main")
    lists = {h2.text(): h2 for h2 in main.find_all("h2")}
    when_list = lists["When"].parent.find("ul")
    assert [li.text() for li in when_list.find_all("li")] == [
        "Every other Tuesday, 10:30am to 12pm, from 8 December, not on 22 December, on 5 January 1pm to 2:30pm instead"
    ]
    upcoming = main.find("ul", **{"aria-labelledby": "next-sessions"})
    assert [li.text() for li in upcoming.find_all("li")] == [
        "Tuesday 8 December, 10:30am to 12pm",
        "Tuesday 5 January, 1pm to 2:30pm (changed from the usual time)",
        "Tuesday 19 January, 10:30am to 12pm",
        "Tuesday 2 February, 10:30am to 12pm",
    ]


def test_detail_page_when_no_sessions_are_coming(client, make_listing, frozen_now):
    frozen_now(NOW)
    listing = rich_listing(
        make_listing,
        "Autumn Term Class",
        schedules=[ScheduleRule(start=time(10), end=time(12), by_day="WE", valid_to=date(2026, 11, 25))],
    )

    page = Page(client.get(f"/activities/{listing.id}"))

    assert "There are no sessions coming up. Contact the organiser to check." in page.main_text


def test_demo_directory_has_richer_schedules(app):
    from navigator.presenters import next_session_lines, schedule_lines
    from navigator.seeding import load_demo_directory

    load_demo_directory()

    schedules = db.session.scalars(select(Schedule)).all()
    richer = [
        s for s in schedules if s.frequency is not Frequency.WEEKLY or s.interval > 1 or s.valid_from or s.valid_to
    ]
    assert len(richer) >= 10
    assert {s.frequency for s in richer} == {Frequency.WEEKLY, Frequency.MONTHLY, Frequency.DATES}
    kinds = {(e.kind, e.ends_on is not None) for e in db.session.scalars(select(ScheduleException))}
    assert kinds == {(ExceptionKind.CANCELLED, False), (ExceptionKind.CANCELLED, True), (ExceptionKind.MOVED, False)}
    # Dated from today, so every demo activity has sessions to come and reads well.
    for listing in db.session.scalars(select(Listing).where(Listing.kind == ListingKind.ACTIVITY)):
        assert next_session_lines(listing), listing.name
        assert all("No dates" not in line for line in schedule_lines(listing)), listing.name


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ((2026, 12, 5, 14), (2026, 12, 5, 16), [5]),  # Saturday afternoon
        ((2026, 12, 5, 19), (2026, 12, 6, 0), [5]),  # until midnight: Saturday only
        ((2026, 12, 5, 22), (2026, 12, 6, 2), [5, 6]),  # into Sunday
        ((2026, 12, 4, 10), (2026, 12, 7, 17), [4, 5, 6, 0]),  # a long weekend, Friday to Monday
        ((2026, 11, 28, 10), (2026, 12, 13, 17), [5, 6, 0, 1, 2, 3, 4]),  # two weeks: every day
    ],
)
def test_an_event_is_on_every_day_it_spans(start, end, days):
    event = Timetable(starts_at=datetime(*start, tzinfo=LONDON), ends_at=datetime(*end, tzinfo=LONDON))
    assert weekdays_of(event, date(2026, 12, 1)) == days

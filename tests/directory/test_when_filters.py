"""Search by time: "today", "this week", "this weekend" and "on a date" find the
activities and events that really happen then, fortnightly and monthly ones included,
cancelled sessions left out; bad dates are messages, never errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, Schema

from navigator.clock import LONDON
from navigator.models import ExceptionKind, Frequency, ListingKind
from navigator.search.engine import SearchRequest, time_window
from navigator.search.index import SearchDocument
from navigator.search.whoosh_backend import INDEX_NAME, WhooshBackend
from navigator.services.listings import ScheduleChange, ScheduleRule
from tests.directory.pages import Page, query_of, search_url

# Tuesday 1 December 2026, 9am in London (GMT).
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def search(client, **params: str) -> Page:
    page = Page(client.get("/search", query_string=params))
    assert page.status == 200, page.html[:500]
    return page


def rule(by_day: str = "", **fields) -> ScheduleRule:
    return ScheduleRule(start=time(10, 30), end=time(12), by_day=by_day, **fields)


@pytest.fixture
def timetables(make_listing, frozen_now):
    """Activities that meet in different patterns, events and a hall."""
    frozen_now(NOW)

    def activity(name: str, *schedules: ScheduleRule, exceptions=(), **fields):
        return make_listing(name, days=(), schedules=list(schedules), exceptions=list(exceptions), **fields)

    make_listing("Weekly Tuesday Club")  # every Tuesday, 10:30am
    activity("Fortnightly On Week", rule("TU", interval=2, valid_from=date(2026, 12, 1)))  # 1, 15 December
    activity("Fortnightly Off Week", rule("TU", interval=2, valid_from=date(2026, 11, 24)))  # 8, 22 December
    activity("First Saturday Social", rule("1SA", frequency=Frequency.MONTHLY))  # 5 December
    activity("Second Saturday Social", rule("2SA", frequency=Frequency.MONTHLY))  # 12 December
    activity(
        "Cancelled Thursday Group",
        rule("TH"),
        exceptions=[ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2026, 12, 3))],
    )
    activity("Sunday Walk", rule("SU"))
    activity("Fifteenth Evening", rule(frequency=Frequency.MONTHLY, by_month_day=15))  # Tuesday 15 December
    activity("Dated Course", rule(frequency=Frequency.DATES, dates=[date(2026, 12, 2), date(2026, 12, 9)]))
    activity("Autumn Term Class", rule("WE", valid_to=date(2026, 11, 25)))
    activity(
        "Wednesday Supper",
        rule("WE"),
        exceptions=[
            ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 10))
        ],
    )
    # Saturday 5 December, 2pm; Tuesday 8 December, 12pm; today at noon.
    make_listing("Saturday Fair", kind=ListingKind.EVENT, starts_in=timedelta(days=4, hours=5))
    make_listing("Next Week Talk", kind=ListingKind.EVENT, starts_in=timedelta(days=7, hours=3))
    make_listing("Lunchtime Talk Today", kind=ListingKind.EVENT, starts_in=timedelta(hours=3))
    make_listing("Community Hall", kind=ListingKind.SPACE)


def test_today(client, timetables):
    page = search(client, when="today")

    assert page.names == ["Fortnightly On Week", "Weekly Tuesday Club", "Lunchtime Talk Today"]
    assert page.h1s == ["What's on today"]
    assert page.selected_option("when") == "today"


def test_this_week_is_the_next_seven_days(client, timetables):
    page = search(client, when="week")

    # Not: the off-week fortnightly group (8 December 10:30am is past the 7 days), the
    # Thursday group (cancelled on 3 December), the supper (on a break), the 2nd Saturday,
    # the 15th, the finished term, next week's talk, or the hall.
    assert page.names == [
        "Fortnightly On Week",
        "Weekly Tuesday Club",
        "Lunchtime Talk Today",
        "Dated Course",
        "First Saturday Social",
        "Saturday Fair",
        "Sunday Walk",
    ]
    assert page.counts("type") == {"activity": 5, "event": 2}


def test_this_weekend(client, timetables):
    page = search(client, when="weekend")

    assert page.names == ["First Saturday Social", "Saturday Fair", "Sunday Walk"]
    assert page.h1s == ["What's on this weekend"]


def test_this_weekend_on_a_saturday_is_the_rest_of_it(client, timetables, frozen_now):
    frozen_now(datetime(2026, 12, 5, 11, 0, tzinfo=UTC))  # the social is under way until noon
    assert search(client, when="weekend").names == ["First Saturday Social", "Saturday Fair", "Sunday Walk"]

    frozen_now(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    assert search(client, when="weekend").names == ["Sunday Walk"]


@pytest.mark.parametrize(
    ("day", "names"),
    [
        ("2026-12-08", ["Fortnightly Off Week", "Weekly Tuesday Club", "Next Week Talk"]),
        ("2026-12-15", ["Fifteenth Evening", "Fortnightly On Week", "Weekly Tuesday Club"]),
        ("2026-12-10", ["Cancelled Thursday Group"]),  # only 3 December was cancelled
        ("2026-12-09", ["Dated Course"]),  # the supper is still on its break
        ("2026-12-16", ["Wednesday Supper"]),
        ("2026-12-12", ["Second Saturday Social"]),
        ("2026-12-03", []),
    ],
)
def test_on_a_date(client, timetables, day, names):
    page = search(client, date=day)

    assert page.names == names
    assert page.selected_option("when") == "date"
    assert page.date_typed("date") == day


def test_on_a_date_heading_next_session_and_remove_link(client, timetables):
    page = search(client, when="date", date="2026-12-08", q="club")

    assert page.h1s == ["What's on Tuesday 8 December"]
    assert page.names == ["Weekly Tuesday Club"]
    # "Next" is the session on the day asked about, not today's.
    assert "Next Tuesday 8 December, 10:30am" in page.results[0].text
    href = page.link("Remove: Tuesday 8 December only")
    assert query_of(href) == {"q": ["club"]}
    assert "Fortnightly On Week" not in Page(client.get(search_url(href))).names


def test_uk_style_date_is_understood(client, timetables):
    page = search(client, date="8/12/2026")

    assert page.date_typed("date") == "2026-12-08"
    assert page.names == ["Fortnightly Off Week", "Weekly Tuesday Club", "Next Week Talk"]


def test_choosing_a_time_filter_ignores_a_leftover_date(client, timetables):
    page = search(client, when="weekend", date="2026-12-08")

    assert page.names == ["First Saturday Social", "Saturday Fair", "Sunday Walk"]
    assert page.date_typed("date") == "--"


def test_day_of_the_week_facet_knows_fortnightly_monthly_and_dated_schedules(client, timetables):
    saturdays = search(client, day="saturday")
    # The 15th falls on a Saturday some months (15 May 2027).
    assert saturdays.names == ["Fifteenth Evening", "First Saturday Social", "Saturday Fair", "Second Saturday Social"]

    this_saturday = search(client, day="saturday", when="week")
    assert this_saturday.names == ["First Saturday Social", "Saturday Fair"]

    # The 15th falls on every day of the week over a year; the dated course on Wednesdays.
    assert "Fifteenth Evening" in search(client, day="friday").names
    assert "Dated Course" in search(client, day="wednesday").names
    assert "Dated Course" not in search(client, day="thursday").names


def test_results_show_the_next_session(client, timetables):
    page = search(client, q="fortnightly")

    texts = {result.name: result.text for result in page.results}
    assert "Next Tuesday 1 December, 10:30am" in texts["Fortnightly On Week"]
    assert "Next Tuesday 8 December, 10:30am" in texts["Fortnightly Off Week"]
    assert "Next" not in search(client, q="hall").results[0].text


def test_next_session_keeps_london_time_after_the_clocks_go_back(client, make_listing, frozen_now):
    frozen_now(datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
    make_listing("Sunday Walk", days=("sunday",))

    page = search(client, date="2026-10-25")  # the clocks go back at 2am

    assert page.names == ["Sunday Walk"]
    assert "Next Sunday 25 October, 10:30am" in page.results[0].text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date": "2026-02-30"}, "Enter a real date, for example 8 12 2026"),
        ({"date": "tomorrow"}, "Enter a real date, for example 8 12 2026"),
        ({"date": "2026-13-01"}, "Enter a real date, for example 8 12 2026"),
        ({"date": "31/2/2027"}, "Enter a real date, for example 8 12 2026"),
        ({"date": "2026-W49-2"}, "Enter a real date, for example 8 12 2026"),
        ({"date": "99999-01-01"}, "Enter a real date, for example 8 12 2026"),
        ({"date": "2026-11-30"}, "Enter today's date or a date in the future"),
        ({"date": "2029-01-01"}, "Enter a date in the next 2 years"),
        ({"date": "9999-12-31"}, "Enter a date in the next 2 years"),
        ({"when": "date"}, "Enter the date, for example 8 12 2026"),
        ({"when": "date", "date": "  "}, "Enter the date, for example 8 12 2026"),
    ],
)
def test_bad_dates_are_messages_next_to_the_field(client, timetables, params, message):
    page = search(client, **params)

    assert page.field_error("date") == message
    assert page.error_summary == [("#date-day", message)]
    assert page.title.startswith("Error: ")
    # The rest of the search still works, without a time filter.
    assert len(page.names) == 15
    assert page.selected_option("when") == "date"


def test_two_years_ahead_is_the_limit(client, timetables):
    assert search(client, date="2028-12-01").field_error("date") is None
    assert search(client, date="2028-12-02").field_error("date") == "Enter a date in the next 2 years"


def test_unknown_when_is_ignored(client, timetables):
    page = search(client, when="fortnight")

    assert len(page.names) == 15
    assert page.selected_option("when") == ""
    assert page.field_error("date") is None


def test_when_survives_paging_and_filter_links(client, timetables, app, monkeypatch):
    monkeypatch.setitem(app.config, "RESULTS_PER_PAGE", 2)
    page = search(client, when="week")

    assert page.results_heading == "7 results"
    next_page = query_of(page.link("Next"))
    assert next_page["when"] == ["week"]
    page = search(client, date="2026-12-08")
    assert query_of(page.link("Next")) == {"when": ["date"], "date": ["2026-12-08"], "page": ["2"]}


def test_an_index_made_before_schedules_were_stored_is_recreated(tmp_path):
    # An index from before this feature has no "schedule" field: writing to it would fail.
    directory = tmp_path / "old-index"
    directory.mkdir()
    whoosh_index.create_in(str(directory), Schema(id=ID(unique=True, stored=True), kind=STORED()), indexname=INDEX_NAME)

    backend = WhooshBackend(directory)
    backend.upsert([SearchDocument(id="a", kind="activity", name="Club", schedule='{"r":[]}')])

    assert [match.document.schedule for match in backend.match("")] == ['{"r":[]}']


def _london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("now", "window"),
    [
        # Tuesday: the coming Saturday and Sunday.
        (_london(2026, 12, 1, 9), (_london(2026, 12, 5), _london(2026, 12, 7))),
        (_london(2026, 12, 4, 23, 30), (_london(2026, 12, 5), _london(2026, 12, 7))),
        # At the weekend: the rest of it.
        (_london(2026, 12, 5, 11), (_london(2026, 12, 5, 11), _london(2026, 12, 7))),
        (_london(2026, 12, 6, 9), (_london(2026, 12, 6, 9), _london(2026, 12, 7))),
        (_london(2026, 12, 7, 0, 30), (_london(2026, 12, 12), _london(2026, 12, 14))),
        # The clocks go back on Sunday 25 October 2026: the weekend is 49 hours long.
        (_london(2026, 10, 21, 12), (_london(2026, 10, 24), _london(2026, 10, 26))),
    ],
)
def test_weekend_window(now, window):
    assert time_window(SearchRequest(when="weekend"), now.astimezone(UTC)) == window
    assert all(moment.tzinfo is LONDON for moment in window)


def test_today_is_the_london_day():
    # 11:30pm UTC on 1 June is 12:30am on 2 June in London (BST).
    now = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)

    start, end = time_window(SearchRequest(when="today"), now)

    assert (start, end) == (now, _london(2026, 6, 3))
    assert time_window(SearchRequest(when="date", on_date=date(2026, 6, 2)), now) == (now, _london(2026, 6, 3))
    assert time_window(SearchRequest(when="week"), now) == (now, now + timedelta(days=7))
    assert time_window(SearchRequest(), now) is None

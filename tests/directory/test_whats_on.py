"""The "What's on" noticeboard: one week at a time, day by day, with the search's filters
and an area; cancelled sessions left out, moved ones at their new time; links to the
weeks either side; bad weeks and areas are messages, never errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from navigator.clock import LONDON
from navigator.directory.whats_on import BAD_AREA, BAD_WEEK, FAR_WEEK, PAST_WEEK, Entry, Week, choose_week
from navigator.models import Cost, ExceptionKind, Listing, ListingKind
from navigator.recurrence import Occurrence
from navigator.services.listings import ScheduleChange, ScheduleRule
from tests.directory.pages import Node, Page, query_of, squash

# Tuesday 1 December 2026, 9am in London (GMT): week 2026-W49, Monday 30 November to Sunday 6 December.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HACKNEY_CENTRAL = "E05009372"  # E8 1DY
LEA_BRIDGE = "E05009380"  # E5 0LL


class Board(Page):
    """The noticeboard as a user reads it."""

    @property
    def days(self) -> dict[str, list[str]]:
        """Day heading -> the names listed under it, in order."""
        found: dict[str, list[str]] = {}
        for heading in self.root.find_all("h3", cls="app-whats-on__day"):
            listing = self.root.find("ul", **{"aria-labelledby": heading.attrs["id"]})
            assert listing is not None
            found[heading.text()] = [self._name(item) for item in listing.find_all("li", cls="app-whats-on__entry")]
        return found

    @staticmethod
    def _name(item: Node) -> str:
        heading = item.find("h4")
        assert heading is not None
        return heading.text()

    def entry(self, name: str) -> str:
        """The text of the only entry for this listing."""
        texts = [
            item.text() for item in self.root.find_all("li", cls="app-whats-on__entry") if self._name(item) == name
        ]
        assert len(texts) == 1, texts
        return texts[0]

    @property
    def names(self) -> list[str]:
        return [name for names in self.days.values() for name in names]

    @property
    def week_message(self) -> str | None:
        node = self.root.find("div", id="week-message")
        return node.text() if node else None

    def hrefs(self, text: str) -> list[str]:
        return [href for href, label in self.links() if text in label]

    def week_link(self, text: str) -> str:
        """ "Previous week" or "Next week" (above and below the days, the same both times)."""
        hrefs = set(self.hrefs(text))
        assert len(hrefs) == 1, hrefs
        return hrefs.pop()


def whats_on(client, **params: str) -> Board:
    board = Board(client.get("/whats-on", query_string=params))
    assert board.status == 200, board.html[:500]
    return board


def rule(by_day: str = "", **fields) -> ScheduleRule:
    return ScheduleRule(start=time(10, 30), end=time(12), by_day=by_day, **fields)


@pytest.fixture
def listings(make_listing, frozen_now):
    frozen_now(NOW)

    def activity(name: str, *schedules: ScheduleRule, exceptions=(), **fields):
        return make_listing(name, days=(), schedules=list(schedules), exceptions=list(exceptions), **fields)

    made = {
        "weekly": make_listing("Weekly Tuesday Club", categories=("lunch-clubs",), cost=Cost.LOW),
        "fortnightly": activity("Fortnightly Tuesday Choir", rule("TU", interval=2, valid_from=date(2026, 12, 1))),
        "cancelled": activity(
            "Thursday Knit and Natter",
            rule("TH"),
            exceptions=[ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2026, 12, 3))],
        ),
        "moved": activity(
            "Friday Chair Yoga",
            rule("FR"),
            exceptions=[
                ScheduleChange(
                    kind=ExceptionKind.MOVED,
                    starts_on=date(2026, 12, 4),
                    new_start=time(13),
                    new_end=time(14, 30),
                    note="The hall is booked in the morning",
                )
            ],
        ),
        "walk": activity("Lea Bridge Sunday Walk", rule("SU"), postcode="E5 0LL"),
        # Saturday 5 December, 2pm to 4pm; Tuesday 8 December, 12pm to 2pm.
        "fair": make_listing("Winter Fair", kind=ListingKind.EVENT, starts_in=timedelta(days=4, hours=5)),
        "talk": make_listing("Next Week Talk", kind=ListingKind.EVENT, starts_in=timedelta(days=7, hours=3)),
        "hall": make_listing("Community Hall", kind=ListingKind.SPACE),
    }
    return made


def test_this_week_day_by_day(client, listings):
    board = whats_on(client)

    assert board.h1s == ["What's on Monday 30 November to Sunday 6 December 2026"]
    assert "This week" in board.main_text
    assert board.days == {
        "Tuesday 1 December": ["Fortnightly Tuesday Choir", "Weekly Tuesday Club"],
        "Friday 4 December": ["Friday Chair Yoga"],
        "Saturday 5 December": ["Winter Fair"],
        "Sunday 6 December": ["Lea Bridge Sunday Walk"],
    }
    assert board.results_heading == "5 sessions and events"
    # Spaces have no sessions: never on the noticeboard.
    assert "Community Hall" not in board.main_text


def test_an_entry_shows_time_organisation_place_and_cost(client, listings):
    board = whats_on(client)

    text = board.entry("Weekly Tuesday Club")
    assert "10:30am to 12pm" in text
    assert "Hackney Test Network" in text
    assert "Weekly Tuesday Club venue, Hackney Central" in text
    assert "Low cost (£5 or less)" in text
    assert board.link("Weekly Tuesday Club") == f"/activities/{listings['weekly'].id}"
    assert board.link("Winter Fair") == f"/events/{listings['fair'].id}"
    assert "2pm to 4pm" in board.entry("Winter Fair")
    assert "Lea Bridge Sunday Walk venue, Lea Bridge" in board.entry("Lea Bridge Sunday Walk")


def test_fortnightly_activity_only_in_its_weeks(client, listings):
    assert "Fortnightly Tuesday Choir" in whats_on(client).names
    next_week = whats_on(client, week="2026-W50")
    assert next_week.days["Tuesday 8 December"] == ["Weekly Tuesday Club", "Next Week Talk"]
    assert "Fortnightly Tuesday Choir" not in next_week.names
    assert whats_on(client, week="2026-W51").days["Tuesday 15 December"] == [
        "Fortnightly Tuesday Choir",
        "Weekly Tuesday Club",
    ]


def test_cancelled_session_is_left_out_and_moved_one_shows_its_new_time(client, listings):
    board = whats_on(client)

    assert "Thursday 3 December" not in board.days
    assert "Thursday Knit and Natter" not in board.names
    moved = board.entry("Friday Chair Yoga")
    assert "1pm to 2:30pm" in moved
    assert "10:30am" in moved  # only as the usual time
    assert "Time changed" in moved
    assert "Usually 10:30am to 12pm: The hall is booked in the morning" in moved

    next_week = whats_on(client, week="2026-W50")
    assert next_week.days["Thursday 10 December"] == ["Thursday Knit and Natter"]
    assert "10:30am to 12pm" in next_week.entry("Friday Chair Yoga")
    assert "Time changed" not in next_week.entry("Friday Chair Yoga")


def test_an_event_is_on_in_its_week_only(client, listings):
    assert "Winter Fair" in whats_on(client).names
    assert "Next Week Talk" not in whats_on(client).names

    next_week = whats_on(client, week="2026-W50")
    assert "Winter Fair" not in next_week.names
    assert "12pm to 2pm" in next_week.entry("Next Week Talk")


def test_an_event_over_several_weeks_is_on_every_week_it_runs(client, make_listing, frozen_now):
    frozen_now(NOW)
    # Saturday 28 November, 10am, to Sunday 13 December, 5pm.
    make_listing(
        "Winter Lights Exhibition",
        kind=ListingKind.EVENT,
        starts_in=-timedelta(days=2, hours=23),
        lasts=timedelta(days=15, hours=7),
    )
    this_week = whats_on(client)
    assert this_week.days == {"Tuesday 1 December": ["Winter Lights Exhibition"]}  # today, not the past days
    assert this_week.entry("Winter Lights Exhibition").startswith(
        "Started Saturday 28 November, on until Sunday 13 December, 5pm Winter Lights Exhibition"
    )
    assert whats_on(client, week="2026-W50").days == {"Monday 7 December": ["Winter Lights Exhibition"]}
    assert whats_on(client, week="2026-W50", day="thursday").days == {
        "Thursday 10 December": ["Winter Lights Exhibition"]
    }
    assert whats_on(client, week="2026-W51").names == []


def test_a_weekend_festival_is_on_sunday_too(client, make_listing, frozen_now):
    frozen_now(NOW)
    # Saturday 5 December, 10am, to Sunday 6 December, 6pm.
    make_listing(
        "Dalston Winter Festival",
        kind=ListingKind.EVENT,
        starts_in=timedelta(days=4, hours=1),
        lasts=timedelta(hours=32),
    )
    assert whats_on(client).days == {"Saturday 5 December": ["Dalston Winter Festival"]}
    sunday = whats_on(client, day="sunday")
    assert sunday.days == {"Sunday 6 December": ["Dalston Winter Festival"]}
    assert sunday.entry("Dalston Winter Festival").startswith(
        "Started Saturday 5 December, on until Sunday 6 December, 6pm"
    )


def test_what_has_finished_this_week_is_not_shown(client, listings, frozen_now):
    frozen_now(datetime(2026, 12, 1, 11, 0, tzinfo=UTC))  # the Tuesday club is under way
    assert whats_on(client).days["Tuesday 1 December"] == ["Fortnightly Tuesday Choir", "Weekly Tuesday Club"]

    frozen_now(datetime(2026, 12, 1, 13, 0, tzinfo=UTC))
    board = whats_on(client)
    assert "Tuesday 1 December" not in board.days
    assert list(board.days) == ["Friday 4 December", "Saturday 5 December", "Sunday 6 December"]


def test_area_filter(client, listings):
    board = whats_on(client, area=LEA_BRIDGE)

    assert board.names == ["Lea Bridge Sunday Walk"]
    assert board.results_heading == "1 session or event in Lea Bridge"
    assert board.selected_option("area") == LEA_BRIDGE
    # Only the areas where something is on are offered.
    options = {o.attrs["value"]: o.text() for o in board.root.find("select", name="area").find_all("option")}
    assert options == {"": "Any area", HACKNEY_CENTRAL: "Hackney Central", LEA_BRIDGE: "Lea Bridge"}
    assert query_of(board.link("Remove: Lea Bridge only")) == {}

    assert "Lea Bridge Sunday Walk" not in whats_on(client, area=HACKNEY_CENTRAL).names


@pytest.mark.parametrize("area", ["E99999999", "nowhere", "<script>"])
def test_unknown_area_is_a_message_and_shows_every_area(client, listings, area):
    board = whats_on(client, area=area)

    assert board.field_error("area") == BAD_AREA
    assert board.error_summary == [("#area", BAD_AREA)]
    assert board.title.startswith("Error: ")
    assert len(board.names) == 5


def test_search_filters_narrow_the_week(client, listings):
    assert whats_on(client, category="lunch-clubs").names == ["Weekly Tuesday Club"]
    assert whats_on(client, type="event").names == ["Winter Fair"]
    assert whats_on(client, q="yoga").names == ["Friday Chair Yoga"]
    assert whats_on(client, day="sunday").names == ["Lea Bridge Sunday Walk"]
    assert whats_on(client, postcode="E5 0LL", within="0.5").names == ["Lea Bridge Sunday Walk"]
    assert whats_on(client, category="lunch-clubs", area=LEA_BRIDGE).names == []

    board = whats_on(client, category="lunch-clubs")
    assert query_of(board.link("Remove filter: Lunch clubs")) == {}
    # The filter list is the search's, without spaces (they are never on) or counts.
    assert "space" not in [box.attrs["value"] for box in board.root.find_all("input", name="type")]
    labels = [label.text() for label in board.root.find_all("label") if label.attrs.get("for", "").startswith("facet")]
    assert "Activities" in labels


def test_a_day_filter_keeps_only_that_days_sessions(client, make_listing, frozen_now):
    frozen_now(NOW)
    make_listing("Tuesday and Thursday Club", days=("tuesday", "thursday"))

    assert list(whats_on(client).days) == ["Tuesday 1 December", "Thursday 3 December"]
    assert list(whats_on(client, day="thursday").days) == ["Thursday 3 December"]


def test_every_match_is_shown_not_one_page_of_results(client, make_listing, frozen_now, app, monkeypatch):
    frozen_now(NOW)
    monkeypatch.setitem(app.config, "RESULTS_PER_PAGE", 2)
    for number in range(5):
        make_listing(f"Club number {number}", days=("wednesday",))

    assert len(whats_on(client).days["Wednesday 2 December"]) == 5


def test_bad_search_input_is_a_message(client, listings):
    board = whats_on(client, postcode="ZZ99 9ZZ")

    assert board.field_error("postcode")
    assert board.title.startswith("Error: ")
    assert len(board.names) == 5


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("banana", BAD_WEEK),
        ("2026-W60", BAD_WEEK),
        ("2027-W53", BAD_WEEK),  # 2027 has 52 ISO weeks
        ("2026-W00", BAD_WEEK),
        ("0000-W01", BAD_WEEK),
        ("2026-12-08", BAD_WEEK),
        ("2026-W4\x009", BAD_WEEK),
        ("2026-W48", PAST_WEEK),
        ("2020-W01", PAST_WEEK),
        ("2027-W49", FAR_WEEK),
        ("9999-W52", FAR_WEEK),
    ],
)
def test_a_week_that_cannot_be_shown_is_a_message_and_this_week(client, listings, week, message):
    board = whats_on(client, week=week, type="activity")

    assert board.week_message == message
    assert board.h1s == ["What's on Monday 30 November to Sunday 6 December 2026"]
    assert board.days["Tuesday 1 December"] == ["Fortnightly Tuesday Choir", "Weekly Tuesday Club"]
    assert not board.title.startswith("Error: ")
    # The bad week is not carried into other links.
    assert "week" not in query_of(board.link("Remove filter"))
    assert query_of(board.week_link("Next week")) == {"type": ["activity"], "week": ["2026-W50"]}


def test_weeks_either_side(client, listings):
    this_week = whats_on(client, category="lunch-clubs", area=HACKNEY_CENTRAL)
    assert this_week.hrefs("Previous week") == []
    assert query_of(this_week.week_link("Next week")) == {
        "category": ["lunch-clubs"],
        "area": [HACKNEY_CENTRAL],
        "week": ["2026-W50"],
    }
    assert "7 December to 13 December" in this_week.text

    next_week = whats_on(client, week="2026-w50", category="lunch-clubs", area=HACKNEY_CENTRAL)
    assert next_week.h1s == ["What's on Monday 7 December to Sunday 13 December 2026"]
    assert "Next week" in next_week.main_text
    # Back to this week: no week in the link, so a bookmark stays current.
    assert query_of(next_week.week_link("Previous week")) == {"category": ["lunch-clubs"], "area": [HACKNEY_CENTRAL]}
    assert query_of(next_week.week_link("Next week"))["week"] == ["2026-W51"]
    # The filter form keeps the week.
    assert next_week.input_value("week") == "2026-W50"
    assert query_of(next_week.link("Remove filter: Lunch clubs")) == {"area": [HACKNEY_CENTRAL], "week": ["2026-W50"]}


def test_a_year_ahead_is_the_last_week(client, listings):
    last = whats_on(client, week="2027-W48")  # 52 weeks on
    assert last.week_message is None
    assert last.h1s == ["What's on Monday 29 November to Sunday 5 December 2027"]
    assert last.hrefs("Next week") == []
    assert query_of(last.week_link("Previous week")) == {"week": ["2027-W47"]}
    assert "Weekly Tuesday Club" in last.names


def test_a_week_across_new_year(client, listings):
    board = whats_on(client, week="2026-W53")

    assert board.h1s == ["What's on Monday 28 December 2026 to Sunday 3 January 2027"]
    assert "Tuesday 29 December" in board.days
    assert query_of(board.week_link("Next week")) == {"week": ["2027-W01"]}


def test_nothing_on_suggests_what_to_do(client, listings):
    board = whats_on(client, category="lunch-clubs", area=LEA_BRIDGE)

    empty = board.root.find("div", id="nothing-on")
    assert empty is not None
    assert squash(empty.text()).startswith("Nothing that matches your search is on for the rest of this week.")
    assert query_of(board.link("Remove “Lunch clubs”")) == {"area": [LEA_BRIDGE]}
    assert query_of(board.link("Look in every area")) == {"category": ["lunch-clubs"]}
    assert query_of(board.link("See what's on next week")) == {
        "category": ["lunch-clubs"],
        "area": [LEA_BRIDGE],
        "week": ["2026-W50"],
    }


def test_an_empty_directory(client, frozen_now):
    frozen_now(NOW)
    board = whats_on(client)

    assert board.results_heading == "0 sessions and events"
    assert "Nothing is listed for the rest of this week." in board.main_text


def test_clocks_going_back_keep_london_times(client, make_listing, frozen_now):
    frozen_now(datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
    make_listing("Sunday Walk", days=("sunday",))

    board = whats_on(client)  # Monday 19 to Sunday 25 October; the clocks go back on the 25th

    assert board.days == {"Sunday 25 October": ["Sunday Walk"]}
    assert "10:30am to 12pm" in board.entry("Sunday Walk")


def test_calendar_and_search_links_keep_the_filters(client, listings):
    board = whats_on(client, category="lunch-clubs", week="2026-W50", area=HACKNEY_CENTRAL)

    calendar = board.link("Subscribe to these activities and events as a calendar")
    assert calendar.startswith("/search.ics?")
    assert query_of(calendar) == {"category": ["lunch-clubs"]}
    response = client.get(calendar)
    assert response.status_code == 200
    assert "Weekly Tuesday Club" in response.get_data(as_text=True)
    assert query_of(board.link("Search the whole directory")) == {"category": ["lunch-clubs"]}


def test_linked_from_the_navigation_and_home_page(client, listings):
    board = whats_on(client)
    assert ("/whats-on", "What's on") in [(href, text.strip()) for href, text in board.links()]
    home = Page(client.get("/"))
    assert home.link("week by week") == "/whats-on"


@pytest.mark.parametrize(
    ("today", "raw", "monday"),
    [
        (date(2026, 12, 1), None, date(2026, 11, 30)),
        (date(2026, 12, 6), "", date(2026, 11, 30)),  # a Sunday is the end of its week
        (date(2026, 12, 7), " 2026-W50 ", date(2026, 12, 7)),
        (date(2026, 12, 1), "2026W50", date(2026, 12, 7)),
        (date(2026, 12, 1), "2026-W49", date(2026, 11, 30)),
    ],
)
def test_choose_week(today, raw, monday):
    assert choose_week(raw, today) == (Week(monday), "")


def test_week_labels():
    assert Week(date(2026, 11, 30)).code == "2026-W49"
    assert Week(date(2026, 12, 28)).code == "2026-W53"
    assert Week(date(2027, 1, 4)).code == "2027-W01"
    assert Week(date(2026, 11, 30)).short_label == "30 November to 6 December"
    # The week the clocks go back is 169 hours long.
    week = Week(date(2026, 10, 19))
    assert week.end.astimezone(UTC) - week.start.astimezone(UTC) == timedelta(hours=169)


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        ((2026, 12, 5, 14), (2026, 12, 5, 16), "2pm to 4pm"),
        ((2026, 12, 5, 19), (2026, 12, 6, 0), "7pm to midnight"),
        ((2026, 12, 5, 22), (2026, 12, 6, 2), "10pm to Sunday 6 December, 2am"),
        ((2026, 12, 5, 14), (2026, 12, 6, 13), "2pm to Sunday 6 December, 1pm"),
        ((2026, 12, 5, 14), (2026, 12, 5, 14), "2pm"),
    ],
)
def test_entry_times(start, end, text):
    occurrence = Occurrence(datetime(*start, tzinfo=LONDON), datetime(*end, tzinfo=LONDON))
    assert Entry(Listing(name="Fair"), occurrence).times == text


@pytest.mark.parametrize(
    ("end", "text"),
    [
        ((2026, 12, 13, 17), "Started Saturday 28 November, on until Sunday 13 December, 5pm"),
        ((2026, 12, 13, 0), "Started Saturday 28 November, on until the end of Saturday 12 December"),
    ],
)
def test_continuing_entry_times(end, text):
    occurrence = Occurrence(datetime(2026, 11, 28, 10, tzinfo=LONDON), datetime(*end, tzinfo=LONDON))
    assert Entry(Listing(name="Lights"), occurrence, continuing=True).times == text

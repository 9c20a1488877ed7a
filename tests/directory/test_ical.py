"""Calendars: /activities/<id>.ics, /events/<id>.ics and /search.ics are RFC 5545 files
that icalendar reads back, with RRULE/RDATE/EXDATE and Europe/London times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from dateutil.rrule import rruleset, rrulestr

from navigator.clock import LONDON
from navigator.models import ExceptionKind, Frequency, ListingKind, ListingStatus
from navigator.services.listings import ScheduleChange, ScheduleRule, set_listing_status
from tests.directory.pages import Page

# Tuesday 1 December 2026, 9am in London (GMT).
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def calendar_from(client, path: str) -> tuple[icalendar.Calendar, str]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "lines are folded at 75 octets"
    parsed = icalendar.Calendar.from_ical(text)
    parsed.validate()
    assert str(parsed["VERSION"]) == "2.0"
    assert str(parsed["PRODID"]) == "-//Community Navigator//Directory//EN"
    [zone] = parsed.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/London"
    for event in parsed.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert required in event, required
        assert event["DTSTART"].params["TZID"] == "Europe/London"
    # Long lines are folded (CRLF and a space); unfold them to read properties whole.
    return parsed, text.replace("\r\n ", "")


def _dates(event: icalendar.Event, name: str) -> list[datetime]:
    """Every date of an RDATE or EXDATE property, however many lines it takes."""
    value = event.get(name)
    lines = value if isinstance(value, list) else [value] if value is not None else []
    return [item.dt for line in lines for item in line.dts]


def expand(event: icalendar.Event, until: datetime) -> list[datetime]:
    """The event's sessions as a calendar program would work them out from the file."""
    start = event.decoded("DTSTART")
    sessions = rruleset()
    if "RRULE" in event:
        sessions.rrule(rrulestr(event["RRULE"].to_ical().decode(), dtstart=start))
    else:
        sessions.rdate(start)
    for day in _dates(event, "RDATE"):
        sessions.rdate(day)
    for day in _dates(event, "EXDATE"):
        sessions.exdate(day)
    return list(sessions.between(start - timedelta(seconds=1), until, inc=True))


@pytest.fixture
def fortnightly(make_listing, frozen_now):
    frozen_now(NOW)
    return make_listing(
        "Fortnightly Memory Café",
        days=(),
        description="Music, reminiscence and tea. " * 30,
        schedules=[
            ScheduleRule(start=time(10, 30), end=time(12), by_day="TU", interval=2, valid_from=date(2026, 10, 13))
        ],
        exceptions=[
            ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2026, 12, 15)),  # the off week: no session
            ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2026, 12, 22)),
            ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2027, 2, 8), ends_on=date(2027, 2, 21)),
            ScheduleChange(
                kind=ExceptionKind.MOVED, starts_on=date(2027, 1, 5), new_start=time(13), new_end=time(14, 30)
            ),
        ],
    )


def test_fortnightly_activity_calendar(client, fortnightly):
    calendar, text = calendar_from(client, f"/activities/{fortnightly.id}.ics")

    assert str(calendar["X-WR-CALNAME"]) == "Fortnightly Memory Café"
    recurring, moved = calendar.walk("VEVENT")
    schedule = fortnightly.schedules[0]
    assert str(recurring["UID"]) == f"{schedule.id}@community-navigator"
    assert recurring["RRULE"].to_ical() == b"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert "DTSTART;TZID=Europe/London:20261013T103000" in text
    assert "DTEND;TZID=Europe/London:20261013T120000" in text
    assert recurring.decoded("DTSTART") == datetime(2026, 10, 13, 10, 30, tzinfo=LONDON)
    # The cancelled date and the one session in the February break; 15 December had none.
    assert "EXDATE;TZID=Europe/London:20261222T103000,20270216T103000" in text
    assert str(recurring["SUMMARY"]) == "Fortnightly Memory Café"
    assert str(recurring["LOCATION"]) == "Fortnightly Memory Café venue, 1 Test Street, London, E8 1DY"
    assert str(recurring["URL"]) == f"http://localhost/activities/{fortnightly.id}"
    description = str(recurring["DESCRIPTION"])
    assert description.endswith(f"Details, costs and contacts: http://localhost/activities/{fortnightly.id}")
    assert "Every other Tuesday, 10:30am to 12pm, not on 22 December" in description
    assert len(description) < 800

    # The moved session overrides its instance.
    assert str(moved["UID"]) == str(recurring["UID"])
    assert moved.decoded("RECURRENCE-ID") == datetime(2027, 1, 5, 10, 30, tzinfo=LONDON)
    assert moved.decoded("DTSTART") == datetime(2027, 1, 5, 13, 0, tzinfo=LONDON)
    assert moved.decoded("DTEND") == datetime(2027, 1, 5, 14, 30, tzinfo=LONDON)


def test_calendar_sessions_stay_at_half_past_ten_london_time_across_clock_changes(client, fortnightly):
    calendar, _ = calendar_from(client, f"/activities/{fortnightly.id}.ics")
    recurring = calendar.walk("VEVENT")[0]

    sessions = expand(recurring, datetime(2027, 5, 1, tzinfo=LONDON))

    assert sessions[0] == datetime(2026, 10, 13, 10, 30, tzinfo=LONDON)
    assert date(2026, 12, 22) not in {s.date() for s in sessions}
    assert date(2027, 2, 16) not in {s.date() for s in sessions}
    assert all(s.astimezone(LONDON).time() == time(10, 30) for s in sessions)
    offsets = {s.date(): s.utcoffset() for s in sessions}
    assert offsets[date(2026, 10, 13)] == timedelta(hours=1)  # BST
    assert offsets[date(2026, 10, 27)] == timedelta(0)  # GMT, after 25 October
    assert offsets[date(2027, 4, 13)] == timedelta(hours=1)  # BST again, after 28 March


def test_the_same_schedule_keeps_its_uid(client, fortnightly):
    first, _ = calendar_from(client, f"/activities/{fortnightly.id}.ics")
    again, _ = calendar_from(client, f"/activities/{fortnightly.id}.ics")

    assert [str(e["UID"]) for e in first.walk("VEVENT")] == [str(e["UID"]) for e in again.walk("VEVENT")]


def test_monthly_dated_and_term_time_schedules(client, make_listing, frozen_now):
    frozen_now(NOW)
    listing = make_listing(
        "Many Patterns Group",
        days=(),
        schedules=[
            ScheduleRule(start=time(10), end=time(12), frequency=Frequency.MONTHLY, by_day="2TU,4TU"),
            ScheduleRule(start=time(14), end=time(16), frequency=Frequency.MONTHLY, by_day="-1FR"),
            ScheduleRule(start=time(18), end=time(19), frequency=Frequency.MONTHLY, by_month_day=15),
            ScheduleRule(
                start=time(10),
                end=time(11),
                frequency=Frequency.DATES,
                dates=[date(2027, 3, 3), date(2027, 3, 10), date(2027, 3, 17)],
            ),
            ScheduleRule(
                start=time(9, 30), end=time(11), by_day="WE", valid_from=date(2027, 1, 6), valid_to=date(2027, 3, 24)
            ),
        ],
    )

    calendar, text = calendar_from(client, f"/activities/{listing.id}.ics")

    events = calendar.walk("VEVENT")
    assert len(events) == 5
    assert len({str(e["UID"]) for e in events}) == 5
    rules = [e["RRULE"].to_ical().decode() if "RRULE" in e else None for e in events]
    assert rules[:3] == ["FREQ=MONTHLY;BYDAY=2TU,4TU", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYMONTHDAY=15"]
    # A list of dates: the first is DTSTART, the rest RDATEs, and no RRULE.
    assert rules[3] is None
    assert events[3].decoded("DTSTART") == datetime(2027, 3, 3, 10, tzinfo=LONDON)
    assert "RDATE;TZID=Europe/London:20270310T100000,20270317T100000" in text
    assert expand(events[3], datetime(2028, 1, 1, tzinfo=LONDON)) == [
        datetime(2027, 3, d, 10, tzinfo=LONDON) for d in (3, 10, 17)
    ]
    # A term: DTSTART the first Wednesday, UNTIL in UTC (RFC 5545 with a TZID on DTSTART).
    term = events[4]
    assert term.decoded("DTSTART") == datetime(2027, 1, 6, 9, 30, tzinfo=LONDON)
    assert term["RRULE"]["UNTIL"][0] == datetime(2027, 3, 24, 23, 59, 59, tzinfo=UTC)
    term_sessions = expand(term, datetime(2028, 1, 1, tzinfo=LONDON))
    assert (len(term_sessions), term_sessions[-1].date()) == (12, date(2027, 3, 24))
    # Monthly patterns read back as the same days.
    assert [s.date() for s in expand(events[0], datetime(2027, 3, 1, tzinfo=LONDON))][-4:] == [
        date(2027, 1, 12),
        date(2027, 1, 26),
        date(2027, 2, 9),
        date(2027, 2, 23),
    ]


def test_event_calendar(client, make_listing, frozen_now):
    frozen_now(NOW)
    event = make_listing("Winter Warmth Fair", kind=ListingKind.EVENT, starts_in=timedelta(days=4, hours=5))

    calendar, text = calendar_from(client, f"/events/{event.id}.ics")

    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == f"{event.id}@community-navigator"
    assert "RRULE" not in vevent
    assert "DTSTART;TZID=Europe/London:20261205T140000" in text
    assert vevent.decoded("DTEND") == datetime(2026, 12, 5, 16, tzinfo=LONDON)
    assert str(vevent["URL"]) == f"http://localhost/events/{event.id}"


def test_summer_event_is_in_british_summer_time(client, make_listing, frozen_now):
    frozen_now(datetime(2026, 6, 1, 9, tzinfo=UTC))
    event = make_listing("Summer Fete", kind=ListingKind.EVENT, starts_in=timedelta(days=3, hours=4))

    _, text = calendar_from(client, f"/events/{event.id}.ics")

    assert "DTSTART;TZID=Europe/London:20260604T140000" in text


def test_calendars_only_for_public_activities_and_events(client, make_listing, frozen_now):
    frozen_now(NOW)
    draft = make_listing("Draft Club")
    set_listing_status(draft.id, ListingStatus.DRAFT)
    event = make_listing("Fair", kind=ListingKind.EVENT)
    hall = make_listing("Hall", kind=ListingKind.SPACE)

    assert client.get(f"/activities/{draft.id}.ics").status_code == 404
    assert client.get(f"/events/{draft.id}.ics").status_code == 404
    assert client.get(f"/activities/{event.id}.ics").status_code == 404
    assert client.get(f"/activities/{hall.id}.ics").status_code == 404
    assert client.get(f"/spaces/{hall.id}.ics").status_code == 404
    assert client.get("/activities/not-a-uuid.ics").status_code == 404


def test_detail_pages_link_to_their_calendar(client, make_listing, frozen_now):
    frozen_now(NOW)
    activity = make_listing("Lunch Club")
    event = make_listing("Fair", kind=ListingKind.EVENT)
    hall = make_listing("Hall", kind=ListingKind.SPACE)

    assert (
        Page(client.get(f"/activities/{activity.id}")).link("Add to your calendar") == f"/activities/{activity.id}.ics"
    )
    assert Page(client.get(f"/events/{event.id}")).link("Add to your calendar") == f"/events/{event.id}.ics"
    assert "Add to your calendar" not in Page(client.get(f"/spaces/{hall.id}")).main_text


@pytest.fixture
def directory(make_listing, frozen_now):
    frozen_now(NOW)
    make_listing("Tuesday Lunch Club", categories=("lunch-clubs",))
    make_listing("Thursday Lunch Club", categories=("lunch-clubs",), days=("thursday", "friday"))
    make_listing("Saturday Walk", categories=("walking-groups",), days=("saturday",))
    make_listing(
        "Lunch Fair", kind=ListingKind.EVENT, categories=("lunch-clubs",), starts_in=timedelta(days=4, hours=5)
    )
    make_listing("Lunch Hall", kind=ListingKind.SPACE, categories=("lunch-clubs",))


def names_in(calendar: icalendar.Calendar) -> list[str]:
    return sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))


def test_search_calendar_respects_the_search(client, directory):
    everything, _ = calendar_from(client, "/search.ics")
    # One VEVENT per schedule; the hall has no sessions.
    assert names_in(everything) == [
        "Lunch Fair",
        "Saturday Walk",
        "Thursday Lunch Club",
        "Thursday Lunch Club",
        "Tuesday Lunch Club",
    ]
    assert str(everything["X-WR-CALNAME"]) == "Community Navigator"

    lunch, _ = calendar_from(client, "/search.ics?q=lunch&category=lunch-clubs")
    assert names_in(lunch) == ["Lunch Fair", "Thursday Lunch Club", "Thursday Lunch Club", "Tuesday Lunch Club"]
    assert str(lunch["X-WR-CALNAME"]) == "Community Navigator: lunch"

    assert names_in(calendar_from(client, "/search.ics?type=event")[0]) == ["Lunch Fair"]
    weekend, _ = calendar_from(client, "/search.ics?when=weekend")
    assert names_in(weekend) == ["Lunch Fair", "Saturday Walk"]
    assert str(weekend["X-WR-CALNAME"]) == "Community Navigator (this weekend)"


def test_empty_search_calendar_is_still_valid(client, directory):
    calendar, _ = calendar_from(client, "/search.ics?q=nothing-matches-this")

    assert calendar.walk("VEVENT") == []


def test_search_calendar_ignores_bad_input(client, directory):
    calendar, _ = calendar_from(client, "/search.ics?date=2026-02-30&postcode=ZZ9&within=abc&page=-3")

    assert len(calendar.walk("VEVENT")) == 5


def test_search_calendar_stops_at_two_hundred_listings(client, make_listing, frozen_now, monkeypatch):
    from navigator.directory import views

    frozen_now(NOW)
    monkeypatch.setattr(views, "CALENDAR_LIMIT", 3)
    for n in range(5):
        make_listing(f"Club {n}", postcode=None)

    calendar, _ = calendar_from(client, "/search.ics")

    assert names_in(calendar) == ["Club 0", "Club 1", "Club 2"]
    assert views.CALENDAR_LIMIT == 3


def test_search_page_offers_the_results_as_a_calendar(client, directory):
    page = Page(client.get("/search", query_string={"q": "lunch", "when": "week", "page": "1"}))

    href = page.link("Subscribe to these results as a calendar")
    assert href == "/search.ics?q=lunch&when=week"
    calendar, _ = calendar_from(client, href)
    assert names_in(calendar) == ["Lunch Fair", "Thursday Lunch Club", "Thursday Lunch Club", "Tuesday Lunch Club"]
    assert "Subscribe" not in Page(client.get("/search?q=nothing-matches-this")).main_text

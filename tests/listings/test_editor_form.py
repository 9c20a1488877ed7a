"""The editors' listing form: what it stores for activities, events and spaces, that a
new listing stays out of the directory, that the form reads back what it saved, and
that every bad answer is explained next to its field with everything typed kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import (
    ExceptionKind,
    Frequency,
    Listing,
    ListingKind,
    ListingStatus,
    ListingVersion,
    VersionState,
)
from navigator.services import moderation
from tests.directory.pages import Page
from tests.listings.editor_forms import (
    FORM,
    KEY,
    activity_form,
    event_form,
    listing_form_state,
    space_form,
)
from tests.referrals.helpers import assert_kept, date_parts, error_messages

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("editor_today")


def only_listing() -> Listing:
    db.session.expire_all()
    found = list(db.session.scalars(select(Listing)))
    assert len(found) == 1, f"expected one listing, found {len(found)}"
    return found[0]


def count_listings() -> int:
    return db.session.scalar(select(func.count(Listing.id))) or 0


# -- making listings ------------------------------------------------------------------


def test_the_form_for_a_new_activity_asks_for_its_schedule(editor_client):
    page = Page(editor_client.get("/listings/new/activity"))

    assert page.status == 200
    assert page.h1s == ["Add an activity"]
    assert page.title.startswith("Add an activity")
    form = page.root.find("form", id=FORM)
    assert form is not None
    # One organisation: nothing to choose.
    assert page.root.find("select", id="organisation") is None
    # Three schedule rows and five changes, without JavaScript.
    assert {f"schedules-{i}-pattern" for i in range(3)} <= {node.attrs.get("id") for node in form.iter()}
    assert page.root.find("input", id="exceptions-4-note") is not None
    assert "Leave a blank line to start a new paragraph" in page.main_text
    # Categories are grouped under their top-level term.
    assert "Social and befriending" in page.main_text and "Lunch clubs" in page.main_text
    assert page.root.find("input", id="facilities") is None  # spaces only


def test_an_editor_adds_a_fortnightly_activity_with_a_break_and_it_stays_out_of_the_directory(
    client, editor_client, staff
):
    response = editor_client.post("/listings/new/activity", data=activity_form(postcode="e5 8ra"))

    assert response.status_code == 302, error_messages(response)
    listing = only_listing()
    assert response.headers["Location"].endswith(f"/listings/{listing.id}")
    assert listing.status is ListingStatus.DRAFT and listing.kind is ListingKind.ACTIVITY
    assert listing.organisation_id == staff["organisation"].id
    [rule] = listing.schedules
    assert (rule.frequency, rule.interval, rule.by_day) == (Frequency.WEEKLY, 2, "TU")
    assert (rule.opens_at, rule.closes_at) == (time(10, 30), time(12, 0))
    assert (rule.valid_from, rule.valid_to) == (date(2026, 12, 1), None)
    [change] = listing.exceptions
    assert (change.kind, change.starts_on, change.ends_on, change.note) == (
        ExceptionKind.CANCELLED,
        date(2026, 12, 29),
        None,
        "Christmas",
    )
    assert listing.venue.postcode == "E5 8RA" and listing.venue.ward_code
    assert sorted(term.code for term in listing.terms) == ["arts-crafts", "en", "older-living-alone", "tr"]
    assert (listing.contact_email, listing.contact_phone) == ("knit@example.org", "020 7946 0123")
    version = db.session.scalar(select(ListingVersion).where(ListingVersion.listing_id == listing.id))
    assert (version.number, version.state, version.created_by_id) == (1, VersionState.DRAFT, staff["editor"].id)
    assert version.snapshot["schedules"][0]["interval"] == 2
    assert version.snapshot["schedules"][0]["valid_from"] == "2026-12-01"

    page = Page(editor_client.get(response.headers["Location"]))
    assert "Clapton Knit and Natter is saved as a draft" in page.text
    assert "Draft" in page.root.find("p", id="listing-status").text()
    assert "Every other Tuesday, 10:30am to 12pm" in page.main_text
    assert "View in the directory" not in page.main_text

    # Not public yet.
    assert client.get(f"/activities/{listing.id}").status_code == 404
    assert "Clapton Knit and Natter" not in Page(client.get("/search?q=knit")).main_text


def test_sending_the_new_listing_form_twice_makes_one_listing(editor_client):
    first = editor_client.post("/listings/new/activity", data=activity_form())
    second = editor_client.post("/listings/new/activity", data=activity_form())

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count_listings() == 1
    assert str(only_listing().id).replace("-", "") == KEY
    # A new form has a new key, so a second listing can be added on purpose.
    key = Page(editor_client.get("/listings/new/activity")).root.find("input", id="listing_key").attrs["value"]
    assert key and key != KEY
    editor_client.post("/listings/new/activity", data=activity_form(key=key, name="Clapton Knit Club"))
    assert count_listings() == 2


def test_an_event_is_stored_in_utc_from_london_times(editor_client):
    response = editor_client.post("/listings/new/event", data=event_form())

    assert response.status_code == 302, error_messages(response)
    listing = only_listing()
    assert listing.kind is ListingKind.EVENT
    # 12 December is GMT: London time is UTC.
    assert listing.starts_at == datetime(2026, 12, 12, 11, 0, tzinfo=UTC)
    assert listing.ends_at == datetime(2026, 12, 12, 15, 30, tzinfo=UTC)
    assert listing.schedules == []


def test_an_event_in_summer_time_is_an_hour_earlier_in_utc(editor_client):
    data = event_form(**date_parts("event_date", date(2027, 6, 5)), event_start="14:00", event_end="")
    assert editor_client.post("/listings/new/event", data=data).status_code == 302
    listing = only_listing()
    assert listing.starts_at == datetime(2027, 6, 5, 13, 0, tzinfo=UTC) and listing.ends_at is None
    page = Page(editor_client.get(f"/listings/{listing.id}/edit"))
    assert page.root.find("input", id="event_start").attrs["value"] == "2pm"
    assert page.root.find("input", id="event_date-day").attrs["value"] == "5"


def test_a_space_keeps_its_capacity_booking_and_facilities(editor_client):
    response = editor_client.post("/listings/new/space", data=space_form())

    assert response.status_code == 302, error_messages(response)
    listing = only_listing()
    assert (listing.kind, listing.capacity, listing.bookable) == (ListingKind.SPACE, 40, True)
    assert listing.booking_info == "Ask at the front desk. £15 an hour."
    assert sorted(term.code for term in listing.facilities) == ["kitchen", "wifi"]


def test_facilities_are_only_kept_for_spaces(editor_client):
    data = activity_form(facilities=["kitchen"])
    assert editor_client.post("/listings/new/activity", data=data).status_code == 302
    assert only_listing().facilities == []


def test_every_kind_of_schedule_and_change_reads_back_into_the_form_unchanged(editor_client):
    data = activity_form(
        **{
            # Every Monday and Wednesday in the spring term.
            "schedules-0-pattern": "weekly",
            "schedules-0-days": ["MO", "WE"],
            "schedules-0-start": "14:00",
            "schedules-0-end": "15:30",
            **date_parts("schedules-0-starts_on", date(2027, 1, 4)),
            **date_parts("schedules-0-ends_on", date(2027, 3, 26)),
            # 2nd and 4th Thursday, and the last Friday, of the month.
            "schedules-1-pattern": "monthly_weekday",
            "schedules-1-days": ["TH"],
            "schedules-1-weeks_of_month": ["2", "4"],
            "schedules-1-start": "6pm",
            "schedules-1-end": "8pm",
            # Particular dates.
            "schedules-2-pattern": "dates",
            "schedules-2-dates": "24/12/2026\n2027-01-07",
            "schedules-2-start": "10am",
            "schedules-2-end": "noon",
            # A break and a moved session.
            "exceptions-0-kind": "break",
            **date_parts("exceptions-0-starts_on", date(2026, 12, 21)),
            **date_parts("exceptions-0-ends_on", date(2027, 1, 3)),
            "exceptions-0-note": "Christmas holidays",
            "exceptions-1-kind": "moved",
            **date_parts("exceptions-1-starts_on", date(2027, 2, 10)),
            "exceptions-1-new_start": "3pm",
            "exceptions-1-new_end": "4:30pm",
        }
    )
    assert editor_client.post("/listings/new/activity", data=data).status_code == 302
    listing = only_listing()
    rules = [(r.frequency, r.interval, r.by_day, r.by_month_day, r.dates) for r in listing.schedules]
    assert rules == [
        (Frequency.WEEKLY, 1, "MO,WE", None, []),
        (Frequency.MONTHLY, 1, "2TH,4TH", None, []),
        (Frequency.DATES, 1, "", None, ["2026-12-24", "2027-01-07"]),
    ]
    assert (listing.schedules[0].valid_from, listing.schedules[0].valid_to) == (date(2027, 1, 4), date(2027, 3, 26))
    changes = [(c.kind, c.starts_on, c.ends_on, c.new_opens_at) for c in listing.exceptions]
    assert changes == [
        (ExceptionKind.CANCELLED, date(2026, 12, 21), date(2027, 1, 3), None),
        (ExceptionKind.MOVED, date(2027, 2, 10), None, time(15, 0)),
    ]
    before = db.session.scalar(select(ListingVersion.snapshot))

    # The edit form shows it all again (with a spare row): sending it back changes nothing.
    edit = editor_client.get(f"/listings/{listing.id}/edit")
    shown = listing_form_state(edit)
    assert shown["schedules-1-weeks_of_month"] == ["2", "4"]
    assert Page(edit).root.find("input", id="schedules-3-start") is not None
    response = editor_client.post(f"/listings/{listing.id}/edit", data={**shown, "action": "save"})
    assert response.status_code == 302, error_messages(response)
    db.session.expire_all()
    versions = list(db.session.scalars(select(ListingVersion)))
    assert len(versions) == 1 and versions[0].snapshot == before


def test_a_monthly_date_every_other_month_needs_a_first_date(editor_client):
    data = activity_form(
        **{
            "schedules-0-pattern": "monthly_date",
            "schedules-0-day_of_month": "15",
            "schedules-0-every": "2",
            "schedules-0-starts_on-day": "",
            "schedules-0-starts_on-month": "",
            "schedules-0-starts_on-year": "",
        }
    )
    response = editor_client.post("/listings/new/activity", data=data)
    assert "Schedule 1: enter the date of the first session, so people know which weeks it runs" in (
        error_messages(response)
    )
    data.update(date_parts("schedules-0-starts_on", date(2026, 12, 15)))
    assert editor_client.post("/listings/new/activity", data=data).status_code == 302
    [rule] = only_listing().schedules
    assert (rule.frequency, rule.interval, rule.by_month_day) == (Frequency.MONTHLY, 2, 15)


# -- bad input --------------------------------------------------------------------------


def assert_refused(response, message: str, field_id: str, data: dict, ignore: tuple[str, ...] = ()) -> None:
    """The page explains the problem in the summary and next to the field, keeps what was typed,
    and nothing is saved."""
    assert response.status_code == 200
    page = Page(response)
    assert page.title.startswith("Error: ")
    assert message in error_messages(response), error_messages(response)
    link = next(
        (a.attrs["href"] for a in page.root.find(cls="govuk-error-summary").find_all("a") if a.text() == message),
        None,
    )
    # A date's link goes to its day box, which carries the focus there.
    is_date = page.root.find(id=f"{field_id}-day") is not None
    assert link == (f"#{field_id}-day" if is_date else f"#{field_id}")
    assert page.root.find(id=field_id) is not None
    inline = [node.text() for node in page.root.find_all(cls="govuk-error-message")]
    assert any(message in text for text in inline), inline
    assert_kept(response, FORM, data, ignore=ignore)
    assert count_listings() == 0


LONG_NAME = "Knit " * 40 + "X"  # 201 characters


@pytest.mark.parametrize(
    ("changes", "message", "field_id"),
    [
        ({"name": ""}, "Enter the name of the activity", "name"),
        ({"name": LONG_NAME}, "Name must be 200 characters or fewer", "name"),
        ({"description": "x" * 5001}, "The description must be 5,000 characters or fewer", "description"),
        (
            {"postcode": "SW1A 1AA"},
            "We could not find that postcode. Enter the full postcode of the place, like E8 1DY. "
            "The directory covers Hackney and the City of London",
            "postcode",
        ),
        ({"postcode": "12345"}, "Enter a real postcode, like E8 1DY", "postcode"),
        (
            {"contact_email": "knit at example.org"},
            "Enter an email address in the correct format, like name@example.org",
            "contact_email",
        ),
        (
            {"contact_phone": "12345"},
            "Enter a UK phone number, like 020 7946 0123 or 07700 900 123",
            "contact_phone",
        ),
        (
            {"website": "javascript:alert(document.cookie)"},
            "Enter a website address starting https://, like https://www.example.org",
            "website",
        ),
        (
            {"website": "data:text/html,<b>hi</b>"},
            "Enter a website address starting https://, like https://www.example.org",
            "website",
        ),
        (
            {"min_age": "65", "max_age": "18"},
            "The oldest age must be the same as or more than the youngest age",
            "max_age",
        ),
        ({"min_age": "sixty"}, "The youngest age must be a whole number, like 16", "min_age"),
        ({"max_age": "130"}, "The oldest age must be between 0 and 120", "max_age"),
        ({"categories": []}, "Choose at least one category", "categories"),
        ({"categories": ["not-a-category"]}, "Choose categories from the list", "categories"),
        ({"cost": ""}, "Choose how much it costs", "cost"),
        (
            {"schedules-0-end": "9am"},
            "Schedule 1: the end time must be after the start time",
            "schedules-0-end",
        ),
        (
            {"schedules-0-start": "25:00"},
            "Schedule 1: enter the start time as a time, like 10:30am or 14:00",
            "schedules-0-start",
        ),
        ({"schedules-0-days": []}, "Schedule 1: choose the day or days of the week it runs", "schedules-0-days"),
        (
            {
                "schedules-0-pattern": "",
                "schedules-0-days": [],
                "schedules-0-start": "",
                "schedules-0-end": "",
                "schedules-0-starts_on-day": "",
                "schedules-0-starts_on-month": "",
                "schedules-0-starts_on-year": "",
            },
            "Schedule 1: choose how often the activity runs: every activity needs at least one schedule",
            "schedules-0-pattern",
        ),
        (
            {"schedules-0-starts_on-day": "31", "schedules-0-starts_on-month": "2"},
            "Schedule 1: first date must be a real date",
            "schedules-0-starts_on",
        ),
        (
            {
                "schedules-1-pattern": "dates",
                "schedules-1-dates": "24/12/2026\nnext Tuesday",
                "schedules-1-start": "10am",
                "schedules-1-end": "11am",
            },
            "Schedule 2: “next Tuesday” is not a date. Enter each date like 24/12/2026, one on each line",
            "schedules-1-dates",
        ),
        (
            {
                "schedules-1-pattern": "monthly_weekday",
                "schedules-1-days": ["TU"],
                "schedules-1-start": "10am",
                "schedules-1-end": "11am",
            },
            "Schedule 2: choose which weeks of the month it runs, for example 2nd and 4th",
            "schedules-1-weeks_of_month",
        ),
        (
            {
                "exceptions-1-kind": "break",
                **date_parts("exceptions-1-starts_on", date(2027, 1, 3)),
                **date_parts("exceptions-1-ends_on", date(2026, 12, 21)),
            },
            "Change 2: the last day of the break must be on or after its first day",
            "exceptions-1-ends_on",
        ),
        (
            {
                "exceptions-1-kind": "moved",
                **date_parts("exceptions-1-starts_on", date(2027, 1, 5)),
                "exceptions-1-new_start": "3pm",
                "exceptions-1-new_end": "1pm",
            },
            "Change 2: the new end time must be after the new start time",
            "exceptions-1-new_end",
        ),
    ],
)
def test_bad_answers_are_explained_and_kept(editor_client, changes, message, field_id):
    data = activity_form(**changes)
    response = editor_client.post("/listings/new/activity", data=data)
    # A category that is not on the list cannot be shown ticked.
    assert_refused(
        response, message, field_id, data, ignore=("categories",) if "not-a-category" in str(changes) else ()
    )


@pytest.mark.parametrize(
    ("changes", "message", "field_id"),
    [
        (
            {"event_end": "10am"},  # 23 hours, ending the next morning
            "The end time must be after the start time. An event that ends after midnight can last up to 12 hours",
            "event_end",
        ),
        ({"event_start": ""}, "Enter the start time", "event_start"),
        (
            date_parts("event_date", date(2026, 11, 24)),
            "The date of the event must be today or in the future",
            "event_date",
        ),
        ({"event_date-year": ""}, "Date must include a year", "event_date"),
    ],
)
def test_bad_event_times_are_explained_and_kept(editor_client, changes, message, field_id):
    data = event_form(**changes)
    assert_refused(editor_client.post("/listings/new/event", data=data), message, field_id, data)


def test_a_bad_capacity_is_explained(editor_client):
    data = space_form(capacity="lots")
    assert_refused(
        editor_client.post("/listings/new/space", data=data),
        "The number of people must be a whole number, like 16",
        "capacity",
        data,
    )


def test_a_website_without_a_scheme_is_taken_as_https(editor_client):
    data = activity_form(website="www.example.org/knit")
    assert editor_client.post("/listings/new/activity", data=data).status_code == 302
    assert only_listing().website == "https://www.example.org/knit"


def test_times_can_be_typed_in_several_ways(editor_client):
    data = activity_form(**{"schedules-0-start": "9.45 am", "schedules-0-end": "13:15"})
    assert editor_client.post("/listings/new/activity", data=data).status_code == 302
    rule = only_listing().schedules[0]
    assert (rule.opens_at, rule.closes_at) == (time(9, 45), time(13, 15))


# -- descriptions ------------------------------------------------------------------------

DANGEROUS = (
    "<p>Hello <script>alert('boo')</script>neighbours</p>"
    "<ul><li>Tea and cake</li><li>Wool provided</li></ul>"
    '<p><a href="javascript:alert(1)">Click me</a> or see <a href="https://example.org/more">our page</a>.</p>'
    '<img src="x" onerror="alert(2)"><iframe src="https://evil.example"></iframe>'
)


def test_a_description_keeps_lists_and_links_and_loses_scripts(client, editor_client, staff):
    assert editor_client.post("/listings/new/activity", data=activity_form(description=DANGEROUS)).status_code == 302
    listing = only_listing()
    stored = listing.description
    assert "<script" not in stored and "alert('boo')" not in stored
    assert "javascript:" not in stored and "onerror" not in stored and "<iframe" not in stored
    assert "<ul><li>Tea and cake</li><li>Wool provided</li></ul>" in stored
    assert 'href="https://example.org/more"' in stored
    version = db.session.scalar(select(ListingVersion))
    assert version.snapshot["description"] == stored

    # The editor's page shows it safely too.
    html = editor_client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "alert(" not in html and "javascript:" not in html

    editor_client.post(f"/listings/{listing.id}/submit")
    moderation.approve_version(version.id, by=staff["moderator"])
    response = client.get(f"/activities/{listing.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "alert(" not in html and "javascript:" not in html and "<iframe" not in html
    page = Page(response)
    items = [li.text() for ul in page.root.find_all("ul", cls="govuk-list--bullet") for li in ul.find_all("li")]
    assert "Tea and cake" in items and "Wool provided" in items
    link = page.root.find("a", href="https://example.org/more")
    assert link is not None and "nofollow" in link.attrs.get("rel", "")
    assert "Click me" in page.main_text  # the text stays, the link goes


def test_a_plain_text_description_becomes_paragraphs_and_a_list(client, editor_client, staff):
    text = "Come along for a chat.\n\nWhat to bring:\n\n- Your knitting\n- A friend\n\nTea & cake for < £1"
    editor_client.post("/listings/new/activity", data=activity_form(description=text))
    listing = only_listing()
    assert listing.description == text  # plain text is stored as typed
    editor_client.post(f"/listings/{listing.id}/submit")
    version = db.session.scalar(select(ListingVersion))
    moderation.approve_version(version.id, by=staff["moderator"])
    page = Page(client.get(f"/activities/{listing.id}"))
    items = [li.text() for ul in page.root.find_all("ul", cls="govuk-list--bullet") for li in ul.find_all("li")]
    assert items[:2] == ["Your knitting", "A friend"]
    assert "Tea &amp; cake for &lt; £1" in page.html

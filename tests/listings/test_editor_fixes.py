"""Fixes from a review of the editors' pages: a new-listing form used again for a second
listing, numbers and choices the form did not check, events that end after midnight, times
skipped by the spring clock change, moderators' listings by organisation, and saving a live
listing unchanged."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from navigator.extensions import db
from navigator.listings import views
from navigator.models import Frequency, Listing, ListingStatus, ListingVersion, OrganisationStatus, VersionState
from navigator.services import moderation
from tests.directory.pages import Page
from tests.factories import make_user
from tests.listings.editor_forms import FORM, KEY, activity_form, event_form, listing_form_state
from tests.referrals.helpers import assert_kept, date_parts, error_messages

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("editor_today")


def listings() -> list[Listing]:
    db.session.expire_all()
    return list(db.session.scalars(select(Listing).order_by(Listing.created_at, Listing.name)))


def version_states(listing: Listing) -> list[VersionState]:
    db.session.expire_all()
    return [version.state for version in moderation.versions_of(db.session.get(Listing, listing.id))]


def assert_refused(response, message: str, field_id: str) -> None:
    """The message is in the summary, linked to the field, and shown next to it."""
    assert response.status_code == 200
    page = Page(response)
    assert page.title.startswith("Error: ")
    assert (f"#{field_id}", message) in page.error_summary, page.error_summary
    assert page.field_error(field_id) == message


# -- 1. a new-listing form used again ----------------------------------------------------

USED = (
    "This form was already used to add Clapton Knit and Natter. Check the details and save again to add a new listing"
)


def second_listing(**changes):
    """The same form, changed into another group: Back, then retyped."""
    return activity_form(name="Clapton Knit Club", **{"schedules-0-start": "2pm", "schedules-0-end": "4pm", **changes})


def test_a_form_used_again_for_another_listing_loses_nothing_and_adds_nothing(editor_client):
    assert editor_client.post("/listings/new/activity", data=activity_form()).status_code == 302
    [first] = listings()

    data = second_listing()
    response = editor_client.post("/listings/new/activity", data=data)

    assert response.status_code == 200
    assert Page(response).title.startswith("Error: ")
    assert error_messages(response) == [USED]
    assert_kept(response, FORM, data, ignore=("listing_key",))
    new_key = Page(response).root.find("input", id="listing_key").attrs["value"]
    assert len(new_key) == 32 and new_key != KEY
    # The first listing is as it was, and nothing else was made.
    assert [(listing.id, listing.name) for listing in listings()] == [(first.id, "Clapton Knit and Natter")]
    assert version_states(first) == [VersionState.DRAFT]

    # Saving the form as shown again adds the second listing.
    again = editor_client.post("/listings/new/activity", data={**listing_form_state(response), "action": "save"})
    assert again.status_code == 302, error_messages(again)
    second = next(listing for listing in listings() if listing.id != first.id)
    assert again.headers["Location"].endswith(f"/listings/{second.id}")
    assert second.id.hex == new_key and second.name == "Clapton Knit Club"
    assert second.schedules[0].opens_at.hour == 14
    assert "Clapton Knit Club is saved as a draft" in Page(editor_client.get(again.headers["Location"])).text


def test_save_and_send_on_a_form_used_again_sends_nothing(editor_client):
    editor_client.post("/listings/new/activity", data=activity_form())
    [first] = listings()

    response = editor_client.post("/listings/new/activity", data={**second_listing(), "action": "send"})

    assert error_messages(response) == [USED]
    assert [listing.status for listing in listings()] == [ListingStatus.DRAFT]
    assert version_states(first) == [VersionState.DRAFT]


def test_the_same_answers_sent_again_are_the_same_listing(editor_client):
    editor_client.post("/listings/new/activity", data=activity_form(description="<p>Tea &amp; <b>cake</b></p>"))
    # Back, then "Save and send" with the same answers: the draft is sent, not copied.
    response = editor_client.post(
        "/listings/new/activity", data={**activity_form(description="<p>Tea &amp; <b>cake</b></p>"), "action": "send"}
    )
    assert response.status_code == 302, error_messages(response)
    [listing] = listings()
    assert listing.status is ListingStatus.PENDING
    # And once more (a double click): still one change waiting.
    response = editor_client.post("/listings/new/activity", data={**activity_form(), "action": "send"})
    assert error_messages(response) == [USED]  # a different description is a different listing
    response = editor_client.post(
        "/listings/new/activity", data={**activity_form(description="<p>Tea &amp; <b>cake</b></p>"), "action": "send"}
    )
    assert response.status_code == 302
    assert (
        "Clapton Knit and Natter is waiting for a moderator"
        in Page(editor_client.get(response.headers["Location"])).text
    )
    assert version_states(listing) == [VersionState.SUBMITTED]
    assert len(listings()) == 1


def test_a_key_naming_another_organisations_listing_is_not_found(editor_client, staff, make_org, login_as):
    editor_client.post("/listings/new/activity", data=activity_form())
    other = login_as(make_user("organisation_editor", organisations=[make_org("Stoke Newington Walkers")]))
    response = other.post("/listings/new/activity", data=second_listing())
    assert response.status_code == 404
    assert [listing.name for listing in listings()] == ["Clapton Knit and Natter"]


# -- 2. numbers and choices the form did not check -----------------------------------------

MONTHS_APART = (
    "Schedule 1: the number of months apart must be a whole number from 1 to 8, or leave it blank for every month"
)
MONTHLY_WEEKDAY = {"schedules-0-pattern": "monthly_weekday", "schedules-0-weeks_of_month": ["2", "4"]}
MONTHLY_DATE = {"schedules-0-pattern": "monthly_date", "schedules-0-day_of_month": "15"}


@pytest.mark.parametrize(
    ("pattern", "every"),
    [(MONTHLY_WEEKDAY, value) for value in ("x", "-1", "1.5", "10:30am", "99999999", "0", "9")]
    + [(MONTHLY_DATE, value) for value in ("-1", "x", "9")],
)
def test_the_number_of_months_apart_is_checked(editor_client, pattern, every):
    data = activity_form(**pattern, **{"schedules-0-every": every})
    response = editor_client.post("/listings/new/activity", data=data)
    assert_refused(response, MONTHS_APART, "schedules-0-every")
    assert_kept(response, FORM, data)
    assert listings() == []


def test_a_monthly_pattern_every_other_month_is_kept(editor_client):
    data = activity_form(**MONTHLY_WEEKDAY, **{"schedules-0-every": "2", "schedules-0-days": ["TH"]})
    response = editor_client.post("/listings/new/activity", data=data)
    assert response.status_code == 302, error_messages(response)
    [rule] = listings()[0].schedules
    assert (rule.frequency, rule.interval, rule.by_day) == (Frequency.MONTHLY, 2, "2TH,4TH")


def test_every_few_weeks_still_needs_two_to_eight(editor_client):
    data = activity_form(**{"schedules-0-pattern": "every_few_weeks", "schedules-0-every": "1"})
    assert_refused(
        editor_client.post("/listings/new/activity", data=data),
        "Schedule 1: the number of weeks apart must be a whole number from 2 to 8",
        "schedules-0-every",
    )


@pytest.mark.parametrize(
    ("changes", "message", "field_id"),
    [
        ({"cost": " "}, "Choose how much it costs", "cost"),
        ({"cost": "priceless"}, "Choose how much it costs", "cost"),
        ({"cost": None}, "Choose how much it costs", "cost"),
        ({"how_to_join": " "}, "Choose how people join", "how_to_join"),
        ({"how_to_join": None}, "Choose how people join", "how_to_join"),
        ({"schedules-0-pattern": " "}, "Schedule 1: choose how often it runs", "schedules-0-pattern"),
        ({"exceptions-0-kind": " "}, "Change 1: choose what changes", "exceptions-0-kind"),
    ],
)
def test_a_blank_or_unknown_choice_is_explained(editor_client, changes, message, field_id):
    response = editor_client.post("/listings/new/activity", data=activity_form(**changes))
    assert_refused(response, message, field_id)
    assert listings() == []


def test_an_editor_of_two_organisations_must_choose_one(staff, make_org, login_as):
    second = make_org("Clapton Tenants Association")
    client = login_as(make_user("organisation_editor", organisations=[staff["organisation"], second]))
    for value, message in ((" ", "Choose the organisation this is for"), ("x", "Choose an organisation from the list")):
        response = client.post("/listings/new/activity", data=activity_form(organisation=value))
        assert_refused(response, message, "organisation")
    assert listings() == []


# -- 3. events that end after midnight --------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "starts_at", "ends_at"),
    [
        ("8pm", "midnight", datetime(2026, 12, 12, 20, 0, tzinfo=UTC), datetime(2026, 12, 13, 0, 0, tzinfo=UTC)),
        ("10pm", "2am", datetime(2026, 12, 12, 22, 0, tzinfo=UTC), datetime(2026, 12, 13, 2, 0, tzinfo=UTC)),
        ("6pm", "6am", datetime(2026, 12, 12, 18, 0, tzinfo=UTC), datetime(2026, 12, 13, 6, 0, tzinfo=UTC)),
    ],
)
def test_an_event_can_end_after_midnight(editor_client, start, end, starts_at, ends_at):
    response = editor_client.post("/listings/new/event", data=event_form(event_start=start, event_end=end))
    assert response.status_code == 302, error_messages(response)
    [listing] = listings()
    assert (listing.starts_at, listing.ends_at) == (starts_at, ends_at)
    # The form reads it back as typed, and sending it again changes nothing.
    edit = editor_client.get(f"/listings/{listing.id}/edit")
    shown = listing_form_state(edit)
    assert (shown["event_date-day"], shown["event_end"]) == ("12", {"midnight": "12am"}.get(end, end))
    assert editor_client.post(f"/listings/{listing.id}/edit", data=shown).status_code == 302
    assert (listings()[0].starts_at, listings()[0].ends_at) == (starts_at, ends_at)
    page = Page(editor_client.get(f"/listings/{listing.id}"))
    assert f"Ends 13 December 2026, {shown['event_end']}" in page.main_text


def test_an_event_in_summer_time_past_midnight_is_stored_in_utc(editor_client):
    data = event_form(**date_parts("event_date", date(2027, 6, 26)), event_start="10pm", event_end="1:30am")
    assert editor_client.post("/listings/new/event", data=data).status_code == 302
    [listing] = listings()
    assert listing.ends_at == datetime(2027, 6, 27, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("start", "end"), [("8pm", "8pm"), ("8pm", "8:01am"), ("11am", "10am")])
def test_an_event_past_midnight_lasts_at_most_twelve_hours(editor_client, start, end):
    response = editor_client.post("/listings/new/event", data=event_form(event_start=start, event_end=end))
    assert_refused(
        response,
        "The end time must be after the start time. An event that ends after midnight can last up to 12 hours",
        "event_end",
    )
    assert listings() == []


def test_the_end_time_hint_says_an_event_can_end_after_midnight(editor_client):
    hint = Page(editor_client.get("/listings/new/event")).root.find(id="event_end-hint").text()
    assert "If it ends after midnight" in hint and "up to 12 hours" in hint


# -- 4. the spring clock change -------------------------------------------------------------


def test_a_time_the_clocks_skip_is_refused(editor_client, frozen_now):
    frozen_now(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    data = event_form(**date_parts("event_date", date(2026, 3, 29)), event_start="1:30am", event_end="3am")
    response = editor_client.post("/listings/new/event", data=data)
    assert_refused(
        response,
        "1:30am does not exist on 29 March 2026: the clocks go forward from 1am to 2am. "
        "Enter a time before 1am or from 2am",
        "event_start",
    )
    assert_kept(response, FORM, data)
    assert listings() == []


def test_an_end_time_the_clocks_skip_is_refused(editor_client, frozen_now):
    frozen_now(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    data = event_form(**date_parts("event_date", date(2026, 3, 28)), event_start="11pm", event_end="1:15am")
    assert_refused(
        editor_client.post("/listings/new/event", data=data),
        "1:15am does not exist on 29 March 2026: the clocks go forward from 1am to 2am. "
        "Enter a time before 1am or from 2am",
        "event_end",
    )


def test_times_either_side_of_the_clock_change_are_kept(editor_client, frozen_now):
    frozen_now(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    data = event_form(**date_parts("event_date", date(2026, 3, 29)), event_start="12:30am", event_end="2:30am")
    response = editor_client.post("/listings/new/event", data=data)
    assert response.status_code == 302, error_messages(response)
    [listing] = listings()
    # 12:30am is GMT, 2:30am is BST: an hour of real time.
    assert (listing.starts_at, listing.ends_at) == (
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    )


# -- 5. listings by organisation ----------------------------------------------------------


@pytest.fixture
def two_organisations(staff, make_org, make_listing):
    """The staff organisation with two listings, another with one, and one with none."""
    mine = staff["organisation"]
    walkers = make_org("Stoke Newington Walkers")
    make_org("Dalston Chess Club")
    make_listing("Clapton Lunch Club", organisation_id=mine.id)
    make_listing("Clapton Knit and Natter", organisation_id=mine.id)
    make_listing("Springfield Park Walk", organisation_id=walkers.id)
    return mine, walkers


def table_rows(page: Page) -> dict[str, list[str]]:
    table = page.root.find("table", id="organisations")
    assert table is not None
    rows = {
        row.find("a").text(): [cell.text() for cell in row.find_all("td")[1:]]
        for row in table.find("tbody").find_all("tr")
    }
    rows.pop("Hackney Test Network", None)  # make_listing's own organisation
    return rows


def test_a_moderator_sees_organisations_with_counts_not_every_listing(staff, two_organisations, login_as):
    _, walkers = two_organisations
    client = login_as(staff["moderator"])

    page = Page(client.get("/listings"))

    assert page.status == 200 and page.h1s == ["Listings by organisation"]
    assert table_rows(page) == {
        "Clapton Lunch Club Collective": ["2", "2", "0"],
        "Dalston Chess Club": ["0", "0", "0"],
        "Stoke Newington Walkers": ["1", "1", "0"],
    }
    assert "Clapton Knit and Natter" not in page.main_text and "Springfield Park Walk" not in page.main_text
    link = page.link("Stoke Newington Walkers")
    assert link == f"/listings?organisation={walkers.id}"

    chosen = Page(client.get(link))
    assert chosen.h1s == ["Listings of Stoke Newington Walkers"]
    assert "Springfield Park Walk" in chosen.main_text
    assert "Clapton Knit and Natter" not in chosen.main_text
    adds = [a.attrs["href"] for a in chosen.root.find_all("a") if a.text().startswith("Add ")]
    assert adds == [f"/listings/new/{kind}?organisation={walkers.id}" for kind in ("activity", "event", "space")]


def test_a_moderator_searches_organisations_by_their_name_or_a_listings(staff, two_organisations, login_as):
    client = login_as(staff["moderator"])
    assert list(table_rows(Page(client.get("/listings?q=newington")))) == ["Stoke Newington Walkers"]
    assert list(table_rows(Page(client.get("/listings?q=knit+and")))) == ["Clapton Lunch Club Collective"]
    page = Page(client.get("/listings?q=100%25"))
    assert page.root.find("table", id="organisations") is None
    assert "No organisation or listing matches “100%”" in page.main_text


def test_the_moderators_list_of_organisations_comes_in_pages(staff, two_organisations, login_as, monkeypatch):
    monkeypatch.setattr(views, "ORGANISATIONS_PER_PAGE", 3)  # four with make_listing's own
    client = login_as(staff["moderator"])
    first = Page(client.get("/listings"))
    assert list(table_rows(first)) == ["Clapton Lunch Club Collective", "Dalston Chess Club"]
    second = Page(client.get(first.link("Next")))
    assert list(table_rows(second)) == ["Stoke Newington Walkers"]
    assert list(table_rows(Page(client.get("/listings?page=99")))) == ["Stoke Newington Walkers"]
    for odd in ("x", "0", "²", "-1", "9" * 40):
        assert list(table_rows(Page(client.get(f"/listings?page={odd}")))) == list(table_rows(first)), odd


def test_the_organisation_page_links_to_that_organisations_listings(staff, two_organisations, login_as):
    mine, _ = two_organisations
    client = login_as(staff["moderator"])
    organisation_page = Page(client.get(f"/organisations/{mine.id}"))
    page = Page(client.get(organisation_page.link("see Clapton Lunch Club Collective's listings")))
    assert page.h1s == ["Listings of Clapton Lunch Club Collective"]
    assert "Clapton Knit and Natter" in page.main_text and "Springfield Park Walk" not in page.main_text


@pytest.mark.parametrize("value", ["nonsense", str(uuid.uuid4())])
def test_a_moderator_is_told_about_an_organisation_that_cannot_be_found(staff, two_organisations, login_as, value):
    client = login_as(staff["moderator"])
    page = Page(client.get(f"/listings?organisation={value}"))
    assert page.status == 200
    assert "We could not find that organisation" in page.root.find(id="problem").text()
    assert page.h1s == ["Listings by organisation"]


def test_editors_keep_seeing_their_listings_and_cannot_choose_another_organisation(
    staff, two_organisations, make_org, login_as
):
    mine, walkers = two_organisations
    second = make_org("Clapton Tenants Association")
    client = login_as(make_user("organisation_editor", organisations=[mine, second]))

    page = Page(client.get("/listings"))
    assert page.h1s == ["Your listings"] and page.root.find(id="problem") is None
    assert page.root.find("section", id=f"organisation-{mine.id}") is not None
    assert page.root.find("section", id=f"organisation-{second.id}") is not None
    assert "Clapton Knit and Natter" in page.main_text

    only_second = Page(client.get(f"/listings?organisation={second.id}"))
    assert only_second.root.find("section", id=f"organisation-{mine.id}") is None
    assert only_second.root.find("section", id=f"organisation-{second.id}") is not None

    for value in (str(walkers.id), "nonsense"):
        page = Page(client.get(f"/listings?organisation={value}"))
        assert "We could not find that organisation" in page.root.find(id="problem").text()
        assert "Springfield Park Walk" not in page.main_text
        assert "Clapton Knit and Natter" in page.main_text  # their own, as usual


def test_an_organisation_not_approved_shows_its_listings_but_no_way_to_add(staff, make_org, make_listing, login_as):
    pending = make_org("Waiting Group", status=OrganisationStatus.PENDING)
    make_listing("Waiting Group Coffee Morning", organisation_id=pending.id)
    client = login_as(staff["moderator"])
    overview = Page(client.get("/listings"))
    assert table_rows(overview)["Waiting Group"] == ["1", "1", "0"]
    assert "Waiting Group Not approved: nothing new can be listed" in overview.root.find("table").text()
    page = Page(client.get(f"/listings?organisation={pending.id}"))
    assert "Waiting Group Coffee Morning" in page.main_text
    assert "This organisation has not been approved" in page.main_text
    assert not [a for a in page.root.find_all("a") if a.text().startswith("Add ")]


# -- 6. saving a live listing unchanged ---------------------------------------------------


def publish(client, staff) -> Listing:
    response = client.post("/listings/new/activity", data=activity_form())
    assert response.status_code == 302
    [listing] = listings()
    client.post(f"/listings/{listing.id}/submit")
    moderation.approve_version(moderation.open_version(listing).id, by=staff["moderator"])
    return listing


def test_saving_a_live_listing_unchanged_saves_nothing(editor_client, staff):
    listing = publish(editor_client, staff)
    shown = listing_form_state(editor_client.get(f"/listings/{listing.id}/edit"))

    page = Page(editor_client.post(f"/listings/{listing.id}/edit", data={**shown, "action": "save"}))

    assert "No changes to save" in page.root.find(id="unchanged").text()
    assert version_states(listing) == [VersionState.APPROVED]
    index = Page(editor_client.get("/listings"))
    assert "Changes not sent for approval yet" not in index.main_text
    # A real change after that is saved as usual.
    response = editor_client.post(f"/listings/{listing.id}/edit", data={**shown, "name": "Clapton Knit Club"})
    assert response.status_code == 302
    assert version_states(listing) == [VersionState.DRAFT, VersionState.APPROVED]


def test_with_a_draft_open_the_live_content_can_be_saved_back(editor_client, staff):
    listing = publish(editor_client, staff)
    shown = listing_form_state(editor_client.get(f"/listings/{listing.id}/edit"))
    editor_client.post(f"/listings/{listing.id}/edit", data={**shown, "name": "Clapton Knit Club"})
    # The live content again, from a form loaded after that save (one loaded before is stale).
    fresh = listing_form_state(editor_client.get(f"/listings/{listing.id}/edit"))
    stamp = {"revision": fresh["revision"], "loaded": fresh["loaded"]}

    response = editor_client.post(f"/listings/{listing.id}/edit", data={**shown, **stamp, "action": "save"})

    assert response.status_code == 302, error_messages(response)
    db.session.expire_all()
    draft = db.session.scalar(select(ListingVersion).where(ListingVersion.state == VersionState.DRAFT))
    assert draft is None or draft.snapshot["name"] == "Clapton Knit and Natter"
    assert db.session.scalar(select(func.count(ListingVersion.id))) <= 2

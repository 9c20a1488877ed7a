"""The moderators' freshness page: listings by age of confirmation, and by organisation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dateutil.relativedelta import relativedelta

from navigator.extensions import db
from navigator.models import Listing
from navigator.services.freshness import confirm_listing, review_stale
from tests.directory.pages import Page

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def months_ago(months: int, days: int = 0) -> datetime:
    return NOW - relativedelta(months=months, days=days)


@pytest.fixture
def directory(staff, make_org, make_listing, frozen_now):
    """Listings of two organisations confirmed 1 to 16 months ago, reviewed today."""
    other = make_org("Dalston Walkers")
    mine = staff["organisation"].id
    made = {}
    for name, org_id, age in [
        ("Fresh Lunch Club", mine, 1),
        ("Due Lunch Club", mine, 10),
        ("Older Due Walk", other.id, 9),
        ("Stale Walk", other.id, 13),
        ("Hidden Lunch Club", mine, 16),
    ]:
        frozen_now(months_ago(age))
        made[name] = make_listing(name, organisation_id=org_id)
    frozen_now(months_ago(6, days=3))
    confirm_listing(made["Due Lunch Club"].id, by=staff["editor"], via_token=False)
    frozen_now(NOW)
    review_stale()
    return made


def table_rows(page: Page, heading_id: str) -> list[list[str]]:
    table = page.root.find("table", **{"aria-labelledby": heading_id})
    if table is None:
        return []
    body = table.find("tbody")
    assert body is not None
    return [[cell.text() for cell in row.find_all("td")] for row in body.find_all("tr")]


def test_listings_by_age_of_confirmation(directory, staff, login_as):
    page = Page(login_as(staff["moderator"]).get("/moderation/freshness"))

    assert page.status == 200
    assert "Listings due for review" in page.h1s
    assert "2 due for review, 1 stale, 1 hidden, 1 up to date." in page.main_text
    due = table_rows(page, "due")
    # Oldest confirmation first; who confirmed and the last step taken.
    assert [row[0] for row in due] == ["Older Due Walk Activity", "Due Lunch Club Activity"]
    assert due[0][1:] == ["Dalston Walkers", "2 June 2025", "9", "Last reminder sent 2 March 2026"]
    assert due[1][1:] == [
        "Clapton Lunch Club Collective",
        "30 August 2025 by Esme Editor",
        "6",
        "Asked to confirm 2 March 2026",
    ]
    assert table_rows(page, "stale") == [
        ["Stale Walk Activity", "Dalston Walkers", "2 February 2025", "13", "Ranked lower (stale) 2 March 2026"]
    ]
    assert table_rows(page, "hidden") == [
        [
            "Hidden Lunch Club Activity",
            "Clapton Lunch Club Collective",
            "2 November 2024",
            "16",
            "Hidden from the public 2 March 2026",
        ]
    ]
    assert "Fresh Lunch Club" not in page.main_text
    # Each links to the listing's page for editors and moderators (hidden ones too).
    assert page.link("Stale Walk") == f"/listings/{directory['Stale Walk'].id}"
    assert page.link("Hidden Lunch Club") == f"/listings/{directory['Hidden Lunch Club'].id}"


def test_one_organisation(directory, staff, login_as):
    client = login_as(staff["moderator"])

    page = Page(client.get("/moderation/freshness", query_string={"organisation": str(staff["organisation"].id)}))

    assert page.status == 200
    assert "1 due for review, 0 stale, 1 hidden, 1 up to date." in page.main_text
    assert "No listings are stale." in page.main_text
    assert "Dalston Walkers" not in " ".join(" ".join(row) for row in table_rows(page, "due"))
    selected = page.root.find("option", selected="")
    assert selected is not None and selected.text() == "Clapton Lunch Club Collective"


@pytest.mark.parametrize("value", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_organisation_is_a_clear_error(directory, staff, login_as, value):
    page = Page(login_as(staff["moderator"]).get("/moderation/freshness", query_string={"organisation": value}))

    assert page.status == 200
    assert page.title.startswith("Error: ")
    assert "Choose an organisation from the list" in page.main_text
    assert "2 due for review, 1 stale, 1 hidden, 1 up to date." in page.main_text


def test_counts_by_organisation(directory, staff, login_as):
    page = Page(login_as(staff["moderator"]).get("/moderation/freshness", query_string={"by": "organisation"}))

    assert page.status == 200
    body = page.root.find("tbody")
    assert body is not None
    rows = [[row.find("th").text()] + [cell.text() for cell in row.find_all("td")] for row in body.find_all("tr")]
    assert rows == [
        ["Clapton Lunch Club Collective", "3", "1", "1", "0", "1", "2 November 2024"],
        ["Dalston Walkers", "2", "0", "1", "1", "0", "2 February 2025"],
    ]
    walkers = db.session.get(Listing, directory["Stale Walk"].id).organisation_id
    assert page.link("Dalston Walkers") == f"/moderation/freshness?organisation={walkers}"


def test_editors_cannot_see_the_page(staff, login_as):
    assert login_as(staff["editor"]).get("/moderation/freshness").status_code == 404

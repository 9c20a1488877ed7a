"""Directory health (issue 10 section 7): listing freshness by organisation and category, active
fresh listings by ward and category, and community spaces, against a hand-built directory whose
answers are worked out here. The snapshot is the end of 2026 quarter 2: 00:00 on 1 July 2026,
London time."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from navigator.extensions import db
from navigator.models import Freshness, FreshnessNotice, Listing, ListingKind, ListingStatus
from navigator.reports import directory_health
from navigator.reports.directory_sql import median_of
from navigator.reports.periods import quarter
from navigator.reports.service import settings
from navigator.reports.sql import Filters
from tests.reports.conftest import rows

PERIOD = quarter("2026Q2", datetime(2026, 12, 3).date())
CLISSOLD, LEA_BRIDGE = "E05009369", "E05009380"
IN_CLISSOLD, IN_LEA_BRIDGE = "N16 0AN", "E5 0AA"
ADDED = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
FRESHNESS_HEADER = [
    "Confirmed within 12 months",
    "Stale (12 to 15 months)",
    "Hidden (15 months or more)",
    "Listings",
    "% confirmed within 12 months",
    "Median months since confirmed",
]


def on(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}T12:00:00").replace(tzinfo=UTC)


@pytest.fixture
def directory(make_org, make_listing) -> dict[str, Listing]:
    """Whole months from the last confirmation to the snapshot, and where each listing is held:

    Alder Trust: c1 0 (lunch club, Clissold), c2 5 (bereavement, Lea Bridge), c2b 11 (coffee
    morning and befriending, both under Social, and walking, Clissold: fresh), c3 12 (lunch
    club, Clissold, at the same building as space s1: stale), c6 added after the snapshot, and
    a draft: neither counted.
    Birch Group: c4 15 (walking, Lea Bridge, hidden by the schedule: hidden), c5 13 (no
    category, no venue; confirmed again after the snapshot, the confirmation before it is in the
    schedule's notices: stale).
    Cedar Halls: s1 0 (a bookable space in Clissold hosting c1 and c3), s2 17 (a space in Lea
    Bridge, not bookable, hosting nothing: hidden by age, still published).
    """
    alder, birch, cedar = make_org("Alder Trust"), make_org("Birch Group"), make_org("Cedar Halls")

    def listing(name, org, confirmed, *, postcode=IN_CLISSOLD, categories=(), **fields) -> Listing:
        made = make_listing(name, organisation_id=org.id, postcode=postcode, categories=categories, **fields)
        made.created_at = ADDED
        made.last_confirmed_at = on(confirmed)
        return made

    made = {
        "c1": listing("Lunch club", alder, "2026-06-15", categories=("lunch-clubs",)),
        "c2": listing(
            "Bereavement cafe", alder, "2026-01-20", postcode=IN_LEA_BRIDGE, categories=("bereavement-support",)
        ),
        "c2b": listing(
            "Coffee and a walk", alder, "2025-07-02", categories=("coffee-mornings", "befriending", "walking-groups")
        ),
        "c3": listing("Second lunch club", alder, "2025-06-20", categories=("lunch-clubs",)),
        "c4": listing("Marsh walk", birch, "2025-03-10", postcode=IN_LEA_BRIDGE, categories=("walking-groups",)),
        "c5": listing("Phone friends", birch, "2026-08-01", postcode=None),
        "c6": listing("New choir", alder, "2026-07-15", categories=("music-choirs",)),
        "draft": listing("Draft club", alder, "2026-06-01", categories=("lunch-clubs",)),
        "s1": listing("Cedar hall", cedar, "2026-06-01", kind=ListingKind.SPACE, categories=("community-halls",)),
        "s2": listing(
            "Cedar annexe",
            cedar,
            "2025-01-10",
            postcode=IN_LEA_BRIDGE,
            kind=ListingKind.SPACE,
            categories=("community-halls",),
        ),
    }
    made["c6"].created_at = on("2026-07-15")
    made["draft"].status = ListingStatus.DRAFT
    made["c4"].status, made["c4"].freshness = ListingStatus.HIDDEN, Freshness.HIDDEN
    made["s1"].bookable, made["s2"].bookable = True, False
    made["c1"].venue_id = made["c3"].venue_id = made["s1"].venue_id
    db.session.add(
        FreshnessNotice(
            listing_id=made["c5"].id, stage=Freshness.ASKED, confirmed_at=on("2025-05-20"), taken_at=on("2025-11-20")
        )
    )
    db.session.commit()
    return made


@pytest.fixture
def shown(app):
    """The report's own settings: suppression on (threshold 7)."""
    return settings()


def by_key(tables) -> dict[str, object]:
    return {table.key: table for table in tables}


def test_freshness_by_organisation(directory, shown):
    table = by_key(directory_health.health(PERIOD, Filters(), shown))["listing-freshness-by-organisation"]
    assert table.title == "Listing freshness by organisation, on 30 June 2026"
    assert table.header == ["Organisation", *FRESHNESS_HEADER]
    assert rows(table) == {
        "Alder Trust": ["3", "1", "0", "4", "75%", "8.0"],  # 0, 5, 11 and 12 months
        "Birch Group": ["0", "1", "1", "2", "0%", "14.0"],  # 13 and 15
        "Cedar Halls": ["1", "0", "1", "2", "50%", "8.5"],  # 0 and 17
        "Total": ["4", "2", "2", "8", "50%", "11.5"],
    }


def test_freshness_by_category_counts_a_listing_once_in_each_top_level_category(directory, shown):
    table = by_key(directory_health.health(PERIOD, Filters(), shown))["listing-freshness-by-category"]
    assert rows(table) == {
        "Social and befriending": ["2", "1", "0", "3", "67%", "11.0"],  # c1 0, c2b 11 (twice under Social), c3 12
        "Peer and emotional support": ["1", "0", "0", "1", "100%", "5.0"],
        "Physical activity": ["1", "0", "1", "2", "50%", "13.0"],  # c2b 11, c4 15
        "Spaces": ["1", "0", "1", "2", "50%", "8.5"],
        "No category": ["0", "1", "0", "1", "0%", "13.0"],
    }
    assert table.total_row is None  # categories overlap: no total pretending they add up


def test_active_fresh_listings_by_ward_and_category(directory, shown):
    table = by_key(directory_health.health(PERIOD, Filters(), shown))["active-listings-by-ward-and-category"]
    assert table.header == [
        "Ward (where it is held)",
        "Social and befriending",
        "Peer and emotional support",
        "Physical activity",
        "Listings",
    ]
    # Published, confirmed within 12 months, activities and events: c1, c2 and c2b.
    assert rows(table) == {
        "Clissold": ["2", "0", "1", "2"],
        "Lea Bridge": ["0", "1", "0", "1"],
        "Total": ["2", "1", "1", "3"],
    }


def test_community_spaces_and_the_activities_held_there(directory, shown):
    tables = by_key(directory_health.health(PERIOD, Filters(), shown))
    assert tables["community-spaces-by-ward"].header == [
        "Ward",
        "Spaces listed",
        "Can be booked",
        "Hosting at least one activity",
        "Activities held there",
        "Activities per space",
    ]
    assert rows(tables["community-spaces-by-ward"]) == {
        "Clissold": ["1", "1", "1", "2", "2.0"],  # c1 and c3 (stale, still published)
        "Lea Bridge": ["1", "0", "0", "0", "0.0"],
        "Total": ["2", "1", "1", "2", "1.0"],
    }
    assert any("not bookings" in note for note in tables["community-spaces-by-ward"].notes)
    assert rows(tables["activities-per-space"]) == {
        "0": ["1"],
        "1": ["0"],
        "2": ["1"],
        "3": ["0"],
        "4": ["0"],
        "5 or more": ["0"],
        "Total": ["2"],
    }


def test_the_ward_filter_keeps_listings_held_in_the_ward(directory, shown):
    tables = by_key(directory_health.health(PERIOD, Filters(ward_code=CLISSOLD), shown))
    assert rows(tables["listing-freshness-by-organisation"]) == {
        "Alder Trust": ["2", "1", "0", "3", "67%", "11.0"],  # c1, c2b, c3
        "Cedar Halls": ["1", "0", "0", "1", "100%", "0.0"],
        "Total": ["3", "1", "0", "4", "75%", "5.5"],  # 0, 0, 11 and 12
    }
    assert list(rows(tables["community-spaces-by-ward"])) == ["Clissold", "Total"]
    assert any("do not apply to the directory" in note for note in tables["listing-freshness-by-organisation"].notes)
    # Filters about people leave the directory as it is.
    everyone = by_key(directory_health.health(PERIOD, Filters(age_band="80_plus", target_group="men"), shown))
    assert rows(everyone["listing-freshness-by-organisation"])["Total"] == ["4", "2", "2", "8", "50%", "11.5"]


def test_a_snapshot_today_counts_the_listings_as_they_are_now(directory, shown):
    today = quarter("2026Q4", datetime(2026, 12, 3).date())
    table = by_key(directory_health.health(today, Filters(), shown))["listing-freshness-by-organisation"]
    # c5's own confirmation (1 August 2026) and c6 count now; the draft never does.
    assert rows(table)["Total"][3] == "9"


def test_directory_counts_are_not_suppressed(directory, shown):
    """Listings are organisations' (the public directory shows them): small numbers are shown,
    and the notes say so."""
    assert shown.threshold == 7
    table = by_key(directory_health.health(PERIOD, Filters(), shown))["listing-freshness-by-organisation"]
    assert "fewer than 8" not in str(table.all_rows) and "hidden" not in str(table.all_rows)
    assert any("not people, so small numbers are shown" in note for note in table.notes)


def test_an_empty_directory_gives_empty_tables(app, shown):
    tables = directory_health.health(PERIOD, Filters(), shown)
    assert [table.rows for table in tables if table.key != "activities-per-space"] == [[], [], [], []]
    assert tables[0].header == ["Organisation", *FRESHNESS_HEADER]
    assert rows(tables[-1])["Total"] == ["0"]


def test_medians_of_grouped_months():
    assert median_of({}) is None
    assert median_of({3: 1}) == 3
    assert median_of({0: 2, 5: 1, 9: 1}) == 2.5
    assert median_of({1: 1, 4: 3}) == 4


@pytest.mark.parametrize(
    "key",
    [
        "listing-freshness-by-organisation",
        "listing-freshness-by-category",
        "active-listings-by-ward-and-category",
        "community-spaces-by-ward",
        "activities-per-space",
    ],
)
def test_each_table_downloads_as_on_the_page(directory, known, staff, login_as, key):
    client = login_as(staff["analyst"])
    page = client.get("/reports?period=2026Q2").get_data(as_text=True)
    assert f'id="table-{key}"' in page
    response = client.get(f"/reports/{key}.csv?period=2026Q2")
    assert response.status_code == 200 and f"{key}-2026Q2.csv" in response.headers["Content-Disposition"]
    table = by_key(directory_health.health(PERIOD, Filters(), settings()))[key]
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [table.header, *table.all_rows]

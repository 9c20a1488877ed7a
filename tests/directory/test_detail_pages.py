"""The public pages for one activity, event or space, and the 404 page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest

from navigator.extensions import db
from navigator.models import Cost, HowToJoin, Listing, ListingKind, ListingStatus, Postcode
from navigator.services.listings import set_listing_status
from tests.directory.pages import Page

# Tuesday 1 December 2026, 9am in London (GMT).
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PREFIX = {ListingKind.ACTIVITY: "activities", ListingKind.EVENT: "events", ListingKind.SPACE: "spaces"}
LICENCE = "Contains Ordnance Survey data"


def url(listing: Listing) -> str:
    return f"/{PREFIX[listing.kind]}/{listing.id}"


def open_page(client, path: str, status: int = 200) -> Page:
    page = Page(client.get(path))
    assert page.status == status, (path, page.status, page.html[:300])
    assert len(page.h1s) == 1, page.h1s
    assert LICENCE in page.footer_text
    return page


def summary(page: Page) -> dict[str, str]:
    """Every summary-list row on the page: key -> value text."""
    rows = {}
    for row in page.root.find_all("div", cls="govuk-summary-list__row"):
        key, value = row.find("dt"), row.find("dd")
        assert key is not None and value is not None
        rows[key.text()] = value.text()
    return rows


def section(page: Page, heading: str) -> str:
    """Text from an <h2> up to the next <h2>."""
    main = page.root.find("main")
    assert main is not None
    h2 = next(h for h in main.find_all("h2") if h.text() == heading)
    assert h2.parent is not None
    siblings = h2.parent.children
    parts, started = [], False
    for node in siblings:
        if node is h2:
            started = True
            continue
        if not started:
            continue
        if not isinstance(node, str) and node.tag == "h2":
            break
        parts.append(node if isinstance(node, str) else node.text())
    return " ".join(" ".join(parts).split())


@pytest.fixture
def lunch_club(make_listing, make_org, frozen_now):
    frozen_now(NOW)
    org = make_org("Hackney Older People's Network", phone="020 7000 0000", email="hello@hopn.example")
    return make_listing(
        "Clapton Tuesday Lunch Club",
        organisation_id=org.id,
        postcode="E8 1DY",
        description="A hot two-course lunch and good company.\n\nTransport can be arranged.",
        categories=("lunch-clubs",),
        groups=("older-living-alone",),
        languages=("en", "tr"),
        access=("step-free", "hearing-loop", "accessible-toilet"),
        days=("tuesday",),
        cost=Cost.LOW,
        cost_detail="£3 a meal",
        how_to_join=HowToJoin.BOOKING,
        min_age=60,
        contact_name="Ayşe Demir",
        contact_phone="020 7123 4567",
        contact_email="lunch@hopn.example",
        website="https://hopn.example/lunch",
    )


def test_activity_page(client, lunch_club):
    page = open_page(client, url(lunch_club))

    assert page.h1s == ["Clapton Tuesday Lunch Club"]
    assert page.title == "Clapton Tuesday Lunch Club – Community Navigator"
    text = page.main_text
    assert "Activity run by Hackney Older People's Network" in text
    assert "A hot two-course lunch and good company." in text
    assert "Transport can be arranged." in text
    assert section(page, "When") == "Every Tuesday, 10:30am to 12pm"

    details = summary(page)
    assert details["Cost"] == "Low cost (£5 or less): £3 a meal"
    assert details["How to join"] == "Booking required"
    assert details["Ages"] == "Ages 60 and over"
    assert details["Especially for"] == "Older residents living alone or with long-term conditions"
    assert details["Categories"] == "Lunch clubs"
    assert details["Languages spoken"] == "English, Turkish"


def test_description_paragraphs(client, lunch_club):
    page = open_page(client, url(lunch_club))

    paragraphs = [p.text() for p in page.root.find_all("p", cls="govuk-body")]
    assert "A hot two-course lunch and good company." in paragraphs
    assert "Transport can be arranged." in paragraphs


def test_address_and_directions(client, lunch_club):
    page = open_page(client, url(lunch_club))

    where = section(page, "Where")
    assert where.startswith("Clapton Tuesday Lunch Club venue 1 Test Street London E8 1DY")
    assert "In Hackney Central, Hackney." in where

    postcode = db.session.get(Postcode, "E8 1DY")
    directions = page.link("Get directions to Clapton Tuesday Lunch Club venue")
    assert directions.startswith("https://www.openstreetmap.org/directions?to=")
    lat, lng = unquote(directions.split("to=", 1)[1]).split(",")
    assert float(lat) == pytest.approx(postcode.latitude)
    assert float(lng) == pytest.approx(postcode.longitude)
    assert "(opens OpenStreetMap)" in page.main_text


def test_accessibility_list(client, lunch_club):
    page = open_page(client, url(lunch_club))

    main = page.root.find("main")
    h2 = next(h for h in main.find_all("h2") if h.text() == "Accessibility")
    siblings = [n for n in h2.parent.children if not isinstance(n, str)]
    bullet_list = siblings[siblings.index(h2) + 1]
    assert bullet_list.tag == "ul"
    assert [li.text() for li in bullet_list.find_all("li")] == [
        "Step-free access",
        "Accessible toilet",
        "Hearing loop",
    ]


def test_no_accessibility_information(client, make_listing):
    listing = make_listing("Quiet Group")

    page = open_page(client, url(listing))

    assert section(page, "Accessibility") == (
        "The organiser has not told us about accessibility. Contact them to check before you go."
    )


def test_contact_details(client, lunch_club):
    page = open_page(client, url(lunch_club))

    details = summary(page)
    assert details["Name"] == "Ayşe Demir"
    assert details["Phone"] == "020 7123 4567"
    assert details["Email"] == "lunch@hopn.example"
    assert details["Website"] == "https://hopn.example/lunch"
    links = dict(page.links())
    assert links["tel:02071234567"] == "020 7123 4567"
    assert links["mailto:lunch@hopn.example"] == "lunch@hopn.example"
    assert links["https://hopn.example/lunch"] == "https://hopn.example/lunch"


def test_contact_falls_back_to_the_organisation(client, make_listing, make_org):
    org = make_org("Dalston Neighbours", phone="020 7999 8888", email="hi@dalston.example", website="https://d.example")
    listing = make_listing("Coffee Morning", organisation_id=org.id)

    details = summary(open_page(client, url(listing)))

    assert details["Phone"] == "020 7999 8888"
    assert details["Email"] == "hi@dalston.example"
    assert details["Website"] == "https://d.example"
    assert "Name" not in details


def test_last_checked_date(client, lunch_club):
    page = open_page(client, url(lunch_club))

    assert "Last checked by the organiser on Tuesday 1 December 2026." in page.main_text


def test_back_link_to_search(client, lunch_club):
    page = open_page(client, url(lunch_club))

    back = page.root.find("a", cls="govuk-back-link")
    assert back is not None
    assert (back.attrs["href"], back.text()) == ("/search", "Search the directory")


def test_category_links_search_that_category(client, lunch_club, make_listing):
    make_listing("Hackney Youth Club", categories=("youth-clubs",))
    page = open_page(client, url(lunch_club))

    href = next(href for href, text in page.links() if text == "Lunch clubs")
    assert href == "/search?category=lunch-clubs"
    results = Page(client.get(href))
    assert [r.name for r in results.results] == ["Clapton Tuesday Lunch Club"]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (("tuesday",), ["Every Tuesday, 10:30am to 12pm"]),
        (("monday", "thursday"), ["Every Monday, 10:30am to 12pm", "Every Thursday, 10:30am to 12pm"]),
    ],
)
def test_weekly_schedule_in_plain_english(client, make_listing, days, expected):
    listing = make_listing("Chair Yoga", days=days)

    page = open_page(client, url(listing))

    main = page.root.find("main")
    h2 = next(h for h in main.find_all("h2") if h.text() == "When")
    siblings = [n for n in h2.parent.children if not isinstance(n, str)]
    assert [li.text() for li in siblings[siblings.index(h2) + 1].find_all("li")] == expected


def test_ages_wording(client, make_listing):
    assert summary(open_page(client, url(make_listing("Teen Drop-in", min_age=13, max_age=19))))["Ages"] == (
        "Ages 13 to 19"
    )
    assert summary(open_page(client, url(make_listing("Toddler Group", max_age=4))))["Ages"] == "Up to age 4"
    assert "Ages" not in summary(open_page(client, url(make_listing("All Ages Choir"))))


@pytest.mark.parametrize(
    ("cost", "detail", "expected"),
    [
        (Cost.FREE, "", "Free"),
        (Cost.PAID, "£8 per class", "Paid: £8 per class"),
        (Cost.PAY_WHAT_YOU_CAN, "", "Pay what you can"),
    ],
)
def test_cost_wording(client, make_listing, cost, detail, expected):
    listing = make_listing("Pottery", cost=cost, cost_detail=detail)

    assert summary(open_page(client, url(listing)))["Cost"] == expected


def test_event_page(client, make_listing, frozen_now):
    frozen_now(NOW)
    # Saturday 5 December 2026, 2pm to 4pm (GMT).
    event = make_listing(
        "Winter Warmth Fair",
        kind=ListingKind.EVENT,
        postcode="N16 0JL",
        starts_in=timedelta(days=4, hours=5),
        description="Free hats, scarves and soup.",
    )

    page = open_page(client, url(event))

    assert page.h1s == ["Winter Warmth Fair"]
    assert "Event run by Hackney Test Network" in page.main_text
    assert section(page, "When") == "Saturday 5 December 2026, 2pm to 4pm"
    assert "N16 0JL" in section(page, "Where")
    assert "In Clissold, Hackney." in section(page, "Where")
    assert summary(page)["Cost"] == "Free"


def test_event_time_is_london_time_in_summer(client, make_listing, frozen_now):
    frozen_now(datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
    # 1pm UTC on Saturday 4 July is 2pm British Summer Time.
    event = make_listing("Summer Fete", kind=ListingKind.EVENT, starts_in=timedelta(days=3, hours=4))

    page = open_page(client, url(event))

    assert section(page, "When") == "Saturday 4 July 2026, 2pm to 4pm"


def test_space_page(client, make_listing):
    space = make_listing(
        "St Mark's Community Hall",
        kind=ListingKind.SPACE,
        postcode="EC2V 7HH",
        capacity=80,
        bookable=True,
        booking_info="Email the hall manager two weeks ahead",
        cost=Cost.PAID,
        cost_detail="£25 an hour",
        access=("step-free", "lift"),
    )

    page = open_page(client, url(space))

    assert page.h1s == ["St Mark's Community Hall"]
    assert "Space run by Hackney Test Network" in page.main_text
    details = summary(page)
    assert details["Capacity"] == "Up to 80 people"
    assert details["Hire cost"] == "Paid: £25 an hour"
    assert details["Can be booked"] == "Yes. Email the hall manager two weeks ahead"
    assert "How to join" not in details
    assert "Using this space" in [h.text() for h in page.root.find_all("h2")]
    assert "EC2V 7HH" in section(page, "Where")
    assert "Step-free access" in section(page, "Accessibility")


def test_listing_without_a_venue(client, make_listing):
    listing = make_listing("Telephone Befriending", postcode=None, categories=("befriending",))

    page = open_page(client, url(listing))

    assert "Where" not in [h.text() for h in page.root.find_all("h2")]
    assert "openstreetmap" not in page.html


def test_user_text_is_escaped(client, make_listing):
    listing = make_listing(
        "<b>Bold</b> Club",
        description='<script>alert("x")</script>\nSecond line',
        contact_name="<i>Sam</i>",
    )

    page = open_page(client, url(listing))

    assert "<script>alert" not in page.html
    assert "<b>Bold</b>" not in page.html
    assert page.h1s == ["<b>Bold</b> Club"]
    assert '<script>alert("x")</script>' in page.main_text
    assert summary(page)["Name"] == "<i>Sam</i>"
    # In search results too.
    results = Page(client.get("/search?q=bold"))
    assert "<b>Bold</b>" not in results.html
    assert [r.name for r in results.results] == ["<b>Bold</b> Club"]


# -- not found ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ListingKind))
def test_wrong_kind_in_the_address_is_not_found(client, make_listing, kind):
    listing = make_listing(f"A {kind.value}", kind=kind)

    assert client.get(url(listing)).status_code == 200
    for other in ListingKind:
        if other is not kind:
            page = open_page(client, f"/{PREFIX[other]}/{listing.id}", status=404)
            assert page.h1s == ["Page not found"]


@pytest.mark.parametrize("prefix", ["activities", "events", "spaces"])
def test_unknown_id_is_not_found(client, make_listing, prefix):
    make_listing("Something")

    page = open_page(client, f"/{prefix}/{uuid.uuid4()}", status=404)

    assert page.h1s == ["Page not found"]
    assert page.title.startswith("Page not found")


@pytest.mark.parametrize(
    "path",
    [
        "/activities/not-a-uuid",
        "/activities/123",
        "/events/00000000-0000-0000-0000-00000000000",
        "/spaces/00000000-0000-0000-0000-0000000000000",
        "/activities/%00",
        "/activities/' OR 1=1 --",
        "/activities/",
        "/events",
        "/activities/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
        "/spaces/..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_malformed_ids_are_not_found(client, path):
    page = open_page(client, path, status=404)

    assert page.h1s == ["Page not found"]


def test_upper_case_id_still_finds_the_listing(client, make_listing):
    listing = make_listing("Case Test")

    page = open_page(client, f"/activities/{str(listing.id).upper()}")

    assert page.h1s == ["Case Test"]


def test_not_found_page_uses_the_site_layout(client):
    page = open_page(client, f"/events/{uuid.uuid4()}", status=404)

    text = page.main_text
    assert "If you typed the web address, check it is correct." in text
    assert "/search" in [href for href, label in page.links() if label == "search the directory"]
    assert "Contains Ordnance Survey data © Crown copyright and database right" in page.footer_text
    assert page.root.find("link", rel="stylesheet") is not None


def test_a_listing_with_a_change_waiting_for_a_moderator_stays_live(client, make_listing):
    listing = make_listing("Clapton Lunch Club", categories=("lunch-clubs",))
    set_listing_status(listing.id, ListingStatus.CHANGES_PENDING)
    open_page(client, url(listing))
    assert len(Page(client.get("/search?q=lunch")).results) == 1


@pytest.mark.parametrize(
    "status",
    [
        ListingStatus.DRAFT,
        ListingStatus.PENDING,
        ListingStatus.REJECTED,
        ListingStatus.HIDDEN,
        ListingStatus.ARCHIVED,
    ],
)
def test_unpublished_listing_is_not_found_and_leaves_search(client, make_listing, status):
    listing = make_listing("Clapton Lunch Club", categories=("lunch-clubs",))
    make_listing("Dalston Lunch Club", categories=("lunch-clubs",))
    assert client.get(url(listing)).status_code == 200
    assert len(Page(client.get("/search?q=lunch")).results) == 2

    set_listing_status(listing.id, status)

    open_page(client, url(listing), status=404)
    for query in ("q=lunch", "q=clapton", "", "category=lunch-clubs", "postcode=E8+1DY"):
        page = Page(client.get(f"/search?{query}"))
        assert "Clapton Lunch Club" not in page.main_text, query
    assert Page(client.get("/search?category=lunch-clubs")).counts("category")["lunch-clubs"] == 1
    assert Page(client.get("/search?q=clapton")).results_heading == "0 results"


def test_republished_listing_comes_back(client, make_listing):
    listing = make_listing("Clapton Lunch Club")
    set_listing_status(listing.id, ListingStatus.HIDDEN)
    assert client.get(url(listing)).status_code == 404

    set_listing_status(listing.id, ListingStatus.PUBLISHED)

    assert open_page(client, url(listing)).h1s == ["Clapton Lunch Club"]
    assert [r.name for r in Page(client.get("/search?q=clapton")).results] == ["Clapton Lunch Club"]


# -- one <h1> everywhere ----------------------------------------------------------------


def test_every_public_page_has_exactly_one_h1(client, make_listing, frozen_now):
    frozen_now(NOW)
    activity = make_listing("Lunch Club", categories=("lunch-clubs",))
    event = make_listing("Fair", kind=ListingKind.EVENT)
    space = make_listing("Hall", kind=ListingKind.SPACE)

    for path in [
        "/",
        "/search",
        "/search?q=lunch",
        "/search?q=nothing-matches-this",
        "/search?when=week",
        "/search?postcode=ZZ9+9ZZ&within=abc",
        "/search?postcode=E8+1DY&within=0.5&category=youth-clubs",
        "/about/data",
        url(activity),
        url(event),
        url(space),
    ]:
        open_page(client, path)
    open_page(client, "/no-such-page", status=404)


def test_a_session_on_a_bank_holiday_says_to_check_it_runs(client, make_listing, frozen_now):
    from datetime import UTC, datetime

    frozen_now(datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    club = make_listing("Friday Lunch Club", days=("friday",))
    page = client.get(f"/activities/{club.id}").get_data(as_text=True)
    assert "Friday 25 December, 10:30am to 12pm (bank holiday: check with the organiser that it runs)" in page
    assert "Friday 8 January, 10:30am to 12pm</li>" in page

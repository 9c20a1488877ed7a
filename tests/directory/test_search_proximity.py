"""Searching near a postcode: order by distance, distance limits, outward codes and
what the page offers when nothing is close enough."""

from __future__ import annotations

import re

import pytest
from geopy.distance import geodesic

from navigator.extensions import db
from navigator.models import ListingKind, Postcode, PostcodeDistrict
from tests.directory.pages import Page, query_of, search_url

# Venues at real postcodes, by distance from E8 1DY (Hackney Central).
# Names run against distance so that only a distance sort puts them in this order.
PLACES = [
    ("Zeta Lunch Club", "E8 1DY"),  # 0.0 miles
    ("Yew Tree Lunch Club", "E8 1EJ"),  # 0.12
    ("Willow Lunch Club", "E9 6ND"),  # 0.25
    ("Vine Lunch Club", "E8 3RL"),  # 0.54
    ("Umber Lunch Club", "E5 0AA"),  # 0.90
    ("Teal Lunch Club", "E9 5LN"),  # 1.48
    ("Sage Lunch Club", "N16 0JL"),  # 1.54
    ("Rose Lunch Club", "EC2V 7HH"),  # 2.52
]
NEAREST_FIRST = [name for name, _ in PLACES]


def search(client, **params: str) -> Page:
    page = Page(client.get("/search", query_string=params))
    assert page.status == 200, page.html[:500]
    return page


def position(code: str) -> tuple[float, float]:
    row = db.session.get(Postcode, code) or db.session.get(PostcodeDistrict, code)
    assert row is not None, code
    return (row.latitude, row.longitude)


def miles(a: str, b: str) -> float:
    return float(geodesic(position(a), position(b)).miles)


def shown_miles(distance: str) -> float:
    if distance == "Less than 0.1 miles away":
        return 0.0
    if distance == "1 mile away":
        return 1.0
    match = re.fullmatch(r"(\d+\.\d) miles away", distance)
    assert match, distance
    return float(match.group(1))


@pytest.fixture
def clubs(make_listing):
    for name, postcode in reversed(PLACES):
        make_listing(name, postcode=postcode, categories=("lunch-clubs",))
    make_listing("Abbey Phone Lunch Club", postcode=None, categories=("lunch-clubs",))


def test_results_are_sorted_nearest_first(client, clubs):
    page = search(client, postcode="E8 1DY")

    # Listings without a venue come last when there is no distance limit.
    assert page.names == [*NEAREST_FIRST, "Abbey Phone Lunch Club"]
    assert page.results_heading == "9 results nearest to E8 1DY"


def test_each_result_shows_its_real_distance(client, clubs):
    page = search(client, postcode="E8 1DY")

    for result, (name, postcode) in zip(page.results, PLACES, strict=False):
        assert result.name == name
        real = miles("E8 1DY", postcode)
        # Shown to one decimal place (allowing for the distance formula used).
        assert abs(shown_miles(result.distance) - real) <= 0.05 + real * 0.005, (name, result.distance)
    by_name = {result.name: result.distance for result in page.results}
    assert by_name["Zeta Lunch Club"] == "Less than 0.1 miles away"
    assert by_name["Vine Lunch Club"] == "0.5 miles away"
    assert by_name["Rose Lunch Club"] == "2.5 miles away"
    assert by_name["Abbey Phone Lunch Club"] == ""


def test_about_a_mile_reads_one_mile(client, make_listing):
    make_listing("Clapton Pond Club", postcode="E5 8AP")  # 1.004 miles from E8 1DY

    (result,) = search(client, postcode="E8 1DY").results

    assert result.distance == "1 mile away"


def test_distance_sort_beats_relevance(client, clubs, make_listing):
    make_listing("Lunch Club Lunch Club", postcode="EC2V 7HH", description="Lunch club")

    page = search(client, q="lunch club", postcode="E8 1DY")

    assert page.names[0] == "Zeta Lunch Club"
    assert page.names.index("Lunch Club Lunch Club") > page.names.index("Sage Lunch Club")


@pytest.mark.parametrize(
    ("within", "expected", "heading"),
    [
        ("0.5", NEAREST_FIRST[:3], "3 results within 0.5 miles of E8 1DY"),
        ("1", NEAREST_FIRST[:5], "5 results within 1 mile of E8 1DY"),
        ("2", NEAREST_FIRST[:7], "7 results within 2 miles of E8 1DY"),
        ("3", NEAREST_FIRST, "8 results within 3 miles of E8 1DY"),
    ],
)
def test_within_excludes_listings_beyond_the_radius(client, clubs, within, expected, heading):
    page = search(client, postcode="E8 1DY", within=within)

    assert page.names == expected
    assert page.results_heading == heading
    assert page.selected_option("within") == within
    for result in page.results:
        assert shown_miles(result.distance) <= float(within)


def test_within_boundary_uses_the_real_distance(client, make_listing):
    make_listing("Just Inside", postcode="E2 8GB")  # 0.995 miles
    make_listing("Just Outside", postcode="E5 8AP")  # 1.004 miles

    assert search(client, postcode="E8 1DY", within="1").names == ["Just Inside"]
    assert search(client, postcode="E8 1DY", within="2").names == ["Just Inside", "Just Outside"]


def test_listings_without_a_venue_are_excluded_within_a_distance(client, clubs):
    page = search(client, postcode="E8 1DY", within="3")

    assert "Abbey Phone Lunch Club" not in page.names
    assert page.counts("category")["lunch-clubs"] == 8


def test_within_limits_facet_counts(client, clubs, make_listing):
    make_listing("Far Youth Club", postcode="EC2V 7HH", categories=("youth-clubs",))
    make_listing("Near Youth Club", postcode="E8 1EJ", categories=("youth-clubs",))

    page = search(client, postcode="E8 1DY", within="1")

    categories = page.counts("category")
    assert (categories["lunch-clubs"], categories["youth-clubs"]) == (5, 1)
    assert page.counts("type") == {"activity": 6}


def test_outward_code_searches_from_the_district_centre(client, clubs):
    page = search(client, postcode="E8")

    assert page.results_heading == "9 results nearest to E8"
    assert page.input_value("postcode") == "E8"
    centre_order = sorted(PLACES, key=lambda place: miles("E8", place[1]))
    assert page.names[:8] == [name for name, _ in centre_order]
    # From the middle of E8, E8 3RL is nearer than E9 6ND (unlike from E8 1DY).
    assert page.names.index("Vine Lunch Club") < page.names.index("Willow Lunch Club")


def test_outward_code_with_a_distance(client, clubs):
    page = search(client, postcode="e8", within="0.5")

    assert page.results_heading.endswith("within 0.5 miles of E8")
    assert sorted(page.names) == ["Yew Tree Lunch Club", "Zeta Lunch Club"]


@pytest.mark.parametrize("typed", ["e81dy", "E81DY", " e8 1dy ", "E8  1DY", "e8\t1Dy"])
def test_postcode_is_normalised(client, clubs, typed):
    page = search(client, postcode=typed, within="0.5")

    assert page.error_summary == []
    assert page.input_value("postcode") == "E8 1DY"
    assert page.results_heading == "3 results within 0.5 miles of E8 1DY"
    assert page.names == NEAREST_FIRST[:3]


def test_distance_from_a_city_postcode(client, clubs):
    page = search(client, postcode="EC2V 7HH", within="1")

    assert page.names == ["Rose Lunch Club"]
    assert page.results[0].distance == "Less than 0.1 miles away"


def test_events_and_spaces_are_placed_too(client, make_listing):
    make_listing("Far Fair", kind=ListingKind.EVENT, postcode="N16 0JL")
    make_listing("Near Hall", kind=ListingKind.SPACE, postcode="E8 1EJ")
    make_listing("Middle Walk", postcode="E8 3RL")

    page = search(client, postcode="E8 1DY")

    assert page.names == ["Near Hall", "Middle Walk", "Far Fair"]
    assert [r.kind for r in page.results] == ["Space", "Activity", "Event"]


def test_nearest_alternatives_when_nothing_is_within_the_radius(client, make_listing):
    make_listing("Stamford Hill Lunch Club", postcode="N16 0JL", categories=("lunch-clubs",))
    make_listing("City Lunch Club", postcode="EC2V 7HH", categories=("lunch-clubs",))
    make_listing("Victoria Park Lunch Club", postcode="E9 5LN", categories=("lunch-clubs",))
    make_listing("Whitechapel Lunch Club", postcode="E1 1AQ", categories=("lunch-clubs",))
    make_listing("Phone Lunch Club", postcode=None, categories=("lunch-clubs",))
    make_listing("Hackney Central Youth Club", postcode="E8 1DY", categories=("youth-clubs",))

    page = search(client, q="lunch", postcode="E8 1DY", within="1")

    assert page.names == []
    assert page.results_heading == "0 results within 1 mile of E8 1DY"
    text = page.main_text
    assert "We could not find anything that matches your search." in text
    assert "Nearest to E8 1DY" in text
    nearest = page.nearest
    # The three nearest lunch clubs, ignoring the limit, with their distances.
    assert [r.name for r in nearest] == [
        "Victoria Park Lunch Club",  # 1.48 miles
        "Stamford Hill Lunch Club",  # 1.54 miles
        "Whitechapel Lunch Club",  # 1.99 miles
    ]
    assert [r.distance for r in nearest] == ["1.5 miles away", "1.5 miles away", "2.0 miles away"]

    any_distance = page.link("Search at any distance")
    assert query_of(any_distance) == {"q": ["lunch"], "postcode": ["E8 1DY"]}
    wider = Page(client.get(search_url(any_distance)))
    assert wider.names[:2] == ["Victoria Park Lunch Club", "Stamford Hill Lunch Club"]
    assert wider.names[-1] == "Phone Lunch Club"


def test_nearest_keeps_filters_when_something_matches_them(client, make_listing):
    make_listing("Far Lunch Club", postcode="EC2V 7HH", categories=("lunch-clubs",))
    make_listing("Nearish Youth Club", postcode="N16 0JL", categories=("youth-clubs",))

    page = search(client, postcode="E8 1DY", within="0.5", category="lunch-clubs")

    assert page.names == []
    assert [r.name for r in page.nearest] == ["Far Lunch Club"]


def test_nearest_ignores_filters_when_nothing_matches_them(client, make_listing):
    make_listing("Nearish Youth Club", postcode="N16 0JL", categories=("youth-clubs",))
    make_listing("Far Hall", kind=ListingKind.SPACE, postcode="EC2V 7HH")

    page = search(client, postcode="E8 1DY", within="0.5", category="lunch-clubs")

    assert page.names == []
    assert [r.name for r in page.nearest] == ["Nearish Youth Club", "Far Hall"]
    assert [r.distance for r in page.nearest] == ["1.5 miles away", "2.5 miles away"]


def test_no_nearest_section_without_a_postcode(client, make_listing):
    make_listing("Youth Club")

    page = search(client, q="lunch")

    assert page.names == []
    assert page.nearest == []
    assert "Nearest to" not in page.main_text
    assert "Search at any distance" not in page.main_text


def test_suggests_removing_a_filter_with_the_count_within_the_radius(client, make_listing):
    make_listing("Near Youth Club", postcode="E8 1EJ", categories=("youth-clubs",))
    make_listing("Near Coffee Morning", postcode="E9 6ND", categories=("coffee-mornings",), languages=("tr",))
    make_listing("Far Lunch Club", postcode="EC2V 7HH", categories=("lunch-clubs",), languages=("tr",))

    page = search(client, postcode="E8 1DY", within="1", category="lunch-clubs", language="tr")

    assert page.names == []
    text = page.main_text
    assert "You could remove a filter:" in text
    # Only listings within the mile count: the far lunch club does not.
    assert "Remove “Lunch clubs” (1 result)" in text
    assert "Remove “Turkish”" not in text
    relaxed = Page(client.get(search_url(page.link("Remove “Lunch clubs”"))))
    assert relaxed.names == ["Near Coffee Morning"]
    assert relaxed.results_heading == "1 result within 1 mile of E8 1DY"


def test_distance_choices_are_offered(client):
    page = search(client)

    select = page.root.find("select", name="within")
    assert select is not None
    options = [(o.attrs.get("value"), o.text()) for o in select.find_all("option")]
    assert options == [
        ("", "Any distance"),
        ("0.5", "Within 0.5 miles"),
        ("1", "Within 1 mile"),
        ("2", "Within 2 miles"),
        ("3", "Within 3 miles"),
        ("5", "Within 5 miles"),
    ]
    assert page.selected_option("within") in (None, "")


def test_paging_keeps_the_place(client, clubs, app, monkeypatch):
    monkeypatch.setitem(app.config, "RESULTS_PER_PAGE", 3)

    first = search(client, postcode="e81dy", within="2")
    assert first.names == NEAREST_FIRST[:3]

    next_href = first.link("Next")
    assert query_of(next_href) == {"postcode": ["E8 1DY"], "within": ["2"], "page": ["2"]}
    second = Page(client.get(search_url(next_href)))
    assert second.names == NEAREST_FIRST[3:6]
    assert second.results[0].distance == "0.5 miles away"

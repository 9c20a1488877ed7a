"""Search filters (facets), their counts, the filter links, and "happening this week"
(more time filters: test_when_filters.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from navigator.clock import LONDON
from navigator.extensions import db
from navigator.models import Cost, Listing, ListingKind, ListingStatus, Schedule, TaxonomyTerm, Vocabulary
from navigator.schedules import WEEKDAYS, weekday_codes
from navigator.services.listings import set_listing_status
from tests.directory.pages import Page, query_of, search_url

# Tuesday 1 December 2026, 9am in London (GMT).
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

TERM_FACETS = {
    "category": Vocabulary.CATEGORY,
    "group": Vocabulary.TARGET_GROUP,
    "language": Vocabulary.LANGUAGE,
    "access": Vocabulary.ACCESSIBILITY,
}


def search(client, **params: str | list[str]) -> Page:
    page = Page(client.get("/search", query_string=params))
    assert page.status == 200, page.html[:500]
    return page


# -- the database's answer -----------------------------------------------------------


def public_current_ids() -> set[uuid.UUID]:
    """Published listings, leaving out events that have finished."""
    rows = db.session.execute(
        select(Listing.id, Listing.kind, Listing.starts_at, Listing.ends_at).where(
            Listing.status == ListingStatus.PUBLISHED
        )
    )
    return {
        listing_id
        for listing_id, kind, starts_at, ends_at in rows
        if kind is not ListingKind.EVENT or (ends_at or starts_at) >= NOW
    }


def ids_for(facet: str, code: str) -> set[uuid.UUID]:
    """Listings carrying one facet value, straight from the tables."""
    if facet == "type":
        return set(db.session.scalars(select(Listing.id).where(Listing.kind == ListingKind(code))))
    if facet == "cost":
        return set(db.session.scalars(select(Listing.id).where(Listing.cost == Cost(code))))
    if facet == "day":
        ids = set()
        for listing_id, by_day in db.session.execute(select(Schedule.listing_id, Schedule.by_day)):
            if code in weekday_codes(by_day):
                ids.add(listing_id)
        events = db.session.execute(select(Listing.id, Listing.starts_at).where(Listing.kind == ListingKind.EVENT))
        for listing_id, starts_at in events:
            if WEEKDAYS[starts_at.astimezone(LONDON).weekday()] == code:
                ids.add(listing_id)
        return ids
    parent = aliased(TaxonomyTerm)
    return set(
        db.session.scalars(
            select(Listing.id)
            .join(Listing.terms)
            .outerjoin(parent, TaxonomyTerm.parent_id == parent.id)
            .where(
                TaxonomyTerm.vocabulary == TERM_FACETS[facet],
                or_(TaxonomyTerm.code == code, parent.code == code),
            )
        )
    )


def matching(filters: dict[str, list[str]], skip: str | None = None) -> set[uuid.UUID]:
    ids = public_current_ids()
    for facet, codes in filters.items():
        if facet == skip:
            continue
        ids &= set().union(*(ids_for(facet, code) for code in codes))
    return ids


def names_of(ids: set[uuid.UUID]) -> list[str]:
    if not ids:
        return []
    return sorted(db.session.scalars(select(Listing.name).where(Listing.id.in_(ids))), key=str.lower)


@pytest.fixture
def directory(make_listing, frozen_now):
    """A small directory covering every facet, plus listings search must leave out."""
    frozen_now(NOW)
    make_listing(
        "Clapton Lunch Club",
        categories=("lunch-clubs",),
        groups=("older-living-alone",),
        languages=("en", "tr"),
        access=("step-free", "hearing-loop"),
        days=("tuesday", "thursday"),
        cost=Cost.LOW,
    )
    make_listing(
        "Dalston Coffee Morning",
        categories=("coffee-mornings",),
        groups=("older-living-alone",),
        languages=("en",),
        access=("step-free",),
        days=("friday",),
    )
    make_listing(
        "Befriending Phone Calls",
        categories=("befriending",),
        groups=("older-living-alone", "carers"),
        languages=("tr", "ku"),
        postcode=None,
        days=("monday", "wednesday"),
    )
    make_listing(
        "Hackney Youth Club",
        categories=("youth-clubs",),
        groups=("children-young-people-families",),
        languages=("en",),
        access=("accessible-toilet",),
        days=("wednesday",),
        cost=Cost.PAY_WHAT_YOU_CAN,
    )
    make_listing(
        "ESOL Conversation Café",
        categories=("esol-english-conversation", "coffee-mornings"),
        groups=("migrants-refugees-esol",),
        languages=("en", "ar", "so"),
        access=("step-free", "quiet-space"),
        days=("tuesday",),
        postcode="N16 0JL",
    )
    make_listing(
        "Stoke Newington Walking Group",
        categories=("walking-groups",),
        languages=("en",),
        days=("saturday",),
        postcode="N16 0JL",
    )
    # Saturday 5 December, 2pm.
    make_listing(
        "Winter Warmth Fair",
        kind=ListingKind.EVENT,
        categories=("community-meals",),
        languages=("en", "tr"),
        access=("step-free",),
        starts_in=timedelta(days=4, hours=5),
    )
    # Thursday 10 December.
    make_listing(
        "Carol Singing",
        kind=ListingKind.EVENT,
        categories=("music-choirs",),
        starts_in=timedelta(days=9),
        cost=Cost.PAID,
    )
    make_listing(
        "St Mark's Hall",
        kind=ListingKind.SPACE,
        categories=("community-halls",),
        access=("step-free", "accessible-toilet", "lift"),
        cost=Cost.PAID,
        postcode="EC2V 7HH",
    )
    # Must not be counted: finished, or not published.
    make_listing(
        "Autumn Lunch Fair",
        kind=ListingKind.EVENT,
        categories=("lunch-clubs",),
        languages=("en",),
        starts_in=timedelta(days=-3),
    )
    draft = make_listing(
        "Draft Lunch Club",
        categories=("lunch-clubs",),
        languages=("tr",),
        access=("step-free",),
        days=("tuesday",),
    )
    set_listing_status(draft.id, ListingStatus.DRAFT)
    return None


FILTER_COMBINATIONS = [
    {},
    {"category": ["social-befriending"]},
    {"category": ["lunch-clubs", "youth-clubs"]},
    {"category": ["coffee-mornings"], "language": ["ar"]},
    {"type": ["activity"], "access": ["step-free"]},
    {"day": ["tuesday", "saturday"]},
    {"cost": ["free"], "group": ["older-living-alone"]},
    {"language": ["tr", "ku"], "day": ["wednesday"]},
    {"type": ["event", "space"], "cost": ["paid"]},
]


@pytest.mark.parametrize("filters", FILTER_COMBINATIONS, ids=lambda f: "&".join(sorted(f)) or "none")
def test_results_and_counts_agree_with_the_database(client, directory, filters):
    page = search(client, **filters)

    expected = matching(filters)
    assert sorted(page.names, key=str.lower) == names_of(expected)
    assert page.results_heading == f"{len(expected)} {'result' if len(expected) == 1 else 'results'}"
    for facet in ("type", "category", "group", "day", "cost", "language", "access"):
        shown = page.counts(facet)
        # Every other facet's filters apply; the facet's own do not (so each box shows what it adds).
        pool = matching(filters, skip=facet)
        for code, count in shown.items():
            assert count == len(pool & ids_for(facet, code)), (facet, code)
        # And no value with listings is missing from the list (top-level categories may be
        # left out of the list unless ticked: their children are listed instead).
        hidden_ok = parent_category_codes() - set(filters.get("category", ()))
        for code, _ in _all_codes(facet):
            if pool & ids_for(facet, code) and not (facet == "category" and code in hidden_ok):
                assert code in shown, (facet, code)
        for code in filters.get(facet, ()):
            assert page.facet(facet)[code][2] is True, (facet, code)


def parent_category_codes() -> set[str]:
    child = aliased(TaxonomyTerm)
    return set(db.session.scalars(select(TaxonomyTerm.code).join(child, child.parent_id == TaxonomyTerm.id).distinct()))


def _all_codes(facet: str) -> list[tuple[str, str]]:
    if facet == "type":
        return [(kind.value, kind.plural) for kind in ListingKind]
    if facet == "cost":
        return [(cost.value, cost.label) for cost in Cost]
    if facet == "day":
        return [(day, day.capitalize()) for day in WEEKDAYS]
    return list(
        db.session.execute(
            select(TaxonomyTerm.code, TaxonomyTerm.name).where(TaxonomyTerm.vocabulary == TERM_FACETS[facet])
        )
    )


def test_facet_labels_are_readable_names(client, directory):
    page = search(client)

    assert page.facet_legends() == [
        "Type",
        "Category",
        "Who it is for",
        "Day of the week",
        "Cost",
        "Language",
        "Accessibility",
    ]
    assert page.facet("type")["activity"][:2] == ("Activities", 6)
    assert page.facet("type")["event"][:2] == ("Events", 2)
    assert page.facet("type")["space"][:2] == ("Spaces", 1)
    assert page.facet("category")["lunch-clubs"][:2] == ("Lunch clubs", 1)
    assert page.facet("group")["older-living-alone"][:2] == (
        "Older residents living alone or with long-term conditions",
        3,
    )
    assert page.facet("day")["tuesday"][:2] == ("Tuesday", 2)
    assert page.facet("cost")["low"][:2] == ("Low cost (£5 or less)", 1)
    assert page.facet("cost")["pay_what_you_can"][:2] == ("Pay what you can", 1)
    assert page.facet("language")["tr"][:2] == ("Turkish", 3)
    assert page.facet("access")["hearing-loop"][:2] == ("Hearing loop", 1)
    # Facet values are listed with the largest count first.
    counts = list(page.counts("access").values())
    assert counts == sorted(counts, reverse=True)


def test_facets_with_no_values_are_not_shown(client, make_listing):
    make_listing("Plain Group")

    page = search(client)

    assert page.facet("language") == {}
    assert "Language" not in page.facet_legends()
    assert page.counts("type") == {"activity": 1}


def test_parent_category_matches_child_tagged_listings(client, directory):
    page = search(client, category="social-befriending")

    assert page.names == [
        "Befriending Phone Calls",
        "Clapton Lunch Club",
        "Dalston Coffee Morning",
        "ESOL Conversation Café",
    ]
    assert page.facet("category")["social-befriending"] == ("Social and befriending", 4, True)
    # The child is not ticked just because its parent is.
    assert page.facet("category")["lunch-clubs"][2] is False


def test_child_category_does_not_match_its_siblings(client, directory):
    assert search(client, category="lunch-clubs").names == ["Clapton Lunch Club"]


def test_or_within_a_facet(client, directory):
    page = search(client, category=["lunch-clubs", "youth-clubs"])

    assert page.names == ["Clapton Lunch Club", "Hackney Youth Club"]
    assert page.facet("category")["lunch-clubs"][2] is True
    assert page.facet("category")["youth-clubs"][2] is True


def test_and_across_facets(client, directory):
    page = search(client, category="coffee-mornings", language="ar")

    assert page.names == ["ESOL Conversation Café"]


def test_or_within_and_across_together(client, directory):
    page = search(client, language=["tr", "ku"], access=["step-free", "hearing-loop"])

    # Turkish or Kurdish, and step-free or hearing loop; the phone befriending has no venue access.
    assert page.names == ["Clapton Lunch Club", "Winter Warmth Fair"]


def test_counts_are_disjunctive(client, directory):
    page = search(client, category="lunch-clubs")

    categories = page.counts("category")
    # Ticking one category still shows what the others would add...
    assert categories["youth-clubs"] == 1
    assert categories["coffee-mornings"] == 2
    assert categories["lunch-clubs"] == 1
    # ...while the other facets count only lunch clubs.
    assert page.counts("cost") == {"low": 1}
    assert page.counts("language") == {"en": 1, "tr": 1}
    assert page.counts("type") == {"activity": 1}


def test_selected_value_with_no_matches_is_still_shown_ticked(client, directory):
    page = search(client, category="youth-clubs", language="ar")

    assert page.names == []
    assert page.facet("language")["ar"] == ("Arabic", 0, True)
    assert page.facet("category")["youth-clubs"] == ("Youth clubs", 0, True)


def test_type_facet(client, directory):
    assert search(client, type="space").names == ["St Mark's Hall"]
    assert search(client, type=["event", "space"]).names == [
        "Carol Singing",
        "St Mark's Hall",
        "Winter Warmth Fair",
    ]


def test_events_are_listed_soonest_first(client, directory):
    # Alphabetically Carol Singing comes first, but the fair is sooner.
    assert search(client, type="event").names == ["Winter Warmth Fair", "Carol Singing"]


def test_day_facet_uses_activity_days(client, directory):
    assert search(client, day="wednesday").names == ["Befriending Phone Calls", "Hackney Youth Club"]
    assert search(client, day=["monday", "friday"]).names == [
        "Befriending Phone Calls",
        "Dalston Coffee Morning",
    ]


def test_day_facet_uses_event_weekday(client, directory):
    # The fair is on Saturday 5 December, the carols on Thursday 10 December.
    assert search(client, day="saturday").names == ["Stoke Newington Walking Group", "Winter Warmth Fair"]
    page = search(client, day="thursday")
    assert page.names == ["Carol Singing", "Clapton Lunch Club"]
    assert "Sunday" not in [label for label, _, _ in page.facet("day").values()]


def test_event_weekday_is_the_london_day(client, make_listing, frozen_now):
    # 11:30pm UTC on Saturday 4 July is 12:30am on Sunday in London (BST).
    frozen_now(datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    make_listing("Midnight Stargazing", kind=ListingKind.EVENT, starts_in=timedelta(days=3))

    assert search(client, day="sunday").names == ["Midnight Stargazing"]
    assert search(client, day="saturday").names == []


def test_cost_facet(client, directory):
    assert search(client, cost="paid").names == ["Carol Singing", "St Mark's Hall"]
    assert search(client, cost=["low", "pay_what_you_can"]).names == [
        "Clapton Lunch Club",
        "Hackney Youth Club",
    ]


def test_language_facet(client, directory):
    assert search(client, language="ku").names == ["Befriending Phone Calls"]
    assert search(client, language="so").names == ["ESOL Conversation Café"]


def test_group_facet(client, directory):
    assert search(client, group="carers").names == ["Befriending Phone Calls"]


def test_access_facet(client, directory):
    assert search(client, access="lift").names == ["St Mark's Hall"]
    assert search(client, access="accessible-toilet").names == ["Hackney Youth Club", "St Mark's Hall"]


def test_filters_combine_with_words(client, directory):
    page = search(client, q="club", type="activity", language="tr")

    assert page.names == ["Clapton Lunch Club"]
    assert page.counts("language")["en"] == 2  # both clubs speak English


@pytest.mark.parametrize(
    "junk",
    [
        {"category": "nope"},
        {"day": "funday"},
        {"type": "meeting"},
        {"cost": "FREE"},
        {"language": "english"},
        {"access": "<script>"},
        {"group": ""},
        {"category": "Lunch-Clubs"},
        {"colour": "blue"},
    ],
    ids=lambda junk: next(iter(junk)),
)
def test_unknown_facet_values_are_ignored(client, directory, junk):
    plain = search(client)
    page = search(client, **junk)

    assert page.names == plain.names
    assert page.filter_tags == []
    assert page.error_summary == []
    assert not page.title.startswith("Error")
    for facet in ("type", "category", "day", "cost", "language", "access"):
        assert page.counts(facet) == plain.counts(facet)


def test_unknown_values_beside_known_ones_are_dropped(client, directory):
    page = search(client, category=["nope", "youth-clubs", "youth-clubs"], day=["funday", "wednesday"])

    assert page.names == ["Hackney Youth Club"]
    assert [text for _, text in page.filter_tags] == [
        "Remove filter: Youth clubs",
        "Remove filter: Wednesday",
    ]


def test_remove_filter_links(client, directory):
    page = search(client, q="club", category=["lunch-clubs", "youth-clubs"], cost="low")
    assert page.names == ["Clapton Lunch Club"]

    tags = dict((text, href) for href, text in page.filter_tags)
    assert list(tags) == [
        "Remove filter: Lunch clubs",
        "Remove filter: Youth clubs",
        "Remove filter: Low cost (£5 or less)",
    ]
    assert query_of(tags["Remove filter: Low cost (£5 or less)"]) == {
        "q": ["club"],
        "category": ["lunch-clubs", "youth-clubs"],
    }
    assert query_of(tags["Remove filter: Lunch clubs"]) == {
        "q": ["club"],
        "category": ["youth-clubs"],
        "cost": ["low"],
    }

    without_cost = Page(client.get(search_url(tags["Remove filter: Low cost (£5 or less)"])))
    assert without_cost.status == 200
    assert sorted(without_cost.names) == ["Clapton Lunch Club", "Hackney Youth Club"]
    assert without_cost.input_value("q") == "club"


def test_remove_filter_link_drops_the_page_number(client, directory, app, monkeypatch):
    monkeypatch.setitem(app.config, "RESULTS_PER_PAGE", 1)
    page = search(client, type="activity", page="2")

    (href,) = [href for href, _ in page.filter_tags]
    assert query_of(href) == {}


def test_clear_all_filters_keeps_words_and_place(client, directory):
    page = search(client, q="club", postcode="E8 1DY", within="5", category="lunch-clubs", day="tuesday")

    clear = page.link("Clear all filters")
    assert query_of(clear) == {"q": ["club"], "postcode": ["E8 1DY"], "within": ["5"]}

    cleared = Page(client.get(search_url(clear)))
    assert cleared.filter_tags == []
    assert "Clear all filters" not in cleared.main_text
    assert sorted(cleared.names) == ["Clapton Lunch Club", "Hackney Youth Club"]


def test_no_filter_links_without_filters(client, directory):
    page = search(client, q="club")

    assert page.filter_tags == []
    assert "Selected filters" not in page.main_text
    assert "Clear all filters" not in page.main_text


def test_removing_a_filter_is_suggested_when_nothing_matches(client, directory):
    page = search(client, category="lunch-clubs", day="friday")

    assert page.names == []
    text = page.main_text
    assert "You could remove a filter:" in text
    assert "Remove “Lunch clubs” (1 result)" in text
    assert "Remove “Friday” (1 result)" in text
    target = Page(client.get(search_url(page.link("Remove “Friday”"))))
    assert target.names == ["Clapton Lunch Club"]


def test_suggestions_put_the_biggest_gain_first(client, directory):
    page = search(client, access="lift", language="en")

    text = page.main_text
    assert "Remove “English” (1 result)" in text
    assert "Remove “Lift” (6 results)" in text
    assert text.index("Remove “Lift”") < text.index("Remove “English”")


# -- happening this week ---------------------------------------------------------------


def test_this_week_shows_what_happens_in_the_next_seven_days(client, directory, make_listing):
    make_listing("Tomorrow Morning Talk", kind=ListingKind.EVENT, starts_in=timedelta(days=1))
    make_listing("Six Days Away Quiz", kind=ListingKind.EVENT, starts_in=timedelta(days=6, hours=23))
    make_listing("Eight Days Away Dance", kind=ListingKind.EVENT, starts_in=timedelta(days=8))

    page = search(client, when="week")

    # Soonest first, by each one's first session in the week (activities meet at 10:30am);
    # not the carols (9 days), the dance (8 days), past events or spaces.
    assert page.names == [
        "Clapton Lunch Club",  # Tuesday 1 December
        "ESOL Conversation Café",
        "Tomorrow Morning Talk",  # Wednesday 2 December, 9am
        "Befriending Phone Calls",
        "Hackney Youth Club",
        "Dalston Coffee Morning",  # Friday
        "Stoke Newington Walking Group",  # Saturday morning
        "Winter Warmth Fair",  # Saturday afternoon
        "Six Days Away Quiz",  # Monday
    ]
    assert page.h1s == ["What's on in the next 7 days"]
    assert page.selected_option("when") == "week"
    assert page.counts("type") == {"activity": 6, "event": 3}


def test_this_week_excludes_an_event_ten_days_out(client, make_listing, frozen_now):
    frozen_now(NOW)
    make_listing("Far Future Fair", kind=ListingKind.EVENT, starts_in=timedelta(days=10))
    make_listing("Weekly Walk", days=("wednesday",))
    make_listing("Community Hall", kind=ListingKind.SPACE)

    page = search(client, when="week")

    # The walk meets on Wednesday 2 December; the fair and the hall are not on this week.
    assert page.names == ["Weekly Walk"]
    assert page.results_heading == "1 result"


def test_this_week_includes_an_event_already_under_way(client, make_listing, frozen_now):
    frozen_now(NOW)
    # Started an hour ago and runs for two hours.
    make_listing("Morning Market", kind=ListingKind.EVENT, starts_in=timedelta(hours=-1))

    assert search(client, when="week").names == ["Morning Market"]


def test_this_week_combines_with_words_and_filters(client, directory, make_listing):
    make_listing("Turkish Supper", kind=ListingKind.EVENT, languages=("tr",), starts_in=timedelta(days=2))

    assert search(client, when="week", language="tr").names == [
        "Clapton Lunch Club",  # Tuesday
        "Befriending Phone Calls",  # Wednesday
        "Turkish Supper",  # Thursday
        "Winter Warmth Fair",  # Saturday
    ]
    assert search(client, when="week", q="winter").names == ["Winter Warmth Fair"]


def test_this_week_filter_can_be_removed(client, directory):
    page = search(client, when="week", q="carol")
    assert page.names == []

    href = page.link("Remove: next 7 days only")
    assert query_of(href) == {"q": ["carol"]}
    assert Page(client.get(search_url(href))).names == ["Carol Singing"]


def test_unknown_when_value_is_ignored(client, directory):
    assert search(client, when="month").names == search(client).names


def test_navigation_links_to_the_whats_on_noticeboard(client, directory):
    page = search(client)

    assert page.link("What's on").startswith("/whats-on")


def test_past_events_never_appear(client, make_listing, frozen_now):
    frozen_now(NOW)
    make_listing("Yesterday's Lunch Fair", kind=ListingKind.EVENT, starts_in=timedelta(days=-1))
    make_listing("Last Month's Lunch Fair", kind=ListingKind.EVENT, starts_in=timedelta(days=-30))
    make_listing("Lunch Club")

    for params in ({}, {"q": "lunch fair"}, {"type": "event"}, {"when": "week"}, {"postcode": "E8 1DY"}):
        page = search(client, **params)
        assert "Lunch Fair" not in page.main_text, params
    assert search(client, type="event").counts("type") == {"activity": 1, "event": 0}


def test_event_drops_out_once_it_has_finished(client, make_listing, frozen_now):
    frozen_now(NOW)
    make_listing("Morning Market", kind=ListingKind.EVENT, starts_in=timedelta(hours=1))
    assert search(client).names == ["Morning Market"]

    # It ends two hours after it starts.
    frozen_now(NOW + timedelta(hours=2, minutes=59))
    assert search(client).names == ["Morning Market"]
    frozen_now(NOW + timedelta(hours=3, minutes=1))
    assert search(client).names == []

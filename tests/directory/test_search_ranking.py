"""Search words: stemming, typo tolerance, ranking, the AND-then-OR fallback and
the order of an empty search, all seen through the public search page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from navigator.models import ListingKind
from tests.directory.pages import Page, search_url

BROADENED = "Nothing matched all of your words, so these results match some of them."


def search(client, query: str = "", **params: str) -> Page:
    args = {"q": query, **params} if query else params
    page = Page(client.get("/search", query_string=args))
    assert page.status == 200, page.html[:500]
    return page


# -- stemming -----------------------------------------------------------------


def test_plural_query_finds_singular_name(client, make_listing):
    make_listing("Clapton Lunch Club", description="A hot meal and good company")
    make_listing("Homerton Knitting Circle", description="Bring your needles")

    page = search(client, "lunch clubs")

    assert page.names == ["Clapton Lunch Club"]
    assert page.results_heading == "1 result"
    assert BROADENED not in page.insets


def test_singular_query_finds_plural_name(client, make_listing):
    make_listing("Saturday Walks for Everyone")
    make_listing("Chess Club")

    assert search(client, "walk").names == ["Saturday Walks for Everyone"]


@pytest.mark.parametrize("query", ["walking", "walk", "walks", "Walked", "WALKING"])
def test_walking_forms_find_walk_and_walks(client, make_listing, query):
    make_listing("Walk and Talk", description="A gentle stroll round the park")
    make_listing("Hackney Marshes Nature Walks", description="Spot birds along the river")
    make_listing("Talking Café", description="Conversation over coffee")

    page = search(client, query)

    assert sorted(page.names) == ["Hackney Marshes Nature Walks", "Walk and Talk"]


def test_stemming_applies_to_descriptions(client, make_listing):
    make_listing("Tuesday Group", description="We paint landscapes and look after the gardens")
    make_listing("Wednesday Group", description="Board games and cards")

    assert search(client, "painting").names == ["Tuesday Group"]
    assert search(client, "gardening").names == ["Tuesday Group"]


# Regression: Whoosh's original Porter stemmer left doubled consonants ("swimm", "runn").
@pytest.mark.parametrize(
    ("query", "name"),
    [("swimming", "Over 60s Swim"), ("running", "Couch to 5k Run Club"), ("knitting", "Knit and Natter")],
)
def test_doubled_consonant_forms_find_the_base_word(client, make_listing, query, name):
    make_listing(name)
    make_listing("Board Games Afternoon")

    assert search(client, query).names == [name]


# -- ranking ------------------------------------------------------------------


def test_name_match_outranks_description_only_match(client, make_listing):
    # Created first and alphabetically first, so only relevance can put it second.
    make_listing(
        "Age Well Café",
        description="Coffee, cake and company. We sometimes run a lunch club in the summer months.",
    )
    make_listing("Lunch Club at St John's", description="Two courses and a cup of tea")

    page = search(client, "lunch club")

    assert page.names == ["Lunch Club at St John's", "Age Well Café"]


def test_name_match_outranks_category_tag_match(client, make_listing):
    make_listing("Afternoon Tea Dance", categories=("music-choirs",), description="Dance to old tunes")
    make_listing("Music for Wellbeing", description="Sing along to old tunes")

    page = search(client, "music")

    assert page.names == ["Music for Wellbeing", "Afternoon Tea Dance"]


def test_results_with_equal_relevance_fall_back_to_name_order(client, make_listing):
    for name in ("Choir C", "Choir A", "Choir B"):
        make_listing(name, description="Singing together")

    assert search(client, "choir").names == ["Choir A", "Choir B", "Choir C"]


def test_query_matches_category_organisation_and_ward(client, make_listing, make_org):
    org = make_org("Shoreditch Trust")
    make_listing("Friday Social", organisation_id=org.id, postcode="N16 0JL")
    make_listing("Men's Shed Workshop", categories=("mens-sheds",), postcode="EC2V 7HH")
    make_listing("Sunday Social", postcode="E8 1DY")

    assert search(client, "shoreditch trust").names == ["Friday Social"]
    assert search(client, "men's sheds").names == ["Men's Shed Workshop"]
    # The ward name (from the venue's postcode) is searchable: E8 1DY is Hackney Central.
    assert search(client, "hackney central").names == ["Sunday Social"]


# -- typos ----------------------------------------------------------------------


@pytest.mark.parametrize("query", ["lonch club", "lunch clob", "Lunch Clubz"])
def test_typos_find_lunch_clubs_not_youth_clubs(client, make_listing, query):
    make_listing("Clapton Lunch Club", categories=("lunch-clubs",), description="Hot lunch for over 60s")
    make_listing("Dalston Lunch Club", categories=("lunch-clubs",))
    make_listing("Hackney Youth Club", categories=("youth-clubs",), description="Games and sport")

    page = search(client, query)

    assert sorted(page.names) == ["Clapton Lunch Club", "Dalston Lunch Club"]
    assert "Hackney Youth Club" not in page.main_text


def test_short_words_must_be_spelt_exactly(client, make_listing):
    # Words of three letters or fewer get no typo allowance, so "tai" does not find "tea".
    make_listing("Tai Chi in the Park")
    make_listing("Tea and Chat")

    assert search(client, "tai").names == ["Tai Chi in the Park"]


def test_typo_must_keep_the_first_letter(client, make_listing):
    make_listing("Walking Netball")
    make_listing("Talking Therapies Drop-in")

    assert search(client, "walking").names == ["Walking Netball"]


# -- AND, then OR ----------------------------------------------------------------


def test_all_words_required_when_some_listing_has_them_all(client, make_listing):
    make_listing("Lunch Club", description="Hot meals")
    make_listing("Knitting Club", description="Bring wool")
    make_listing("Knitting and Lunch", description="Knit while you eat")

    page = search(client, "knitting lunch")

    assert page.names == ["Knitting and Lunch"]
    assert BROADENED not in page.insets


def test_falls_back_to_any_word_with_a_notice(client, make_listing):
    make_listing("Lunch Club", description="Hot meals")
    make_listing("Knitting Circle", description="Bring wool")
    make_listing("Chess Evening", description="Boards provided")

    page = search(client, "lunch knitting")

    assert BROADENED in page.insets
    assert sorted(page.names) == ["Knitting Circle", "Lunch Club"]
    assert page.results_heading == "2 results"


def test_no_notice_and_no_results_when_no_word_matches(client, make_listing):
    make_listing("Lunch Club")

    page = search(client, "trampoline")

    assert page.names == []
    assert page.results_heading == "0 results"
    assert BROADENED not in page.insets
    assert "We could not find anything that matches your search." in page.main_text


def test_fallback_ignores_a_finished_event_that_had_every_word(client, make_listing):
    make_listing("Knitting and Lunch Fair", kind=ListingKind.EVENT, starts_in=timedelta(days=-7))
    make_listing("Lunch Club")
    make_listing("Knitting Circle")

    page = search(client, "knitting lunch")

    assert sorted(page.names) == ["Knitting Circle", "Lunch Club"]
    assert BROADENED in page.insets


def test_fallback_results_rank_listings_with_more_words_first(client, make_listing):
    make_listing("Knitting Circle", description="Bring wool")
    make_listing("Lunch Club", description="Hot meals with knitting after")
    make_listing("Lunch Bunch", description="Sandwiches")

    page = search(client, "lunch knitting origami")

    assert BROADENED in page.insets
    assert page.names[0] == "Lunch Club"
    assert sorted(page.names) == ["Knitting Circle", "Lunch Bunch", "Lunch Club"]


# Regression: stop words of four or more letters ("with", "from") are not indexed, and were
# once still required (as fuzzy terms), so a listing's exact name missed the all-words match.
@pytest.mark.parametrize("name", ["Tea with Friends", "Stories from Home", "Your Local Choir"])
def test_exact_name_with_a_stop_word_matches_all_words(client, make_listing, name):
    make_listing(name, description="A friendly afternoon")
    make_listing("Friends of Clissold Park", description="Volunteers")

    page = search(client, name.lower())

    assert BROADENED not in page.insets
    assert page.names == [name]


def test_short_stop_words_are_ignored(client, make_listing):
    make_listing("Lunch Club", description="Hot meals for over 60s")
    make_listing("Youth Club", description="For 11 to 16 year olds")

    page = search(client, "a lunch club for the over 60s")

    # "a", "for" and "the" are ignored rather than required.
    assert page.names == ["Lunch Club"]
    assert BROADENED not in page.insets


# -- empty search ---------------------------------------------------------------


def test_empty_query_lists_everything_alphabetically(client, make_listing):
    for name in ("zumba for beginners", "Men's Shed", "Allotment Club", "baby Rhyme Time", "Coffee Morning"):
        make_listing(name)
    make_listing("Community Hall", kind=ListingKind.SPACE)
    make_listing("Winter Fair", kind=ListingKind.EVENT)

    page = search(client)

    assert page.names == [
        "Allotment Club",
        "baby Rhyme Time",
        "Coffee Morning",
        "Community Hall",
        "Men's Shed",
        "Winter Fair",
        "zumba for beginners",
    ]
    assert page.results_heading == "7 results"
    assert page.title == "Search activities, events and spaces – Community Navigator"


def test_whitespace_only_query_is_an_empty_search(client, make_listing):
    make_listing("Beta Group")
    make_listing("Alpha Group")

    page = search(client, "   \t  ")

    assert page.names == ["Alpha Group", "Beta Group"]
    assert page.input_value("q") == ""
    assert BROADENED not in page.insets


def test_query_is_kept_in_the_box_and_title(client, make_listing):
    make_listing("Lunch Club")

    page = search(client, "  lunch    club ")

    assert page.input_value("q") == "lunch club"
    assert page.title == "lunch club – Search activities, events and spaces – Community Navigator"


def test_results_show_kind_organisation_schedule_place_and_cost(client, make_listing, make_org):
    org = make_org("Hackney Older People's Network")
    make_listing(
        "Clapton Lunch Club",
        organisation_id=org.id,
        description="Hot lunch for over 60s",
        days=("tuesday", "thursday"),
    )

    (result,) = search(client, "lunch").results

    assert result.kind == "Activity"
    assert "Hackney Older People's Network" in result.text
    assert "Every Tuesday, 10:30am to 12pm" in result.text
    assert "Every Thursday, 10:30am to 12pm" in result.text
    assert "Clapton Lunch Club venue, E8 1DY" in result.text
    assert "Free" in result.text
    assert "Hot lunch for over 60s" in result.text
    assert result.distance == ""


def test_result_links_open_the_listing(client, make_listing):
    activity = make_listing("Lunch Club")
    event = make_listing("Lunch Fair", kind=ListingKind.EVENT)
    space = make_listing("Lunch Room", kind=ListingKind.SPACE)

    hrefs = {result.name: result.href for result in search(client, "lunch").results}

    # Each link carries the search (`back`), so the listing's back link returns to it.
    assert hrefs == {
        "Lunch Club": f"/activities/{activity.id}?back=q%3Dlunch",
        "Lunch Fair": f"/events/{event.id}?back=q%3Dlunch",
        "Lunch Room": f"/spaces/{space.id}?back=q%3Dlunch",
    }
    for href in hrefs.values():
        page = client.get(href).get_data(as_text=True)
        assert re.search(r'href="/search\?q=lunch" class="govuk-back-link[^"]*">Back to your search', page)
    assert re.search(
        r'href="/search" class="govuk-back-link[^"]*">Search the directory',
        client.get(f"/activities/{activity.id}").get_data(as_text=True),
    )


# -- paging -----------------------------------------------------------------------


def test_results_are_paged_in_order(client, make_listing, app, monkeypatch):
    monkeypatch.setitem(app.config, "RESULTS_PER_PAGE", 2)
    for letter in "EDCBA":
        make_listing(f"Group {letter}")

    first = search(client)
    assert first.results_heading == "5 results"
    assert first.names == ["Group A", "Group B"]

    second = Page(client.get(search_url(first.link("Next"))))
    assert second.names == ["Group C", "Group D"]
    third = search(client, page="3")
    assert third.names == ["Group E"]
    assert "Next" not in [text for _, text in third.links()]

"""Nothing typed into the search page can break it: bad postcodes and distances get
messages next to their fields, query syntax is just words, paging is forgiving."""

from __future__ import annotations

import pytest

from navigator.models import ListingKind
from tests.directory.pages import Page, query_of, search_url

ERROR_TITLE = "Error: "


def get(client, query_string: str) -> Page:
    """GET /search with a raw query string, exactly as a browser or a bot might send it."""
    page = Page(client.get("/search?" + query_string))
    assert page.status == 200, (query_string, page.status, page.html[:500])
    return page


def search(client, **params: str | list[str]) -> Page:
    page = Page(client.get("/search", query_string=params))
    assert page.status == 200, (params, page.status, page.html[:500])
    return page


def assert_field_error(page: Page, field: str, message: str) -> None:
    assert page.field_error(field) == message
    assert (f"#{field}", message) in page.error_summary
    assert page.title.startswith(ERROR_TITLE), page.title
    assert page.h1s == ["Search activities, events and spaces"]


def assert_no_errors(page: Page) -> None:
    assert page.error_summary == []
    assert "govuk-error-message" not in page.html
    assert not page.title.startswith(ERROR_TITLE), page.title


@pytest.fixture
def listings(make_listing):
    make_listing("Clapton Lunch Club", postcode="E8 1DY", categories=("lunch-clubs",))
    make_listing("Stamford Hill Lunch Club", postcode="N16 0JL", categories=("lunch-clubs",))
    make_listing("Phone Befriending", postcode=None, categories=("befriending",))


# -- postcodes ---------------------------------------------------------------------


def test_unknown_postcode(client, listings):
    page = search(client, postcode="ZZ9 9ZZ", within="1")

    assert_field_error(page, "postcode", "We could not find the postcode ZZ9 9ZZ. Check it and try again")
    # Results still show, without distances or a distance limit.
    assert page.names == ["Clapton Lunch Club", "Phone Befriending", "Stamford Hill Lunch Club"]
    assert all(result.distance == "" for result in page.results)
    assert page.results_heading == "3 results"
    assert page.input_value("postcode") == "ZZ9 9ZZ"


def test_unknown_outward_code(client, listings):
    page = search(client, postcode="ZZ9")

    assert_field_error(page, "postcode", "We could not find the postcode area ZZ9. Check it and try again")
    assert len(page.names) == 3


@pytest.mark.parametrize("typed", ["not a postcode", "E8 1DYX", "12345", "E", "8E 1DY", "E8 1D", "#$%", "DROP TABLE"])
def test_malformed_postcode(client, listings, typed):
    page = search(client, q="lunch", postcode=typed, within="2")

    assert_field_error(page, "postcode", "Enter a real postcode, like E8 1DY")
    assert sorted(page.names) == ["Clapton Lunch Club", "Stamford Hill Lunch Club"]
    assert all(result.distance == "" for result in page.results)
    assert page.input_value("postcode") == " ".join(typed.split())


def test_very_long_postcode_is_cut_short(client, listings):
    page = search(client, postcode="E8 1DY" * 500)

    assert page.field_error("postcode") == "Enter a real postcode, like E8 1DY"
    assert len(page.input_value("postcode")) <= 20
    assert len(page.names) == 3


def test_lower_case_postcode_without_a_space_is_understood(client, listings):
    page = search(client, postcode="e81dy")

    assert_no_errors(page)
    assert page.input_value("postcode") == "E8 1DY"
    assert page.names[0] == "Clapton Lunch Club"
    assert page.results[0].distance == "Less than 0.1 miles away"


def test_blank_postcode_is_no_postcode(client, listings):
    page = search(client, postcode="   ")

    assert_no_errors(page)
    assert page.results_heading == "3 results"


# -- distances ---------------------------------------------------------------------


def test_within_without_postcode(client, listings):
    page = search(client, within="1")

    assert_field_error(page, "postcode", "Enter a postcode to search within a distance")
    assert page.results_heading == "3 results"
    assert len(page.names) == 3


@pytest.mark.parametrize(
    "within", ["abc", "-1", "0", "1000", "50.5", "nan", "NaN", "inf", "-inf", "Infinity", "1,5", "½"]
)
def test_bad_distance(client, listings, within):
    page = search(client, postcode="E8 1DY", within=within)

    assert_field_error(page, "within", "Choose a distance from the list")
    assert page.field_error("postcode") is None
    # The postcode still orders the results; no limit applies.
    assert page.results_heading == "3 results nearest to E8 1DY"
    assert page.names == ["Clapton Lunch Club", "Stamford Hill Lunch Club", "Phone Befriending"]
    assert page.selected_option("within") in (None, "")


def test_bad_distance_and_bad_postcode_are_both_reported(client, listings):
    page = search(client, postcode="ZZ9 9ZZ", within="lots")

    assert page.field_error("postcode") == "We could not find the postcode ZZ9 9ZZ. Check it and try again"
    assert page.field_error("within") == "Choose a distance from the list"
    assert [href for href, _ in page.error_summary] == ["#postcode", "#within"]
    assert page.title.startswith(ERROR_TITLE)


def test_error_summary_links_point_at_fields(client, listings):
    page = search(client, postcode="nope", within="lots")

    for href, _ in page.error_summary:
        assert page.root.find(id=href.removeprefix("#")) is not None, href


def test_distance_not_on_the_list_but_sensible_is_used(client, listings):
    page = search(client, postcode="E8 1DY", within="1.75")

    assert_no_errors(page)
    assert page.names == ["Clapton Lunch Club", "Stamford Hill Lunch Club"]


# -- words -------------------------------------------------------------------------

SYNTAX = [
    '"lunch club',
    "lunch (club",
    "lunch) club)",
    "lunch AND club",
    "lunch OR",
    "NOT lunch",
    "lunch*",
    "lunch?",
    "lunch~2",
    "lunch^10",
    "name:lunch",
    "[lunch TO club]",
    "{lunch}",
    "lunch\\",
    "lunch/club",
    "lunch && club || !x",
    "lunch:*",
    "lunch'; DROP TABLE listings; --",
    "<script>alert(1)</script> lunch",
]


@pytest.mark.parametrize("query", SYNTAX)
def test_query_syntax_is_treated_as_words(client, listings, query):
    page = search(client, q=query)

    assert_no_errors(page)
    assert page.input_value("q") == " ".join(query.split())
    assert "Clapton Lunch Club" in page.names
    assert "Phone Befriending" not in page.names


@pytest.mark.parametrize(
    "query", ['"', "(", ")", "*", "?", "~", "^", ":", "[", "{", "\\", "*:*", "AND", "OR", "NOT", "-", "&"]
)
def test_query_of_only_syntax_never_fails(client, listings, query):
    page = search(client, q=query)

    assert_no_errors(page)
    assert page.h1s == ["Search activities, events and spaces"]
    assert page.input_value("q") == query


def test_markup_in_the_query_is_escaped(client, listings):
    page = search(client, q='<script>alert("x")</script>')

    assert '<script>alert("x")</script>' not in page.html
    assert page.input_value("q") == '<script>alert("x")</script>'
    assert page.title.startswith('<script>alert("x")</script> – ')


def test_very_long_query_is_cut_to_200_characters(client, listings):
    page = search(client, q="lunch " + "x" * 10_000)

    assert_field_error(
        page,
        "q",
        "Search words must be 200 characters or fewer: we searched for the first part only",
    )
    assert len(page.input_value("q")) == 200
    assert page.input_value("q").startswith("lunch xxx")


def test_very_long_query_of_many_words(client, listings):
    page = search(client, q="lunch club " * 1000)

    assert page.field_error("q") is not None
    assert len(page.input_value("q")) <= 200
    assert sorted(page.names) == ["Clapton Lunch Club", "Stamford Hill Lunch Club"]


def test_query_of_exactly_200_characters_is_fine(client, listings):
    query = ("lunch " * 40)[:200]  # ends "... lunch lu"
    assert len(query) == 200

    page = search(client, q=query)

    assert_no_errors(page)
    assert page.input_value("q") == query
    assert search(client, q=query + "n").field_error("q") is not None


@pytest.mark.parametrize(
    "query",
    [
        "lunch 🍲",
        "🍲🍲🍲",
        "lunch 👩🏽 club",  # skin-tone modifier
        "غداء نادي",  # Arabic
        "מועדון ארוחת צהריים",  # Hebrew
        "cafe\u0301 lunch",  # combining accent
        "Z\u0351\u0352\u0353\u0354a\u0355\u0356l\u0357go",  # stacked combining marks
        "ｌｕｎｃｈ",  # full-width
        "öğle yemeği kulübü",  # Turkish
        "午餐俱乐部",  # Chinese
    ],
)
def test_unicode_queries(client, listings, query):
    page = search(client, q=query)

    assert_no_errors(page)
    assert page.input_value("q") == query


def test_listing_with_non_latin_name_is_found(client, make_listing):
    make_listing("נאַשן קלוב", languages=("yi",))
    make_listing("Kulüp Öğle Yemeği", languages=("tr",))
    make_listing("مركز المجتمع", languages=("ar",))

    assert search(client, q="קלוב").names == ["נאַשן קלוב"]
    assert search(client, q="öğle").names == ["Kulüp Öğle Yemeği"]
    assert search(client, q="المجتمع").names == ["مركز المجتمع"]


def test_bidi_override_in_query(client, listings):
    page = search(client, q="lunch \u202eclub")

    assert_no_errors(page)
    assert "Clapton Lunch Club" in page.names


# Regression: only control characters (Cc) may be dropped; format characters such as the
# zero-width joiner and non-joiner spell emoji sequences and Persian or Bengali words.
@pytest.mark.parametrize(
    "query",
    [
        "lunch 👩🏽\u200d🍳 club",  # woman cook: joined with U+200D
        "\u06a9\u062a\u0627\u0628\u200c\u062e\u0627\u0646\u0647",  # Persian "library", with U+200C
    ],
)
def test_zero_width_joiners_are_kept_in_the_query(client, listings, query):
    page = search(client, q=query)

    assert_no_errors(page)
    assert page.input_value("q") == query


def test_null_byte_in_query_does_not_break_the_page(client, listings):
    page = get(client, "q=lunch%00club")

    assert page.error_summary == []
    # U+0000 is not allowed in HTML, so it must not be echoed back.
    assert "\x00" not in page.html


def test_null_byte_in_postcode_and_filters(client, listings):
    page = get(client, "postcode=E8%001DY&within=1%00&category=lunch-clubs%00&page=2%00")

    assert "\x00" not in page.html
    # The postcode is either refused or read as E8 1DY; either way the page works.
    if page.field_error("postcode") is None:
        assert page.input_value("postcode") == "E8 1DY"
    else:
        assert page.field_error("postcode") == "Enter a real postcode, like E8 1DY"
    assert page.field_error("within") == "Choose a distance from the list"
    assert page.filter_tags == []
    assert len(page.names) == 3


@pytest.mark.parametrize(
    "raw",
    [
        "q=%FF%FE",  # not UTF-8
        "q=%",
        "q=%zz",
        "postcode=%C0%AF",
        "q=lunch&q=club",
        "q[]=lunch",
        "=lunch",
        "&&&",
        "q",
        "category",
        "page",
        "within",
    ],
)
def test_odd_query_strings(client, listings, raw):
    get(client, raw)


# -- paging ------------------------------------------------------------------------


@pytest.fixture
def many(make_listing, app, monkeypatch):
    monkeypatch.setitem(app.config, "RESULTS_PER_PAGE", 2)
    for letter in "ABCDE":
        make_listing(f"Group {letter}", postcode=None)


@pytest.mark.parametrize("number", ["0", "-1", "abc", "", "1.5", "1e3", "-99999", "9" * 5000])
def test_bad_page_numbers_show_the_first_page(client, many, number):
    page = search(client, page=number)

    assert page.names == ["Group A", "Group B"]
    assert_no_errors(page)


def test_page_past_the_end_redirects_to_the_last_page(client, many):
    response = client.get("/search", query_string={"page": "99999", "q": "group"})

    assert response.status_code == 302
    target = search_url(response.headers["Location"])
    assert query_of(target) == {"q": ["group"], "page": ["3"]}
    last = Page(client.get(target))
    assert last.status == 200
    assert last.names == ["Group E"]


def test_page_past_the_end_of_nothing_redirects_to_page_one(client, many):
    response = client.get("/search", query_string={"page": "4", "q": "trampoline"})

    assert response.status_code == 302
    target = search_url(response.headers["Location"])
    page = Page(client.get(target))
    assert page.status == 200
    assert page.results_heading == "0 results"


def test_redirect_keeps_filters_and_place(client, many, make_listing):
    make_listing("Lunch Club", categories=("lunch-clubs",))

    response = client.get(
        "/search",
        query_string={"page": "7", "category": "lunch-clubs", "postcode": "e81dy", "within": "1"},
    )

    assert response.status_code == 302
    assert query_of(response.headers["Location"]) == {
        "category": ["lunch-clubs"],
        "postcode": ["E8 1DY"],
        "within": ["1"],
        "page": ["1"],
    }


# -- repeated and unexpected parameters ---------------------------------------------


def test_repeated_parameters_use_the_first(client, listings):
    page = get(client, "q=befriending&q=lunch&postcode=E8+1DY&postcode=ZZ9+9ZZ&within=1&within=abc")

    assert_no_errors(page)
    assert page.input_value("q") == "befriending"
    assert page.results_heading == "0 results within 1 mile of E8 1DY"


def test_repeated_filter_values_count_once(client, listings):
    page = get(client, "category=lunch-clubs&category=lunch-clubs&category=lunch-clubs")

    assert [text for _, text in page.filter_tags] == ["Remove filter: Lunch clubs"]
    assert sorted(page.names) == ["Clapton Lunch Club", "Stamford Hill Lunch Club"]


def test_hundreds_of_filter_values(client, listings):
    page = get(client, "&".join(["category=nope"] * 500 + ["category=lunch-clubs"] * 500))

    assert page.status == 200


def test_repeated_when_uses_the_first(client, make_listing):
    make_listing("Fair", kind=ListingKind.EVENT)
    make_listing("Club")  # meets every Tuesday, so in any 7 days
    make_listing("Hall", kind=ListingKind.SPACE)  # never "on" in a week

    page = get(client, "when=week&when=month")

    assert sorted(page.names) == ["Club", "Fair"]
    assert page.selected_option("when") == "week"


def test_post_is_not_allowed_but_shows_a_page(client, listings):
    response = client.post("/search", data={"q": "lunch"})

    assert response.status_code in (400, 405)
    page = Page(response)
    assert page.footer_text


def test_form_round_trip_with_every_field(client, listings):
    page = search(client, q="lunch", postcode="E8 1DY", within="2", category="lunch-clubs", when="week")

    assert_no_errors(page)
    assert page.input_value("q") == "lunch"
    assert page.input_value("postcode") == "E8 1DY"
    assert page.selected_option("within") == "2"
    # Both lunch clubs meet on Tuesdays, so both are on in the next 7 days.
    assert page.facet("category") == {"lunch-clubs": ("Lunch clubs", 2, True)}
    remove = page.link("Remove: next 7 days only")
    assert query_of(remove) == {
        "q": ["lunch"],
        "category": ["lunch-clubs"],
        "postcode": ["E8 1DY"],
        "within": ["2"],
    }
    assert search_url(remove).startswith("/search?")

"""Scoring: every worked example in domain.md 3.2-3.7, missing data, DECLINED, bad input."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

import pytest

from navigator.screening import (
    DECLINED,
    INSTRUMENTS,
    Answers,
    InvalidAnswer,
    ScreeningResult,
    get_instrument,
    is_complete,
    score,
    score_cyp_loneliness,
    score_djg6,
    score_easy_read,
    score_lsns6,
    score_ons4,
    score_ons_direct,
    score_ucla3,
    validate_answers,
)

UCLA_CODE = {
    "Hardly ever or never": "hardly_ever_or_never",
    "Some of the time": "some_of_the_time",
    "Often": "often",
}
DJG_CODE = {"Yes": "yes", "More or less": "more_or_less", "No": "no"}
LSNS_CODE = {
    "none": "none",
    "one": "one",
    "two": "two",
    "three or four": "three_or_four",
    "five thru eight": "five_to_eight",
    "nine or more": "nine_or_more",
}
UCLA_ITEMS = ("lack_companionship", "left_out", "isolated")
CYP_ITEMS = ("no_one_to_talk_to", "left_out", "alone")
DJG_ITEMS = ("emptiness", "miss_people", "rejected", "rely_on", "trust", "close_to")
LSNS_ITEMS = (
    "family_contact",
    "family_private",
    "family_help",
    "friends_contact",
    "friends_private",
    "friends_help",
)
ONS4_ITEMS = ("life_satisfaction", "worthwhile", "happiness", "anxiety")


def ucla(*labels: str) -> dict[str, str]:
    return {code: UCLA_CODE[label] for code, label in zip(UCLA_ITEMS, labels, strict=True)}


def djg(*labels: str) -> dict[str, str]:
    return {code: DJG_CODE[label] for code, label in zip(DJG_ITEMS, labels, strict=True)}


def lsns(*labels: str) -> dict[str, str]:
    return {code: LSNS_CODE[label] for code, label in zip(LSNS_ITEMS, labels, strict=True)}


def ons4(*values: int) -> dict[str, str]:
    return {code: str(value) for code, value in zip(ONS4_ITEMS, values, strict=True)}


# --- 3.2 ONS direct question --------------------------------------------------------------


def test_ons_direct_worked_example_moves_out_of_often_always() -> None:
    baseline = score_ons_direct({"lonely": "often_always"})
    follow_up = score_ons_direct({"lonely": "some_of_the_time"})

    assert baseline.chronic_loneliness is True
    assert follow_up.chronic_loneliness is False
    assert baseline.categories == {"lonely": "often_always"}
    assert follow_up.categories == {"lonely": "some_of_the_time"}
    # Categorical: never a number.
    assert baseline.score is None and follow_up.score is None
    assert baseline.complete and follow_up.complete


@pytest.mark.parametrize("value", ["some_of_the_time", "occasionally", "hardly_ever", "never"])
def test_ons_direct_only_often_always_is_chronic(value: str) -> None:
    assert score_ons_direct({"lonely": value}).chronic_loneliness is False


@pytest.mark.parametrize(
    ("answers", "complete"),
    [({}, False), ({"lonely": None}, False), ({"lonely": DECLINED}, True)],
)
def test_ons_direct_no_answer_or_declined_is_not_classified(answers: Answers, complete: bool) -> None:
    result = score_ons_direct(answers)
    assert result.chronic_loneliness is None
    assert result.categories == {"lonely": None}
    assert result.complete is complete
    assert any("not classified" in note for note in result.notes)


# --- 3.3 UCLA-3 ---------------------------------------------------------------------------


def test_ucla3_worked_example_baseline_8_follow_up_5() -> None:
    baseline = score_ucla3(ucla("Often", "Some of the time", "Often"))
    follow_up = score_ucla3(ucla("Some of the time", "Hardly ever or never", "Some of the time"))

    assert baseline.score == 8
    assert baseline.item_scores == {"lack_companionship": 3, "left_out": 2, "isolated": 3}
    assert follow_up.score == 5
    assert follow_up.item_scores == {"lack_companionship": 2, "left_out": 1, "isolated": 2}
    assert follow_up.score - baseline.score == -3
    # Moves from 6-9 to 3-5 under the local band, labelled as local convention.
    assert baseline.band == "lonely (local convention)"
    assert follow_up.band == "not lonely (local convention)"
    assert any("local convention" in note for note in baseline.notes)
    assert baseline.complete and follow_up.complete
    assert baseline.chronic_loneliness is None  # UCLA-3 has no direct question


@pytest.mark.parametrize(
    ("labels", "total", "band"),
    [
        (("Hardly ever or never",) * 3, 3, "not lonely (local convention)"),
        (
            ("Some of the time", "Some of the time", "Hardly ever or never"),
            5,
            "not lonely (local convention)",
        ),
        (("Some of the time",) * 3, 6, "lonely (local convention)"),
        (("Often",) * 3, 9, "lonely (local convention)"),
    ],
)
def test_ucla3_band_edges(labels: tuple[str, ...], total: int, band: str) -> None:
    result = score_ucla3(ucla(*labels))
    assert (result.score, result.band) == (total, band)


@pytest.mark.parametrize("gap", [None, DECLINED])
@pytest.mark.parametrize("missing_item", UCLA_ITEMS)
def test_ucla3_any_missing_or_declined_item_leaves_total_empty(missing_item: str, gap: str | None) -> None:
    answers: dict[str, str | None] = dict(ucla("Often", "Often", "Often"))
    if gap is None:
        del answers[missing_item]
    else:
        answers[missing_item] = gap

    result = score_ucla3(answers)

    assert result.score is None
    assert result.band is None
    # Available items are still recorded; nothing is prorated.
    assert result.item_scores == {code: (None if code == missing_item else 3) for code in UCLA_ITEMS}
    assert result.complete is (gap == DECLINED)
    assert result.declined_items == ((missing_item,) if gap == DECLINED else ())
    assert result.unanswered_items == ((missing_item,) if gap is None else ())
    assert any("no prorating" in note for note in result.notes)


def test_ucla3_with_no_answers() -> None:
    result = score_ucla3({})
    assert result.score is None
    assert not result.complete
    assert result.unanswered_items == UCLA_ITEMS


# --- 3.4 Children and young people (10-15) -----------------------------------------------


def test_cyp_worked_example_total_7_and_direct_question_reported_apart() -> None:
    result = score_cyp_loneliness(
        {
            "no_one_to_talk_to": "some_of_the_time",
            "left_out": "often",
            "alone": "some_of_the_time",
            "lonely": "some_of_the_time",
        }
    )

    assert result.score == 7
    assert result.item_scores == {"no_one_to_talk_to": 2, "left_out": 3, "alone": 2}
    assert result.categories == {"lonely": "some_of_the_time"}
    assert result.chronic_loneliness is False
    assert result.complete
    # No published or local band for the CYP total; never pooled with adult UCLA-3.
    assert result.band is None
    assert any("never pool with adult UCLA-3" in note for note in result.notes)


def test_cyp_direct_question_often_always_is_chronic_even_without_total() -> None:
    result = score_cyp_loneliness({"left_out": "often", "lonely": "often_always"})
    assert result.chronic_loneliness is True
    assert result.score is None
    assert not result.complete
    assert result.unanswered_items == ("no_one_to_talk_to", "alone")


@pytest.mark.parametrize("gap", [None, DECLINED])
@pytest.mark.parametrize("missing_item", CYP_ITEMS)
def test_cyp_missing_or_declined_scored_item_leaves_total_empty(missing_item: str, gap: str | None) -> None:
    answers: dict[str, str | None] = dict.fromkeys(CYP_ITEMS, "often")
    answers["lonely"] = "never"
    answers[missing_item] = gap

    result = score_cyp_loneliness(answers)

    assert result.score is None
    assert result.item_scores[missing_item] is None
    assert sum(1 for value in result.item_scores.values() if value == 3) == 2
    assert result.complete is (gap == DECLINED)


def test_cyp_declined_direct_question_keeps_total_but_is_not_classified() -> None:
    result = score_cyp_loneliness({**dict.fromkeys(CYP_ITEMS, "some_of_the_time"), "lonely": DECLINED})
    assert result.score == 6
    assert result.chronic_loneliness is None
    assert result.complete


# --- 3.5 DJG-6 ----------------------------------------------------------------------------


def test_djg6_worked_example_total_4_moderately_lonely() -> None:
    result = score_djg6(djg("Yes", "More or less", "No", "No", "More or less", "Yes"))

    assert result.item_scores == {
        "emptiness": 1,
        "miss_people": 1,
        "rejected": 0,
        "rely_on": 1,
        "trust": 1,
        "close_to": 0,
    }
    assert result.subscores == {"emotional": 2, "social": 2}
    assert result.score == 4
    assert result.band == "moderately lonely"
    assert result.subscore_bands == {"emotional": "lonely", "social": "lonely"}
    assert result.complete


@pytest.mark.parametrize(
    ("labels", "total", "band"),
    [
        (("No", "No", "No", "Yes", "Yes", "Yes"), 0, "not lonely"),
        (("Yes", "No", "No", "Yes", "Yes", "Yes"), 1, "not lonely"),
        (("Yes", "Yes", "No", "Yes", "Yes", "Yes"), 2, "moderately lonely"),
        (("Yes", "Yes", "Yes", "No", "No", "Yes"), 5, "severely lonely"),
        (("Yes", "More or less", "Yes", "No", "More or less", "No"), 6, "severely lonely"),
    ],
)
def test_djg6_total_bands(labels: tuple[str, ...], total: int, band: str) -> None:
    result = score_djg6(djg(*labels))
    assert (result.score, result.band) == (total, band)


def test_djg6_subscale_of_zero_is_not_lonely() -> None:
    result = score_djg6(djg("No", "No", "No", "Yes", "Yes", "More or less"))
    assert result.subscores == {"emotional": 0, "social": 1}
    assert result.subscore_bands == {"emotional": "not lonely", "social": "lonely"}


@pytest.mark.parametrize("gap", [None, DECLINED])
def test_djg6_one_missing_item_counts_over_the_other_five(gap: str | None) -> None:
    answers: dict[str, str | None] = dict(djg("Yes", "More or less", "No", "No", "More or less", "Yes"))
    answers["emptiness"] = gap  # an emotional item scoring 1 goes missing

    result = score_djg6(answers)

    assert result.score == 3
    assert result.band == "moderately lonely"
    assert result.subscores == {"emotional": None, "social": 2}
    assert result.subscore_bands == {"emotional": None, "social": "lonely"}
    assert result.complete is (gap == DECLINED)
    assert any("over the 5 answered items" in note for note in result.notes)


def test_djg6_two_missing_items_leave_total_and_subscales_empty() -> None:
    answers: dict[str, str | None] = dict(djg("Yes", "More or less", "No", "No", "More or less", "Yes"))
    answers["rejected"] = DECLINED
    del answers["close_to"]

    result = score_djg6(answers)

    assert result.score is None
    assert result.band is None
    assert result.subscores == {"emotional": None, "social": None}
    assert not result.complete
    assert result.declined_items == ("rejected",)
    assert result.unanswered_items == ("close_to",)


# --- 3.6 LSNS-6 ---------------------------------------------------------------------------


def test_lsns6_worked_example_total_8_at_risk() -> None:
    result = score_lsns6(lsns("two", "one", "one", "three or four", "one", "none"))

    assert result.subscores == {"family": 4, "friends": 4}
    assert result.score == 8
    assert result.band == "at risk of social isolation"
    assert result.complete


@pytest.mark.parametrize(
    ("labels", "total", "band"),
    [
        (("none",) * 6, 0, "at risk of social isolation"),
        (("two",) * 5 + ("one",), 11, "at risk of social isolation"),
        (("two",) * 6, 12, "not at risk of social isolation"),
        (("nine or more",) * 6, 30, "not at risk of social isolation"),
    ],
)
def test_lsns6_threshold_below_12(labels: tuple[str, ...], total: int, band: str) -> None:
    result = score_lsns6(lsns(*labels))
    assert (result.score, result.band) == (total, band)


def test_lsns6_subscales_run_0_to_15() -> None:
    result = score_lsns6(lsns("nine or more", "nine or more", "nine or more", "none", "none", "none"))
    assert result.subscores == {"family": 15, "friends": 0}


@pytest.mark.parametrize("gap", [None, DECLINED])
@pytest.mark.parametrize("missing_item", LSNS_ITEMS)
def test_lsns6_needs_all_six_items(missing_item: str, gap: str | None) -> None:
    answers: dict[str, str | None] = dict(lsns(*("two",) * 6))
    answers[missing_item] = gap

    result = score_lsns6(answers)

    assert result.score is None
    assert result.band is None
    missing_subscale = "family" if missing_item.startswith("family") else "friends"
    other = "friends" if missing_subscale == "family" else "family"
    assert result.subscores == {missing_subscale: None, other: 6}
    assert result.complete is (gap == DECLINED)


# --- 3.7 ONS4 -----------------------------------------------------------------------------


def test_ons4_worked_example_baseline_and_follow_up() -> None:
    baseline = score_ons4(ons4(4, 6, 5, 7))
    follow_up = score_ons4(ons4(6, 7, 7, 4))

    assert baseline.subscores == {"life_satisfaction": 4, "worthwhile": 6, "happiness": 5, "anxiety": 7}
    assert baseline.subscore_bands == {
        "life_satisfaction": "low",
        "worthwhile": "medium",
        "happiness": "medium",
        "anxiety": "high",
    }
    assert follow_up.subscore_bands == {
        "life_satisfaction": "medium",
        "worthwhile": "high",
        "happiness": "high",
        "anxiety": "medium",
    }
    # Never summed or averaged.
    assert baseline.score is None and baseline.band is None

    # Changes +2 / +1 / +2 / -3, all improvements because a fall in anxiety is one.
    instrument = get_instrument("ons4")
    changes = {}
    for item in instrument.items:
        after, before = follow_up.subscores[item.code], baseline.subscores[item.code]
        assert after is not None and before is not None
        changes[item.code] = after - before
        improved = changes[item.code] > 0 if item.higher_is_better else changes[item.code] < 0
        assert improved, item.code
    assert changes == {"life_satisfaction": 2, "worthwhile": 1, "happiness": 2, "anxiety": -3}


POSITIVE_BANDS = ["low"] * 5 + ["medium"] * 2 + ["high"] * 2 + ["very high"] * 2
ANXIETY_BANDS = ["very low"] * 2 + ["low"] * 2 + ["medium"] * 2 + ["high"] * 5


@pytest.mark.parametrize("value", range(11))
@pytest.mark.parametrize("item_code", ONS4_ITEMS)
def test_ons4_thresholds_for_every_value(item_code: str, value: int) -> None:
    result = score_ons4({item_code: str(value)})
    expected = ANXIETY_BANDS[value] if item_code == "anxiety" else POSITIVE_BANDS[value]
    assert result.subscores[item_code] == value
    assert result.subscore_bands[item_code] == expected


@pytest.mark.parametrize("gap", [None, DECLINED])
def test_ons4_missing_item_is_left_out_for_that_item_only(gap: str | None) -> None:
    answers: dict[str, str | None] = dict(ons4(4, 6, 5, 7))
    answers["happiness"] = gap

    result = score_ons4(answers)

    assert result.subscores == {"life_satisfaction": 4, "worthwhile": 6, "happiness": None, "anxiety": 7}
    assert result.subscore_bands["happiness"] is None
    assert result.subscore_bands["anxiety"] == "high"
    assert result.complete is (gap == DECLINED)


# --- 3.9 Easy Read ------------------------------------------------------------------------


def test_easy_read_records_categories_and_is_never_pooled() -> None:
    result = score_easy_read({"lonely": "a_lot", "social_contact": "little_isolated"})

    assert result.categories == {"lonely": "a_lot", "social_contact": "little_isolated"}
    assert result.score is None
    # An adapted question is not the ONS chronic-loneliness indicator.
    assert result.chronic_loneliness is None
    assert result.complete
    assert any("never pool" in note for note in result.notes)


def test_easy_read_i_dont_know_is_an_answer_and_declined_counts_for_completeness() -> None:
    result = score_easy_read({"lonely": "dont_know", "social_contact": DECLINED})
    assert result.complete
    assert result.categories == {"lonely": "dont_know", "social_contact": None}


def test_easy_read_with_one_item_unanswered_is_incomplete() -> None:
    result = score_easy_read({"social_contact": "as_much_as_i_want"})
    assert not result.complete
    assert result.unanswered_items == ("lonely",)


# --- Generic entry points, validation, purity --------------------------------------------

SPECIFIC_SCORERS: dict[str, Callable[[Answers], ScreeningResult]] = {
    "ons_direct": score_ons_direct,
    "ucla3": score_ucla3,
    "cyp_loneliness": score_cyp_loneliness,
    "djg6": score_djg6,
    "lsns6": score_lsns6,
    "ons4": score_ons4,
    "easy_read": score_easy_read,
}

FULL_ANSWERS: dict[str, dict[str, str]] = {
    "ons_direct": {"lonely": "often_always"},
    "ucla3": ucla("Often", "Some of the time", "Often"),
    "cyp_loneliness": {**dict.fromkeys(CYP_ITEMS, "often"), "lonely": "never"},
    "djg6": djg("Yes", "More or less", "No", "No", "More or less", "Yes"),
    "lsns6": lsns("two", "one", "one", "three or four", "one", "none"),
    "ons4": ons4(4, 6, 5, 7),
    "easy_read": {"lonely": "sometimes", "social_contact": "adequate"},
}


def test_every_instrument_has_a_scorer_and_example() -> None:
    assert set(SPECIFIC_SCORERS) == set(INSTRUMENTS) == set(FULL_ANSWERS)


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_generic_score_matches_the_instrument_function(code: str) -> None:
    answers = FULL_ANSWERS[code]
    result = score(code, answers)
    assert result == SPECIFIC_SCORERS[code](answers)
    assert result.instrument_code == code
    assert result.scoring_version == get_instrument(code).scoring_version
    assert result.complete
    assert is_complete(code, answers)


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_scoring_is_pure(code: str) -> None:
    answers = MappingProxyType(dict(FULL_ANSWERS[code]))  # read-only: any write would fail
    assert score(code, answers) == score(code, answers)


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_partial_answers_are_not_complete(code: str) -> None:
    answers = dict(FULL_ANSWERS[code])
    answers.pop(next(iter(answers)))
    assert not score(code, answers).complete
    assert not is_complete(code, answers)


@pytest.mark.parametrize(
    ("code", "answers", "bad_item"),
    [
        ("ucla3", {"lonely": "often"}, "lonely"),  # item from another instrument
        ("ucla3", {"lack_companionship": "often_always"}, "lack_companionship"),  # other scale's option
        ("ucla3", {"left_out": "3"}, "left_out"),  # a code, not an option value
        ("ons_direct", {"lonely": ""}, "lonely"),
        ("ons_direct", {"lonely": "Often/always"}, "lonely"),  # label, not value
        ("djg6", {"emptiness": "maybe"}, "emptiness"),
        ("lsns6", {"family_contact": "5"}, "family_contact"),
        ("ons4", {"anxiety": "11"}, "anxiety"),
        ("ons4", {"anxiety": "-1"}, "anxiety"),
        ("easy_read", {"lonely": "often_always"}, "lonely"),  # adapted options only
        ("cyp_loneliness", {"isolated": "often"}, "isolated"),
    ],
)
def test_invalid_answers_raise_our_own_error(code: str, answers: dict[str, str], bad_item: str) -> None:
    with pytest.raises(InvalidAnswer) as raised:
        validate_answers(get_instrument(code), answers)
    assert raised.value.item_code == bad_item
    assert raised.value.instrument_code == code
    with pytest.raises(InvalidAnswer):
        score(code, answers)
    with pytest.raises(InvalidAnswer):
        SPECIFIC_SCORERS[code](answers)


def test_non_string_answer_is_invalid() -> None:
    with pytest.raises(InvalidAnswer):
        score("ons4", {"anxiety": 7})  # type: ignore[dict-item]


def test_declined_and_none_are_valid_for_every_item() -> None:
    for instrument in INSTRUMENTS.values():
        validate_answers(instrument, dict.fromkeys(instrument.item_codes, DECLINED))
        validate_answers(instrument, dict.fromkeys(instrument.item_codes))

"""Instruments as data: wording from domain.md section 3, registry and baseline schedule."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

import navigator.screening
from navigator.screening import (
    DECLINED,
    INSTRUMENTS,
    OPTIONAL_INSTRUMENTS,
    SCORING_VERSIONS,
    AdministrationMode,
    Instrument,
    Item,
    Option,
    UnknownInstrument,
    baseline_instruments_for,
    get_instrument,
    optional_instruments_for,
    score,
)

# Copied from domain.md 3.2, 3.3, 3.5, 3.6 and 3.7.
EXPECTED_ITEM_TEXT = [
    ("ons_direct", "lonely", "How often do you feel lonely?"),
    ("ucla3", "lack_companionship", "How often do you feel that you lack companionship?"),
    ("ucla3", "left_out", "How often do you feel left out?"),
    ("ucla3", "isolated", "How often do you feel isolated from others?"),
    ("djg6", "emptiness", "I experience a general sense of emptiness"),
    ("djg6", "miss_people", "I miss having people around me"),
    ("djg6", "rejected", "I often feel rejected"),
    ("djg6", "rely_on", "There are plenty of people I can rely on when I have problems"),
    ("djg6", "trust", "There are many people I can trust completely"),
    ("djg6", "close_to", "There are enough people I feel close to"),
    ("lsns6", "family_contact", "How many relatives do you see or hear from at least once a month?"),
    (
        "lsns6",
        "family_private",
        "How many relatives do you feel at ease with that you can talk about private matters?",
    ),
    (
        "lsns6",
        "family_help",
        "How many relatives do you feel close to such that you could call on them for help?",
    ),
    ("ons4", "life_satisfaction", "Overall, how satisfied are you with your life nowadays?"),
    (
        "ons4",
        "worthwhile",
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
    ),
    ("ons4", "happiness", "Overall, how happy did you feel yesterday?"),
    (
        "ons4",
        "anxiety",
        "On a scale where nought is 'not at all anxious' and 10 is 'completely anxious', overall, "
        "how anxious did you feel yesterday?",
    ),
    ("cyp_loneliness", "no_one_to_talk_to", "How often do you feel that you have no one to talk to?"),
    ("cyp_loneliness", "left_out", "How often do you feel left out?"),
    ("cyp_loneliness", "alone", "How often do you feel alone?"),
    ("cyp_loneliness", "lonely", "How often do you feel lonely?"),
    (
        "easy_read",
        "social_contact",
        "Thinking about how much contact you've had with people you like, which of the following "
        "statements best describes your social situation?",
    ),
]


@pytest.mark.parametrize(("code", "item_code", "text"), EXPECTED_ITEM_TEXT)
def test_item_wording_matches_domain_reference(code: str, item_code: str, text: str) -> None:
    assert get_instrument(code).item(item_code).text == text


def test_every_item_wording_is_checked_for_the_free_instruments() -> None:
    checked = {(code, item) for code, item, _ in EXPECTED_ITEM_TEXT}
    for code in ("ons_direct", "ucla3", "djg6", "ons4", "cyp_loneliness"):
        assert {(code, item) for item in get_instrument(code).item_codes} <= checked


def test_ucla3_and_cyp_carry_the_ons_introduction() -> None:
    expected = (
        "The next four questions are about relationships with others. "
        "For each one, please say how often (if at all) you feel that way."
    )
    assert get_instrument("ucla3").introduction == expected
    assert get_instrument("cyp_loneliness").introduction == expected


def test_lsns6_family_items_carry_the_family_preamble() -> None:
    lsns6 = get_instrument("lsns6")
    family = [item for item in lsns6.items if item.subscale == "family"]
    assert [item.preamble for item in family] == [
        "Considering the people to whom you are related by birth, marriage, adoption, etc…"
    ] * 3
    assert all(item.verified for item in family)


def test_lsns6_friends_items_mirror_the_family_items_and_are_marked_unverified() -> None:
    lsns6 = get_instrument("lsns6")
    family = [item for item in lsns6.items if item.subscale == "family"]
    friends = [item for item in lsns6.items if item.subscale == "friends"]
    assert len(friends) == 3
    for family_item, friends_item in zip(family, friends, strict=True):
        assert not friends_item.verified
        assert "friends" in friends_item.text
        assert family_item.options == friends_item.options
        # Same question apart from who it is about.
        assert family_item.text.split()[-4:] == friends_item.text.split()[-4:]


OPTION_LABELS_AND_SCORES = [
    (
        "ons_direct",
        "lonely",
        [
            ("Often/always", None),
            ("Some of the time", None),
            ("Occasionally", None),
            ("Hardly ever", None),
            ("Never", None),
        ],
    ),
    ("ucla3", "lack_companionship", [("Hardly ever or never", 1), ("Some of the time", 2), ("Often", 3)]),
    ("ucla3", "left_out", [("Hardly ever or never", 1), ("Some of the time", 2), ("Often", 3)]),
    ("ucla3", "isolated", [("Hardly ever or never", 1), ("Some of the time", 2), ("Often", 3)]),
    ("cyp_loneliness", "alone", [("Hardly ever or never", 1), ("Some of the time", 2), ("Often", 3)]),
    ("djg6", "emptiness", [("Yes", 1), ("More or less", 1), ("No", 0)]),
    ("djg6", "miss_people", [("Yes", 1), ("More or less", 1), ("No", 0)]),
    ("djg6", "rejected", [("Yes", 1), ("More or less", 1), ("No", 0)]),
    ("djg6", "rely_on", [("Yes", 0), ("More or less", 1), ("No", 1)]),
    ("djg6", "trust", [("Yes", 0), ("More or less", 1), ("No", 1)]),
    ("djg6", "close_to", [("Yes", 0), ("More or less", 1), ("No", 1)]),
    (
        "lsns6",
        "family_contact",
        [
            ("None", 0),
            ("One", 1),
            ("Two", 2),
            ("Three or four", 3),
            ("Five thru eight", 4),
            ("Nine or more", 5),
        ],
    ),
    ("ons4", "anxiety", [(str(n), n) for n in range(11)]),
    (
        "easy_read",
        "social_contact",
        [
            ("I have as much social contact as I want with people I like", None),
            ("I have adequate social contact with people", None),
            ("I have some social contact with people but not enough", None),
            ("I have little social contact with people and feel socially isolated", None),
        ],
    ),
]


@pytest.mark.parametrize(("code", "item_code", "expected"), OPTION_LABELS_AND_SCORES)
def test_options_and_codes_match_domain_reference(
    code: str, item_code: str, expected: list[tuple[str, int | None]]
) -> None:
    item = get_instrument(code).item(item_code)
    assert [(option.label, option.score) for option in item.options] == expected


def test_easy_read_direct_question_has_three_answers_and_i_dont_know() -> None:
    item = get_instrument("easy_read").item("lonely")
    labels = [option.label for option in item.options]
    assert len(labels) == 4
    assert labels[-1] == "I don't know"
    # Plain short words: one short question, short answers.
    assert len(item.text.split()) <= 6
    assert all(len(label.split()) <= 4 for label in labels)


def test_easy_read_is_its_own_mode_and_never_pooled() -> None:
    easy_read = get_instrument("easy_read")
    assert easy_read.modes == (AdministrationMode.EASY_READ,)
    assert AdministrationMode.EASY_READ.value == "easy-read adaptation"
    assert easy_read.national_comparison is False
    for code, instrument in INSTRUMENTS.items():
        if code != "easy_read":
            assert AdministrationMode.EASY_READ not in instrument.modes
            assert instrument.national_comparison


def test_registry_holds_the_free_instruments_and_no_licensed_or_unscored_ones() -> None:
    assert set(INSTRUMENTS) == {
        "ons_direct",
        "ucla3",
        "cyp_loneliness",
        "djg6",
        "lsns6",
        "ons4",
        "easy_read",
    }
    assert OPTIONAL_INSTRUMENTS == ("djg6", "lsns6", "ons4")


def test_no_swemwbs_or_cel_wording_is_shipped() -> None:
    # CEL statements must not appear (scoring unverified; outcomes only, never screening).
    texts = [item.text for instrument in INSTRUMENTS.values() for item in instrument.items]
    assert not any("content with my friendships" in text for text in texts)
    assert not any("swemwbs" in code or "cel" in code for code in INSTRUMENTS)


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_every_item_allows_declined_and_no_option_uses_its_value(code: str) -> None:
    instrument = get_instrument(code)
    for item in instrument.items:
        assert DECLINED not in [option.value for option in item.options]
        assert item.choices[-1].value == DECLINED
    all_declined = score(code, dict.fromkeys(instrument.item_codes, DECLINED))
    assert all_declined.complete
    assert all_declined.score is None
    assert all_declined.declined_items == instrument.item_codes


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_scoring_version_names_the_instrument(code: str) -> None:
    assert SCORING_VERSIONS[code] == get_instrument(code).scoring_version
    assert re.fullmatch(rf"{code}/\d+", SCORING_VERSIONS[code])


def test_unknown_instrument_is_our_own_error() -> None:
    with pytest.raises(UnknownInstrument) as raised:
        get_instrument("swemwbs")
    assert raised.value.code == "swemwbs"
    with pytest.raises(UnknownInstrument):
        score("cel", {})


def test_instruments_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_instrument("ucla3").version = "2"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ((Option("a", "A"), Option("a", "Also A")), "duplicate option values"),
        ((Option(DECLINED, "Declined"),), "reserved"),
    ],
)
def test_instrument_data_mistakes_fail_loudly(options: tuple[Option, ...], message: str) -> None:
    base = get_instrument("ons_direct")
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(base, items=(Item("lonely", "How often do you feel lonely?", options),))


def test_duplicate_item_codes_fail_loudly() -> None:
    base: Instrument = get_instrument("ucla3")
    with pytest.raises(ValueError, match="duplicate item codes"):
        dataclasses.replace(base, items=(base.items[0], base.items[0]))


# --- Baseline schedule (domain 3.1) -------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "easy_read", "expected"),
    [
        (16, False, ["ucla3", "ons_direct"]),
        (45, False, ["ucla3", "ons_direct"]),
        (90, False, ["ucla3", "ons_direct"]),
        (None, False, ["ucla3", "ons_direct"]),
        (15, False, ["cyp_loneliness"]),
        (10, False, ["cyp_loneliness"]),
        (9, False, []),
        (0, False, []),
        (40, True, ["easy_read"]),
        (14, True, ["easy_read"]),
        (None, True, ["easy_read"]),
        (9, True, []),
    ],
)
def test_baseline_schedule_by_age_and_easy_read_need(age: int | None, easy_read: bool, expected: list[str]) -> None:
    assert baseline_instruments_for(age, easy_read) == expected
    for code in expected:
        assert get_instrument(code).is_mandatory_baseline


def test_adult_baseline_asks_the_direct_question_after_ucla3() -> None:
    # The ONS introduction ("The next four questions...") leads into UCLA-3, then the direct question.
    assert baseline_instruments_for(30, easy_read=False) == ["ucla3", "ons_direct"]


def test_negative_age_is_rejected() -> None:
    with pytest.raises(ValueError):
        baseline_instruments_for(-1, easy_read=False)


@pytest.mark.parametrize(
    ("age", "easy_read", "expected"),
    [
        (30, False, ["djg6", "lsns6", "ons4"]),
        (None, False, ["djg6", "lsns6", "ons4"]),
        (15, False, []),
        (30, True, []),
        (5, False, []),
    ],
)
def test_optional_instruments_are_for_adults_in_standard_mode(
    age: int | None, easy_read: bool, expected: list[str]
) -> None:
    assert optional_instruments_for(age, easy_read) == expected


def test_screening_package_is_pure_python() -> None:
    """No Flask, no database: only the standard library, dateutil and the package itself."""
    package = Path(navigator.screening.__file__).parent
    allowed_roots = {"__future__", "collections", "dataclasses", "datetime", "dateutil", "enum", "navigator"}
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] in allowed_roots, f"{source.name} imports {module}"
                if module.startswith("navigator"):
                    assert module.startswith("navigator.screening"), f"{source.name} imports {module}"

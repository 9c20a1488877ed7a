"""Loneliness and wellbeing instruments as data (domain.md section 3).

Item wording is reproduced exactly from domain.md where the instrument is free to use.
SWEMWBS item text is licensed and deliberately absent; the CEL Measurement Tool is absent
because its scoring is unverified and it must never be used for screening.

Change an instrument's items or options -> bump `version`. Change how it is scored ->
bump `scoring_version`. Stored answers and scores name both.
"""

from __future__ import annotations

from navigator.screening import rules
from navigator.screening.model import (
    OFTEN_ALWAYS,
    AdministrationMode,
    Band,
    Instrument,
    Item,
    Option,
    UnknownInstrument,
)

ONS_LICENCE = "Free to use (ONS / GSS harmonised standard)."

# --- Shared option sets ------------------------------------------------------------------

# ONS direct question: categorical, never a number.
DIRECT_QUESTION_OPTIONS = (
    Option(OFTEN_ALWAYS, "Often/always"),
    Option("some_of_the_time", "Some of the time"),
    Option("occasionally", "Occasionally"),
    Option("hardly_ever", "Hardly ever"),
    Option("never", "Never"),
)

# UCLA-3 and the CYP items 1-3, coded 1-3.
FREQUENCY_OPTIONS = (
    Option("hardly_ever_or_never", "Hardly ever or never", 1),
    Option("some_of_the_time", "Some of the time", 2),
    Option("often", "Often", 3),
)

DIRECT_QUESTION_TEXT = "How often do you feel lonely?"

ONS_LONELINESS_INTRODUCTION = (
    "The next four questions are about relationships with others. "
    "For each one, please say how often (if at all) you feel that way."
)

# --- ONS direct question (3.2) -------------------------------------------------------------

ONS_DIRECT = Instrument(
    code="ons_direct",
    version="1",
    name="ONS direct loneliness question",
    audience="16+",
    # Asked after UCLA-3, whose introduction covers all four questions.
    introduction="",
    items=(Item("lonely", DIRECT_QUESTION_TEXT, DIRECT_QUESTION_OPTIONS),),
    licence_note=ONS_LICENCE,
    scoring=rules.categorical,
    scoring_version="ons_direct/1",
    higher_is_better=None,
    is_mandatory_baseline=True,
    direct_question_item="lonely",
)

# --- UCLA-3, ONS wording (3.3) -------------------------------------------------------------

UCLA3 = Instrument(
    code="ucla3",
    version="1",
    name="UCLA 3-item Loneliness Scale (ONS wording)",
    audience="16+",
    introduction=ONS_LONELINESS_INTRODUCTION,
    items=(
        Item("lack_companionship", "How often do you feel that you lack companionship?", FREQUENCY_OPTIONS),
        Item("left_out", "How often do you feel left out?", FREQUENCY_OPTIONS),
        Item("isolated", "How often do you feel isolated from others?", FREQUENCY_OPTIONS),
    ),
    licence_note=ONS_LICENCE,
    scoring=rules.sum_when_all_answered,
    scoring_version="ucla3/1",
    # ONS sets no cut-off: these bands are a research convention we adopt locally.
    bands=(
        Band(3, 5, "not lonely", local_convention=True),
        Band(6, 9, "lonely", local_convention=True),
    ),
    higher_is_better=False,
    is_mandatory_baseline=True,
)

# --- Children and young people, 10-15 (3.4) ------------------------------------------------

CYP_LONELINESS = Instrument(
    code="cyp_loneliness",
    version="1",
    name="Children and young people's loneliness questions",
    audience="10-15",
    # GSS suggests the same introduction for all respondents.
    introduction=ONS_LONELINESS_INTRODUCTION,
    items=(
        Item("no_one_to_talk_to", "How often do you feel that you have no one to talk to?", FREQUENCY_OPTIONS),
        Item("left_out", "How often do you feel left out?", FREQUENCY_OPTIONS),
        Item("alone", "How often do you feel alone?", FREQUENCY_OPTIONS, verified=False),
        Item("lonely", DIRECT_QUESTION_TEXT, DIRECT_QUESTION_OPTIONS, verified=False),
    ),
    licence_note=ONS_LICENCE,
    scoring=rules.sum_when_all_answered,
    scoring_version="cyp_loneliness/1",
    higher_is_better=False,
    is_mandatory_baseline=True,
    direct_question_item="lonely",
    result_notes=("Total is a local convention (items coded 1-3 as for UCLA-3); never pool with adult UCLA-3 scores.",),
)

# --- De Jong Gierveld 6-item scale (3.5) ---------------------------------------------------

# Emotional items score 1 for Yes or More or less; social items for No or More or less.
DJG_EMOTIONAL_OPTIONS = (
    Option("yes", "Yes", 1),
    Option("more_or_less", "More or less", 1),
    Option("no", "No", 0),
)
DJG_SOCIAL_OPTIONS = (
    Option("yes", "Yes", 0),
    Option("more_or_less", "More or less", 1),
    Option("no", "No", 1),
)

DJG6 = Instrument(
    code="djg6",
    version="1",
    name="De Jong Gierveld 6-item Loneliness Scale",
    audience="adults",
    introduction="",
    items=(
        Item(
            "emptiness",
            "I experience a general sense of emptiness",
            DJG_EMOTIONAL_OPTIONS,
            subscale="emotional",
        ),
        Item("miss_people", "I miss having people around me", DJG_EMOTIONAL_OPTIONS, subscale="emotional"),
        Item("rejected", "I often feel rejected", DJG_EMOTIONAL_OPTIONS, subscale="emotional"),
        Item(
            "rely_on",
            "There are plenty of people I can rely on when I have problems",
            DJG_SOCIAL_OPTIONS,
            subscale="social",
        ),
        Item("trust", "There are many people I can trust completely", DJG_SOCIAL_OPTIONS, subscale="social"),
        Item("close_to", "There are enough people I feel close to", DJG_SOCIAL_OPTIONS, subscale="social"),
    ),
    licence_note=(
        "The authors' manual makes the scale available for research on condition that the source is "
        "cited. Terms for routine service use are unverified."
    ),
    scoring=rules.count_allowing_one_missing,
    scoring_version="djg6/1",
    bands=(
        Band(0, 1, "not lonely"),
        Band(2, 4, "moderately lonely"),
        Band(5, 6, "severely lonely"),
    ),
    subscale_bands=(Band(0, 0, "not lonely"), Band(1, 3, "lonely")),
    higher_is_better=False,
)

# --- Lubben Social Network Scale-6 (3.6) ---------------------------------------------------

LSNS_OPTIONS = (
    Option("none", "None", 0),
    Option("one", "One", 1),
    Option("two", "Two", 2),
    Option("three_or_four", "Three or four", 3),
    Option("five_to_eight", "Five thru eight", 4),
    Option("nine_or_more", "Nine or more", 5),
)
LSNS_FAMILY_PREAMBLE = "Considering the people to whom you are related by birth, marriage, adoption, etc…"
# Unverified: mirrors the family preamble and items, as domain.md 3.6 says.
LSNS_FRIENDS_PREAMBLE = "Considering all of your friends, including those who live nearby…"

LSNS6 = Instrument(
    code="lsns6",
    version="1",
    name="Lubben Social Network Scale-6",
    audience="older adults",
    introduction="",
    items=(
        Item(
            "family_contact",
            "How many relatives do you see or hear from at least once a month?",
            LSNS_OPTIONS,
            preamble=LSNS_FAMILY_PREAMBLE,
            subscale="family",
        ),
        Item(
            "family_private",
            "How many relatives do you feel at ease with that you can talk about private matters?",
            LSNS_OPTIONS,
            preamble=LSNS_FAMILY_PREAMBLE,
            subscale="family",
        ),
        Item(
            "family_help",
            "How many relatives do you feel close to such that you could call on them for help?",
            LSNS_OPTIONS,
            preamble=LSNS_FAMILY_PREAMBLE,
            subscale="family",
        ),
        Item(
            "friends_contact",
            "How many of your friends do you see or hear from at least once a month?",
            LSNS_OPTIONS,
            preamble=LSNS_FRIENDS_PREAMBLE,
            subscale="friends",
            verified=False,
        ),
        Item(
            "friends_private",
            "How many friends do you feel at ease with that you can talk about private matters?",
            LSNS_OPTIONS,
            preamble=LSNS_FRIENDS_PREAMBLE,
            subscale="friends",
            verified=False,
        ),
        Item(
            "friends_help",
            "How many friends do you feel close to such that you could call on them for help?",
            LSNS_OPTIONS,
            preamble=LSNS_FRIENDS_PREAMBLE,
            subscale="friends",
            verified=False,
        ),
    ),
    licence_note="Licence terms unverified: confirm them before shipping the item text.",
    scoring=rules.sum_when_all_answered,
    scoring_version="lsns6/1",
    # Lubben et al. 2006: a total below 12 means at risk of social isolation.
    bands=(
        Band(0, 11, "at risk of social isolation"),
        Band(12, 30, "not at risk of social isolation"),
    ),
    higher_is_better=True,
    result_notes=("Measures social isolation (network size), not the feeling of loneliness.",),
)

# --- ONS4 personal wellbeing (3.7) ---------------------------------------------------------

ZERO_TO_TEN = tuple(Option(str(n), str(n), n) for n in range(11))
ONS4_POSITIVE_BANDS = (
    Band(0, 4, "low"),
    Band(5, 6, "medium"),
    Band(7, 8, "high"),
    Band(9, 10, "very high"),
)
# Anxiety is reversed: high is bad.
ONS4_ANXIETY_BANDS = (
    Band(0, 1, "very low"),
    Band(2, 3, "low"),
    Band(4, 5, "medium"),
    Band(6, 10, "high"),
)

ONS4 = Instrument(
    code="ons4",
    version="1",
    name="ONS4 personal wellbeing",
    audience="16+",
    introduction=("Answer each question on a scale of 0 to 10, where 0 is “not at all” and 10 is “completely”."),
    items=(
        Item(
            "life_satisfaction",
            "Overall, how satisfied are you with your life nowadays?",
            ZERO_TO_TEN,
            bands=ONS4_POSITIVE_BANDS,
            higher_is_better=True,
        ),
        Item(
            "worthwhile",
            "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
            ZERO_TO_TEN,
            bands=ONS4_POSITIVE_BANDS,
            higher_is_better=True,
        ),
        Item(
            "happiness",
            "Overall, how happy did you feel yesterday?",
            ZERO_TO_TEN,
            bands=ONS4_POSITIVE_BANDS,
            higher_is_better=True,
        ),
        Item(
            "anxiety",
            "On a scale where nought is 'not at all anxious' and 10 is 'completely anxious', "
            "overall, how anxious did you feel yesterday?",
            ZERO_TO_TEN,
            bands=ONS4_ANXIETY_BANDS,
            higher_is_better=False,
        ),
    ),
    licence_note=ONS_LICENCE,
    scoring=rules.band_each_item,
    scoring_version="ons4/1",
    result_notes=("Each item is reported separately; never sum or average the four.",),
)

# --- Easy Read (3.9) -----------------------------------------------------------------------

EASY_READ = Instrument(
    code="easy_read",
    version="1",
    name="Easy Read loneliness questions",
    audience="easy read",
    introduction=(
        "These questions are about you and other people. "
        "There are no right or wrong answers. "
        "You can say “I don't know”."
    ),
    items=(
        # Local adaptation of the ONS direct question: plain words, three answers.
        Item(
            "lonely",
            "Do you feel lonely?",
            (
                Option("a_lot", "A lot"),
                Option("sometimes", "Sometimes"),
                Option("not_really", "Not really"),
                Option("dont_know", "I don't know"),
            ),
            verified=False,
        ),
        # ASCS social-contact question (ASCOF reports the share choosing the first option).
        # Options 2-4: exact wording unverified.
        Item(
            "social_contact",
            "Thinking about how much contact you've had with people you like, which of the following "
            "statements best describes your social situation?",
            (
                Option("as_much_as_i_want", "I have as much social contact as I want with people I like"),
                Option("adequate", "I have adequate social contact with people"),
                Option("some_not_enough", "I have some social contact with people but not enough"),
                Option(
                    "little_isolated",
                    "I have little social contact with people and feel socially isolated",
                ),
            ),
            verified=False,
        ),
    ),
    licence_note=(
        "Adapted ONS direct question: local Easy Read wording, not an ONS standard. "
        "ASCS social-contact item: licence unverified."
    ),
    scoring=rules.categorical,
    scoring_version="easy_read/1",
    is_mandatory_baseline=True,
    modes=(AdministrationMode.EASY_READ,),
    national_comparison=False,
    result_notes=("Easy-read adaptation: never pool with standard instruments or national comparison figures.",),
)

# --- Registry and schedule -----------------------------------------------------------------

INSTRUMENTS: dict[str, Instrument] = {
    instrument.code: instrument for instrument in (ONS_DIRECT, UCLA3, CYP_LONELINESS, DJG6, LSNS6, ONS4, EASY_READ)
}

SCORING_VERSIONS: dict[str, str] = {code: instrument.scoring_version for code, instrument in INSTRUMENTS.items()}

MANDATORY_BASELINE_INSTRUMENTS = tuple(code for code, i in INSTRUMENTS.items() if i.is_mandatory_baseline)
OPTIONAL_INSTRUMENTS = ("djg6", "lsns6", "ons4")
RECOMMENDED_INSTRUMENTS = ("ons4",)

ADULT_AGE = 16
CHILD_AGE = 10


def get_instrument(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code]
    except KeyError:
        raise UnknownInstrument(code) from None


def baseline_instruments_for(age: int | None, easy_read: bool) -> list[str]:
    """The mandatory baseline set (domain 3.1), in the order to ask it.

    Under 10: none (record navigator observations only). Easy Read need: the Easy Read
    set. 10-15: the CYP set. 16+ or age unknown: UCLA-3 then the direct question (ONS asks
    its four indicator questions in that order).
    """
    if age is not None and age < 0:
        raise ValueError("age cannot be negative")
    if age is not None and age < CHILD_AGE:
        return []
    if easy_read:
        return ["easy_read"]
    if age is not None and age < ADULT_AGE:
        return ["cyp_loneliness"]
    return ["ucla3", "ons_direct"]


def optional_instruments_for(age: int | None, easy_read: bool) -> list[str]:
    """Instruments a navigator may add at baseline: for adults (or unknown age), and not in
    Easy Read mode, as none of them has an Easy Read version."""
    if easy_read or (age is not None and age < ADULT_AGE):
        return []
    return list(OPTIONAL_INSTRUMENTS)

"""What the demo year's people answer: loneliness screens that start at a low point and move
by an outcome, and equality monitoring answers with the gaps real forms have."""

from __future__ import annotations

import random
from datetime import date, timedelta

from navigator.screening import DECLINED

# -- answers ------------------------------------------------------------------------------------

FREQUENCY = ("hardly_ever_or_never", "some_of_the_time", "often")
DIRECT = ("never", "hardly_ever", "occasionally", "some_of_the_time", "often_always")
EASY_LONELY = ("not_really", "sometimes", "a_lot")
EASY_CONTACT = ("as_much_as_i_want", "adequate", "some_not_enough", "little_isolated")


def _pick(rng: random.Random, values: tuple[str, ...], weights: tuple[int, ...]) -> str:
    return rng.choices(values, weights=weights)[0]


def baseline_answers(code: str, rng: random.Random) -> dict[str, str]:
    """Answers of someone referred at a low point: mostly lonely, now and then a "Prefer not to say"."""
    if code in ("ucla3", "cyp_loneliness"):
        items = (
            ("lack_companionship", "left_out", "isolated")
            if code == "ucla3"
            else ("no_one_to_talk_to", "left_out", "alone")
        )
        answers = {item: _pick(rng, FREQUENCY, (10, 35, 55)) for item in items}
        if code == "cyp_loneliness":
            answers["lonely"] = _pick(rng, DIRECT, (2, 5, 13, 35, 45))
    elif code == "ons_direct":
        answers = {"lonely": _pick(rng, DIRECT, (2, 5, 13, 35, 45))}
    elif code == "ons4":
        answers = {
            "life_satisfaction": str(rng.randint(2, 6)),
            "worthwhile": str(rng.randint(3, 7)),
            "happiness": str(rng.randint(2, 6)),
            "anxiety": str(rng.randint(5, 9)),
        }
    else:  # easy_read
        answers = {
            "lonely": _pick(rng, ("a_lot", "sometimes", "not_really"), (55, 35, 10)),
            "social_contact": _pick(rng, ("adequate", "some_not_enough", "little_isolated"), (10, 50, 40)),
        }
    if rng.random() < 0.03:
        answers[next(iter(answers))] = DECLINED
    return answers


def _shift(values: tuple[str, ...], value: str, steps: int) -> str:
    if value not in values:
        return value
    return values[max(0, min(len(values) - 1, values.index(value) + steps))]


def moved_answers(code: str, baseline: dict[str, str], change: str, rng: random.Random) -> dict[str, str]:
    """A later screen: each answer a step better, the same, or (one item) a step worse."""
    moved = {}
    for item, value in baseline.items():
        if value == DECLINED:
            moved[item] = value
            continue
        step = 0
        if change == "better" and rng.random() < 0.6:
            step = -1
        elif change == "worse" and rng.random() < 0.4:
            step = 1
        if code == "ons4":
            number = int(value) + (-2 * step if item != "anxiety" else 2 * step)
            moved[item] = str(max(0, min(10, number)))
        elif item == "lonely" and code != "easy_read":
            moved[item] = _shift(DIRECT, value, step * 2)
        elif code == "easy_read":
            options = EASY_LONELY if item == "lonely" else EASY_CONTACT
            moved[item] = _shift(options, value, step)
        elif code in ("ucla3", "cyp_loneliness"):
            moved[item] = _shift(FREQUENCY, value, step)
        else:
            moved[item] = value
    return moved


# Roughly Hackney's mix (Census 2021), for fictional people.
ETHNICITIES = (
    ("white_british", 34),
    ("white_other", 15),
    ("white_irish", 2),
    ("white_gypsy_irish_traveller", 1),
    ("white_roma", 1),
    ("black_african", 11),
    ("black_caribbean", 7),
    ("black_other", 2),
    ("asian_bangladeshi", 3),
    ("asian_indian", 3),
    ("asian_pakistani", 1),
    ("asian_chinese", 1),
    ("asian_other", 2),
    ("mixed_white_black_caribbean", 3),
    ("mixed_other", 3),
    ("other_arab", 1),
    ("other_any", 4),
)
WRITE_INS = {
    "white_other": "Turkish",
    "asian_other": "Sri Lankan",
    "black_other": "Somali",
    "mixed_other": "Mixed",
    "other_any": "Kurdish",
}


def _maybe(rng: random.Random, answer: str, asked: float = 0.8) -> str | None:
    """Most people answer; some skip the question; a few prefer not to say."""
    roll = rng.random()
    if roll > asked:
        return None
    return "prefer_not_to_say" if roll > asked - 0.07 else answer


def _yes(rng: random.Random, chance: float) -> str:
    return "yes" if rng.random() < chance else "no"


def monitoring_answers(
    rng: random.Random, *, age: int, born: date | None, today: date, language: str, source: str
) -> dict[str, object]:
    """One person's monitoring answers as answer name -> code (monitoring/questions.py)."""
    if rng.random() < 0.1:
        return {}  # nothing answered at all
    ethnicity = rng.choices([code for code, _ in ETHNICITIES], weights=[w for _, w in ETHNICITIES])[0]
    answers: dict[str, object | None] = {
        "sex": _maybe(rng, rng.choices(("female", "male"), weights=(56, 44))[0], 0.95),
        "ethnicity": _maybe(rng, ethnicity, 0.85),
        "religion": _maybe(rng, rng.choice(("none", "christian", "muslim", "jewish", "hindu", "buddhist")), 0.7),
        "long_term_condition": _maybe(rng, _yes(rng, 0.3 + 0.4 * (age >= 65))),
        "lives_alone": _maybe(rng, _yes(rng, 0.15 if age < 35 else 0.55 if age >= 65 else 0.35)),
        "tenure": _maybe(
            rng,
            rng.choices(("social_rent", "private_rent", "owner", "temporary", "other"), weights=(44, 27, 20, 5, 4))[0],
        ),
        "recently_bereaved": _maybe(rng, _yes(rng, 0.15)),
        "migrant": _maybe(rng, _yes(rng, 0.8 if language != "en" else 0.15)),
        "main_language": _maybe(rng, language, 0.9),
        "unpaid_carer": _maybe(rng, _yes(rng, 0.12)),
    }
    if answers["ethnicity"] in WRITE_INS:
        answers["ethnicity_write_in"] = WRITE_INS[str(answers["ethnicity"])]
    if source != "self_referral":
        answers["serious_mental_illness"] = _maybe(rng, _yes(rng, 0.6 if source == "mental_health" else 0.04))
        answers["not_engaging_health_services"] = _maybe(rng, _yes(rng, 0.1), 0.6)
        if age < 18:
            answers["family_referral"] = _yes(rng, 0.5)
    if age >= 16:
        answers["sexual_orientation"] = _maybe(
            rng, rng.choices(("straight", "gay_lesbian", "bisexual"), weights=(88, 7, 5))[0], 0.7
        )
        answers["gender_identity_same"] = _maybe(rng, "yes" if rng.random() < 0.98 else "no", 0.7)
        if answers["gender_identity_same"] == "no":
            answers["gender_identity_same_write_in"] = "Non-binary"
    if answers.get("recently_bereaved") == "yes" and rng.random() < 0.5:
        answers["bereavement_date"] = (today - timedelta(days=rng.randint(30, 600))).isoformat()
    if born is None:
        answers.pop("sexual_orientation", None)
        answers.pop("gender_identity_same", None)
        answers.pop("gender_identity_same_write_in", None)
    return {name: value for name, value in answers.items() if value is not None}

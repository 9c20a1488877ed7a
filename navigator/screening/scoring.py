"""Score item-level answers. Every function is pure: answers in, ScreeningResult out.

`answers` maps item code -> option value, DECLINED, or None; an absent item means no
answer. Unknown items or values raise InvalidAnswer.
"""

from __future__ import annotations

from navigator.screening.instruments import INSTRUMENTS, SCORING_VERSIONS, get_instrument
from navigator.screening.model import (
    DECLINED,
    Answers,
    InvalidAnswer,
    ScreeningResult,
    validate_answers,
)

__all__ = [
    "DECLINED",
    "SCORING_VERSIONS",
    "Answers",
    "InvalidAnswer",
    "ScreeningResult",
    "is_complete",
    "score",
    "score_cyp_loneliness",
    "score_djg6",
    "score_easy_read",
    "score_lsns6",
    "score_ons4",
    "score_ons_direct",
    "score_ucla3",
    "validate_answers",
]


def score(instrument_code: str, answers: Answers) -> ScreeningResult:
    """Score answers with the named instrument's current scoring rule."""
    return get_instrument(instrument_code).score(answers)


def is_complete(instrument_code: str, answers: Answers) -> bool:
    """Every item has an answer or DECLINED (the "complete baseline screen" guard)."""
    instrument = get_instrument(instrument_code)
    validate_answers(instrument, answers)
    return all(answers.get(code) is not None for code in instrument.item_codes)


def score_ons_direct(answers: Answers) -> ScreeningResult:
    """Categorical: Often/always is chronic loneliness; no answer or declined is not classified."""
    return INSTRUMENTS["ons_direct"].score(answers)


def score_ucla3(answers: Answers) -> ScreeningResult:
    """Sum 3-9 when all three items are answered (no prorating); bands are local convention."""
    return INSTRUMENTS["ucla3"].score(answers)


def score_cyp_loneliness(answers: Answers) -> ScreeningResult:
    """Items 1-3 summed 3-9 as for UCLA-3 (local convention); the direct question is reported apart."""
    return INSTRUMENTS["cyp_loneliness"].score(answers)


def score_djg6(answers: Answers) -> ScreeningResult:
    """Total 0-6 (one missing item allowed), emotional and social subscales 0-3 (none missing)."""
    return INSTRUMENTS["djg6"].score(answers)


def score_lsns6(answers: Answers) -> ScreeningResult:
    """Total 0-30 when all six are answered; below 12 is at risk of social isolation."""
    return INSTRUMENTS["lsns6"].score(answers)


def score_ons4(answers: Answers) -> ScreeningResult:
    """Each item 0-10 banded on its own (anxiety reversed); never summed."""
    return INSTRUMENTS["ons4"].score(answers)


def score_easy_read(answers: Answers) -> ScreeningResult:
    """Categorical answers only; never pooled with the standard instruments."""
    return INSTRUMENTS["easy_read"].score(answers)

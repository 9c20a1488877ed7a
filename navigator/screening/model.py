"""The shapes screening data comes in: options, items, bands, instruments and results.

Kept apart from the instrument definitions so scoring rules can depend on these shapes
while the instruments refer to the rules (no import cycle).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# A person refused to answer an item. It counts as answered when checking that a screen
# is complete, but scores as missing. It is accepted for every item of every instrument.
DECLINED = "declined"
DECLINED_LABEL = "Prefer not to say"

# The ONS direct question answer that ONS reports as chronic loneliness.
OFTEN_ALWAYS = "often_always"

# Item code -> option value or DECLINED. An absent item (or None) means no answer given.
Answers = Mapping[str, str | None]


class ScreeningError(Exception):
    """Base for screening errors a user can cause."""


class UnknownInstrument(ScreeningError):
    def __init__(self, code: str) -> None:
        super().__init__(f"No screening instrument with code {code!r}")
        self.code = code


class InvalidAnswer(ScreeningError):
    def __init__(self, instrument_code: str, item_code: str, value: object, reason: str) -> None:
        super().__init__(f"{instrument_code}: {reason}")
        self.instrument_code = instrument_code
        self.item_code = item_code
        self.value = value
        self.reason = reason


class AdministrationMode(enum.Enum):
    """How a screen was administered (stored with the answers, domain 3.1)."""

    SELF_COMPLETED = "self-completed"
    READ_OUT = "read out"
    VIA_INTERPRETER = "via interpreter"
    EASY_READ = "easy-read adaptation"


STANDARD_MODES = (
    AdministrationMode.SELF_COMPLETED,
    AdministrationMode.READ_OUT,
    AdministrationMode.VIA_INTERPRETER,
)


@dataclass(frozen=True)
class Option:
    """One answer to an item. `value` is the stable code stored; `score` is None for
    categorical answers (and for answers such as "I don't know")."""

    value: str
    label: str
    score: int | None = None


DECLINED_OPTION = Option(DECLINED, DECLINED_LABEL, None)


@dataclass(frozen=True)
class Band:
    """An inclusive score range with a label. Local-convention bands are ours, not a
    published cut-off, and say so wherever they are shown."""

    low: int
    high: int
    label: str
    local_convention: bool = False

    def contains(self, score: int) -> bool:
        return self.low <= score <= self.high

    @property
    def display_label(self) -> str:
        return f"{self.label} (local convention)" if self.local_convention else self.label


def band_for(bands: tuple[Band, ...], score: int | None) -> Band | None:
    if score is None:
        return None
    return next((band for band in bands if band.contains(score)), None)


@dataclass(frozen=True)
class Item:
    """One question. `preamble` is shared by a group of items (LSNS-6 family / friends);
    `subscale` groups items for subscale totals (DJG-6, LSNS-6); `bands` band this item on
    its own (ONS4); `verified` is False where domain.md marks the wording (unverified)."""

    code: str
    text: str
    options: tuple[Option, ...]
    preamble: str | None = None
    subscale: str | None = None
    bands: tuple[Band, ...] = ()
    higher_is_better: bool | None = None
    verified: bool = True

    @property
    def choices(self) -> tuple[Option, ...]:
        """The options plus the "declined" answer, in the order a form shows them."""
        return (*self.options, DECLINED_OPTION)

    @property
    def is_scored(self) -> bool:
        return any(option.score is not None for option in self.options)

    def option(self, value: str) -> Option | None:
        return next((option for option in self.options if option.value == value), None)


@dataclass(frozen=True, kw_only=True)
class ScreeningResult:
    """What a scoring function derives from item-level answers.

    - `score`: the total, or None when the missing-data rule leaves it empty or the
      instrument is categorical / never summed (ONS direct, ONS4, Easy Read).
    - `band`: display label of the total's band ("lonely (local convention)").
    - `subscores` / `subscore_bands`: DJG-6 emotional/social, LSNS-6 family/friends; for
      ONS4 each item is its own measure, keyed by item code.
    - `item_scores`: score of every scored item (None if missing or declined).
    - `categories`: option value of every categorical item (None if missing or declined).
    - `complete`: every item has an answer or DECLINED.
    - `chronic_loneliness`: direct question answered "Often/always"; None when not asked
      or not classified.
    """

    instrument_code: str
    scoring_version: str
    score: int | None = None
    band: str | None = None
    subscores: dict[str, int | None] = field(default_factory=dict)
    subscore_bands: dict[str, str | None] = field(default_factory=dict)
    item_scores: dict[str, int | None] = field(default_factory=dict)
    categories: dict[str, str | None] = field(default_factory=dict)
    complete: bool = False
    chronic_loneliness: bool | None = None
    unanswered_items: tuple[str, ...] = ()
    declined_items: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def details(self) -> dict[str, object]:
        """What a stored screen keeps besides its score and band (Screening.details)."""
        return {
            "subscores": dict(self.subscores),
            "subscore_bands": dict(self.subscore_bands),
            "item_scores": dict(self.item_scores),
            "categories": dict(self.categories),
            "chronic_loneliness": self.chronic_loneliness,
            "unanswered_items": list(self.unanswered_items),
            "declined_items": list(self.declined_items),
        }


ScoringRule = Callable[["Instrument", Answers], ScreeningResult]


@dataclass(frozen=True, kw_only=True)
class Instrument:
    """A questionnaire as data. `scoring` is the pure rule that turns answers into a
    ScreeningResult; `scoring_version` is stored with every score it produces."""

    code: str
    version: str
    name: str
    audience: str
    introduction: str
    items: tuple[Item, ...]
    licence_note: str
    scoring: ScoringRule = field(repr=False, compare=False)
    scoring_version: str
    bands: tuple[Band, ...] = ()
    subscale_bands: tuple[Band, ...] = ()
    higher_is_better: bool | None = None
    is_mandatory_baseline: bool = False
    modes: tuple[AdministrationMode, ...] = STANDARD_MODES
    # False for adaptations whose results must never be pooled with standard instruments
    # or national comparison figures (Easy Read).
    national_comparison: bool = True
    # The item holding the ONS direct question, for the chronic-loneliness flag.
    direct_question_item: str | None = None
    # Notes every result of this instrument carries (pooling rules, local conventions).
    result_notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        codes = [item.code for item in self.items]
        if len(set(codes)) != len(codes):
            raise ValueError(f"{self.code}: duplicate item codes")
        for item in self.items:
            values = [option.value for option in item.options]
            if len(set(values)) != len(values):
                raise ValueError(f"{self.code}.{item.code}: duplicate option values")
            if DECLINED in values:
                raise ValueError(f"{self.code}.{item.code}: {DECLINED!r} is reserved")
        if self.direct_question_item is not None and self.direct_question_item not in codes:
            raise ValueError(f"{self.code}: unknown direct question item")

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def score(self, answers: Answers) -> ScreeningResult:
        return self.scoring(self, answers)


def validate_answers(instrument: Instrument, answers: Answers) -> None:
    """Raise InvalidAnswer for an item the instrument does not have, or a value that is
    neither one of the item's options nor DECLINED. None means "no answer"."""
    if not isinstance(answers, Mapping):
        raise InvalidAnswer(instrument.code, "", answers, "answers must map item codes to values")
    known = {item.code: item for item in instrument.items}
    for item_code, value in answers.items():
        item = known.get(item_code)
        if item is None:
            raise InvalidAnswer(instrument.code, item_code, value, f"no item {item_code!r}")
        if value is None or value == DECLINED:
            continue
        if not isinstance(value, str) or item.option(value) is None:
            raise InvalidAnswer(instrument.code, item_code, value, f"{value!r} is not an answer to {item_code!r}")

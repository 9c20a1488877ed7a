"""Which screen is an episode's baseline, at which time point each later screen was taken,
and which baseline it pairs with (domain.md 3.1, 2.5, 2.6 and 7.2).

Pure: facts about an episode's screens in, a placement for each screen out. The services
store the placements and run this again whenever a screen is added, so a baseline
recorded after the referrer's screen takes over its pairs.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from navigator.screening.instruments import ADULT_AGE, CHILD_AGE


class ScreeningOccasion(enum.Enum):
    """Why a screen was taken: the step of the work it belongs to."""

    BASELINE = "baseline"
    REVIEW = "review"
    CLOSURE = "closure"
    FOLLOW_UP = "follow_up"  # after the case closed


class TimePoint(enum.Enum):
    """When a screen falls for comparison: a 3-month screen is any later screen inside the
    3-month window, whether it was taken at a review, at closure or after closure."""

    BASELINE = "baseline"
    THREE_MONTH = "three_month"
    REVIEW = "review"
    CLOSURE = "closure"
    AFTER_CLOSURE = "after_closure"

    @property
    def label(self) -> str:
        return TIME_POINT_LABELS[self]


TIME_POINT_LABELS = {
    TimePoint.BASELINE: "Baseline",
    TimePoint.THREE_MONTH: "3-month follow-up",
    TimePoint.REVIEW: "Review",
    TimePoint.CLOSURE: "Closure",
    TimePoint.AFTER_CLOSURE: "After-closure follow-up",
}

_LATER_TIME_POINT = {
    ScreeningOccasion.REVIEW: TimePoint.REVIEW,
    ScreeningOccasion.CLOSURE: TimePoint.CLOSURE,
    ScreeningOccasion.FOLLOW_UP: TimePoint.AFTER_CLOSURE,
}


class AgeBand(enum.Enum):
    """The age bands the instruments are written for (domain.md 3.1)."""

    UNDER_10 = "under_10"
    CHILD = "10_15"
    ADULT = "16_plus"

    @property
    def label(self) -> str:
        return AGE_BAND_LABELS[self]


AGE_BAND_LABELS = {
    AgeBand.UNDER_10: "Under 10",
    AgeBand.CHILD: "10 to 15",
    AgeBand.ADULT: "16 or over",
}


def age_band_for(age: int | None) -> AgeBand | None:
    if age is None:
        return None
    if age < CHILD_AGE:
        return AgeBand.UNDER_10
    if age < ADULT_AGE:
        return AgeBand.CHILD
    return AgeBand.ADULT


BASELINE_RULE = (
    "The baseline for each set of questions is the navigator’s screen at the first conversation "
    "(the first complete one, or the first one if none is complete). The referrer’s screen taken "
    "at referral is the baseline only when the navigator has recorded none. Every later screen of "
    "the same questions is compared with that baseline; one inside the 3-month window "
    "is the 3-month follow-up."
)


@dataclass(frozen=True)
class ScreenFacts:
    """What placing a screen needs to know about it."""

    id: Hashable
    instrument_code: str
    instrument_version: str
    occasion: ScreeningOccasion
    mode: str
    at_referral: bool
    complete: bool
    recorded_on: date


@dataclass(frozen=True)
class Placement:
    time_point: TimePoint
    # The screen the episode's later screens of its instrument are compared with.
    episode_baseline: bool = False
    # For a later screen: the baseline it pairs with (None: no baseline of its instrument).
    baseline_id: Hashable | None = None
    # Same instrument version and mode as its baseline; None when it has no baseline.
    comparable: bool | None = None


@dataclass(frozen=True)
class FollowUpSchedule:
    """The 3-month point after the baseline, and the window around it (local convention:
    3 months, ±14 days; configurable)."""

    after: relativedelta
    window: timedelta

    def due(self, baseline_day: date) -> date:
        return baseline_day + self.after

    def opens(self, baseline_day: date) -> date:
        return self.due(baseline_day) - self.window

    def closes(self, baseline_day: date) -> date:
        return self.due(baseline_day) + self.window

    def contains(self, baseline_day: date, day: date) -> bool:
        return self.opens(baseline_day) <= day <= self.closes(baseline_day)


def choose_baseline(baselines: Sequence[ScreenFacts]) -> ScreenFacts | None:
    """The episode's baseline among one instrument's baseline screens (BASELINE_RULE)."""
    by_navigator = [s for s in baselines if not s.at_referral]
    candidates = by_navigator or list(baselines)
    if not candidates:
        return None
    ordered = sorted(candidates, key=lambda s: s.recorded_on)
    return next((s for s in ordered if s.complete), ordered[0])


def place(screens: Sequence[ScreenFacts], schedule: FollowUpSchedule) -> dict[Hashable, Placement]:
    """A placement for every screen of one episode. `screens` in the order they were
    recorded (ties keep that order)."""
    placements: dict[Hashable, Placement] = {}
    baselines: dict[str, ScreenFacts] = {}
    by_instrument: dict[str, list[ScreenFacts]] = {}
    for screen in screens:
        if screen.occasion is ScreeningOccasion.BASELINE:
            by_instrument.setdefault(screen.instrument_code, []).append(screen)
    for code, candidates in by_instrument.items():
        chosen = choose_baseline(candidates)
        if chosen is not None:
            baselines[code] = chosen
        for screen in candidates:
            placements[screen.id] = Placement(TimePoint.BASELINE, episode_baseline=screen is chosen)
    three_month_taken: set[str] = set()
    for screen in sorted(
        (s for s in screens if s.occasion is not ScreeningOccasion.BASELINE), key=lambda s: s.recorded_on
    ):
        baseline = baselines.get(screen.instrument_code)
        time_point = _LATER_TIME_POINT[screen.occasion]
        if (
            baseline is not None
            and screen.instrument_code not in three_month_taken
            and schedule.contains(baseline.recorded_on, screen.recorded_on)
        ):
            time_point = TimePoint.THREE_MONTH
            three_month_taken.add(screen.instrument_code)
        placements[screen.id] = Placement(
            time_point,
            baseline_id=baseline.id if baseline is not None else None,
            comparable=(
                None
                if baseline is None
                else baseline.instrument_version == screen.instrument_version and baseline.mode == screen.mode
            ),
        )
    return placements


def episode_baseline_day(screens: Sequence[ScreenFacts], placements: dict[Hashable, Placement]) -> date | None:
    """The day of the episode's first baseline: the 3-month point counts from it."""
    days = [s.recorded_on for s in screens if placements[s.id].episode_baseline]
    return min(days) if days else None

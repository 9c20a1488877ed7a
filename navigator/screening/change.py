"""Change between a baseline and a later screen of the same person, and summaries of many
such pairs (domain.md 3.1 to 3.7 and 7.2). Pure: answers in, numbers out.

A pair is the same person, the same instrument, version and mode, at two time points; the
services decide which screens pair (navigator/screening/pairing.py). Never compare the
mean of everyone at baseline with the mean of everyone at follow-up: other people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from navigator.screening.model import Answers, Instrument, ScreeningResult

# Local convention (domain.md 3.1): UCLA-3 falls by at least 1 point between paired time points.
IMPROVEMENT_POINTS = 1


@dataclass(frozen=True)
class MeasureChange:
    """One number compared at two time points: a total, a subscale or an ONS4 item."""

    measure: str
    baseline: int | None
    follow_up: int | None
    higher_is_better: bool
    baseline_band: str | None = None
    follow_up_band: str | None = None

    @property
    def change(self) -> int | None:
        """Follow-up minus baseline; None when either is missing (never prorated)."""
        if self.baseline is None or self.follow_up is None:
            return None
        return self.follow_up - self.baseline

    @property
    def improved(self) -> bool | None:
        """Moved at least IMPROVEMENT_POINTS in the better direction (local convention)."""
        change = self.change
        if change is None:
            return None
        return (change if self.higher_is_better else -change) >= IMPROVEMENT_POINTS

    @property
    def direction(self) -> str:
        change = self.change
        if change is None:
            return "not known"
        if change == 0:
            return "no change"
        better = (change > 0) == self.higher_is_better
        return "better" if better else "worse"


@dataclass(frozen=True)
class PairChange:
    instrument_code: str
    measures: tuple[MeasureChange, ...]
    # The ONS direct question (also in the children's set): "Often/always" at each point;
    # None when not asked or not classified.
    often_always_before: bool | None = None
    often_always_after: bool | None = None

    @property
    def total(self) -> MeasureChange | None:
        return next((m for m in self.measures if m.measure == "Total"), None)

    @property
    def moved_out_of_often_always(self) -> bool:
        return self.often_always_before is True and self.often_always_after is False

    @property
    def moved_into_often_always(self) -> bool:
        return self.often_always_before is False and self.often_always_after is True


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


def pair_change(instrument: Instrument, baseline_answers: Answers, follow_up_answers: Answers) -> PairChange:
    """What changed between two screens of one instrument, each scored by its rule."""
    before = instrument.score(baseline_answers)
    after = instrument.score(follow_up_answers)
    return PairChange(
        instrument_code=instrument.code,
        measures=tuple(_measures(instrument, before, after)),
        often_always_before=before.chronic_loneliness,
        often_always_after=after.chronic_loneliness,
    )


def _measures(instrument: Instrument, before: ScreeningResult, after: ScreeningResult) -> list[MeasureChange]:
    if any(item.bands for item in instrument.items):
        # ONS4: each item is its own measure, never summed or averaged.
        return [
            MeasureChange(
                _words(item.code),
                before.item_scores.get(item.code),
                after.item_scores.get(item.code),
                higher_is_better=bool(item.higher_is_better),
                baseline_band=before.subscore_bands.get(item.code),
                follow_up_band=after.subscore_bands.get(item.code),
            )
            for item in instrument.items
        ]
    if instrument.higher_is_better is None or not any(item.is_scored for item in instrument.items):
        return []  # categorical: the direct question's "Often/always" is the change
    measures = [
        MeasureChange(
            "Total",
            before.score,
            after.score,
            higher_is_better=instrument.higher_is_better,
            baseline_band=before.band,
            follow_up_band=after.band,
        )
    ]
    for name in before.subscores:
        measures.append(
            MeasureChange(
                _words(name),
                before.subscores.get(name),
                after.subscores.get(name),
                higher_is_better=instrument.higher_is_better,
                baseline_band=before.subscore_bands.get(name),
                follow_up_band=after.subscore_bands.get(name),
            )
        )
    return measures


# -- many pairs (domain.md 7.2) ---------------------------------------------------------------


@dataclass(frozen=True)
class PairedScores:
    """Paired change in a score where lower is better (UCLA-3), with what an unpaired
    comparison would have said, so a report can show why it misleads."""

    pairs: int
    baseline_mean: float | None
    follow_up_mean: float | None
    mean_change: float | None
    improved: int
    without_follow_up: int
    without_follow_up_baseline_mean: float | None
    everyone_baseline_mean: float | None

    @property
    def unpaired_difference(self) -> float | None:
        """Mean at follow-up minus mean of everyone at baseline: misleading, shown only
        to explain the paired figure."""
        if self.follow_up_mean is None or self.everyone_baseline_mean is None:
            return None
        return self.follow_up_mean - self.everyone_baseline_mean


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def paired_scores(pairs: Sequence[tuple[int, int]], without_follow_up: Sequence[int]) -> PairedScores:
    """`pairs`: (baseline, follow-up) scores of the same people; `without_follow_up`: the
    baseline scores of people with no follow-up at that time point."""
    baselines = [b for b, _ in pairs]
    follow_ups = [f for _, f in pairs]
    changes = [f - b for b, f in pairs]
    return PairedScores(
        pairs=len(pairs),
        baseline_mean=_mean(baselines),
        follow_up_mean=_mean(follow_ups),
        mean_change=_mean(changes),
        improved=sum(1 for change in changes if -change >= IMPROVEMENT_POINTS),
        without_follow_up=len(without_follow_up),
        without_follow_up_baseline_mean=_mean(list(without_follow_up)),
        everyone_baseline_mean=_mean([*baselines, *without_follow_up]),
    )


@dataclass(frozen=True)
class OftenAlwaysTable:
    """The 2x2 table of "Often/always" at baseline against follow-up: both directions,
    not only the net change (domain.md 7.2)."""

    stayed: int
    moved_out: int
    moved_in: int
    never: int

    @property
    def pairs(self) -> int:
        return self.stayed + self.moved_out + self.moved_in + self.never

    @property
    def at_baseline(self) -> int:
        return self.stayed + self.moved_out

    @property
    def at_follow_up(self) -> int:
        return self.stayed + self.moved_in


def often_always_table(pairs: Sequence[tuple[bool, bool]]) -> OftenAlwaysTable:
    """`pairs`: ("Often/always" at baseline, at follow-up) for each classified pair."""
    return OftenAlwaysTable(
        stayed=sum(1 for before, after in pairs if before and after),
        moved_out=sum(1 for before, after in pairs if before and not after),
        moved_in=sum(1 for before, after in pairs if not before and after),
        never=sum(1 for before, after in pairs if not before and not after),
    )

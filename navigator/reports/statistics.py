"""Summaries of many pairs and waits (domain.md 2.9, 7.2). Pure: numbers in, numbers out.

The statistics come from scipy: the t distribution for the 95 % confidence interval of a
mean paired change, and the exact binomial test on the discordant pairs of the
"Often/always" 2x2 table, which is McNemar's exact test.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from navigator.screening.change import OftenAlwaysTable, PairedScores, often_always_table, paired_scores

CONFIDENCE = 0.95


@dataclass(frozen=True)
class PairedChange:
    """Paired UCLA-3 change: the summary of change.py plus a confidence interval."""

    scores: PairedScores
    confidence_interval: tuple[float, float] | None


def mean_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The t-based confidence interval of a mean; None for fewer than two values."""
    if len(values) < 2:
        return None
    mean = statistics.fmean(values)
    spread = statistics.stdev(values)
    if spread == 0:
        return (mean, mean)
    error = spread / math.sqrt(len(values))
    low, high = stats.t.interval(confidence, len(values) - 1, loc=mean, scale=error)
    return (float(low), float(high))


def paired_change(pairs: Sequence[tuple[int, int]], without_follow_up: Sequence[int]) -> PairedChange:
    """Each person's change, then the summary (never the difference of two group means)."""
    changes = [after - before for before, after in pairs]
    return PairedChange(paired_scores(pairs, without_follow_up), mean_interval(changes))


def mcnemar_p(table: OftenAlwaysTable) -> float | None:
    """Two-sided exact McNemar test: did as many move out of "Often/always" as into it?
    None when no pair changed (nothing to test)."""
    discordant = table.moved_out + table.moved_in
    if discordant == 0:
        return None
    return float(stats.binomtest(table.moved_out, discordant, 0.5).pvalue)


def often_always(pairs: Sequence[tuple[bool, bool]]) -> tuple[OftenAlwaysTable, float | None]:
    table = often_always_table(pairs)
    return table, mcnemar_p(table)


@dataclass(frozen=True)
class ItemChange:
    """Paired change in one ONS4 item."""

    item: str
    pairs: int
    mean_change: float | None
    confidence_interval: tuple[float, float] | None
    improved: int  # moved the better way by at least 1 point


def item_change(item: str, pairs: Sequence[tuple[int, int]], higher_is_better: bool) -> ItemChange:
    changes = [after - before for before, after in pairs]
    better = [c if higher_is_better else -c for c in changes]
    return ItemChange(
        item,
        len(changes),
        statistics.fmean(changes) if changes else None,
        mean_interval(changes),
        sum(1 for c in better if c >= 1),
    )


@dataclass(frozen=True)
class Waits:
    """Waits for one measure: how many, the median and how many within the target."""

    count: int
    median: float | None
    within_target: int


def waits(values: Sequence[int], target: int) -> Waits:
    return Waits(len(values), statistics.median(values) if values else None, sum(1 for v in values if v <= target))

"""A report table as the page and the CSV both show it: every figure already suppressed
and written out, so the two can never differ (domain.md 6.8)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from navigator.reports.suppression import Shown, base_shown, rate_shown, suppress

MINUS = "\u2212"  # a real minus sign: reads well, and a CSV cell never starts with "-"
NOT_SHOWN = "not shown"

Kind = Literal["bars", "line", "cells", "before_after"]


@dataclass(frozen=True)
class ChartSpec:
    """How a table is charted: `bars` of one column for each row; `line` of the total row
    across the months; `cells` a bar for each cell of a small cross-table; `before_after`
    the baseline and follow-up means of the paired table."""

    kind: Kind
    column: str = "Total"  # the column charted, by its heading (bars)
    measure: str = ""  # what the bars measure, for the description ("referrals")


@dataclass(frozen=True)
class Settings:
    """The configuration a report is built with."""

    threshold: int
    suppressed_wording: str
    hidden_wording: str
    first_contact_target: int
    first_activity_target: int

    @property
    def small(self) -> str:
        return self.suppressed_wording.format(n=self.threshold + 1)


@dataclass
class ReportTable:
    key: str  # the download's name
    title: str
    header: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    total_row: list[str] | None = None
    chart: ChartSpec | None = None
    label_columns: int = 1  # the leading columns that name the row (text, not figures)
    flag_column: int | None = None  # a column whose words are a flag (a tag on the page)

    @property
    def all_rows(self) -> list[list[str]]:
        return [*self.rows, *([self.total_row] if self.total_row else [])]


def figure(shown: Shown, settings: Settings) -> str:
    if shown.primary:
        return settings.small
    if shown.secondary:
        return settings.hidden_wording
    return f"{shown.value:,}"


def count(value: int, settings: Settings) -> str:
    """A count on its own (no totals to protect)."""
    return settings.small if 1 <= value <= settings.threshold else f"{value:,}"


def signed(value: float, places: int = 1) -> str:
    text = f"{value:+.{places}f}"
    return text.replace("-", MINUS) if value < 0 else (text if round(value, places) != 0 else f"{0:.{places}f}")


def number(value: float | None, places: int = 1) -> str:
    if value is None:
        return NOT_SHOWN
    text = f"{value:.{places}f}"
    return text.replace("-", MINUS)


def percent(numerator: Shown | int, denominator: Shown | int, settings: Settings) -> str:
    share = rate_shown(numerator, denominator, settings.threshold)
    return NOT_SHOWN if share is None else f"{share:.0%}"


def mean_over(value: float | None, base: int, settings: Settings, places: int = 1) -> str:
    """A mean or median, shown only over more people than the threshold."""
    if value is None or not base_shown(base, settings.threshold):
        return NOT_SHOWN
    return number(value, places)


def interval(bounds: tuple[float, float] | None, base: int, settings: Settings) -> str:
    if bounds is None or not base_shown(base, settings.threshold):
        return NOT_SHOWN
    return f"{number(bounds[0])} to {number(bounds[1])}"


def count_table(
    key: str,
    title: str,
    row_heading: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    counts: Sequence[Sequence[int]],
    settings: Settings,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    notes: Sequence[str] = (),
    chart: ChartSpec | None = None,
) -> tuple[ReportTable, list[list[Shown]]]:
    """A table of counts with its totals, suppressed. Also returns the shown figures (with
    the row total last when there is one) for rates worked out from them."""
    if not counts:
        return ReportTable(key, title, [row_heading, *column_labels], [], list(notes), chart=chart), []
    grid = suppress(counts, settings.threshold, row_totals=row_totals, column_totals=column_totals)
    header = [row_heading, *column_labels, *(["Total"] if row_totals else [])]
    shown_rows = []
    rows = []
    for i, label in enumerate(row_labels):
        shown = grid.shown[i] + ([grid.row_total_shown[i]] if row_totals else [])
        shown_rows.append(shown)
        rows.append([label, *(figure(cell, settings) for cell in shown)])
    total_row = None
    if column_totals:
        totals = grid.column_total_shown + ([grid.grand_total_shown] if grid.grand_total_shown else [])
        shown_rows.append(totals)
        total_row = ["Total", *(figure(cell, settings) for cell in totals)]
    return ReportTable(key, title, header, rows, list(notes), total_row, chart), shown_rows

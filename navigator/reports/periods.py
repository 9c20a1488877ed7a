"""The period a report covers: a quarter (`2026Q3`), any range of whole months
(`from=2026-01&to=2026-06`) or the rolling 12 months (`period=rolling`), never past today.

Pure: dates in, a Period or a message the person can act on out. Bounds are London
midnights turned into UTC instants, so a referral made at 00:30 on 1 July in summer time
(23:30 UTC on 30 June) counts in July, as staff would expect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from dateutil.relativedelta import relativedelta

from navigator.clock import in_london

ROLLING = "rolling"
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# No service data before this: an earlier period is a typing mistake.
EARLIEST_YEAR = 2000
MAX_MONTHS = 36


class PeriodError(ValueError):
    """A period the person asked for that cannot be reported: the message says why."""


@dataclass(frozen=True)
class Period:
    """From `start` (first day of a month) up to, not including, `end`; `end` is never
    later than tomorrow, so the current month or quarter runs to today."""

    start: date
    end: date
    label: str
    key: str  # what goes back in the URL and in file names: 2026Q3, 2026-01_2026-06, rolling

    @property
    def starts_at(self) -> datetime:
        return in_london(self.start).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        return in_london(self.end).astimezone(UTC)

    @property
    def months(self) -> list[date]:
        """The first day of each month the period touches, in order."""
        first = self.start.replace(day=1)
        months = []
        while first < self.end:
            months.append(first)
            first += relativedelta(months=1)
        return months

    def month_bounds(self) -> list[tuple[date, datetime]]:
        """Each month with the UTC instant it ends (the last one ends with the period)."""
        bounds = []
        for month in self.months:
            month_end = min(month + relativedelta(months=1), self.end)
            bounds.append((month, in_london(month_end).astimezone(UTC)))
        return bounds


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _ends(start: date, months: int, today: date) -> tuple[date, str]:
    """Where a period of `months` from `start` ends, cut at today; " to date" when cut."""
    full = start + relativedelta(months=months)
    tomorrow = today + relativedelta(days=1)
    return (full, "") if full <= tomorrow else (tomorrow, " to date")


def current_quarter(today: date) -> Period:
    return quarter(quarter_of(today), today)


def quarter(text: str, today: date) -> Period:
    match = QUARTER.match(text.strip().upper())
    if not match:
        raise PeriodError("Enter a quarter like 2026Q3, a range of months, or the rolling 12 months")
    year, number = int(match.group(1)), int(match.group(2))
    start = date(year, 3 * number - 2, 1)
    if year < EARLIEST_YEAR:
        raise PeriodError(f"There is no data before {EARLIEST_YEAR}: choose a later quarter")
    if start > today:
        raise PeriodError(f"{year} quarter {number} has not started yet: choose a quarter up to today")
    end, to_date = _ends(start, 3, today)
    label = f"{year} quarter {number} ({month_label(start)} to {_last_month(start, 3)}){to_date}"
    return Period(start, end, label, f"{year}Q{number}")


def _last_month(start: date, months: int) -> str:
    return month_label(start + relativedelta(months=months - 1))


def rolling_year(today: date) -> Period:
    start = today.replace(day=1) - relativedelta(months=11)
    return Period(start, today + relativedelta(days=1), f"The 12 months to {today:%-d %B %Y}", ROLLING)


def _month(text: str, which: str) -> date:
    match = MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(f"Enter the {which} month as a year and month, like 2026-01")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_range(start_text: str, end_text: str, today: date) -> Period:
    start = _month(start_text, "first")
    last = _month(end_text, "last")
    if start.year < EARLIEST_YEAR:
        raise PeriodError(f"There is no data before {EARLIEST_YEAR}: choose a later first month")
    if last < start:
        raise PeriodError("The last month must be the same as or after the first month")
    if last > today.replace(day=1):
        raise PeriodError("The last month cannot be after this month")
    count = (last.year - start.year) * 12 + last.month - start.month + 1
    if count > MAX_MONTHS:
        raise PeriodError(f"Choose {MAX_MONTHS} months or fewer")
    end, to_date = _ends(start, count, today)
    label = f"{month_label(start)} to {month_label(last)}" if count > 1 else month_label(start)
    return Period(start, end, label + to_date, f"{start:%Y-%m}_{last:%Y-%m}")


def parse_period(period: str | None, start: str | None, end: str | None, today: date) -> Period:
    """The period the request names; the current quarter when it names none. Raises
    PeriodError for one that cannot be reported."""
    if start or end:
        if not (start and end):
            raise PeriodError("Enter both the first and the last month")
        return month_range(start, end, today)
    if not period:
        return current_quarter(today)
    if period.strip().lower() == ROLLING:
        return rolling_year(today)
    return quarter(period, today)

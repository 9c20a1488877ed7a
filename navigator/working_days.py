"""Working days: weekdays that are not England and Wales bank holidays (held as data)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

import numpy as np
from flask import g
from sqlalchemy import select

from navigator.clock import LONDON
from navigator.extensions import db
from navigator.models import BankHoliday

# Referrals received after this time count from the next working day (domain.md 2.9).
DAY_CUT_OFF = time(17, 0)
HOLIDAYS_KEY = "bank_holidays"


def bank_holidays(start: date, end: date) -> set[date]:
    return {day for day in _all_bank_holidays() if start <= day <= end}


def _all_bank_holidays() -> frozenset[date]:
    """Read once a request (a few rows a year): a list counts working days for every row."""
    if HOLIDAYS_KEY not in g:
        setattr(g, HOLIDAYS_KEY, frozenset(db.session.scalars(select(BankHoliday.day))))
    holidays: frozenset[date] = getattr(g, HOLIDAYS_KEY)
    return holidays


def forget_bank_holidays() -> None:
    """At the end of a request: the next one reads the table again."""
    g.pop(HOLIDAYS_KEY, None)


def is_working_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def working_days_between(start: datetime, end: datetime) -> int:
    """Whole working days from `start` to `end`, counting from the next working day when
    `start` is after the cut-off or not a working day."""
    first = start.astimezone(LONDON)
    last = end.astimezone(LONDON).date()
    day = first.date()
    if day >= last:
        return 0
    holidays = bank_holidays(day, last)
    if first.time() >= DAY_CUT_OFF or not is_working_day(day, holidays):
        day += timedelta(days=1)
        while day < last and not is_working_day(day, holidays):
            day += timedelta(days=1)
    count = 0
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return count


def working_days_each(spans: Sequence[tuple[datetime, datetime]]) -> list[int]:
    """working_days_between for each (start, end), worked out together: the same answers,
    for a report's tens of thousands of waits without a loop over their days."""
    if not spans:
        return []
    firsts = [start.astimezone(LONDON) for start, _ in spans]
    days = _day_array(moment.date() for moment in firsts)
    lasts = _day_array(end.astimezone(LONDON).date() for _, end in spans)
    late = np.fromiter((moment.time() >= DAY_CUT_OFF for moment in firsts), dtype=bool, count=len(spans))
    calendar = np.busdaycalendar(holidays=sorted(_all_bank_holidays()))
    one = np.timedelta64(1, "D")
    # After the cut-off or on a day off, counting starts from the next working day (at most the end).
    moved = late | ~np.is_busday(days, busdaycal=calendar)
    following = np.busday_offset(days + one, 0, roll="forward", busdaycal=calendar)
    starts = np.where(moved, np.minimum(following, lasts), days)
    counts = np.where(days >= lasts, 0, np.busday_count(starts + one, lasts + one, busdaycal=calendar))
    return [int(count) for count in counts]


EPOCH = date(1970, 1, 1).toordinal()


def _day_array(days: Iterable[date]) -> np.ndarray:
    """Dates as numpy days (through their ordinals: much quicker than from date objects)."""
    return (np.fromiter((day.toordinal() for day in days), dtype=np.int64) - EPOCH).astype("datetime64[D]")

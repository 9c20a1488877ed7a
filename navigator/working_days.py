"""Working days: weekdays that are not England and Wales bank holidays (held as data)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

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

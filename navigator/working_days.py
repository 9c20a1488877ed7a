"""Working days: weekdays that are not England and Wales bank holidays (held as data)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from navigator.clock import LONDON
from navigator.extensions import db
from navigator.models import BankHoliday

# Referrals received after this time count from the next working day (domain.md 2.9).
DAY_CUT_OFF = time(17, 0)


def bank_holidays(start: date, end: date) -> set[date]:
    return set(db.session.scalars(select(BankHoliday.day).where(BankHoliday.day.between(start, end))))


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

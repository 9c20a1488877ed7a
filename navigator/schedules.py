"""Weekly schedules in plain English, and the day codes search uses."""

from __future__ import annotations

import re
from datetime import datetime, time

from navigator.clock import LONDON

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_FROM_RRULE = dict(zip(RRULE_DAYS, WEEKDAYS, strict=True))
RRULE_FROM_DAY = dict(zip(WEEKDAYS, RRULE_DAYS, strict=True))

# An RRULE BYDAY entry: optional ordinal ("2", "-1") then a two-letter day.
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


def weekday_codes(by_day: str) -> list[str]:
    """["tuesday", "thursday"] for "TU,TH" (ordinals such as "2TU" keep the day)."""
    days = []
    for part in by_day.split(","):
        match = _BYDAY.match(part.strip().upper())
        if match:
            days.append(DAY_FROM_RRULE[match.group(2)])
    return days


def day_label(code: str) -> str:
    return code.capitalize()


def format_time(value: time) -> str:
    """GOV.UK style: 10am, 10:30am, 12pm (midday), 12am (midnight)."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    if value.minute:
        return f"{hour}:{value.minute:02d}{suffix}"
    return f"{hour}{suffix}"


def format_time_range(start: time, end: time) -> str:
    return f"{format_time(start)} to {format_time(end)}"


def format_date(value: datetime) -> str:
    """ "Tuesday 1 December 2026" in London time."""
    local = value.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y}"


def describe_weekly(by_day: str, interval: int, start: time, end: time) -> str:
    """ "Every Tuesday, 10:30am to 12pm"."""
    days = [day_label(day) for day in weekday_codes(by_day)]
    if not days:
        return format_time_range(start, end)
    joined = days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1]
    every = "Every" if interval == 1 else "Every other" if interval == 2 else f"Every {interval} weeks on"
    return f"{every} {joined}, {format_time_range(start, end)}"


def describe_event_time(starts_at: datetime, ends_at: datetime | None) -> str:
    """ "Saturday 5 December 2026, 2pm to 4pm"."""
    local_start = starts_at.astimezone(LONDON)
    if ends_at is None:
        return f"{format_date(starts_at)}, {format_time(local_start.time())}"
    local_end = ends_at.astimezone(LONDON)
    if local_end.date() != local_start.date():
        return (
            f"{format_date(starts_at)}, {format_time(local_start.time())} to "
            f"{format_date(ends_at)}, {format_time(local_end.time())}"
        )
    return f"{format_date(starts_at)}, {format_time_range(local_start.time(), local_end.time())}"

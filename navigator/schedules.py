"""Schedules in plain English (domain.md 5.2: "2nd Tuesday of every month, 10am to
12pm"), and the day codes search uses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from navigator.clock import LONDON, in_london
from navigator.models import ExceptionKind, Frequency
from navigator.recurrence import BYDAY_ENTRY, RRULE_DAYS, Change, Occurrence, Rule, RuleError, regular_sessions

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_FROM_RRULE = dict(zip(RRULE_DAYS, WEEKDAYS, strict=True))
RRULE_FROM_DAY = dict(zip(WEEKDAYS, RRULE_DAYS, strict=True))


def weekday_codes(by_day: str) -> list[str]:
    """["tuesday", "thursday"] for "TU,TH" (ordinals such as "2TU" keep the day)."""
    days = []
    for part in by_day.split(","):
        match = BYDAY_ENTRY.match(part.strip().upper())
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


# -- any schedule ---------------------------------------------------------------------

ORDINALS = {
    1: "1st",
    2: "2nd",
    3: "3rd",
    4: "4th",
    5: "5th",
    -1: "last",
    -2: "2nd to last",
    -3: "3rd to last",
    -4: "4th to last",
    -5: "5th to last",
}
# Dates a list of dates shows before "and N more dates".
MAX_DATES_SHOWN = 8


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st, 22nd, 31st."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def join_words(words: Sequence[str], last: str = "and") -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def short_date(day: date, today: date) -> str:
    """ "6 January", with the year when it is not this year or in the next six months."""
    if day.year == today.year or timedelta(0) <= day - today <= timedelta(days=183):
        return f"{day.day} {day:%B}"
    return f"{day.day} {day:%B %Y}"


def _every_months(interval: int) -> str:
    return "every month" if interval <= 1 else "every other month" if interval == 2 else f"every {interval} months"


def _monthly_days(rule: Rule) -> str:
    entries = rule.days
    if not entries or all(entry.ordinal is None for entry in entries):
        days = join_words([day_label(DAY_FROM_RRULE[entry.code[-2:]]) for entry in entries])
        return f"Every {days}" if rule.interval <= 1 else f"Every {days}, {_every_months(rule.interval)}"
    # "2nd and 4th Tuesday", "1st Monday and 3rd Wednesday": ordinals grouped by day, in the order given.
    by_weekday: dict[int, list[str]] = {}
    for entry in entries:
        which = ORDINALS[entry.ordinal] if entry.ordinal else "every"
        by_weekday.setdefault(entry.weekday, []).append(which)
    phrases = [f"{join_words(whichs)} {WEEKDAYS[weekday].capitalize()}" for weekday, whichs in by_weekday.items()]
    text = f"{join_words(phrases)} of {_every_months(rule.interval)}"
    if all(entry.ordinal is not None and abs(entry.ordinal) == 5 for entry in entries):
        text += " that has one"
    return text[0].upper() + text[1:]


def _pattern(rule: Rule, today: date) -> str:
    """What repeats, without times: "Every other Tuesday", "Last Friday of every month"."""
    if rule.frequency is Frequency.DATES:
        upcoming = [day for day in rule.dates if day >= today and _in_range(rule, day)]
        if not upcoming:
            return "No dates coming up"
        shown, more = upcoming[:MAX_DATES_SHOWN], len(upcoming) - MAX_DATES_SHOWN
        text = "On " + _dates_by_month(shown, today)
        return text + (f" and {more} more {'date' if more == 1 else 'dates'}" if more > 0 else "")
    if rule.frequency is Frequency.MONTHLY:
        if rule.by_month_day is not None:
            text = f"{ordinal(rule.by_month_day)} of {_every_months(rule.interval)}"
            return text + (" that has one" if rule.by_month_day > 28 else "")
        return _monthly_days(rule)
    days = [day_label(day) for day in weekday_codes(rule.by_day)]
    joined = join_words(days)
    interval = rule.interval
    every = "Every" if interval == 1 else "Every other" if interval == 2 else f"Every {interval} weeks on"
    return f"{every} {joined}"


def _in_range(rule: Rule, day: date) -> bool:
    return (rule.valid_from is None or day >= rule.valid_from) and (rule.valid_to is None or day <= rule.valid_to)


def _dates_by_month(days: Sequence[date], today: date) -> str:
    """ "3, 10 and 17 March", "24 and 28 February and 3 March"."""
    groups: list[list[date]] = []
    for day in days:
        if groups and (groups[-1][0].year, groups[-1][0].month) == (day.year, day.month):
            groups[-1].append(day)
        else:
            groups.append([day])
    phrases = []
    for group in groups:
        month = short_date(group[0], today).split(" ", 1)[1]
        phrases.append(f"{join_words([str(day.day) for day in group])} {month}")
    return join_words(phrases)


def _date_range(rule: Rule, today: date) -> str:
    """ "from 6 January", "until 24 March", "from 6 January to 24 March": the first and
    last real sessions (a fortnightly group's start date may not be a session day)."""
    if rule.frequency is Frequency.DATES or (rule.valid_from is None and rule.valid_to is None):
        return ""
    try:
        first_session = next(iter(regular_sessions(rule)), None) if rule.valid_from is not None else None
        last_session = None
        if rule.valid_to is not None:
            # A year back finds the last session of any rule ("5th Thursday" can skip months).
            since = min(today, rule.valid_to) - timedelta(days=400)
            end_of_range = in_london(rule.valid_to, time(23, 59, 59))
            last_session = regular_sessions(rule, since).before(end_of_range, inc=True)
    except RuleError:
        return ""
    starts = first_session.date() if first_session is not None and first_session.date() > today else None
    ends = last_session.date() if last_session is not None else rule.valid_to
    if starts and ends:
        return f"from {short_date(starts, today)} to {short_date(ends, today)}"
    if starts:
        return f"from {short_date(starts, today)}"
    if ends:
        return f"until {short_date(ends, today)}"
    return ""


def changes_for(rule: Rule, changes: Sequence[Change], today: date) -> list[Change]:
    """The changes still to come that touch a session of this rule."""
    relevant = []
    for change in changes:
        if change.last_day < today:
            continue
        first = in_london(change.starts_on)
        last = in_london(change.last_day, time(23, 59, 59))
        try:
            if regular_sessions(rule, since=change.starts_on).between(first, last, inc=True):
                relevant.append(change)
        except RuleError:
            return []
    return relevant


def describe_changes(changes: Sequence[Change], today: date) -> list[str]:
    """ "not on 22 December or 5 January", "no sessions 21 December to 4 January",
    "on 5 May 1pm to 2:30pm instead", in date order."""
    phrases: list[str] = []
    cancelled: list[str] = []

    def flush() -> None:
        if cancelled:
            phrases.append("not on " + join_words(cancelled, "or"))
            cancelled.clear()

    for change in sorted(changes, key=lambda c: c.starts_on):
        if change.kind is ExceptionKind.CANCELLED and not change.is_break:
            cancelled.append(short_date(change.starts_on, today))
            continue
        flush()
        if change.kind is ExceptionKind.CANCELLED:
            phrases.append(f"no sessions {short_date(change.starts_on, today)} to {short_date(change.last_day, today)}")
        elif change.new_opens_at is not None and change.new_closes_at is not None:
            times = format_time_range(change.new_opens_at, change.new_closes_at)
            if change.last_day > change.starts_on:
                when = f"from {short_date(change.starts_on, today)} to {short_date(change.last_day, today)}"
                phrases.append(f"{when}, {times} instead")
            else:
                phrases.append(f"on {short_date(change.starts_on, today)} {times} instead")
    flush()
    return phrases


def describe_rule(rule: Rule, changes: Sequence[Change] = (), *, today: date) -> str:
    """One schedule in plain English, with its date range and the changes to come:
    "Every other Tuesday, 10:30am to 12pm, from 6 January, not on 29 December"."""
    parts = [_pattern(rule, today)]
    if not parts[0].startswith("No dates"):
        parts.append(format_time_range(rule.opens_at, rule.closes_at))
        date_range = _date_range(rule, today)
        if date_range:
            parts.append(date_range)
        parts.extend(describe_changes(changes_for(rule, changes, today), today))
    return ", ".join(parts)


def describe_occurrence(occurrence: Occurrence, today: date, *, with_end: bool = True) -> str:
    """ "Tuesday 2 December, 10:30am to 12pm" ("..., 10:30am" without the end)."""
    start = occurrence.starts_at.astimezone(LONDON)
    day = f"{start:%A} {short_date(start.date(), today)}"
    if not with_end:
        return f"{day}, {format_time(start.time())}"
    end = occurrence.ends_at.astimezone(LONDON)
    return f"{day}, {format_time_range(start.time(), end.time())}"

"""When listings really happen: schedules as iCalendar rules (domain.md 5.2), expanded
with python-dateutil's rrule/rruleset.

Times are wall-clock times in Europe/London: a 10:30 session is at 10:30 in both GMT
and BST, so its UTC time moves at the clock changes. Every datetime built here carries
the London zone and dateutil keeps the wall-clock fields as it steps through the rule.

A listing's schedules and exceptions are read into plain `Timetable` values so the
same code works on database rows, on the search index's stored copy (JSON) and on
data not yet saved (the seed snapping a cancelled date to a real session).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil import rrule as du

from navigator import clock
from navigator.clock import LONDON, in_london
from navigator.models import ExceptionKind, Frequency, Listing, ListingKind

RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DU_DAYS = (du.MO, du.TU, du.WE, du.TH, du.FR, du.SA, du.SU)
# An RRULE BYDAY entry: optional ordinal ("2", "-1", "+3") then a two-letter day.
BYDAY_ENTRY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
# How far ahead "the next sessions" look, in widening steps: a little over a year in all,
# so a rare pattern ("5th Thursday") or one after a long break is still found.
NEXT_SESSION_WEEKS = (5, 13, 52, 60)


class RuleError(ValueError):
    """A schedule that cannot be turned into a recurrence rule."""


@dataclass(frozen=True)
class DayEntry:
    weekday: int  # 0 = Monday
    ordinal: int | None  # 2 for "2TU", -1 for "-1FR", None for every such day

    @property
    def code(self) -> str:
        return f"{self.ordinal or ''}{RRULE_DAYS[self.weekday]}"


def parse_by_day(by_day: str) -> list[DayEntry]:
    """ "2TU,4TU" -> [DayEntry(1, 2), DayEntry(1, 4)]. Raises RuleError for anything else."""
    entries: list[DayEntry] = []
    for part in (by_day or "").split(","):
        text = part.strip().upper()
        if not text:
            continue
        match = BYDAY_ENTRY.match(text)
        if match is None:
            raise RuleError(f"{part.strip()!r} is not a day such as TU, 2TU or -1FR")
        ordinal = int(match.group(1)) if match.group(1) else None
        if ordinal is not None and not (1 <= abs(ordinal) <= 5):
            raise RuleError(f"{part.strip()!r}: the week of the month must be 1 to 5, or -1 to -5 counting back")
        entry = DayEntry(RRULE_DAYS.index(match.group(2)), ordinal)
        if entry not in entries:
            entries.append(entry)
    return entries


@dataclass(frozen=True)
class Rule:
    """One schedule row as plain values. `anchor` is the iCalendar DTSTART date: the
    first day the rule may produce a session, and for "every other week" the week the
    count starts from."""

    frequency: Frequency
    opens_at: time
    closes_at: time
    interval: int = 1
    by_day: str = ""
    by_month_day: int | None = None
    dates: tuple[date, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None
    anchor: date | None = None
    key: str = ""  # the schedule's id: calendar UIDs are built from it

    @property
    def days(self) -> list[DayEntry]:
        return parse_by_day(self.by_day)


@dataclass(frozen=True)
class Change:
    """A cancelled date, a break (a range of dates) or sessions moved to another time."""

    kind: ExceptionKind
    starts_on: date
    ends_on: date | None = None
    new_opens_at: time | None = None
    new_closes_at: time | None = None
    note: str = ""

    @property
    def last_day(self) -> date:
        return self.ends_on or self.starts_on

    @property
    def is_break(self) -> bool:
        return self.kind is ExceptionKind.CANCELLED and self.last_day > self.starts_on

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.last_day

    def days(self) -> Iterator[date]:
        day = self.starts_on
        while day <= self.last_day:
            yield day
            day += timedelta(days=1)


@dataclass(frozen=True)
class Timetable:
    """Everything that says when a listing happens: its rules and their exceptions, or
    an event's single start and end."""

    rules: tuple[Rule, ...] = ()
    changes: tuple[Change, ...] = ()
    starts_at: datetime | None = None  # events
    ends_at: datetime | None = None

    def to_json(self) -> str:
        """A compact copy for the search index (see search/documents.py)."""
        data: dict[str, object] = {}
        if self.rules:
            data["r"] = [_rule_to_dict(rule) for rule in self.rules]
        if self.changes:
            data["c"] = [_change_to_dict(change) for change in self.changes]
        if self.starts_at is not None:
            data["s"] = self.starts_at.isoformat()
            if self.ends_at is not None:
                data["e"] = self.ends_at.isoformat()
        return json.dumps(data, separators=(",", ":"), sort_keys=True) if data else ""

    @staticmethod
    def from_json(text: str) -> Timetable:
        return _timetable_from_json(text or "")


@dataclass(frozen=True)
class Occurrence:
    """One session: its London start and end, and the rule that made it (None for events)."""

    starts_at: datetime
    ends_at: datetime
    rule: Rule | None = None
    moved: bool = False
    note: str = ""

    @property
    def day(self) -> date:
        return self.starts_at.date()


# -- reading listings ------------------------------------------------------------------


def _created_day(listing: Listing) -> date:
    created = listing.created_at
    return created.astimezone(LONDON).date() if created is not None else clock.today()


def timetable_for(listing: Listing) -> Timetable:
    """The listing's schedules and exceptions as plain values."""
    if listing.kind is ListingKind.EVENT:
        if listing.starts_at is None:
            return Timetable()
        return Timetable(starts_at=listing.starts_at.astimezone(LONDON), ends_at=_london(listing.ends_at))
    anchor = _created_day(listing)
    rules = tuple(
        Rule(
            frequency=schedule.frequency or Frequency.WEEKLY,
            opens_at=schedule.opens_at,
            closes_at=schedule.closes_at,
            interval=schedule.interval or 1,
            by_day=schedule.by_day or "",
            by_month_day=schedule.by_month_day,
            dates=tuple(sorted(date.fromisoformat(text) for text in (schedule.dates or []))),
            valid_from=schedule.valid_from,
            valid_to=schedule.valid_to,
            anchor=schedule.valid_from or anchor,
            key=str(schedule.id) if schedule.id else "",
        )
        for schedule in listing.schedules
    )
    changes = tuple(
        Change(
            kind=exception.kind,
            starts_on=exception.starts_on,
            ends_on=exception.ends_on,
            new_opens_at=exception.new_opens_at,
            new_closes_at=exception.new_closes_at,
            note=exception.note or "",
        )
        for exception in sorted(listing.exceptions, key=lambda e: e.starts_on)
    )
    return Timetable(rules=rules, changes=changes)


def _london(value: datetime | None) -> datetime | None:
    return value.astimezone(LONDON) if value is not None else None


# -- rules as dateutil rules -------------------------------------------------------------


def first_day(rule: Rule, since: date | None = None) -> date:
    """The rule's DTSTART date. A rule that repeats every week or month with no start
    date of its own meets on the same days whatever its anchor, so when only sessions
    from `since` on are wanted it starts there (expanding from a listing's creation,
    years back, would be work for nothing). Every other week needs its real anchor."""
    if rule.valid_from is not None:
        return rule.valid_from
    if since is not None and rule.interval <= 1:
        return since
    return rule.anchor or since or date(2000, 1, 1)


def base_rule(rule: Rule, since: date | None = None) -> du.rrule | None:
    """The RRULE part of a schedule (None for a list of dates)."""
    if rule.frequency is Frequency.DATES:
        return None
    until = in_london(rule.valid_to, time(23, 59, 59)) if rule.valid_to else None
    options: dict[str, object] = {
        "dtstart": in_london(first_day(rule, since), rule.opens_at),
        "interval": max(rule.interval, 1),
        "until": until,
        "wkst": du.MO,
    }
    entries = rule.days
    if entries:
        options["byweekday"] = [
            _DU_DAYS[entry.weekday](entry.ordinal) if entry.ordinal else _DU_DAYS[entry.weekday] for entry in entries
        ]
    if rule.frequency is Frequency.MONTHLY:
        if rule.by_month_day is not None:
            options["bymonthday"] = rule.by_month_day
        elif not entries:
            raise RuleError("A monthly schedule needs a day of the week or a day of the month")
        return du.rrule(du.MONTHLY, **options)  # type: ignore[arg-type]
    if not entries:
        raise RuleError("A weekly schedule needs a day of the week")
    return du.rrule(du.WEEKLY, **options)  # type: ignore[arg-type]


def regular_sessions(rule: Rule, since: date | None = None) -> du.rruleset:
    """The rule's own sessions before any exception: RRULE, or RDATEs for a list of dates
    (those inside the rule's valid_from/valid_to). With `since`, only sessions from that
    day on are sure to be there."""
    regular = du.rruleset()
    rrule = base_rule(rule, since)
    if rrule is not None:
        regular.rrule(rrule)
    for day in listed_dates(rule):
        regular.rdate(in_london(day, rule.opens_at))
    return regular


def listed_dates(rule: Rule) -> list[date]:
    """A list-of-dates rule's dates inside its valid_from/valid_to."""
    return [
        day
        for day in rule.dates
        if (rule.valid_from is None or day >= rule.valid_from) and (rule.valid_to is None or day <= rule.valid_to)
    ]


def ruleset_for(rule: Rule, changes: Sequence[Change] = (), since: date | None = None) -> du.rruleset:
    """The rule's sessions at their usual time: RRULE or RDATEs, minus EXDATEs for each
    cancelled day, each day of a break and each day whose session was moved."""
    sessions = regular_sessions(rule, since)
    for change in changes:
        for day in change.days():
            if since is None or day >= since:
                sessions.exdate(in_london(day, rule.opens_at))
    return sessions


def moved_sessions(rule: Rule, changes: Sequence[Change]) -> list[tuple[datetime, Change]]:
    """(usual start, change) for each session of this rule that a change moved."""
    moved: list[tuple[datetime, Change]] = []
    for change in changes:
        if change.kind is not ExceptionKind.MOVED or change.new_opens_at is None or change.new_closes_at is None:
            continue
        first, last = in_london(change.starts_on, time.min), in_london(change.last_day, time(23, 59, 59))
        regular = regular_sessions(rule, since=change.starts_on)
        moved.extend((start, change) for start in regular.between(first, last, inc=True))
    return moved


def _duration(rule: Rule) -> timedelta:
    return datetime.combine(date.min, rule.closes_at) - datetime.combine(date.min, rule.opens_at)


def _end_on(day: date, start: time, end: time) -> datetime:
    return in_london(day, end) if end > start else in_london(day + timedelta(days=1), end)


def occurrences_of(timetable: Timetable, start: datetime, end: datetime) -> list[Occurrence]:
    """Sessions that overlap [start, end): under way at `start` or starting before `end`."""
    if end <= start:
        return []
    start, end = start.astimezone(LONDON), end.astimezone(LONDON)
    found: list[Occurrence] = []
    if timetable.starts_at is not None:
        finish = timetable.ends_at or timetable.starts_at
        if timetable.starts_at < end and (finish > start or timetable.starts_at >= start):
            found.append(Occurrence(timetable.starts_at, finish))
        return found
    since = start.date() - timedelta(days=1)
    # Only the changes that touch the window matter (a listing's old ones pile up).
    changes = [c for c in timetable.changes if c.last_day >= since and c.starts_on <= end.date()]
    for rule in timetable.rules:
        # A session that began up to its own length before `start` is still under way.
        usual = ruleset_for(rule, changes, since).between(start - _duration(rule), end, inc=True)
        for begins in usual:
            ends = _end_on(begins.date(), rule.opens_at, rule.closes_at)
            if ends > start and begins < end:
                found.append(Occurrence(begins, ends, rule))
        for original, change in moved_sessions(rule, changes):
            assert change.new_opens_at is not None and change.new_closes_at is not None
            begins = in_london(original.date(), change.new_opens_at)
            ends = _end_on(original.date(), change.new_opens_at, change.new_closes_at)
            if ends > start and begins < end:
                found.append(Occurrence(begins, ends, rule, moved=True, note=change.note))
    return sorted(found, key=lambda o: (o.starts_at, o.ends_at))


def occurrences(listing: Listing | Timetable, start: datetime, end: datetime) -> list[Occurrence]:
    """A listing's sessions between two moments, exceptions applied, in London time."""
    return occurrences_of(_timetable(listing), start, end)


def next_occurrences(listing: Listing | Timetable, after: datetime, limit: int = 4) -> list[Occurrence]:
    """The next few sessions that have not finished by `after`, within about a year."""
    timetable = _timetable(listing)
    found: list[Occurrence] = []
    window_start = after
    # Look a few weeks at a time: most listings meet weekly, and a year of a weekly
    # group's sessions is work for nothing when only four are shown.
    for weeks in NEXT_SESSION_WEEKS:
        window_end = after + timedelta(weeks=weeks)
        found.extend(occurrences_of(timetable, window_start, window_end))
        found = _unique(found)
        if len(found) >= limit:
            break
        window_start = window_end
    return found[:limit]


def _unique(items: Iterable[Occurrence]) -> list[Occurrence]:
    seen: set[tuple[datetime, datetime, bool]] = set()
    unique = []
    for item in sorted(items, key=lambda o: (o.starts_at, o.ends_at)):
        key = (item.starts_at, item.ends_at, item.moved)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def next_occurrence(listing: Listing | Timetable, after: datetime) -> Occurrence | None:
    """The next session not finished by `after` (within about a year), or None."""
    found = next_occurrences(listing, after, limit=1)
    return found[0] if found else None


def occurs_on(listing: Listing | Timetable, day: date) -> bool:
    """Whether a session starts (or is under way) on this London date."""
    return bool(occurrences(listing, in_london(day, time.min), in_london(day + timedelta(days=1), time.min)))


def weekdays_of(timetable: Timetable, today: date, horizon: timedelta = timedelta(days=366)) -> list[int]:
    """Days of the week (0 = Monday) a listing can happen on, in order of appearance.

    Rules with fixed days ("TU", "2TU", "-1FR") give those days; rules that fall on
    different days (the 15th, a list of dates) give the days they actually fall on
    from `today` over the horizon.
    """
    days: list[int] = []

    def add(day: int) -> None:
        if day not in days:
            days.append(day)

    if timetable.starts_at is not None:
        # An event is on every day from its start to its end (a weekend festival: Sat, Sun).
        day = timetable.starts_at.astimezone(LONDON).date()
        finish = timetable.ends_at or timetable.starts_at
        add(day.weekday())
        while len(days) < 7 and in_london(day + timedelta(days=1)) < finish:
            day += timedelta(days=1)
            add(day.weekday())
        return days
    start = in_london(today, time.min)
    for rule in timetable.rules:
        if rule.frequency is not Frequency.DATES and rule.by_month_day is None:
            for entry in _safe_days(rule):
                add(entry.weekday)
            continue
        single = Timetable(rules=(rule,), changes=timetable.changes)
        for occurrence in occurrences_of(single, start, start + horizon):
            add(occurrence.starts_at.weekday())
    return days


def _safe_days(rule: Rule) -> list[DayEntry]:
    try:
        return rule.days
    except RuleError:
        return []


def _timetable(listing: Listing | Timetable) -> Timetable:
    return listing if isinstance(listing, Timetable) else timetable_for(listing)


# -- the search index's copy ------------------------------------------------------------


def _rule_to_dict(rule: Rule) -> dict[str, object]:
    data: dict[str, object] = {
        "f": rule.frequency.value,
        "o": rule.opens_at.isoformat(timespec="minutes"),
        "c": rule.closes_at.isoformat(timespec="minutes"),
    }
    if rule.interval != 1:
        data["i"] = rule.interval
    if rule.by_day:
        data["d"] = rule.by_day
    if rule.by_month_day is not None:
        data["m"] = rule.by_month_day
    if rule.dates:
        data["x"] = [day.isoformat() for day in rule.dates]
    for key, value in (("vf", rule.valid_from), ("vt", rule.valid_to), ("a", rule.anchor)):
        if value is not None:
            data[key] = value.isoformat()
    if rule.key:
        data["k"] = rule.key
    return data


def _change_to_dict(change: Change) -> dict[str, object]:
    data: dict[str, object] = {"t": change.kind.value, "s": change.starts_on.isoformat()}
    if change.ends_on is not None:
        data["e"] = change.ends_on.isoformat()
    if change.new_opens_at is not None:
        data["o"] = change.new_opens_at.isoformat(timespec="minutes")
    if change.new_closes_at is not None:
        data["c"] = change.new_closes_at.isoformat(timespec="minutes")
    return data


def _optional_date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _optional_time(value: object) -> time | None:
    return time.fromisoformat(str(value)) if value else None


@functools.lru_cache(maxsize=4096)
def _timetable_from_json(text: str) -> Timetable:
    # Cached: search reads the same stored copies on every query.
    if not text:
        return Timetable()
    data = json.loads(text)
    rules = tuple(
        Rule(
            frequency=Frequency(item["f"]),
            opens_at=time.fromisoformat(item["o"]),
            closes_at=time.fromisoformat(item["c"]),
            interval=int(item.get("i", 1)),
            by_day=item.get("d", ""),
            by_month_day=item.get("m"),
            dates=tuple(date.fromisoformat(day) for day in item.get("x", [])),
            valid_from=_optional_date(item.get("vf")),
            valid_to=_optional_date(item.get("vt")),
            anchor=_optional_date(item.get("a")),
            key=item.get("k", ""),
        )
        for item in data.get("r", [])
    )
    changes = tuple(
        Change(
            kind=ExceptionKind(item["t"]),
            starts_on=date.fromisoformat(item["s"]),
            ends_on=_optional_date(item.get("e")),
            new_opens_at=_optional_time(item.get("o")),
            new_closes_at=_optional_time(item.get("c")),
        )
        for item in data.get("c", [])
    )
    starts_at = datetime.fromisoformat(data["s"]).astimezone(LONDON) if data.get("s") else None
    ends_at = datetime.fromisoformat(data["e"]).astimezone(LONDON) if data.get("e") else None
    return Timetable(rules=rules, changes=changes, starts_at=starts_at, ends_at=ends_at)

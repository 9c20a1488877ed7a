"""Listings as iCalendar (RFC 5545) files, built with the icalendar package, so people
can add an activity or event to their own calendar or subscribe to a search.

An activity's schedule becomes one recurring VEVENT per schedule row: RRULE for a
weekly or monthly pattern (RDATE for a list of dates), EXDATE for cancelled dates and
breaks, and an overriding VEVENT (same UID, RECURRENCE-ID) for a session moved to
another time. Times are local times with TZID=Europe/London and a VTIMEZONE, so a
10:30 session stays at 10:30 across the clock changes in every calendar program.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

import icalendar

from navigator import clock
from navigator.clock import LONDON, in_london
from navigator.models import ExceptionKind, Frequency, Listing, ListingKind
from navigator.recurrence import (
    Change,
    Rule,
    RuleError,
    listed_dates,
    moved_sessions,
    regular_sessions,
    timetable_for,
)
from navigator.richtext import plain_text
from navigator.schedules import describe_rule

PRODID = "-//Community Navigator//Directory//EN"
UID_DOMAIN = "community-navigator"
CONTENT_TYPE = "text/calendar; charset=utf-8"
DESCRIPTION_LENGTH = 300


def calendar_for(listings: Iterable[Listing], *, name: str, url_for_listing: dict[str, str]) -> icalendar.Calendar:
    """A VCALENDAR with every activity's and event's sessions (spaces have none)."""
    stamp = clock.now().astimezone(UTC).replace(microsecond=0)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    events: list[icalendar.Event] = []
    for listing in listings:
        url = url_for_listing.get(str(listing.id), "")
        if listing.kind is ListingKind.EVENT:
            events.extend(_single_event(listing, url, stamp))
        elif listing.kind is ListingKind.ACTIVITY:
            events.extend(_activity_events(listing, url, stamp))
    # The zone comes first, and is there even for an empty search: RFC 5545 wants at least
    # one component in a calendar.
    starts = [event.decoded("dtstart").date() for event in events]
    first = min(starts, default=clock.today()) - timedelta(days=366)
    calendar.add_component(icalendar.Timezone.from_tzinfo(LONDON, "Europe/London", first_date=first))
    for event in events:
        calendar.add_component(event)
    return calendar


def calendar_bytes(calendar: icalendar.Calendar) -> bytes:
    data: bytes = calendar.to_ical()
    return data


def filename_for(name: str) -> str:
    """ "Clapton Lunch Club!" -> "clapton-lunch-club.ics"."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return f"{slug or 'calendar'}.ics"


def _describe(listing: Listing, url: str, when: str = "") -> str:
    text = " ".join(plain_text(listing.description).split())
    if len(text) > DESCRIPTION_LENGTH:
        text = text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    parts = [part for part in (text, when, f"Run by {listing.organisation.name}.") if part]
    if url:
        parts.append(f"Details, costs and contacts: {url}")
    return "\n\n".join(parts)


def _common(event: icalendar.Event, listing: Listing, url: str, stamp: datetime) -> None:
    event.add("dtstamp", stamp)
    event.add("summary", listing.name)
    if listing.venue is not None:
        event.add("location", ", ".join(listing.venue.address_lines))
    if url:
        event.add("url", url)
    if listing.updated_at is not None:
        event.add("last-modified", listing.updated_at.astimezone(UTC).replace(microsecond=0))


def _single_event(listing: Listing, url: str, stamp: datetime) -> list[icalendar.Event]:
    if listing.starts_at is None:
        return []
    event = icalendar.Event()
    event.add("uid", f"{listing.id}@{UID_DOMAIN}")
    event.add("dtstart", listing.starts_at.astimezone(LONDON).replace(microsecond=0))
    if listing.ends_at is not None:
        event.add("dtend", listing.ends_at.astimezone(LONDON).replace(microsecond=0))
    _common(event, listing, url, stamp)
    event.add("description", _describe(listing, url))
    return [event]


def _activity_events(listing: Listing, url: str, stamp: datetime) -> list[icalendar.Event]:
    timetable = timetable_for(listing)
    today = clock.today()
    events: list[icalendar.Event] = []
    for position, rule in enumerate(timetable.rules):
        uid = f"{rule.key or f'{listing.id}-{position}'}@{UID_DOMAIN}"
        try:
            events.extend(_rule_events(rule, timetable.changes, uid, listing, url, stamp, today))
        except RuleError:
            continue  # a rule that was never valid has no sessions to offer
    return events


def _rule_events(
    rule: Rule,
    changes: Sequence[Change],
    uid: str,
    listing: Listing,
    url: str,
    stamp: datetime,
    today: date,
) -> list[icalendar.Event]:
    # DTSTART must be the first session itself (RFC 5545 counts it as one), so it is the
    # first date the rule produces on or after its anchor, not the anchor.
    first = next(iter(regular_sessions(rule)), None)
    if first is None:
        return []
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstart", first)
    event.add("dtend", _ends(first.date(), rule.opens_at, rule.closes_at))
    if rule.frequency is Frequency.DATES:
        later = [in_london(day, rule.opens_at) for day in listed_dates(rule) if in_london(day, rule.opens_at) != first]
        if later:
            event.add("rdate", later)
    else:
        event.add("rrule", _recur(rule))
    cancelled = _cancelled_sessions(rule, changes)
    if cancelled:
        event.add("exdate", cancelled)
    _common(event, listing, url, stamp)
    event.add("description", _describe(listing, url, describe_rule(rule, changes, today=today) + "."))
    events = [event]
    for original, change in moved_sessions(rule, changes):
        assert change.new_opens_at is not None and change.new_closes_at is not None
        moved = icalendar.Event()
        moved.add("uid", uid)
        moved.add("recurrence-id", original)
        moved.add("dtstart", in_london(original.date(), change.new_opens_at))
        moved.add("dtend", _ends(original.date(), change.new_opens_at, change.new_closes_at))
        _common(moved, listing, url, stamp)
        note = f"This session is at a different time. {change.note}".strip()
        moved.add("description", _describe(listing, url, note))
        events.append(moved)
    return events


def _recur(rule: Rule) -> dict[str, object]:
    recur: dict[str, object] = {"freq": rule.frequency.value}
    if rule.interval > 1:
        recur["interval"] = rule.interval
    if rule.by_day:
        recur["byday"] = [entry.code for entry in rule.days]
    if rule.by_month_day is not None:
        recur["bymonthday"] = rule.by_month_day
    if rule.valid_to is not None:
        # With a TZID on DTSTART, RFC 5545 wants UNTIL in UTC.
        recur["until"] = in_london(rule.valid_to, time(23, 59, 59)).astimezone(UTC)
    return recur


def _cancelled_sessions(rule: Rule, changes: Sequence[Change]) -> list[datetime]:
    """EXDATEs: the usual sessions on cancelled days and during breaks (moved sessions
    are overridden instead, with RECURRENCE-ID)."""
    found: list[datetime] = []
    for change in changes:
        if change.kind is not ExceptionKind.CANCELLED:
            continue
        first = in_london(change.starts_on, time.min)
        last = in_london(change.last_day, time(23, 59, 59))
        regular = regular_sessions(rule, since=change.starts_on)
        found.extend(start for start in regular.between(first, last, inc=True) if start not in found)
    return sorted(found)


def _ends(day: date, start: time, end: time) -> datetime:
    return in_london(day, end) if end > start else in_london(day + timedelta(days=1), end)

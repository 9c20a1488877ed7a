"""The demo directory (organisations, venues, activities, events, spaces) from seed/directory/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import func, select

from navigator import clock
from navigator.extensions import db
from navigator.models import (
    Cost,
    ExceptionKind,
    Frequency,
    HowToJoin,
    ListingKind,
    Organisation,
    Vocabulary,
)
from navigator.recurrence import Rule, Timetable, next_occurrence
from navigator.schedules import RRULE_FROM_DAY
from navigator.seeding.files import SEED_DIR, read, time_of_day
from navigator.services.listings import (
    ListingData,
    ListingError,
    ScheduleChange,
    ScheduleRule,
    add_listings,
    create_venue,
)


def directory_is_empty() -> bool:
    return not db.session.scalar(select(func.count(Organisation.id)))


def common(
    item: dict[str, Any], kind: ListingKind, orgs: dict[str, Organisation], venues: dict[str, Any]
) -> ListingData:
    contact = item.get("contact") or {}
    return ListingData(
        kind=kind,
        name=item["name"],
        organisation_id=orgs[item["organisation"]].id,
        venue_id=venues[item["venue"]].id if item.get("venue") else None,
        description=str(item.get("description", "")).strip(),
        terms={
            Vocabulary.CATEGORY: item.get("categories", []),
            Vocabulary.TARGET_GROUP: item.get("groups", []),
            Vocabulary.LANGUAGE: item.get("languages", []),
            Vocabulary.ACCESSIBILITY: item.get("accessibility", []),
            Vocabulary.FACILITY: item.get("facilities", []),
        },
        cost=Cost(item.get("cost") or item.get("hire_cost") or "free"),
        cost_detail=item.get("cost_detail") or item.get("hire_cost_detail") or "",
        how_to_join=HowToJoin(item.get("how_to_join", "drop_in")),
        min_age=item.get("min_age"),
        max_age=item.get("max_age"),
        contact_name=contact.get("name", ""),
        contact_email=contact.get("email", ""),
        contact_phone=contact.get("phone", ""),
        website=contact.get("website", ""),
    )


def _local(day_offset: int, at: str) -> datetime:
    day = clock.today() + timedelta(days=day_offset)
    return clock.in_london(day, time_of_day(at))


def _days_ahead(value: Any) -> date:
    return clock.today() + timedelta(days=int(value))


def _schedule_rule(name: str, item: dict[str, Any]) -> ScheduleRule:
    """One `schedule` entry of activities.yaml. `day` and times, and optionally: `every`
    (2 = every other week, or month), `monthly` ([2, 4] with `day`: 2nd and 4th of the
    month; -1: the last), `month_day` (15), `dates` and `from` / `until`, all in days
    from today so the demo never goes stale."""
    rule = ScheduleRule(
        start=time_of_day(item["start"]),
        end=time_of_day(item["end"]),
        interval=int(item.get("every", 1)),
        valid_from=_days_ahead(item["from"]) if "from" in item else None,
        valid_to=_days_ahead(item["until"]) if "until" in item else None,
    )
    if "dates" in item:
        rule.frequency = Frequency.DATES
        rule.dates = [_days_ahead(offset) for offset in item["dates"]]
        return rule
    if "month_day" in item:
        rule.frequency = Frequency.MONTHLY
        rule.by_month_day = int(item["month_day"])
        return rule
    code = RRULE_FROM_DAY.get(str(item.get("day", "")))
    if code is None:
        raise ListingError(f"{name}: unknown day {item.get('day')!r}")
    if "monthly" in item:
        weeks = item["monthly"] if isinstance(item["monthly"], list) else [item["monthly"]]
        rule.frequency = Frequency.MONTHLY
        rule.by_day = ",".join(f"{int(week)}{code}" for week in weeks)
    else:
        rule.by_day = code
    return rule


def _plain_rule(rule: ScheduleRule) -> Rule:
    return Rule(
        frequency=rule.frequency,
        opens_at=rule.start,
        closes_at=rule.end,
        interval=rule.interval,
        by_day=rule.by_day,
        by_month_day=rule.by_month_day,
        dates=tuple(day for day in rule.dates if isinstance(day, date)),
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
        # Unanchored "every other week" starts today (as the listing service anchors it).
        anchor=rule.valid_from or clock.today(),
    )


def _schedule_change(name: str, item: dict[str, Any], rules: list[ScheduleRule]) -> ScheduleChange:
    """One `exceptions` entry: `cancelled: 14` (the first session 14 days or more from
    today), `break: [20, 33]` (first and last day), or `moved: 8` with `start` and `end`."""
    note = str(item.get("note", ""))
    if "break" in item:
        first, last = item["break"]
        return ScheduleChange(
            kind=ExceptionKind.CANCELLED, starts_on=_days_ahead(first), ends_on=_days_ahead(last), note=note
        )
    kind = ExceptionKind.MOVED if "moved" in item else ExceptionKind.CANCELLED
    offset = item["moved"] if kind is ExceptionKind.MOVED else item["cancelled"]
    # Days from today fall on any weekday, so snap to the next real session.
    timetable = Timetable(rules=tuple(_plain_rule(rule) for rule in rules))
    after = clock.in_london(_days_ahead(offset))
    session = next_occurrence(timetable, after)
    if session is None:
        raise ListingError(f"{name}: no session {offset} days or more from today to change")
    return ScheduleChange(
        kind=kind,
        starts_on=session.day,
        new_start=time_of_day(item["start"]) if kind is ExceptionKind.MOVED else None,
        new_end=time_of_day(item["end"]) if kind is ExceptionKind.MOVED else None,
        note=note,
    )


def add_timetable(data: ListingData, item: dict[str, Any]) -> None:
    """An item's `schedule` and `exceptions` entries, onto the listing data."""
    data.schedules = [_schedule_rule(data.name, entry) for entry in item.get("schedule", [])]
    data.exceptions = [_schedule_change(data.name, entry, data.schedules) for entry in item.get("exceptions", [])]


def _listings(
    directory: Path, activities: list[dict[str, Any]], orgs: dict[str, Organisation], venues: dict[str, Any]
) -> Iterator[ListingData]:
    for item in activities:
        data = common(item, ListingKind.ACTIVITY, orgs, venues)
        add_timetable(data, item)
        yield data
    for item in read(directory / "events.yaml"):
        data = common(item, ListingKind.EVENT, orgs, venues)
        # Events are dated relative to today so the demo never goes stale.
        data.starts_at = _local(int(item["starts_in_days"]), item["start"])
        # An exhibition or festival ends on a later day (ends_in_days).
        last_day = int(item.get("ends_in_days", item["starts_in_days"]))
        data.ends_at = _local(last_day, item["end"]) if item.get("end") else None
        yield data
    for item in read(directory / "spaces.yaml"):
        data = common(item, ListingKind.SPACE, orgs, venues)
        data.capacity = item.get("capacity")
        data.bookable = bool(item.get("bookable", False))
        data.booking_info = item.get("booking_info", "")
        data.how_to_join = HowToJoin(item.get("how_to_join", "contact_first"))
        yield data


def load_demo_directory(directory: Path = SEED_DIR / "directory") -> int:
    """Add the demo organisations, venues and listings; returns how many listings."""
    orgs: dict[str, Organisation] = {}
    for item in read(directory / "organisations.yaml"):
        org = Organisation(
            name=item["name"],
            description=str(item.get("description", "")).strip(),
            website=item.get("website"),
            email=item.get("email"),
            phone=item.get("phone"),
            charity_number=str(item["charity_number"]) if item.get("charity_number") else None,
        )
        db.session.add(org)
        orgs[item["key"]] = org
    venues = {
        item["key"]: create_venue(
            name=item["name"],
            address_1=item["address_1"],
            address_2=item.get("address_2"),
            city=item.get("city", "London"),
            postcode=item["postcode"],
        )
        for item in read(directory / "venues.yaml")
    }
    db.session.flush()
    activities = read(directory / "activities.yaml")
    listings = add_listings(_listings(directory, activities, orgs, venues))
    confirmed_months_ago = {
        item["name"]: int(item["confirmed_months_ago"]) for item in activities if item.get("confirmed_months_ago")
    }
    # The rest were confirmed at some point in the last few months, before any owner is asked
    # again (FRESHNESS_ASK_AFTER_MONTHS), so the report's directory health has ages to show.
    spread = max(int(current_app.config["FRESHNESS_ASK_AFTER_MONTHS"]), 1)
    for number, listing in enumerate(listings):
        months = confirmed_months_ago.get(listing.name, number % spread)
        listing.last_confirmed_at = clock.now() - relativedelta(months=months)
    db.session.commit()
    return len(listings)

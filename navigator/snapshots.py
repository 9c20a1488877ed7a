"""A listing's editable content as plain JSON (a "snapshot"), for versions, and the
field-by-field difference between two snapshots that moderators read.

A snapshot holds every field an editor can change, by value: taxonomy terms by code,
the venue by its address, times as "HH:MM", dates as ISO strings. It reads back into
ListingData, so restoring any version goes through the same checks as a new edit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from navigator import clock
from navigator.models import Cost, ExceptionKind, Frequency, HowToJoin, Listing, ListingKind, Vocabulary
from navigator.presenters import london_date, london_datetime
from navigator.recurrence import Rule
from navigator.schedules import describe_rule, format_time_range
from navigator.services.listings import ListingData, ScheduleChange, ScheduleRule, VenueData

Snapshot = dict[str, Any]


def _time(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot_of_listing(listing: Listing) -> Snapshot:
    """The listing row's current content."""
    venue = listing.venue
    return {
        "kind": listing.kind.value,
        "name": listing.name,
        "organisation_id": str(listing.organisation_id),
        "description": listing.description,
        "venue": (
            {
                "name": venue.name,
                "address_1": venue.address_1,
                "address_2": venue.address_2 or "",
                "postcode": venue.postcode,
            }
            if venue is not None
            else None
        ),
        "terms": {
            vocabulary.value: sorted(term.code for term in listing.terms_in(vocabulary)) for vocabulary in Vocabulary
        },
        "cost": listing.cost.value,
        "cost_detail": listing.cost_detail,
        "how_to_join": listing.how_to_join.value,
        "min_age": listing.min_age,
        "max_age": listing.max_age,
        "contact_name": listing.contact_name,
        "contact_email": listing.contact_email,
        "contact_phone": listing.contact_phone,
        "website": listing.website,
        "schedules": [
            {
                "frequency": rule.frequency.value,
                "interval": rule.interval,
                "by_day": rule.by_day,
                "by_month_day": rule.by_month_day,
                "dates": list(rule.dates or []),
                "start": _time(rule.opens_at),
                "end": _time(rule.closes_at),
                "valid_from": _date(rule.valid_from),
                "valid_to": _date(rule.valid_to),
            }
            for rule in listing.schedules
        ],
        "exceptions": [
            {
                "kind": change.kind.value,
                "starts_on": _date(change.starts_on),
                "ends_on": _date(change.ends_on),
                "new_start": _time(change.new_opens_at),
                "new_end": _time(change.new_closes_at),
                "note": change.note,
            }
            for change in listing.exceptions
        ],
        "starts_at": listing.starts_at.isoformat() if listing.starts_at else None,
        "ends_at": listing.ends_at.isoformat() if listing.ends_at else None,
        "capacity": listing.capacity,
        "bookable": listing.bookable,
        "booking_info": listing.booking_info,
    }


def snapshot_of_data(data: ListingData) -> Snapshot:
    """What an editor entered, before it is saved anywhere."""
    if data.sessions:
        raise ValueError("weekly sessions are for seeds; editors give schedule rules")
    venue = data.venue
    return {
        "kind": data.kind.value,
        "name": data.name,
        "organisation_id": str(data.organisation_id),
        "description": data.description,
        "venue": (
            {"name": venue.name, "address_1": venue.address_1, "address_2": venue.address_2, "postcode": venue.postcode}
            if venue is not None
            else None
        ),
        "terms": {vocabulary.value: sorted(data.terms.get(vocabulary, [])) for vocabulary in Vocabulary},
        "cost": data.cost.value,
        "cost_detail": data.cost_detail,
        "how_to_join": data.how_to_join.value,
        "min_age": data.min_age,
        "max_age": data.max_age,
        "contact_name": data.contact_name,
        "contact_email": data.contact_email,
        "contact_phone": data.contact_phone,
        "website": data.website,
        "schedules": [
            {
                "frequency": rule.frequency.value,
                "interval": rule.interval,
                "by_day": rule.by_day,
                "by_month_day": rule.by_month_day,
                "dates": [day if isinstance(day, str) else day.isoformat() for day in rule.dates],
                "start": _time(rule.start),
                "end": _time(rule.end),
                "valid_from": _date(rule.valid_from),
                "valid_to": _date(rule.valid_to),
            }
            for rule in data.schedules
        ],
        "exceptions": [
            {
                "kind": change.kind.value,
                "starts_on": _date(change.starts_on),
                "ends_on": _date(change.ends_on),
                "new_start": _time(change.new_start),
                "new_end": _time(change.new_end),
                "note": change.note,
            }
            for change in data.exceptions
        ],
        "starts_at": data.starts_at.isoformat() if data.starts_at else None,
        "ends_at": data.ends_at.isoformat() if data.ends_at else None,
        "capacity": data.capacity,
        "bookable": data.bookable,
        "booking_info": data.booking_info,
    }


def _parse_time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def _parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _parse_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def data_from_snapshot(snapshot: Snapshot) -> ListingData:
    """Read a snapshot back into the values a listing is saved from."""
    venue = snapshot.get("venue")
    return ListingData(
        kind=ListingKind(snapshot["kind"]),
        name=snapshot["name"],
        organisation_id=uuid.UUID(snapshot["organisation_id"]),
        venue=VenueData(**venue) if venue else None,
        description=snapshot.get("description", ""),
        terms={Vocabulary(key): list(codes) for key, codes in snapshot.get("terms", {}).items() if codes},
        cost=Cost(snapshot.get("cost", Cost.FREE.value)),
        cost_detail=snapshot.get("cost_detail", ""),
        how_to_join=HowToJoin(snapshot.get("how_to_join", HowToJoin.DROP_IN.value)),
        min_age=snapshot.get("min_age"),
        max_age=snapshot.get("max_age"),
        contact_name=snapshot.get("contact_name", ""),
        contact_email=snapshot.get("contact_email", ""),
        contact_phone=snapshot.get("contact_phone", ""),
        website=snapshot.get("website", ""),
        schedules=[
            ScheduleRule(
                start=time.fromisoformat(rule["start"]),
                end=time.fromisoformat(rule["end"]),
                frequency=Frequency(rule["frequency"]),
                interval=rule.get("interval", 1),
                by_day=rule.get("by_day", ""),
                by_month_day=rule.get("by_month_day"),
                dates=list(rule.get("dates", [])),
                valid_from=_parse_date(rule.get("valid_from")),
                valid_to=_parse_date(rule.get("valid_to")),
            )
            for rule in snapshot.get("schedules", [])
        ],
        exceptions=[
            ScheduleChange(
                kind=ExceptionKind(change["kind"]),
                starts_on=date.fromisoformat(change["starts_on"]),
                ends_on=_parse_date(change.get("ends_on")),
                new_start=_parse_time(change.get("new_start")),
                new_end=_parse_time(change.get("new_end")),
                note=change.get("note", ""),
            )
            for change in snapshot.get("exceptions", [])
        ],
        starts_at=_parse_datetime(snapshot.get("starts_at")),
        ends_at=_parse_datetime(snapshot.get("ends_at")),
        capacity=snapshot.get("capacity"),
        bookable=snapshot.get("bookable"),
        booking_info=snapshot.get("booking_info", ""),
    )


# The difference a moderator reads -------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


def _text(value: Any) -> str:
    if value is None or value == "":
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _venue_text(venue: Any) -> str:
    if not venue:
        return "No venue"
    return ", ".join(
        part for part in (venue["name"], venue["address_1"], venue.get("address_2"), venue["postcode"]) if part
    )


def _rule_text(rule: dict[str, Any]) -> str:
    valid_from = _parse_date(rule.get("valid_from"))
    described = Rule(
        frequency=Frequency(rule["frequency"]),
        opens_at=time.fromisoformat(rule["start"]),
        closes_at=time.fromisoformat(rule["end"]),
        interval=rule.get("interval", 1),
        by_day=rule.get("by_day", ""),
        by_month_day=rule.get("by_month_day"),
        dates=tuple(sorted(date.fromisoformat(day) for day in rule.get("dates", []))),
        valid_from=valid_from,
        valid_to=_parse_date(rule.get("valid_to")),
        anchor=valid_from,
    )
    # From the first date the rule could produce: a moderator compares whole rules, not what is left of them.
    return describe_rule(described, today=min(valid_from or clock.today(), clock.today()))


def _schedule_text(rules: list[dict[str, Any]]) -> str:
    return "\n".join(_rule_text(rule) for rule in rules) or "No regular sessions"


def _exceptions_text(changes: list[dict[str, Any]]) -> str:
    lines = []
    for change in changes:
        when = london_date(date.fromisoformat(change["starts_on"]))
        if change.get("ends_on"):
            when += " to " + london_date(date.fromisoformat(change["ends_on"]))
        if change["kind"] == ExceptionKind.MOVED.value:
            new_times = format_time_range(
                time.fromisoformat(change["new_start"]), time.fromisoformat(change["new_end"])
            )
            lines.append(f"{when}: moved to {new_times}")
        else:
            lines.append(f"{when}: cancelled")
        if change.get("note"):
            lines[-1] += f" ({change['note']})"
    return "\n".join(lines) or "None"


def _moment_text(value: str | None) -> str:
    return london_datetime(datetime.fromisoformat(value)) if value else "Not given"


def _codes_text(vocabulary: Vocabulary, codes: list[str], names: Callable[[Vocabulary, str], str]) -> str:
    return ", ".join(names(vocabulary, code) for code in codes) or "None"


def _enum_text(enum_cls: type[Cost] | type[HowToJoin]) -> Callable[[str], str]:
    return lambda value: enum_cls(value).label


VOCABULARY_LABELS = {
    Vocabulary.CATEGORY: "Categories",
    Vocabulary.TARGET_GROUP: "Who it is for",
    Vocabulary.ACCESSIBILITY: "Accessibility",
    Vocabulary.LANGUAGE: "Languages",
    Vocabulary.FACILITY: "Facilities",
}

# (key, label, how to show it), in the order of the edit form.
FIELDS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("name", "Name", _text),
    ("description", "Description", _text),
    ("venue", "Venue", _venue_text),
    ("starts_at", "Starts", _moment_text),
    ("ends_at", "Ends", _moment_text),
    ("schedules", "When it runs", _schedule_text),
    ("exceptions", "Changes to the usual sessions", _exceptions_text),
    ("cost", "Cost", _enum_text(Cost)),
    ("cost_detail", "Cost details", _text),
    ("how_to_join", "How to join", _enum_text(HowToJoin)),
    ("min_age", "Minimum age", _text),
    ("max_age", "Maximum age", _text),
    ("contact_name", "Contact name", _text),
    ("contact_email", "Contact email", _text),
    ("contact_phone", "Contact phone", _text),
    ("website", "Website", _text),
    ("capacity", "Capacity", _text),
    ("bookable", "Can be booked", _text),
    ("booking_info", "How to book", _text),
]


def differences(
    old: Snapshot | None, new: Snapshot, term_names: Callable[[Vocabulary, str], str] | None = None
) -> list[FieldChange]:
    """Fields that differ between two snapshots, with both values in words. With no old
    snapshot (a new listing) every field that has a value is listed."""
    names = term_names or (lambda vocabulary, code: code)
    base: Snapshot = old or {}
    changes: list[FieldChange] = []
    for key, label, show in FIELDS:
        before, after = base.get(key), new.get(key)
        if before == after or (old is None and after in (None, "", [], False)):
            continue
        changes.append(FieldChange(label, show(before) if old is not None else "", show(after)))
    for vocabulary, label in VOCABULARY_LABELS.items():
        before_codes = (base.get("terms") or {}).get(vocabulary.value, [])
        after_codes = (new.get("terms") or {}).get(vocabulary.value, [])
        if sorted(before_codes) == sorted(after_codes):
            continue
        changes.append(
            FieldChange(
                label,
                _codes_text(vocabulary, before_codes, names) if old is not None else "",
                _codes_text(vocabulary, after_codes, names),
            )
        )
    return changes


def changed_labels(old: Snapshot | None, new: Snapshot) -> list[str]:
    return [change.label for change in differences(old, new)]

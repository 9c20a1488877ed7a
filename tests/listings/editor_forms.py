"""Filling in the editors' listing form as a browser would, for tests/listings/test_editor_*.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.referrals.helpers import date_parts

FORM = "listing-form"
KEY = "0123456789abcdef0123456789abcdef"


def _apply(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def common_fields(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "description": "Bring your knitting.\n\n- Tea provided\n- All abilities welcome",
        "venue_name": "Clapton Library",
        "address_1": "Northwold Road",
        "address_2": "",
        "postcode": "E5 8RA",
        "categories": ["arts-crafts"],
        "target_groups": ["older-living-alone"],
        "languages": ["en", "tr"],
        "cost": "free",
        "cost_detail": "",
        "how_to_join": "drop_in",
        "min_age": "",
        "max_age": "",
        "contact_name": "Esme Editor",
        "contact_email": "knit@example.org",
        "contact_phone": "020 7946 0123",
        "website": "https://www.example.org/knit",
    }
    return _apply(data, changes)


def activity_form(*, key: str = KEY, **changes: Any) -> dict[str, Any]:
    """A fortnightly Tuesday group from 1 December 2026, not on 29 December."""
    data = {
        "listing_key": key,
        "name": "Clapton Knit and Natter",
        **common_fields(),
        "schedules-0-pattern": "fortnightly",
        "schedules-0-days": ["TU"],
        "schedules-0-start": "10:30am",
        "schedules-0-end": "12pm",
        **date_parts("schedules-0-starts_on", date(2026, 12, 1)),
        "exceptions-0-kind": "cancelled",
        **date_parts("exceptions-0-starts_on", date(2026, 12, 29)),
        "exceptions-0-note": "Christmas",
    }
    return _apply(data, changes)


def event_form(*, key: str = KEY, **changes: Any) -> dict[str, Any]:
    data = {
        "listing_key": key,
        "name": "Clapton Winter Fair",
        **common_fields(),
        **date_parts("event_date", date(2026, 12, 12)),
        "event_start": "11am",
        "event_end": "3:30pm",
    }
    return _apply(data, changes)


def space_form(*, key: str = KEY, **changes: Any) -> dict[str, Any]:
    data = {
        "listing_key": key,
        "name": "Clapton Library Community Room",
        **common_fields(categories=["community-halls"]),
        "capacity": "40",
        "bookable": "yes",
        "booking_info": "Ask at the front desk. £15 an hour.",
        "facilities": ["kitchen", "wifi"],
    }
    return _apply(data, changes)


def listing_form_state(response: Any) -> dict[str, Any]:
    """The listing form as shown, ready to post back (one value for single fields)."""
    from tests.referrals.helpers import form_state

    state = form_state(response, FORM)
    multiple = {"categories", "target_groups", "accessibility", "languages", "facilities"}
    posted: dict[str, Any] = {}
    for name, values in state.items():
        if name in multiple or name.endswith(("-days", "-weeks_of_month")):
            posted[name] = values
        elif values:
            posted[name] = values[0]
    return posted

"""How listings read to people: plain-English times, costs, ages and distances."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Flask
from markupsafe import Markup, escape

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.clock import LONDON
from navigator.models import Listing, ListingKind
from navigator.recurrence import next_occurrences, timetable_for
from navigator.richtext import plain_text, rich_text
from navigator.schedules import describe_event_time, describe_occurrence, describe_rule, format_date, format_time
from navigator.working_days import bank_holidays

NEXT_SESSIONS_SHOWN = 4


def schedule_lines(listing: Listing) -> list[str]:
    """When a listing happens, one line per schedule, with its changes still to come:
    "Every other Tuesday, 10:30am to 12pm, from 6 January, not on 29 December"."""
    if listing.kind is ListingKind.EVENT and listing.starts_at is not None:
        return [describe_event_time(listing.starts_at, listing.ends_at)]
    timetable = timetable_for(listing)
    today = clock.today()
    return [describe_rule(rule, timetable.changes, today=today) for rule in timetable.rules]


def next_session_lines(listing: Listing, limit: int = NEXT_SESSIONS_SHOWN) -> list[str]:
    """An activity's next few sessions, exceptions applied: "Tuesday 2 December, 10:30am to 12pm"."""
    if listing.kind is not ListingKind.ACTIVITY or not listing.schedules:
        return []
    today = clock.today()
    occurrences = next_occurrences(listing, clock.now(), limit=limit)
    if not occurrences:
        return []
    # A group's own closures are cancelled dates already; bank holidays are not known to
    # every organiser, so the page says so rather than promise a session on Christmas Day.
    holidays = bank_holidays(occurrences[0].day, occurrences[-1].day)
    lines = []
    for occurrence in occurrences:
        line = describe_occurrence(occurrence, today)
        if occurrence.moved:
            line = f"{line} (changed from the usual time)"
        if occurrence.day in holidays:
            line = f"{line} (bank holiday: check with the organiser that it runs)"
        lines.append(line)
    return lines


def next_session_text(listing: Listing, after: datetime | None = None) -> str:
    """ "Tuesday 2 December, 10:30am": an activity's next session from `after` (now)."""
    if listing.kind is not ListingKind.ACTIVITY or not listing.schedules:
        return ""
    found = next_occurrences(listing, after or clock.now(), limit=1)
    return describe_occurrence(found[0], clock.today(), with_end=False) if found else ""


def cost_text(listing: Listing) -> str:
    label = listing.cost.label
    return f"{label}: {listing.cost_detail}" if listing.cost_detail else label


def age_text(listing: Listing) -> str | None:
    low, high = listing.min_age, listing.max_age
    if low is None and high is None:
        return None
    if low is not None and high is not None:
        return f"Ages {low} to {high}"
    if low is not None:
        return f"Ages {low} and over"
    return f"Up to age {high}"


def distance_text(miles: float | None) -> str:
    if miles is None:
        return ""
    if miles < 0.1:
        return "Less than 0.1 miles away"
    if round(miles, 1) == 1.0:
        return "1 mile away"
    return f"{miles:.1f} miles away"


def paragraphs(text: str) -> Markup:
    """Plain text with blank-line paragraphs, escaped."""
    blocks = [block.strip() for block in (text or "").split("\n\n") if block.strip()]
    return Markup("").join(
        Markup('<p class="govuk-body">{}</p>').format(Markup("<br>").join(escape(line) for line in block.splitlines()))
        for block in blocks
    )


def long_date(value: datetime | None) -> str:
    return format_date(value) if value else ""


def london_datetime(value: datetime | None) -> str:
    """ "25 November 2026, 2:05pm" in London time."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}, {format_time(local.time())}"


def london_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {value:%B %Y}"


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def readable_when(text: str) -> str:
    """An ISO date or date and time from an export ("2026-11-24T15:20:00+00:00") as people
    read it ("24 November 2026, 3:20pm"); anything else as it is."""
    try:
        if _ISO_MOMENT.match(text):
            return london_datetime(datetime.fromisoformat(text))
        if _ISO_DATE.match(text):
            return london_date(date.fromisoformat(text))
    except ValueError:
        pass
    return text


def register_template_helpers(app: Flask) -> None:
    from navigator.lists import register_list_helpers
    from navigator.staff.links import staff_links

    register_list_helpers(app)

    app.jinja_env.globals.update(
        schedule_lines=schedule_lines,
        next_session_lines=next_session_lines,
        next_session_text=next_session_text,
        cost_text=cost_text,
        age_text=age_text,
        distance_text=distance_text,
        listing_url=listing_url,
        result_url=result_url,
        search_back_url=search_back_url,
        Permission=Permission,
        staff_links=staff_links,
    )
    app.jinja_env.filters.update(
        paragraphs=paragraphs,
        rich_text=rich_text,
        plain_text=plain_text,
        long_date=long_date,
        london_datetime=london_datetime,
        london_date=london_date,
        readable_when=readable_when,
    )


def listing_url(listing: Listing) -> str:
    from flask import url_for

    return url_for(f"directory.{listing.kind.value}", listing_id=listing.id)


# The search a detail page was opened from travels in its address (`back`), so its back
# link returns to the same words, postcode, filters and page, without JavaScript.
MAX_BACK_LENGTH = 1500


def result_url(listing: Listing, for_case: str | None = None) -> str:
    """A search result's link: the listing, carrying the search it was found by."""
    from flask import request, url_for

    args: dict[str, Any] = {}
    if for_case:
        args["for_case"] = for_case
    if request.endpoint == "directory.search":
        # The case a navigator finds activities for travels as for_case, checked where used.
        kept = [(key, value) for key, value in request.args.items(multi=True) if key not in ("for_case", "back")]
        if kept:
            args["back"] = urlencode(kept)[:MAX_BACK_LENGTH]
    return url_for(f"directory.{listing.kind.value}", listing_id=listing.id, **args)


def search_back_url() -> str:
    """The search page as it was (from `back`), or a fresh search."""
    from flask import request, url_for

    back = (request.args.get("back") or "")[:MAX_BACK_LENGTH]
    pairs = [(key, value) for key, value in parse_qsl(back) if key != "back"]
    return url_for("directory.search") + ("?" + urlencode(pairs) if pairs else "")

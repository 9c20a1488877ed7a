"""What's on: a noticeboard of the week's sessions and events, day by day.

One week at a time, Monday to Sunday in London time, chosen by an ISO week in the URL
(`week=2026-W49`; none means this week), from this week to about a year ahead. The
filters are the search page's, with the same URL parameters, plus `area` (a ward):
the search finds which listings match, then the database says when each of them
meets that week, cancelled sessions left out and moved ones at their new time.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, render_template, request
from sqlalchemy import ColumnElement, select
from werkzeug.datastructures import MultiDict

from navigator import clock
from navigator.auth.decorators import public
from navigator.clock import LONDON, in_london
from navigator.directory.params import FACET_TITLES, SearchForm, clean_text, parse_search
from navigator.directory.views import bp
from navigator.extensions import db
from navigator.models import Listing, ListingKind, Venue, Ward
from navigator.recurrence import Occurrence, RuleError, occurrences
from navigator.schedules import WEEKDAYS, format_time, format_time_range
from navigator.search import get_backend
from navigator.search.engine import FACETS, SearchOutcome, first_start_in, run_search
from navigator.services.listings import public_listings_by_id

# How far ahead the noticeboard goes: schedules change, and further out is guesswork.
MAX_WEEKS_AHEAD = 52
# Every listing the search finds, not one page of them.
ALL_MATCHES = 1_000_000
# Spaces have no sessions, so they are never on the noticeboard.
SESSION_KINDS = (ListingKind.ACTIVITY, ListingKind.EVENT)
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)

BAD_WEEK = "We could not tell which week the link was for, so this is what's on this week."
PAST_WEEK = "That week has passed, so this is what's on this week."
FAR_WEEK = "What's on is shown for up to a year ahead, so this is what's on this week."
BAD_AREA = "Choose an area from the list"


# -- weeks -------------------------------------------------------------------------------


def _day_and_month(day: date) -> str:
    return f"{day.day} {day:%B}"


@dataclass(frozen=True)
class Week:
    """Monday to Sunday in London."""

    monday: date

    @staticmethod
    def containing(day: date) -> Week:
        return Week(day - timedelta(days=day.weekday()))

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def code(self) -> str:
        """The ISO week, as the URL gives it: "2026-W49"."""
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def start(self) -> datetime:
        return in_london(self.monday)

    @property
    def end(self) -> datetime:
        """Midnight at the end of Sunday (23 or 25 hours after Sunday's start at a clock change)."""
        return in_london(self.monday + timedelta(days=7))

    @property
    def label(self) -> str:
        """ "Monday 30 November to Sunday 6 December 2026"."""
        first = f"{self.monday:%A} {_day_and_month(self.monday)}"
        if self.monday.year != self.sunday.year:
            first += f" {self.monday.year}"
        return f"{first} to {self.sunday:%A} {_day_and_month(self.sunday)} {self.sunday.year}"

    @property
    def short_label(self) -> str:
        """ "30 November to 6 December", for the links to other weeks."""
        return f"{_day_and_month(self.monday)} to {_day_and_month(self.sunday)}"

    def shifted(self, weeks: int) -> Week:
        return Week(self.monday + timedelta(weeks=weeks))


def choose_week(raw: str | None, today: date) -> tuple[Week, str]:
    """The week a `week` parameter asks for, and a message when it cannot be shown (then
    this week). Never raises: the parameter comes from links people bookmark and edit."""
    current = Week.containing(today)
    text = clean_text(raw)
    if not text:
        return current, ""
    match = _ISO_WEEK.match(text)
    try:
        if match is None:
            raise ValueError(text)
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return current, BAD_WEEK
    if monday < current.monday:
        return current, PAST_WEEK
    if monday > current.shifted(MAX_WEEKS_AHEAD).monday:
        return current, FAR_WEEK
    return Week(monday), ""


# -- the week's sessions -------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One session of an activity, or an event, on the noticeboard."""

    listing: Listing
    occurrence: Occurrence
    # Began before the board's first day and is still on (a festival, an exhibition).
    continuing: bool = False

    @property
    def moved(self) -> bool:
        return self.occurrence.moved

    @property
    def times(self) -> str:
        """ "10:30am to 12pm", "7pm to midnight"; ending on another day, "10pm to Sunday 6 December, 2am"."""
        start = self.occurrence.starts_at.astimezone(LONDON)
        end = self.occurrence.ends_at.astimezone(LONDON)
        if self.continuing:
            began = f"Started {start:%A} {_day_and_month(start.date())}"
            if end == in_london(end.date()):
                last_day = end.date() - timedelta(days=1)
                return f"{began}, on until the end of {last_day:%A} {_day_and_month(last_day)}"
            return f"{began}, on until {end:%A} {_day_and_month(end.date())}, {format_time(end.time())}"
        if end <= start:
            return format_time(start.time())
        if end.date() == start.date():
            return format_time_range(start.time(), end.time())
        if end == in_london(start.date() + timedelta(days=1)):
            return f"{format_time(start.time())} to midnight"
        return f"{format_time(start.time())} to {end:%A} {_day_and_month(end.date())}, {format_time(end.time())}"

    @property
    def usual_times(self) -> str:
        """A moved session's usual time: "10:30am to 12pm"."""
        rule = self.occurrence.rule
        return format_time_range(rule.opens_at, rule.closes_at) if rule is not None else ""

    @property
    def where(self) -> str:
        """ "Hackney Central Library, Hackney Central"."""
        venue = self.listing.venue
        if venue is None:
            return ""
        if venue.ward is None:
            return venue.name
        return f"{venue.name}, {venue.ward.display_name}"


@dataclass(frozen=True)
class Day:
    day: date
    entries: tuple[Entry, ...]

    @property
    def heading(self) -> str:
        """ "Tuesday 1 December"."""
        return f"{self.day:%A} {_day_and_month(self.day)}"


def _sort_key(entry: Entry) -> tuple[datetime, datetime, str]:
    return (entry.occurrence.starts_at, entry.occurrence.ends_at, entry.listing.name.lower())


def week_days(listings: Iterable[Listing], week: Week, now: datetime, weekdays: Collection[int] = ()) -> list[Day]:
    """The week's sessions and events grouped by the London day they start on, earliest
    first. What has finished by `now` is left out. What began before the board's first day
    (Monday, or today for this week) and is still on is shown on the first day it is on
    here, as continuing. `weekdays` (0 = Monday) keeps only those days."""
    start = max(week.start, now.astimezone(LONDON))
    first_day = start.date()
    by_day: dict[date, list[Entry]] = {}
    for listing in listings:
        if listing.kind not in SESSION_KINDS:
            continue
        try:
            found = occurrences(listing, start, week.end)
        except RuleError:
            # A schedule saved before it was checked: the listing page says what is wrong.
            continue
        for occurrence in found:
            began = occurrence.starts_at.astimezone(LONDON).date()
            day = _first_day_on(occurrence, max(began, first_day), week, weekdays)
            if day is not None:
                by_day.setdefault(day, []).append(Entry(listing, occurrence, continuing=day > began))
    return [Day(day, tuple(sorted(entries, key=_sort_key))) for day, entries in sorted(by_day.items())]


def _first_day_on(occurrence: Occurrence, first_day: date, week: Week, weekdays: Collection[int]) -> date | None:
    """The first day from first_day, within the week and on one of the weekdays (any if
    none are chosen), that some of the occurrence falls on: the day it starts, or a later
    day it runs into (a weekend festival is on Sunday too)."""
    starts_on = occurrence.starts_at.astimezone(LONDON).date()
    day = first_day
    while day <= week.sunday and (day == starts_on or in_london(day) < occurrence.ends_at):
        if not weekdays or day.weekday() in weekdays:
            return day
        day += timedelta(days=1)
    return None


# -- the page ------------------------------------------------------------------------------


@dataclass
class WhatsOnForm(SearchForm):
    """The search's filters, plus the week and area: every link on the page keeps them."""

    week: str = ""  # the week asked for ("2026-W50"), "" for this week
    area: str = ""  # a ward code

    def query_args(self, **changes: object) -> list[tuple[str, str]]:
        kept: dict[str, object] = {
            "when": None,
            "date": None,
            "page": None,
            "for_case": None,
            "area": self.area or None,
            "week": self.week or None,
        }
        return super().query_args(**(kept | changes))

    def without_area(self) -> str:
        return self.url(area=None)

    def clear_filters(self) -> str:
        """This week's board with no filters but the words and postcode typed."""
        return self.url(area=None, **dict.fromkeys(FACETS))


@dataclass
class Board:
    form: WhatsOnForm
    week: Week
    this_week: Week
    days: list[Day]
    outcome: SearchOutcome
    areas: Sequence[Ward] = ()
    area_name: str = ""
    week_message: str = ""
    latest: Week | None = None
    leave_out: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(day.entries) for day in self.days)

    @property
    def caption(self) -> str:
        weeks_ahead = (self.week.monday - self.this_week.monday).days // 7
        return {0: "This week", 1: "Next week"}.get(weeks_ahead, f"In {weeks_ahead} weeks")

    @property
    def previous(self) -> Week | None:
        return self.week.shifted(-1) if self.week.monday > self.this_week.monday else None

    @property
    def next(self) -> Week | None:
        following = self.week.shifted(1)
        return following if self.latest is None or following.monday <= self.latest.monday else None

    def week_url(self, week: Week) -> str:
        """This board for another week ("this week" without a week, so bookmarks stay current)."""
        return self.form.url(week=None if week == self.this_week else week.code)

    @property
    def filtered(self) -> bool:
        form = self.form
        return bool(form.active_filters or form.area or form.q or form.request.place)


def _choose_area(raw: str | None) -> tuple[Ward | None, str]:
    code = clean_text(raw).upper()[:9]
    if not code:
        return None, ""
    ward = db.session.get(Ward, code)
    return (ward, "") if ward is not None else (None, BAD_AREA)


def area_choices(ids: Sequence[str], chosen: Ward | None) -> list[Ward]:
    """The wards these listings meet in, and the one chosen."""
    used = select(Venue.ward_code).join(Listing, Listing.venue_id == Venue.id).where(Listing.id.in_(_uuids(ids)))
    wards = list(db.session.scalars(select(Ward).where(Ward.code.in_(used)))) if ids else []
    if chosen is not None and chosen not in wards:
        wards.append(chosen)
    return sorted(wards, key=lambda ward: ward.display_name)


def _uuids(ids: Iterable[str]) -> list[uuid.UUID]:
    return [uuid.UUID(i) for i in ids]


def _listings(ids: Sequence[str], ward: Ward | None) -> list[Listing]:
    """Public activities and events by id (the search index's ids; the database is the
    source of truth), in the ward if one is given."""
    if not ids:
        return []
    conditions: list[ColumnElement[bool]] = [Listing.kind.in_(SESSION_KINDS)]
    if ward is not None:
        conditions.append(Listing.venue.has(Venue.ward_code == ward.code))
    return list(public_listings_by_id(_uuids(ids), *conditions).values())


def week_board(args: MultiDict[str, str]) -> Board:
    """What's on in the week the URL asks for, with the search's filters and an area.
    Never raises for anything in the URL: mistakes become messages."""
    now, today = clock.now(), clock.today()
    this_week = Week.containing(today)
    week, week_message = choose_week(args.get("week"), today)
    ward, area_error = _choose_area(args.get("area"))

    searched = parse_search(args)
    # The week replaces the search's "when" and "date".
    errors = {name: message for name, message in searched.errors.items() if name != "date"}
    if area_error:
        errors["area"] = area_error
    fields: dict[str, Any] = vars(searched) | {
        "request": dataclasses.replace(searched.request, when="", on_date=None, page=1, per_page=ALL_MATCHES),
        "errors": errors,
        "when": "",
        "date": "",
        "for_case": "",
        "week": week.code if args.get("week") and not week_message else "",
        "area": ward.code if ward is not None else "",
    }
    form = WhatsOnForm(**fields)

    outcome = run_search(get_backend(), form.request)
    window = (max(week.start, now.astimezone(LONDON)), week.end)
    kinds = {kind.value for kind in SESSION_KINDS}
    matching = [hit.document for hit in outcome.hits if hit.document.kind in kinds]
    # The index's copy of each timetable says cheaply which listings meet this week.
    ids = [document.id for document in matching if first_start_in(document, window) is not None]
    weekdays = {WEEKDAYS.index(code) for code in form.request.selected("day")}
    days = week_days(_listings(ids, ward), week, now, weekdays)
    return Board(
        form=form,
        week=week,
        this_week=this_week,
        days=days,
        outcome=outcome,
        areas=area_choices([document.id for document in matching], ward),
        area_name=ward.display_name if ward is not None else "",
        week_message=week_message,
        latest=this_week.shifted(MAX_WEEKS_AHEAD),
        leave_out={"type": ("space",)},
    )


@bp.route("/whats-on")
@public
def whats_on() -> str:
    board = week_board(request.args)
    return render_template(
        "directory/whats_on.html",
        board=board,
        form=board.form,
        facet_order=FACETS,
        facet_titles=FACET_TITLES,
        distance_choices=current_app.config["DISTANCE_CHOICES"],
    )

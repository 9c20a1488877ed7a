"""The form organisation editors fill in for an activity, event or space.

One form serves the three kinds: the view says which kind it is and the template shows
that kind's sections. Rules that depend on other answers (a schedule row's pattern, an
event's times, ages) live in `validate`, so every message sits next to its field and in
the error summary. The form reads into ListingData for the moderation service and is
filled back from ListingData (an open draft, or the live listing) for editing.

Without JavaScript the schedule and exception rows are a fixed number of rows; blank
rows are ignored.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Optional, ValidationError

from navigator.clock import LONDON, in_london
from navigator.forms import DateInputField, at_most, choices, known_postcode, strip_whitespace, uk_phone
from navigator.models import Cost, ExceptionKind, Frequency, HowToJoin, ListingKind, Vocabulary
from navigator.presenters import london_date
from navigator.recurrence import RuleError, parse_by_day
from navigator.schedules import format_time
from navigator.services.listings import MAX_INTERVAL, ListingData, ScheduleChange, ScheduleRule, VenueData

MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_ADDRESS = 200
MAX_COST_DETAIL = 300
MAX_CONTACT_NAME = 120
MAX_EMAIL = 254
MAX_PHONE = 40
MAX_WEBSITE = 300
MAX_BOOKING_INFO = 500
MAX_NOTE = 200
MAX_DATES = 60
OLDEST_AGE = 120
MAX_CAPACITY = 100_000
# An event whose end time is before its start time ends the next day (after midnight).
MAX_OVERNIGHT_HOURS = 12

SCHEDULE_ROWS = 3
EXCEPTION_ROWS = 5
# Listings loaded from seeds or imports may have more rows than the blank form offers.
MAX_SCHEDULE_ROWS = 10
MAX_EXCEPTION_ROWS = 30

DAYS = [
    ("MO", "Monday"),
    ("TU", "Tuesday"),
    ("WE", "Wednesday"),
    ("TH", "Thursday"),
    ("FR", "Friday"),
    ("SA", "Saturday"),
    ("SU", "Sunday"),
]
WEEKS_OF_MONTH = [("1", "1st"), ("2", "2nd"), ("3", "3rd"), ("4", "4th"), ("5", "5th"), ("-1", "Last")]

WEEKLY, FORTNIGHTLY, EVERY_FEW_WEEKS = "weekly", "fortnightly", "every_few_weeks"
MONTHLY_WEEKDAY, MONTHLY_DATE, DATES = "monthly_weekday", "monthly_date", "dates"
PATTERNS = [
    (WEEKLY, "Every week"),
    (FORTNIGHTLY, "Every other week (fortnightly)"),
    (EVERY_FEW_WEEKS, "Every few weeks (for example every 3 weeks)"),
    (MONTHLY_WEEKDAY, "Monthly, on particular weeks (for example the 2nd and 4th Tuesday)"),
    (MONTHLY_DATE, "Monthly, on a date (for example the 15th)"),
    (DATES, "On particular dates"),
]
PATTERN_NAMES = dict(PATTERNS)

CANCELLED, BREAK, MOVED = "cancelled", "break", "moved"
EXCEPTION_KINDS = [
    (CANCELLED, "No session on one date"),
    (BREAK, "A break: no sessions from one date to another"),
    (MOVED, "The session on one date moves to another time"),
]

YES_NO = [("yes", "Yes"), ("no", "No")]
COSTS = {cost.value for cost in Cost}
WAYS_TO_JOIN = {way.value for way in HowToJoin}
TIME_HINT = "For example 10:30am or 14:00"
_LISTING_KEY = re.compile(r"^[0-9a-f]{32}$")


# -- reading what people type ------------------------------------------------------


_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(am|pm|a\.m\.|p\.m\.)?$")


def parse_time(text: str) -> time:
    """ "10:30", "10.30", "10:30am", "10am", "2 pm", "14:00", "midday". Raises ValueError."""
    value = re.sub(r"\s+", "", text or "").lower()
    if value in ("midday", "noon", "12noon"):
        return time(12, 0)
    if value == "midnight":
        return time(0, 0)
    match = _TIME.match(value)
    if match is None:
        raise ValueError(text)
    hour, minutes, suffix = int(match.group(1)), match.group(2), match.group(3)
    minute = int(minutes or 0)
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if suffix.startswith("p") else 0)
    elif minutes is None:
        raise ValueError(text)  # "10" alone: morning or evening?
    if hour > 23 or minute > 59:
        raise ValueError(text)
    return time(hour, minute)


def show_time(value: time | None) -> str:
    return format_time(value) if value is not None else ""


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_day(text: str) -> date:
    """ "24/12/2026" or "2026-12-24". Raises ValueError."""
    value = text.strip()
    match = _DMY.match(value)
    if match:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    match = _ISO.match(value)
    if match:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    raise ValueError(text)


def show_day(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def ends_after(start: time, end: time) -> bool:
    """Whether an event from `start` to `end` is allowed: an end at or before the start is
    taken as the next day ("10pm to 2am"), for an event of up to MAX_OVERNIGHT_HOURS."""
    if end > start:
        return True
    minutes = (24 * 60) - (start.hour * 60 + start.minute) + (end.hour * 60 + end.minute)
    return minutes <= MAX_OVERNIGHT_HOURS * 60


def end_day(day: date, start: time, end: time) -> date:
    """The day an event starting on `day` ends: the next day if it ends at or before its start time."""
    return day + timedelta(days=1) if end <= start else day


def exists_in_london(day: date, moment: time) -> bool:
    """False for a time the clocks skip (1:30am on the last Sunday in March): a time that
    exists comes back unchanged from UTC."""
    local = in_london(day, moment)
    back = local.astimezone(UTC).astimezone(LONDON)
    return (back.date(), back.time()) == (day, moment)


def _whole_number(text: str | None) -> int | None:
    value = (text or "").strip()
    if not value:
        return None
    if not re.fullmatch(r"\d{1,7}", value):
        raise ValueError(value)
    return int(value)


def web_address(form: Any, field: Field) -> None:
    """Only http and https links: a javascript: or data: address is refused, not cleaned."""
    value = field.data or ""
    if not value:
        return
    if re.match(r"^www\.", value, re.IGNORECASE):
        value = field.data = f"https://{value}"
    if not re.match(r"^https?://[^\s/?#:@]+\.[^\s/?#:@]+(:\d+)?([/?#]\S*)?$", value, re.IGNORECASE):
        raise ValidationError("Enter a website address starting https://, like https://www.example.org")


def _add_error(field: Field, message: str) -> None:
    """Add an error unless the field has one already (the first is the one shown)."""
    if not field.errors:
        field.errors = [message]


def _blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return not value


def _row_blank(typed: Iterable[Any], dates: Iterable[DateInputField]) -> bool:
    """A schedule or exception row left empty: nothing typed, no part of a date filled in."""
    return all(_blank(value) for value in typed) and not any(any(field.parts()) for field in dates)


# -- rows ---------------------------------------------------------------------------


class ScheduleRowForm(Form):
    """One schedule: a pattern, days, times, and dates it runs between."""

    pattern = RadioField(
        "How often",
        choices=choices(PATTERNS),
        validators=[Optional()],
        invalid_choice_message="Choose how often it runs",
    )
    days = SelectMultipleField(
        "Days of the week", choices=choices(DAYS), invalid_choice_message="Choose days from the list"
    )
    weeks_of_month = SelectMultipleField(
        "Weeks of the month",
        choices=choices(WEEKS_OF_MONTH),
        invalid_choice_message="Choose weeks of the month from the list",
    )
    every = StringField("Number of weeks or months apart", filters=[strip_whitespace])
    day_of_month = StringField("Day of the month", filters=[strip_whitespace])
    dates = TextAreaField("Dates", filters=[strip_whitespace])
    start = StringField("Start time", filters=[strip_whitespace])
    end = StringField("End time", filters=[strip_whitespace])
    starts_on = DateInputField("First date (optional)")
    ends_on = DateInputField("Last date (optional)")

    def is_blank(self) -> bool:
        typed = [self.pattern.data, self.days.data, self.weeks_of_month.data, self.every.data, self.day_of_month.data]
        typed += [self.dates.data, self.start.data, self.end.data]
        return _row_blank(typed, (self.starts_on, self.ends_on))


class ExceptionRowForm(Form):
    """A change to the usual sessions: a cancelled date, a break, or a moved session."""

    kind = RadioField(
        "What changes",
        choices=choices(EXCEPTION_KINDS),
        validators=[Optional()],
        invalid_choice_message="Choose what changes",
    )
    starts_on = DateInputField("Date, or the first day of a break")
    ends_on = DateInputField("Last day of the break")
    new_start = StringField("New start time", filters=[strip_whitespace])
    new_end = StringField("New end time", filters=[strip_whitespace])
    note = StringField("Note (optional)", filters=[strip_whitespace], validators=[at_most(MAX_NOTE, "The note")])

    def is_blank(self) -> bool:
        typed = (self.kind.data, self.new_start.data, self.new_end.data, self.note.data)
        return _row_blank(typed, (self.starts_on, self.ends_on))


# -- the form -----------------------------------------------------------------------


@dataclass(frozen=True)
class TermGroup:
    """Checkboxes shown under one heading (categories are grouped by their top-level term)."""

    name: str
    items: list[tuple[str, str]]


@dataclass(frozen=True)
class ErrorItem:
    text: str
    href: str


def _anchor(field: Field) -> str:
    """Where an error summary link goes: a date's first box (its day), else the field."""
    return f"#{field.id}-day" if isinstance(field, DateInputField) else f"#{field.id}"


TERM_FIELDS = {
    Vocabulary.CATEGORY: "categories",
    Vocabulary.TARGET_GROUP: "target_groups",
    Vocabulary.ACCESSIBILITY: "accessibility",
    Vocabulary.LANGUAGE: "languages",
    Vocabulary.FACILITY: "facilities",
}


class ListingForm(FlaskForm):
    """A new listing or a change to one. Call `setup` before validating or rendering."""

    # A new listing's id, issued with the form: sending the form twice makes one listing.
    listing_key = HiddenField()
    # A change: the listing's revision the form was loaded at, and what it said then (sealed),
    # so a save from a stale tab is refused and shown what changed since.
    revision = HiddenField()
    loaded = HiddenField()
    organisation = SelectField(
        "Organisation", validators=[Optional()], invalid_choice_message="Choose an organisation from the list"
    )

    name = StringField("Name", filters=[strip_whitespace], validators=[at_most(MAX_NAME)])
    description = TextAreaField("Description (optional)", validators=[at_most(MAX_DESCRIPTION, "The description")])

    venue_name = StringField("Name of the place", filters=[strip_whitespace], validators=[at_most(MAX_ADDRESS)])
    address_1 = StringField("Address line 1", filters=[strip_whitespace], validators=[at_most(MAX_ADDRESS)])
    address_2 = StringField("Address line 2 (optional)", filters=[strip_whitespace], validators=[at_most(MAX_ADDRESS)])
    postcode = StringField("Postcode", filters=[strip_whitespace], validators=[at_most(10)])

    # Events.
    event_date = DateInputField("Date")
    event_start = StringField("Start time", filters=[strip_whitespace])
    event_end = StringField("End time (optional)", filters=[strip_whitespace])

    # Activities.
    schedules = FieldList(FormField(ScheduleRowForm), min_entries=SCHEDULE_ROWS, max_entries=MAX_SCHEDULE_ROWS)
    exceptions = FieldList(FormField(ExceptionRowForm), min_entries=EXCEPTION_ROWS, max_entries=MAX_EXCEPTION_ROWS)

    # Spaces.
    capacity = StringField("How many people it holds (optional)", filters=[strip_whitespace])
    bookable = RadioField(
        "Can groups book it? (optional)",
        choices=choices(YES_NO),
        validators=[Optional()],
        invalid_choice_message="Say whether groups can book it",
    )
    booking_info = TextAreaField(
        "How to book (optional)", filters=[strip_whitespace], validators=[at_most(MAX_BOOKING_INFO, "How to book")]
    )

    categories = SelectMultipleField("Categories", invalid_choice_message="Choose categories from the list")
    target_groups = SelectMultipleField("Who it is for (optional)", invalid_choice_message="Choose from the list")
    accessibility = SelectMultipleField("Accessibility (optional)", invalid_choice_message="Choose from the list")
    languages = SelectMultipleField("Languages spoken (optional)", invalid_choice_message="Choose from the list")
    facilities = SelectMultipleField("Facilities (optional)", invalid_choice_message="Choose from the list")

    # Required radios have no Optional(): it would clear the "not a choice" error for a blank
    # or whitespace value, which then reaches Cost(" ") (`_check_required` checks again).
    cost = RadioField(
        "Cost",
        choices=choices((cost.value, cost.label) for cost in Cost),
        invalid_choice_message="Choose how much it costs",
    )
    cost_detail = StringField(
        "Cost details (optional)", filters=[strip_whitespace], validators=[at_most(MAX_COST_DETAIL)]
    )
    how_to_join = RadioField(
        "How to join",
        choices=choices((way.value, way.label) for way in HowToJoin),
        invalid_choice_message="Choose how people join",
    )
    min_age = StringField("Youngest age (optional)", filters=[strip_whitespace])
    max_age = StringField("Oldest age (optional)", filters=[strip_whitespace])

    contact_name = StringField(
        "Contact name (optional)", filters=[strip_whitespace], validators=[at_most(MAX_CONTACT_NAME)]
    )
    contact_email = StringField(
        "Contact email address (optional)",
        filters=[strip_whitespace],
        validators=[
            at_most(MAX_EMAIL, "Email address"),
            Optional(),
            Email("Enter an email address in the correct format, like name@example.org"),
        ],
    )
    contact_phone = StringField(
        "Contact phone number (optional)",
        filters=[strip_whitespace],
        validators=[at_most(MAX_PHONE, "Phone number"), uk_phone],
    )
    website = StringField(
        "Website (optional)",
        filters=[strip_whitespace],
        validators=[at_most(MAX_WEBSITE, "Website address"), web_address],
    )

    def setup(
        self,
        *,
        kind: ListingKind,
        organisations: Sequence[tuple[str, str]],
        terms: dict[Vocabulary, list[TermGroup]],
        today: date,
    ) -> None:
        """Choices and context from the view. `organisations` are (id, name) the person may list for;
        an empty list means the organisation is fixed (editing)."""
        self.kind = kind
        self.today = today
        self.asks_organisation = len(organisations) > 1
        self.organisation_ids = {value for value, _ in organisations}
        organisation_choices = list(organisations)
        if self.asks_organisation:
            organisation_choices.insert(0, ("", "Choose an organisation"))
        self.organisation.choices = choices(organisation_choices)
        if len(organisations) == 1:
            self.organisation.data = organisations[0][0]
        self.term_groups = {vocabulary.value: groups for vocabulary, groups in terms.items()}
        for vocabulary, name in TERM_FIELDS.items():
            self[name].choices = choices(
                (code, label) for group in terms.get(vocabulary, []) for code, label in group.items
            )

    @property
    def is_activity(self) -> bool:
        return self.kind is ListingKind.ACTIVITY

    @property
    def is_event(self) -> bool:
        return self.kind is ListingKind.EVENT

    @property
    def is_space(self) -> bool:
        return self.kind is ListingKind.SPACE

    def key(self) -> uuid.UUID | None:
        value = self.listing_key.data or ""
        return uuid.UUID(value) if _LISTING_KEY.match(value) else None

    # -- validation --

    def validate(self, extra_validators: Any = None) -> bool:
        if self.key() is None:
            self.listing_key.data = uuid.uuid4().hex
        super().validate(extra_validators)
        self._check_required()
        self._check_postcode()
        self._check_ages()
        if self.is_event:
            self._check_event()
        if self.is_space:
            self._check_space()
        if self.is_activity:
            self._check_schedules()
            self._check_exceptions()
        self._number_row_errors()
        return not self.error_items()

    def _check_required(self) -> None:
        if self.asks_organisation and self.organisation.data not in self.organisation_ids:
            if _blank(self.organisation.data):
                _add_error(self.organisation, "Choose the organisation this is for")
            else:
                _add_error(self.organisation, "Choose an organisation from the list")
        if _blank(self.name.data):
            _add_error(self.name, f"Enter the name of the {self.kind.value}")
        if _blank(self.venue_name.data):
            _add_error(self.venue_name, "Enter the name of the place, for example the hall or library")
        if _blank(self.address_1.data):
            _add_error(self.address_1, "Enter the first line of the address")
        if _blank(self.postcode.data):
            _add_error(self.postcode, "Enter the postcode")
        if not self.categories.data:
            _add_error(self.categories, "Choose at least one category")
        if self.cost.data not in COSTS:
            _add_error(self.cost, "Choose how much it costs")
        if self.how_to_join.data not in WAYS_TO_JOIN:
            _add_error(self.how_to_join, "Choose how people join")

    def _check_postcode(self) -> None:
        if not self.postcode.data or self.postcode.errors:
            return
        try:
            known_postcode(self, self.postcode)
        except ValidationError as error:
            message = str(error)
            if message.startswith("Enter a full postcode we can find"):
                message = (
                    "We could not find that postcode. Enter the full postcode of the place, like E8 1DY. "
                    "The directory covers Hackney and the City of London"
                )
            _add_error(self.postcode, message)

    def _number(self, field: Field, name: str, low: int, high: int) -> int | None:
        try:
            value = _whole_number(field.data)
        except ValueError:
            _add_error(field, f"{name} must be a whole number, like 16")
            return None
        if value is not None and not low <= value <= high:
            _add_error(field, f"{name} must be between {low} and {high:,}")
            return None
        return value

    def _check_ages(self) -> None:
        low = self._number(self.min_age, "The youngest age", 0, OLDEST_AGE)
        high = self._number(self.max_age, "The oldest age", 0, OLDEST_AGE)
        if low is not None and high is not None and low > high:
            _add_error(self.max_age, "The oldest age must be the same as or more than the youngest age")

    def _time(self, field: Field, name: str, *, required: bool) -> time | None:
        if _blank(field.data):
            if required:
                _add_error(field, f"Enter the {name}")
            return None
        try:
            return parse_time(field.data)
        except ValueError:
            _add_error(field, f"Enter the {name} as a time, like 10:30am or 14:00")
            return None

    def _check_event(self) -> None:
        day = self.event_date.data
        if day is None and not self.event_date.errors:
            _add_error(self.event_date, "Enter the date of the event")
        elif isinstance(day, date) and day < self.today:
            _add_error(self.event_date, "The date of the event must be today or in the future")
        start = self._time(self.event_start, "start time", required=True)
        end = self._time(self.event_end, "end time", required=False)
        if start is not None and end is not None and not ends_after(start, end):
            _add_error(
                self.event_end,
                "The end time must be after the start time. "
                f"An event that ends after midnight can last up to {MAX_OVERNIGHT_HOURS} hours",
            )
        if isinstance(day, date) and start is not None:
            self._check_clock(self.event_start, day, start)
            if end is not None and not self.event_end.errors:
                self._check_clock(self.event_end, end_day(day, start, end), end)

    def _check_clock(self, field: Field, day: date, moment: time) -> None:
        """A time skipped when the clocks go forward would be moved an hour without a word."""
        if not exists_in_london(day, moment):
            _add_error(
                field,
                f"{format_time(moment)} does not exist on {london_date(day)}: "
                "the clocks go forward from 1am to 2am. Enter a time before 1am or from 2am",
            )

    def _check_space(self) -> None:
        self._number(self.capacity, "The number of people", 1, MAX_CAPACITY)

    def _check_schedules(self) -> None:
        rows = [row.form for row in self.schedules]
        filled = [row for row in rows if not row.is_blank()]
        if not filled:
            _add_error(
                rows[0].pattern, "Choose how often the activity runs: every activity needs at least one schedule"
            )
            return
        for row in filled:
            self._check_schedule(row)

    def _interval(self, row: ScheduleRowForm, pattern: str) -> int | None:
        """How many weeks or months apart the sessions are; None (with an error) if that
        cannot be read. Only "every few weeks" and the monthly patterns read the box."""
        if pattern not in (EVERY_FEW_WEEKS, MONTHLY_WEEKDAY, MONTHLY_DATE):
            return 2 if pattern == FORTNIGHTLY else 1
        try:
            every = _whole_number(row.every.data)
        except ValueError:
            every = -1
        if pattern == EVERY_FEW_WEEKS:
            if every is None:
                _add_error(row.every, "Enter how many weeks apart the sessions are")
            elif not 2 <= every <= MAX_INTERVAL:
                _add_error(row.every, f"The number of weeks apart must be a whole number from 2 to {MAX_INTERVAL}")
                return None
            return every
        if every is not None and not 1 <= every <= MAX_INTERVAL:
            _add_error(
                row.every,
                f"The number of months apart must be a whole number from 1 to {MAX_INTERVAL}, "
                "or leave it blank for every month",
            )
            return None
        return every or 1

    def _check_schedule(self, row: ScheduleRowForm) -> None:
        pattern = row.pattern.data or ""
        if pattern not in PATTERN_NAMES:
            _add_error(row.pattern, "Choose how often it runs")
            pattern = ""
        if pattern in (WEEKLY, FORTNIGHTLY, EVERY_FEW_WEEKS, MONTHLY_WEEKDAY) and not row.days.data:
            _add_error(row.days, "Choose the day or days of the week it runs")
        interval = self._interval(row, pattern)
        if pattern == MONTHLY_WEEKDAY and not row.weeks_of_month.data:
            _add_error(row.weeks_of_month, "Choose which weeks of the month it runs, for example 2nd and 4th")
        if pattern == MONTHLY_DATE:
            try:
                day = _whole_number(row.day_of_month.data)
            except ValueError:
                day = -1
            if day is None:
                _add_error(row.day_of_month, "Enter the day of the month it runs, like 15")
            elif not 1 <= day <= 31:
                _add_error(row.day_of_month, "The day of the month must be a whole number from 1 to 31")
        if pattern == DATES:
            self._dates(row)
        start = self._time(row.start, "start time", required=True)
        end = self._time(row.end, "end time", required=True)
        if start is not None and end is not None and end <= start:
            _add_error(row.end, "The end time must be after the start time")
        first, last = row.starts_on.data, row.ends_on.data
        if interval is not None and interval > 1 and first is None and not row.starts_on.errors:
            # "Every other week" needs a first date to say which weeks (iCalendar DTSTART).
            _add_error(row.starts_on, "Enter the date of the first session, so people know which weeks it runs")
        if isinstance(first, date) and isinstance(last, date) and last < first:
            _add_error(row.ends_on, "The last date must be the same as or after the first date")

    def _dates(self, row: ScheduleRowForm) -> list[date]:
        lines = [line.strip() for line in re.split(r"[\n,;]+", row.dates.data or "") if line.strip()]
        if not lines:
            _add_error(row.dates, "Enter the dates it runs, one on each line, like 24/12/2026")
            return []
        if len(lines) > MAX_DATES:
            _add_error(row.dates, f"Enter {MAX_DATES} dates or fewer")
            return []
        days = []
        for line in lines:
            try:
                days.append(parse_day(line))
            except ValueError:
                _add_error(row.dates, f"“{line[:20]}” is not a date. Enter each date like 24/12/2026, one on each line")
                return []
        return days

    def _check_exceptions(self) -> None:
        for entry in self.exceptions:
            row: ExceptionRowForm = entry.form
            if row.is_blank():
                continue
            kind = row.kind.data
            if kind not in (CANCELLED, BREAK, MOVED):
                _add_error(row.kind, "Choose what changes")
            first = row.starts_on.data
            if first is None and not row.starts_on.errors:
                _add_error(row.starts_on, "Enter the date" if kind != BREAK else "Enter the first day of the break")
            if kind == BREAK:
                last = row.ends_on.data
                if last is None and not row.ends_on.errors:
                    _add_error(row.ends_on, "Enter the last day of the break")
                elif isinstance(first, date) and isinstance(last, date) and last < first:
                    _add_error(row.ends_on, "The last day of the break must be on or after its first day")
            if kind == MOVED:
                start = self._time(row.new_start, "new start time", required=True)
                end = self._time(row.new_end, "new end time", required=True)
                if start is not None and end is not None and end <= start:
                    _add_error(row.new_end, "The new end time must be after the new start time")

    def _number_row_errors(self) -> None:
        """Say which row an error is in: "Schedule 2: enter the start time"."""
        for heading, rows in (("Schedule", self.schedules), ("Change", self.exceptions)):
            for number, entry in enumerate(rows, start=1):
                for field in entry.form:
                    if field.errors:
                        message = field.errors[0].replace(" (optional)", "")
                        prefix = f"{heading} {number}: "
                        if not message.startswith(prefix):
                            field.errors = [prefix + message[:1].lower() + message[1:], *field.errors[1:]]

    def error_items(self) -> list[ErrorItem]:
        """Every error on the form, in page order, for the error summary."""
        items = [ErrorItem(message, "#listing-form") for message in self.form_errors]
        for field in self:
            if isinstance(field, FieldList):
                for entry in field:
                    items.extend(ErrorItem(sub.errors[0], _anchor(sub)) for sub in entry.form if sub.errors)
            elif field.errors:
                items.append(ErrorItem(field.errors[0], _anchor(field)))
        return items

    # -- what the service needs --

    def listing_data(self, organisation_id: uuid.UUID) -> ListingData:
        """The form's answers; call after `validate` succeeds."""
        data = ListingData(
            kind=self.kind,
            name=self.name.data or "",
            organisation_id=organisation_id,
            description=(self.description.data or "").strip(),
            venue=VenueData(
                name=self.venue_name.data or "",
                address_1=self.address_1.data or "",
                address_2=self.address_2.data or "",
                postcode=self.postcode.data or "",
            ),
            terms={
                vocabulary: list(self[name].data or [])
                for vocabulary, name in TERM_FIELDS.items()
                if vocabulary is not Vocabulary.FACILITY or self.is_space
            },
            cost=Cost(self.cost.data),
            cost_detail=self.cost_detail.data or "",
            how_to_join=HowToJoin(self.how_to_join.data),
            min_age=_whole_number(self.min_age.data),
            max_age=_whole_number(self.max_age.data),
            contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "",
            contact_phone=self.contact_phone.data or "",
            website=self.website.data or "",
        )
        if self.is_activity:
            data.schedules = [_rule(row.form) for row in self.schedules if not row.form.is_blank()]
            data.exceptions = [_change(row.form) for row in self.exceptions if not row.form.is_blank()]
        if self.is_event:
            day = _date_of(self.event_date)
            start = parse_time(self.event_start.data or "")
            data.starts_at = in_london(day, start).astimezone(UTC)
            if not _blank(self.event_end.data):
                end = parse_time(self.event_end.data or "")
                data.ends_at = in_london(end_day(day, start, end), end).astimezone(UTC)
        if self.is_space:
            data.capacity = _whole_number(self.capacity.data)
            data.bookable = {"yes": True, "no": False}.get(self.bookable.data or "")
            data.booking_info = self.booking_info.data or ""
        return data


def _rule(row: ScheduleRowForm) -> ScheduleRule:
    pattern = row.pattern.data
    days = [code for code, _ in DAYS if code in (row.days.data or [])]
    rule = ScheduleRule(
        start=parse_time(row.start.data or ""),
        end=parse_time(row.end.data or ""),
        valid_from=row.starts_on.data,
        valid_to=row.ends_on.data,
    )
    if pattern in (WEEKLY, FORTNIGHTLY, EVERY_FEW_WEEKS):
        rule.frequency = Frequency.WEEKLY
        rule.interval = {WEEKLY: 1, FORTNIGHTLY: 2}.get(pattern) or _whole_number(row.every.data) or 1
        rule.by_day = ",".join(days)
    elif pattern == MONTHLY_WEEKDAY:
        rule.frequency = Frequency.MONTHLY
        weeks = [week for week, _ in WEEKS_OF_MONTH if week in (row.weeks_of_month.data or [])]
        rule.by_day = ",".join(f"{week}{day}" for week in weeks for day in days)
        rule.interval = _whole_number(row.every.data) or 1
    elif pattern == MONTHLY_DATE:
        rule.frequency = Frequency.MONTHLY
        rule.by_month_day = _whole_number(row.day_of_month.data)
        rule.interval = _whole_number(row.every.data) or 1
    else:
        rule.frequency = Frequency.DATES
        lines = [line.strip() for line in re.split(r"[\n,;]+", row.dates.data or "") if line.strip()]
        rule.dates = [parse_day(line) for line in lines]
    return rule


def _date_of(field: DateInputField) -> date:
    """A date the form has checked is there."""
    value = field.data
    if not isinstance(value, date):
        raise ValueError(f"{field.name} has no date")
    return value


def _change(row: ExceptionRowForm) -> ScheduleChange:
    kind = row.kind.data
    change = ScheduleChange(
        kind=ExceptionKind.MOVED if kind == MOVED else ExceptionKind.CANCELLED,
        starts_on=_date_of(row.starts_on),
        note=row.note.data or "",
    )
    if kind == BREAK:
        change.ends_on = row.ends_on.data
    if kind == MOVED:
        change.new_start = parse_time(row.new_start.data or "")
        change.new_end = parse_time(row.new_end.data or "")
    return change


# -- filling the form from a listing ---------------------------------------------------


def _rule_rows(rule: ScheduleRule) -> list[dict[str, Any]]:
    """Form rows for one rule. A monthly rule such as "2TU,4TH" (different weeks on
    different days) takes one row for each set of weeks, so nothing is lost."""
    base: dict[str, Any] = {
        "start": show_time(rule.start),
        "end": show_time(rule.end),
        "starts_on": rule.valid_from,
        "ends_on": rule.valid_to,
    }
    if rule.frequency is Frequency.DATES:
        days = sorted(value if isinstance(value, date) else date.fromisoformat(str(value)) for value in rule.dates)
        return [base | {"pattern": DATES, "dates": "\n".join(show_day(day) for day in days)}]
    try:
        entries = parse_by_day(rule.by_day)
    except RuleError:
        entries = []
    codes = [code for code, _ in DAYS]
    if rule.frequency is Frequency.WEEKLY:
        pattern = {1: WEEKLY, 2: FORTNIGHTLY}.get(rule.interval, EVERY_FEW_WEEKS)
        return [
            base
            | {
                "pattern": pattern,
                "days": [codes[entry.weekday] for entry in entries],
                "every": str(rule.interval) if pattern == EVERY_FEW_WEEKS else "",
            }
        ]
    every = str(rule.interval) if rule.interval > 1 else ""
    if rule.by_month_day is not None:
        return [base | {"pattern": MONTHLY_DATE, "day_of_month": str(rule.by_month_day), "every": every}]
    weeks_by_day: dict[str, list[str]] = {}
    for entry in entries:
        weeks_by_day.setdefault(codes[entry.weekday], []).append(str(entry.ordinal or ""))
    rows: dict[tuple[str, ...], list[str]] = {}
    for day, weeks in weeks_by_day.items():
        rows.setdefault(tuple(sorted(weeks)), []).append(day)
    return [
        base
        | {"pattern": MONTHLY_WEEKDAY, "days": days, "weeks_of_month": [week for week in weeks if week], "every": every}
        for weeks, days in rows.items()
    ]


def _change_row(change: ScheduleChange) -> dict[str, Any]:
    if change.kind is ExceptionKind.MOVED:
        kind = MOVED
    else:
        kind = BREAK if change.ends_on is not None and change.ends_on != change.starts_on else CANCELLED
    return {
        "kind": kind,
        "starts_on": change.starts_on,
        "ends_on": change.ends_on if kind == BREAK else None,
        "new_start": show_time(change.new_start),
        "new_end": show_time(change.new_end),
        "note": change.note,
    }


def _london(value: datetime) -> datetime:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(LONDON)


def form_values(data: ListingData) -> dict[str, Any]:
    """What the form shows for saved listing data (the reverse of ListingForm.listing_data)."""
    venue = data.venue
    values: dict[str, Any] = {
        "organisation": str(data.organisation_id),
        "name": data.name,
        "description": data.description,
        "venue_name": venue.name if venue else "",
        "address_1": venue.address_1 if venue else "",
        "address_2": (venue.address_2 or "") if venue else "",
        "postcode": venue.postcode if venue else "",
        "cost": data.cost.value,
        "cost_detail": data.cost_detail,
        "how_to_join": data.how_to_join.value,
        "min_age": "" if data.min_age is None else str(data.min_age),
        "max_age": "" if data.max_age is None else str(data.max_age),
        "contact_name": data.contact_name,
        "contact_email": data.contact_email,
        "contact_phone": data.contact_phone,
        "website": data.website,
        "capacity": "" if data.capacity is None else str(data.capacity),
        "bookable": {True: "yes", False: "no"}.get(data.bookable) if data.bookable is not None else None,
        "booking_info": data.booking_info,
        "schedules": [row for rule in data.schedules for row in _rule_rows(rule)],
        "exceptions": [_change_row(change) for change in data.exceptions],
    }
    for vocabulary, name in TERM_FIELDS.items():
        values[name] = list(data.terms.get(vocabulary, []))
    if data.starts_at is not None:
        start = _london(data.starts_at)
        values["event_date"] = start.date()
        values["event_start"] = show_time(start.time())
        if data.ends_at is not None:
            values["event_end"] = show_time(_london(data.ends_at).time())
    return values


def new_form_values() -> dict[str, Any]:
    """A blank form's starting answers."""
    return {"listing_key": uuid.uuid4().hex, "cost": Cost.FREE.value, "how_to_join": HowToJoin.DROP_IN.value}


def padded(values: dict[str, Any]) -> dict[str, Any]:
    """Room for one more schedule and change than the listing has, at least the usual rows."""
    for name, rows, limit in (
        ("schedules", SCHEDULE_ROWS, MAX_SCHEDULE_ROWS),
        ("exceptions", EXCEPTION_ROWS, MAX_EXCEPTION_ROWS),
    ):
        filled = list(values.get(name) or [])[:limit]
        values[name] = filled + [{}] * max(0, min(max(rows, len(filled) + 1), limit) - len(filled))
    return values


def term_groups(terms: Iterable[tuple[str, str, str | None]]) -> list[TermGroup]:
    """Checkbox groups from (code, name, parent name) in display order: terms with a parent
    are grouped under it; top-level terms with children are headings, not choices."""
    rows = list(terms)
    parents = {parent for _, _, parent in rows if parent}
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name, parent in rows:
        if parent:
            groups.setdefault(parent, []).append((code, name))
        elif name not in parents:
            groups.setdefault("", []).append((code, name))
    return [TermGroup(name, items) for name, items in groups.items()]

"""Reading the search page's URL parameters.

The parameters are stable so staff can bookmark and share searches:
q, type, category, group, day, cost, language, access, postcode, within, when, date, page.
Nothing a user types can make this fail: unknown facet values are ignored,
bad postcodes, distances and dates become messages next to their fields.

`when` is today, week (the next 7 days), weekend or date; `date` (YYYY-MM-DD) is the
day for when=date, and a date given without `when` means that day too.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from navigator import clock
from navigator.extensions import db
from navigator.geo.postcodes import PostcodeError, find_place
from navigator.models import Cost, ListingKind, TaxonomyTerm
from navigator.schedules import WEEKDAYS, short_date
from navigator.search.documents import FACET_VOCABULARIES
from navigator.search.engine import FACETS, MAX_QUERY_LENGTH, WHEN_CHOICES, SearchRequest

FACET_TITLES = {
    "type": "Type",
    "category": "Category",
    "group": "Who it is for",
    "day": "Day of the week",
    "cost": "Cost",
    "language": "Language",
    "access": "Accessibility",
}
MAX_VALUES_PER_FACET = 50
WHEN_LABELS = {
    "": "Any time",
    "today": "Today",
    "week": "In the next 7 days",
    "weekend": "This weekend",
    "date": "On a date",
}
# How far ahead "on a date" may look: schedules change, and further out is guesswork.
MAX_YEARS_AHEAD = 2
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass
class SearchForm:
    """The search as typed, the validated request, and messages for the form."""

    request: SearchRequest
    q: str = ""
    postcode: str = ""
    within: str = ""
    # The "When" radios as chosen, and the date as typed (kept when it is wrong, to correct it).
    when: str = ""
    date: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    # Top-level categories: searchable, but the filter list shows their children.
    parent_categories: frozenset[str] = frozenset()
    # A navigator finding activities for a case (casework): kept on every link of the search.
    for_case: str = ""

    @property
    def date_boxes(self) -> tuple[str, str, str]:
        """The date as typed, for the day, month and year boxes."""
        parts = re.split(r"[-/.]", self.date) if self.date else []
        if len(parts) != 3:
            return ("", "", "")
        if len(parts[0]) == 4:  # 2026-12-08
            parts = parts[::-1]
        day, month, year = parts
        return (day.lstrip("0") if day.isdigit() else day, month.lstrip("0") if month.isdigit() else month, year)

    def query_args(self, **changes: object) -> list[tuple[str, str]]:
        """The URL parameters for this search, with changes (None removes a key)."""
        args: dict[str, list[str]] = {}
        if self.q:
            args["q"] = [self.q]
        for facet in FACETS:
            if self.request.selected(facet):
                args[facet] = list(self.request.selected(facet))
        if self.postcode:
            args["postcode"] = [self.postcode]
        if self.within:
            args["within"] = [self.within]
        if self.request.when:
            args["when"] = [self.request.when]
        if self.request.when == "date" and self.request.on_date is not None:
            args["date"] = [self.request.on_date.isoformat()]
        if self.for_case:
            args["for_case"] = [self.for_case]
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            elif isinstance(value, list | tuple):
                args[key] = [str(v) for v in value]
            else:
                args[key] = [str(value)]
        return [(key, value) for key, values in args.items() for value in values]

    def url(self, **changes: object) -> str:
        encoded = urlencode(self.query_args(**changes))
        return "?" + encoded if encoded else "?"

    @property
    def when_label(self) -> str:
        """What the time filter in force covers: "next 7 days", "Tuesday 8 December"."""
        request = self.request
        if request.when == "date" and request.on_date is not None:
            return f"{request.on_date:%A} {short_date(request.on_date, clock.today())}"
        return {"today": "today", "week": "next 7 days", "weekend": "this weekend"}.get(request.when, "")

    @property
    def heading(self) -> str:
        """The page's <h1>: what is on in the time asked about, or plain search."""
        request = self.request
        if request.when == "week":
            return "What's on in the next 7 days"
        if request.when in ("today", "weekend", "date"):
            return f"What's on {self.when_label}"
        return "Search activities, events and spaces"

    def without(self, facet: str, code: str) -> str:
        """This search with one filter value removed."""
        remaining = [c for c in self.request.selected(facet) if c != code]
        return self.url(**{facet: remaining or None, "page": None})

    def shows_option(self, facet: str, code: str) -> bool:
        return facet != "category" or code not in self.parent_categories or code in self.request.selected(facet)

    def label(self, facet: str, code: str) -> str:
        return self.labels.get(facet, {}).get(code, code)

    @property
    def active_filters(self) -> list[tuple[str, str]]:
        return [(facet, code) for facet in FACETS for code in self.request.selected(facet)]


def facet_labels() -> tuple[dict[str, dict[str, str]], frozenset[str]]:
    """Display names for every facet value, taken from the taxonomy table, and the codes
    of terms that have children (top-level categories), from the same one query."""
    labels: dict[str, dict[str, str]] = {
        "type": {kind.value: kind.plural for kind in ListingKind},
        "day": {day: day.capitalize() for day in WEEKDAYS},
        "cost": {cost.value: cost.label for cost in Cost},
    }
    vocab_to_facet = {vocabulary: facet for facet, vocabulary in FACET_VOCABULARIES.items()}
    for facet in FACET_VOCABULARIES:
        labels[facet] = {}
    rows = db.session.execute(
        select(
            TaxonomyTerm.id, TaxonomyTerm.parent_id, TaxonomyTerm.vocabulary, TaxonomyTerm.code, TaxonomyTerm.name
        ).order_by(TaxonomyTerm.position)
    ).all()
    codes = {term_id: code for term_id, _parent_id, _vocabulary, code, _name in rows}
    parents = frozenset(codes[parent_id] for _id, parent_id, *_ in rows if parent_id is not None)
    for _id, _parent_id, vocabulary, code, name in rows:
        if vocabulary in vocab_to_facet:
            labels[vocab_to_facet[vocabulary]][code] = name
    return labels, parents


def clean_text(raw: str | None) -> str:
    """Collapse whitespace and drop control characters (a NUL is not valid in HTML)."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in raw or "")
    return " ".join(text.split())


def _parse_page(raw: str | None) -> int:
    try:
        page = int(raw or "1")
    except ValueError:
        return 1
    return page if page >= 1 else 1


def parse_search(args: MultiDict[str, str]) -> SearchForm:
    """Validate the search parameters. Never raises for user input."""
    labels, parent_categories = facet_labels()
    errors: dict[str, str] = {}

    q = clean_text(args.get("q"))
    if len(q) > MAX_QUERY_LENGTH:
        q = q[:MAX_QUERY_LENGTH].rstrip()
        errors["q"] = (
            f"Search words must be {MAX_QUERY_LENGTH} characters or fewer: we searched for the first part only"
        )

    filters: dict[str, tuple[str, ...]] = {}
    for facet in FACETS:
        known = labels[facet]
        wanted: list[str] = []
        for value in args.getlist(facet)[:MAX_VALUES_PER_FACET]:
            value = value.strip()
            if value in known and value not in wanted:
                wanted.append(value)
        if wanted:
            filters[facet] = tuple(wanted)

    raw_postcode = args.get("postcode") or ""
    postcode_text = clean_text(raw_postcode)[:20]
    place = None
    if any(unicodedata.category(ch) == "Cc" and not ch.isspace() for ch in raw_postcode):
        errors["postcode"] = "Enter a real postcode, like E8 1DY"
    elif postcode_text:
        try:
            place = find_place(postcode_text)
            postcode_text = place.label
        except PostcodeError as error:
            errors["postcode"] = str(error)

    within_text = (args.get("within") or "").strip()
    within: float | None = None
    if within_text:
        try:
            within = float(within_text)
            if not 0 < within <= 50:
                raise ValueError
        except ValueError:
            errors["within"] = "Choose a distance from the list"
            within, within_text = None, ""
        else:
            if place is None and "postcode" not in errors:
                errors["postcode"] = "Enter a postcode to search within a distance"

    when, on_date, date_text = _parse_when(args, errors)

    request = SearchRequest(
        q=q,
        filters=filters,
        place=place,
        within=within if place else None,
        when=when if when != "date" or on_date else "",
        on_date=on_date,
        page=_parse_page(args.get("page")),
        per_page=current_app.config["RESULTS_PER_PAGE"],
    )
    return SearchForm(
        request=request,
        q=q,
        postcode=postcode_text,
        within=within_text,
        when=when,
        date=date_text,
        errors=errors,
        labels=labels,
        parent_categories=parent_categories,
        for_case=_parse_case_id(args.get("for_case")),
    )


def _parse_when(args: MultiDict[str, str], errors: dict[str, str]) -> tuple[str, date | None, str]:
    """(when, on_date, date as typed). A wrong date becomes a message and no filter."""
    when = (args.get("when") or "").strip()
    if when not in WHEN_CHOICES:
        when = ""
    date_text = clean_text(args.get("date"))[:30]
    if not date_text:
        # The form's day, month and year boxes; links carry date=YYYY-MM-DD.
        parts = [clean_text(args.get(f"date-{part}"))[:10] for part in ("day", "month", "year")]
        if any(parts):
            date_text = "/".join(parts)
    if when in ("today", "week", "weekend"):
        return when, None, ""
    if not date_text:
        if when == "date":
            errors["date"] = "Enter the date, for example 8 12 2026"
        return when, None, ""
    try:
        on_date = parse_date(date_text)
    except ValueError as error:
        errors["date"] = str(error)
        return "date", None, date_text
    return "date", on_date, on_date.isoformat()


def parse_date(text: str) -> date:
    """A day from "2026-12-08" or "8/12/2026" (the form's boxes joined), today or within
    MAX_YEARS_AHEAD years.
    Raises ValueError with a message for the person who typed it."""
    example = "Enter a real date, for example 8 12 2026"
    iso, uk = _ISO_DATE.match(text), _UK_DATE.match(text)
    try:
        if iso:
            year, month, day = (int(part) for part in iso.groups())
        elif uk:
            day, month, year = (int(part) for part in uk.groups())
        else:
            raise ValueError(example)
        value = date(year, month, day)
    except ValueError:
        raise ValueError(example) from None
    today = clock.today()
    if value < today:
        raise ValueError("Enter today's date or a date in the future")
    try:
        limit = today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)
    if value > limit:
        raise ValueError(f"Enter a date in the next {MAX_YEARS_AHEAD} years")
    return value


def _parse_case_id(raw: str | None) -> str:
    """A referral id passed through for casework; whether it may be used is checked where it is."""
    try:
        return str(uuid.UUID((raw or "").strip()))
    except ValueError:
        return ""

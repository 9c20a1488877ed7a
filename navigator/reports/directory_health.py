"""Directory health (issue 10 section 7; domain.md 5.5 and 7.1): how much of the directory has
been confirmed within 12 months, by organisation and category; what is on in each ward; and
community spaces and the activities held at them. A snapshot of the directory at the end of
the period (today for a period running to today), counted by the database (GROUP BY).

These figures count organisations' listings, which the public directory shows anyway, not
people: they are shown in full (see `directory_figures`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import ListingKind, Organisation
from navigator.reports import queries
from navigator.reports.directory_sql import (
    ATTENDED_KINDS,
    Snapshot,
    category_links,
    is_fresh,
    listed,
    median_of,
    snapshot_of,
    top_categories,
)
from navigator.reports.periods import Period
from navigator.reports.sql import Filters
from navigator.reports.tables import ChartSpec, ReportTable, Settings, count_table, mean_over, percent

NO_CATEGORY = "No category"
NO_VENUE = "No venue (by phone, online or at home)"
# Activities held at a space: the distribution's last row is this many or more.
MOST_HOSTED = 5


def directory_figures(settings: Settings) -> Settings:
    """The settings directory counts are shown with. They count organisations' listings, all on
    the public directory (hidden ones aside), not people, so domain.md 6.8's suppression of small
    numbers does not apply to them: with it, most organisations' and wards' rows would read
    "fewer than 8" and the tables would say nothing. Return `settings` here to suppress them too."""
    return replace(settings, threshold=0)


def _rows(query: Any) -> list[Any]:
    return list(db.session.execute(query))


# -- queries -----------------------------------------------------------------------------------


@dataclass
class Ages:
    """How many listings were confirmed how many whole months before the snapshot."""

    histogram: dict[int, int]

    def count(self, low: int, high: int | None = None) -> int:
        return sum(n for months, n in self.histogram.items() if months >= low and (high is None or months < high))


def freshness_by_organisation(snapshot: Snapshot, filters: Filters) -> dict[str, Ages]:
    """Organisation name -> the ages of its listings in the directory at the snapshot."""
    rows = listed(snapshot, ward_code=filters.ward_code)
    query = (
        select(Organisation.name, rows.c.months, sa.func.count())
        .select_from(rows)
        .join(Organisation, Organisation.id == rows.c.organisation_id)
        .group_by(Organisation.name, rows.c.months)
    )
    out: dict[str, Ages] = defaultdict(lambda: Ages({}))
    for name, months, count in _rows(query):
        out[name].histogram[int(months)] = count
    return dict(out)


def freshness_by_category(snapshot: Snapshot, filters: Filters) -> dict[str | None, Ages]:
    """Top-level category code (None: no category) -> the ages of its listings; a listing in
    two categories counts in each, once in each."""
    rows = listed(snapshot, ward_code=filters.ward_code)
    links = category_links()
    query = (
        select(links.c.category, rows.c.months, sa.func.count())
        .select_from(rows)
        .outerjoin(links, links.c.listing_id == rows.c.id)
        .group_by(links.c.category, rows.c.months)
    )
    out: dict[str | None, Ages] = defaultdict(lambda: Ages({}))
    for code, months, count in _rows(query):
        out[code].histogram[int(months)] = count
    return dict(out)


@dataclass
class ByWard:
    by_category: dict[tuple[str | None, str], int]  # (ward, top-level category) -> listings
    listings: dict[str | None, int]  # ward -> listings (each once)


def active_fresh_by_ward(snapshot: Snapshot, filters: Filters) -> ByWard:
    """Activities and events residents can find (published) and confirmed within 12 months,
    by the ward they are held in and top-level category."""
    rows = listed(snapshot, ward_code=filters.ward_code, public_only=True)
    wanted = sa.and_(rows.c.kind.in_(ATTENDED_KINDS), is_fresh(snapshot, rows.c.months))
    links = category_links()
    by_category = (
        select(rows.c.ward_code, links.c.category, sa.func.count())
        .select_from(rows)
        .join(links, links.c.listing_id == rows.c.id)
        .where(wanted)
        .group_by(rows.c.ward_code, links.c.category)
    )
    listings = select(rows.c.ward_code, sa.func.count()).where(wanted).group_by(rows.c.ward_code)
    return ByWard(
        {(ward, code): count for ward, code, count in _rows(by_category)},
        {ward: count for ward, count in _rows(listings)},
    )


@dataclass
class Spaces:
    by_ward: dict[str | None, tuple[int, int, int, int]]  # spaces, bookable, hosting any, activities held
    hosting: dict[int, int]  # activities held at a space -> spaces


def community_spaces(snapshot: Snapshot, filters: Filters) -> Spaces:
    """Spaces in the public directory at the snapshot, by ward: how many, how many say they
    can be booked, and the activities and events in the directory held in the same building."""
    rows = listed(snapshot, ward_code=filters.ward_code, public_only=True)
    held = listed(snapshot, public_only=True, name="held")
    hosted = (
        select(sa.func.count(held.c.id))
        .where(held.c.venue_id == rows.c.venue_id, held.c.kind.in_(ATTENDED_KINDS))
        .scalar_subquery()
    )
    spaces = (
        select(
            rows.c.ward_code,
            sa.case((rows.c.bookable.is_(True), 1), else_=0).label("bookable"),
            hosted.label("hosted"),
        )
        .where(rows.c.kind == ListingKind.SPACE)
        .subquery()
    )
    query = select(spaces.c.ward_code, spaces.c.bookable, spaces.c.hosted, sa.func.count()).group_by(
        spaces.c.ward_code, spaces.c.bookable, spaces.c.hosted
    )
    by_ward: dict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    hosting: dict[int, int] = defaultdict(int)
    for ward, bookable, activities, count in _rows(query):
        figures = by_ward[ward]
        figures[0] += count
        figures[1] += count if bookable else 0
        figures[2] += count if activities else 0
        figures[3] += count * int(activities)
        hosting[int(activities)] += count
    return Spaces({ward: (a, b, c, d) for ward, (a, b, c, d) in by_ward.items()}, dict(hosting))


# -- tables ------------------------------------------------------------------------------------


def _ward_label(code: str | None, wards: dict[str, str]) -> str:
    return NO_VENUE if code is None else wards.get(code, code)


def _ward_order(codes: Any, wards: dict[str, str]) -> list[str | None]:
    return sorted(codes, key=lambda code: (code is None, wards.get(code or "", code or "")))


def health(period: Period, filters: Filters, settings: Settings) -> list[ReportTable]:
    """Section 7: listing freshness by organisation and by category, active fresh listings by
    ward and category, community spaces."""
    shown = directory_figures(settings)
    snapshot = snapshot_of(period)
    notes = _common_notes(snapshot, filters)
    return [
        _freshness_table(
            "listing-freshness-by-organisation",
            f"Listing freshness by organisation, on {snapshot.day}",
            "Organisation",
            {name: ages for name, ages in sorted(freshness_by_organisation(snapshot, filters).items())},
            snapshot,
            shown,
            notes,
            totals=True,
        ),
        _freshness_table(
            "listing-freshness-by-category",
            f"Listing freshness by category, on {snapshot.day}",
            "Category",
            _by_category_name(freshness_by_category(snapshot, filters)),
            snapshot,
            shown,
            [
                "Confirmed, stale and hidden as in “Listing freshness by organisation”.",
                _scope_note(filters),
                "A listing in two categories counts in each, so categories add up to more than the listings.",
            ],
            totals=False,
        ),
        _by_ward_table(snapshot, filters, shown),
        *_spaces_tables(snapshot, filters, shown),
    ]


def _scope_note(filters: Filters) -> str:
    people = "the source team, age band and target group filters are about people and do not apply to the directory."
    if filters.ward_code is not None:
        return f"Listings held in the chosen ward (at a venue there); {people}"
    return people[0].upper() + people[1:]


def _common_notes(snapshot: Snapshot, filters: Filters) -> list[str]:
    return [
        f"The directory on {snapshot.day}: listings published, with a change waiting for approval, or hidden, that "
        "were listed by then. A listing confirmed again since is aged from the confirmation before it, as the review "
        "schedule recorded it (or from when it was added).",
        f"Confirmed: by its owner, or when a change was approved, within {snapshot.stale_after_months} months. "
        f"Stale: {snapshot.stale_after_months} to {snapshot.hide_after_months} months ago (ranked lower in search). "
        f"Hidden: {snapshot.hide_after_months} months or more (out of public search). Months are whole calendar "
        "months (FRESHNESS_STALE_AFTER_MONTHS, FRESHNESS_HIDE_AFTER_MONTHS).",
        _scope_note(filters),
        "Counts of listings are about organisations, not people, so small numbers are shown.",
    ]


def _by_category_name(by_code: dict[str | None, Ages]) -> dict[str, Ages]:
    names = top_categories()
    ordered = [code for code in names if code in by_code] + [code for code in by_code if code not in names]
    return {(names.get(code, code) if code else NO_CATEGORY): by_code[code] for code in ordered}


def _freshness_table(
    key: str,
    title: str,
    heading: str,
    by_row: dict[str, Ages],
    snapshot: Snapshot,
    settings: Settings,
    notes: list[str],
    *,
    totals: bool,
) -> ReportTable:
    stale, hide = snapshot.stale_after_months, snapshot.hide_after_months
    table, shown = count_table(
        key,
        title,
        heading,
        list(by_row),
        [f"Confirmed within {stale} months", f"Stale ({stale} to {hide} months)", f"Hidden ({hide} months or more)"],
        [[ages.count(0, stale), ages.count(stale, hide), ages.count(hide)] for ages in by_row.values()],
        settings,
        column_totals=totals,
        notes=notes,
    )
    if by_row:
        table.header[-1] = "Listings"  # the row total
    else:
        table.header.append("Listings")
    table.header += [f"% confirmed within {stale} months", "Median months since confirmed"]
    everything = Ages({})
    for ages in by_row.values():
        for months, count in ages.histogram.items():
            everything.histogram[months] = everything.histogram.get(months, 0) + count
    histograms = [ages.histogram for ages in by_row.values()] + ([everything.histogram] if table.total_row else [])
    for row, figures, histogram in zip(table.all_rows, shown, histograms, strict=True):
        listings = sum(histogram.values())
        row += [percent(figures[0], figures[-1], settings), mean_over(median_of(histogram), listings, settings)]
    table.chart = ChartSpec("bars", table.header[-2])
    return table


def _by_ward_table(snapshot: Snapshot, filters: Filters, settings: Settings) -> ReportTable:
    figures = active_fresh_by_ward(snapshot, filters)
    wards = queries.ward_names()
    categories = top_categories()
    used = [code for code in categories if any(key[1] == code for key in figures.by_category)]
    keys = _ward_order(figures.listings, wards)
    table = count_table(
        "active-listings-by-ward-and-category",
        f"Activities and events in the directory and confirmed within {snapshot.stale_after_months} months, "
        f"by ward and category, on {snapshot.day}",
        "Ward (where it is held)",
        [_ward_label(code, wards) for code in keys],
        [*(categories[code] for code in used), "Listings"],
        [[*(figures.by_category.get((ward, code), 0) for code in used), figures.listings[ward]] for ward in keys],
        settings,
        row_totals=False,
        notes=[
            "Published activities and events (not spaces) whose owner confirmed them within "
            f"{snapshot.stale_after_months} months. A listing in two categories counts in each; "
            "“Listings” counts each once.",
            "Connections to activities by category are in “Connections to activities”.",
        ],
    )[0]
    table.chart = ChartSpec("bars", "Listings")
    return table


def _spaces_tables(snapshot: Snapshot, filters: Filters, settings: Settings) -> list[ReportTable]:
    spaces = community_spaces(snapshot, filters)
    wards = queries.ward_names()
    keys = _ward_order(spaces.by_ward, wards)
    by_ward, shown = count_table(
        "community-spaces-by-ward",
        f"Community spaces listed, by ward, on {snapshot.day}",
        "Ward",
        [_ward_label(code, wards) for code in keys],
        ["Spaces listed", "Can be booked", "Hosting at least one activity", "Activities held there"],
        [list(spaces.by_ward[code]) for code in keys],
        settings,
        row_totals=False,
        notes=[
            "Spaces in the public directory. Activities held there: published activities and events at the same "
            "building (two spaces in one building both count them).",
            "The directory records whether a space can be booked, not bookings or hours booked, so uptake is shown "
            "as the activities held there.",
        ],
    )
    by_ward.header.append("Activities per space")
    by_ward.chart = ChartSpec("bars", "Spaces listed")
    for row, figures in zip(by_ward.all_rows, shown, strict=True):
        spaces_listed, held = figures[0].value, figures[3].value
        per_space = held / spaces_listed if held is not None and spaces_listed else None
        row.append(mean_over(per_space, spaces_listed or 0, settings))
    counts = [spaces.hosting.get(n, 0) for n in range(MOST_HOSTED)]
    counts.append(sum(count for n, count in spaces.hosting.items() if n >= MOST_HOSTED))
    distribution = count_table(
        "activities-per-space",
        f"Community spaces by the number of activities held there, on {snapshot.day}",
        "Number of activities and events held there",
        [*(str(n) for n in range(MOST_HOSTED)), f"{MOST_HOSTED} or more"],
        ["Spaces"],
        [[count] for count in counts],
        settings,
        row_totals=False,
    )[0]
    distribution.chart = ChartSpec("bars", "Spaces")
    return [by_ward, distribution]

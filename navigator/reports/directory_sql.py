"""SQL pieces for the report's directory figures (domain.md 5.5, 7.1, 7.3): the directory as it
stood when the period ended, how long ago each listing was confirmed then, where it is held,
and its top-level categories. Works on SQLite and PostgreSQL alike.

The directory keeps a listing's latest confirmation. For a period in the past, a listing
confirmed again since is aged from the confirmation before, as the review schedule recorded it
in its notices (each names the confirmation it follows), or else from when it was added.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from navigator import clock
from navigator.extensions import db
from navigator.models import FreshnessNotice, Listing, ListingKind, TaxonomyTerm, Venue, Vocabulary
from navigator.models.directory import LIVE_STATUSES, PUBLIC_STATUSES, listing_terms
from navigator.reports.periods import Period

# Listings a person can go to (spaces are where they are held).
ATTENDED_KINDS = (ListingKind.ACTIVITY, ListingKind.EVENT)


@dataclass(frozen=True)
class Snapshot:
    """The directory at a moment: the end of the period, or now for a period running to today."""

    at: datetime
    stale_after_months: int
    hide_after_months: int
    span: int = 1  # whole months back to the oldest confirmation, and one more

    @property
    def day(self) -> str:
        """The last day the snapshot covers, in words."""
        last = (self.at - relativedelta(microseconds=1)).astimezone(clock.LONDON)
        return f"{last.day} {last:%B %Y}"

    def months_ago(self, months: int) -> datetime:
        """The moment `months` London calendar months before the snapshot."""
        return (self.at.astimezone(clock.LONDON) - relativedelta(months=months)).astimezone(UTC)


def snapshot_of(period: Period) -> Snapshot:
    config = current_app.config
    snapshot = Snapshot(
        at=min(period.ends_at, clock.now()),
        stale_after_months=int(config["FRESHNESS_STALE_AFTER_MONTHS"]),
        hide_after_months=int(config["FRESHNESS_HIDE_AFTER_MONTHS"]),
    )
    oldest = oldest_confirmation(snapshot)
    if oldest is None:
        return snapshot
    delta = relativedelta(snapshot.at.astimezone(clock.LONDON), oldest.astimezone(clock.LONDON))
    return replace(snapshot, span=max(delta.years * 12 + delta.months, 0) + 1)


def confirmed_as_of(snapshot: Snapshot) -> ColumnElement[datetime]:
    """When the listing had last been confirmed at the snapshot (or added, if never)."""
    latest = sa.func.coalesce(Listing.last_confirmed_at, Listing.created_at)
    recorded = (
        select(sa.func.max(FreshnessNotice.confirmed_at))
        .where(FreshnessNotice.listing_id == Listing.id, FreshnessNotice.confirmed_at <= snapshot.at)
        .scalar_subquery()
    )
    return sa.case((latest <= snapshot.at, latest), else_=sa.func.coalesce(recorded, Listing.created_at))


def oldest_confirmation(snapshot: Snapshot) -> datetime | None:
    """The earliest confirmation of any listing in the directory at the snapshot."""
    confirmed = confirmed_as_of(snapshot)
    return db.session.scalar(
        select(sa.func.min(confirmed)).where(Listing.status.in_(LIVE_STATUSES), confirmed <= snapshot.at)
    )


def months_since_confirmed(snapshot: Snapshot, confirmed: Any) -> ColumnElement[int]:
    """Whole London calendar months from `confirmed` to the snapshot, from the moments each
    month ago falls on (the same on every database, whatever its date functions)."""
    return sa.case(
        *((confirmed > snapshot.months_ago(months + 1), months) for months in range(snapshot.span)),
        else_=snapshot.span,
    )


def listed(snapshot: Snapshot, *, ward_code: str | None = None, public_only: bool = False, name: str = "listed") -> Any:
    """The listings in the directory at the snapshot, one row each: in it now (published, with
    a change waiting, or hidden; `public_only` leaves hidden ones out) and there by then, with
    the ward they are held in (their venue's; None without one) and the whole months since
    they were confirmed. `ward_code`: only those held in that ward."""
    query = (
        select(
            Listing.id.label("id"),
            Listing.organisation_id.label("organisation_id"),
            Listing.kind.label("kind"),
            Listing.venue_id.label("venue_id"),
            Listing.bookable.label("bookable"),
            Listing.min_age.label("min_age"),
            Listing.max_age.label("max_age"),
            Venue.ward_code.label("ward_code"),
            confirmed_as_of(snapshot).label("confirmed"),
        )
        .select_from(Listing)
        .outerjoin(Venue, Venue.id == Listing.venue_id)
        .where(Listing.status.in_(PUBLIC_STATUSES if public_only else LIVE_STATUSES))
    )
    if ward_code is not None:
        query = query.where(Venue.ward_code == ward_code)
    # Worked out once (a CTE both databases keep): every later use of a column would otherwise
    # repeat the confirmation's subquery, once for each month of the age.
    rows = query.cte(f"{name}_rows").prefix_with("MATERIALIZED")
    columns = [column for column in rows.c if column.name != "confirmed"]
    return (
        select(*columns, months_since_confirmed(snapshot, rows.c.confirmed).label("months"))
        .where(rows.c.confirmed <= snapshot.at)
        .subquery(name)
    )


def is_fresh(snapshot: Snapshot, months: Any) -> ColumnElement[bool]:
    """Confirmed within the months after which a listing is stale (12)."""
    return months < snapshot.stale_after_months


def category_links() -> Any:
    """Each listing's top-level categories, once each (a two-level taxonomy: "Lunch clubs" is
    under "Social and befriending"): listing_id, category."""
    term, parent = aliased(TaxonomyTerm, name="term"), aliased(TaxonomyTerm, name="parent")
    return (
        select(listing_terms.c.listing_id, sa.func.coalesce(parent.code, term.code).label("category"))
        .join(term, sa.and_(term.id == listing_terms.c.term_id, term.vocabulary == Vocabulary.CATEGORY))
        .outerjoin(parent, parent.id == term.parent_id)
        .distinct()
        .subquery("category_links")
    )


def top_categories() -> dict[str, str]:
    """Top-level category codes and names, in the taxonomy's order."""
    rows = db.session.execute(
        select(TaxonomyTerm.code, TaxonomyTerm.name)
        .where(TaxonomyTerm.vocabulary == Vocabulary.CATEGORY, TaxonomyTerm.parent_id.is_(None))
        .order_by(TaxonomyTerm.position, TaxonomyTerm.name)
    )
    return {code: name for code, name in rows}


def median_of(histogram: dict[int, int]) -> float | None:
    """The median of values given as value -> how many."""
    total = sum(histogram.values())
    if total == 0:
        return None
    middle = sorted(histogram.items())
    wanted = [(total - 1) // 2, total // 2]  # the one or two middle positions, from 0
    found: list[int] = []
    seen = 0
    for value, how_many in middle:
        while len(found) < 2 and wanted[len(found)] < seen + how_many:
            found.append(value)
        seen += how_many
    return (found[0] + found[1]) / 2

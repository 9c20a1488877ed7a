"""Public directory pages."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import date, timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from navigator import clock
from navigator.auth.decorators import public
from navigator.directory.calendar import CONTENT_TYPE, calendar_bytes, calendar_for, filename_for
from navigator.directory.params import FACET_TITLES, WHEN_LABELS, parse_search
from navigator.extensions import db
from navigator.models import Listing, ListingKind, TaxonomyTerm, Vocabulary
from navigator.search import get_backend
from navigator.search.engine import FACETS, run_search
from navigator.services.listings import public_listings_by_id

bp = Blueprint("directory", __name__)


@bp.route("/")
@public
def home() -> str:
    categories = db.session.scalars(
        select(TaxonomyTerm)
        .where(TaxonomyTerm.vocabulary == Vocabulary.CATEGORY, TaxonomyTerm.parent_id.is_(None))
        .order_by(TaxonomyTerm.position)
    ).all()
    return render_template("directory/home.html", categories=categories)


@bp.route("/search")
@public
def search() -> str | Response:
    form = parse_search(request.args)
    outcome = run_search(get_backend(), form.request)
    if form.request.page > outcome.pages:
        # Past the last page (an old bookmark): show the last page that exists.
        return redirect(form.url(page=outcome.pages), code=302)
    listings = _load_listings([hit.document.id for hit in outcome.hits + outcome.nearest])
    return render_template(
        "directory/search.html",
        form=form,
        outcome=outcome,
        listings=listings,
        facet_order=FACETS,
        facet_titles=FACET_TITLES,
        when_labels=WHEN_LABELS,
        example_date=_example_date(clock.today() + timedelta(days=7)),
        distance_choices=current_app.config["DISTANCE_CHOICES"],
        # "Next: ..." on each result: the first session in the time asked about.
        next_after=outcome.window[0] if outcome.window else None,
    )


def _example_date(day: date) -> str:
    """A date as typed in the day, month and year boxes: "8 12 2026"."""
    return f"{day.day} {day.month} {day.year}"


def _load_listings(ids: list[str]) -> dict[str, Listing]:
    """Public listings by id, for one page of results (the database is the source of truth)."""
    return {str(listing_id): listing for listing_id, listing in public_listings_by_id(map(uuid.UUID, ids)).items()}


def _public_listing(kind: ListingKind, listing_id: uuid.UUID) -> Listing:
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.kind is not kind or not listing.is_public:
        abort(404)
    return listing


@bp.route("/activities/<uuid:listing_id>")
@public
def activity(listing_id: uuid.UUID) -> str:
    return render_template("directory/listing.html", listing=_public_listing(ListingKind.ACTIVITY, listing_id))


@bp.route("/events/<uuid:listing_id>")
@public
def event(listing_id: uuid.UUID) -> str:
    return render_template("directory/listing.html", listing=_public_listing(ListingKind.EVENT, listing_id))


@bp.route("/spaces/<uuid:listing_id>")
@public
def space(listing_id: uuid.UUID) -> str:
    return render_template("directory/listing.html", listing=_public_listing(ListingKind.SPACE, listing_id))


@bp.route("/about/data")
@public
def about_data() -> str:
    return render_template("directory/about_data.html")


# -- calendars (iCalendar) ----------------------------------------------------------------

CALENDAR_LIMIT = 200


def _calendar_response(listings: Iterable[Listing], name: str, filename: str) -> Response:
    listings = list(listings)
    urls = {
        str(listing.id): url_for(f"directory.{listing.kind.value}", listing_id=listing.id, _external=True)
        for listing in listings
    }
    body = calendar_bytes(calendar_for(listings, name=name, url_for_listing=urls))
    response = Response(body, content_type=CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/activities/<uuid:listing_id>.ics")
@public
def activity_calendar(listing_id: uuid.UUID) -> Response:
    listing = _public_listing(ListingKind.ACTIVITY, listing_id)
    return _calendar_response([listing], listing.name, filename_for(listing.name))


@bp.route("/events/<uuid:listing_id>.ics")
@public
def event_calendar(listing_id: uuid.UUID) -> Response:
    listing = _public_listing(ListingKind.EVENT, listing_id)
    return _calendar_response([listing], listing.name, filename_for(listing.name))


@bp.route("/search.ics")
@public
def search_calendar() -> Response:
    """The activities and events a search finds (its first 200), as a calendar to subscribe to."""
    form = parse_search(request.args)
    search = dataclasses.replace(form.request, page=1, per_page=CALENDAR_LIMIT)
    outcome = run_search(get_backend(), search)
    ids = [hit.document.id for hit in outcome.hits if hit.document.kind in ("activity", "event")]
    found = _load_listings(ids)
    listings = [found[i] for i in ids if i in found]
    name = f"{current_app.config['SERVICE_NAME']}: {form.q}" if form.q else current_app.config["SERVICE_NAME"]
    if form.when_label:
        name += f" ({form.when_label})"
    return _calendar_response(listings, name, "community-navigator-search.ics")

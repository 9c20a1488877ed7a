"""Public directory pages."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from navigator.auth.decorators import public
from navigator.directory.params import FACET_TITLES, parse_search
from navigator.extensions import db
from navigator.models import Listing, ListingKind, ListingStatus, TaxonomyTerm, Venue, Vocabulary
from navigator.search import get_backend
from navigator.search.engine import FACETS, run_search

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
        distance_choices=current_app.config["DISTANCE_CHOICES"],
    )


def _load_listings(ids: list[str]) -> dict[str, Listing]:
    """Public listings by id, for one page of results (the database is the source of truth)."""
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Listing)
        .where(Listing.id.in_([uuid.UUID(i) for i in ids]), Listing.status == ListingStatus.PUBLISHED)
        .options(
            selectinload(Listing.terms),
            selectinload(Listing.schedules),
            selectinload(Listing.organisation),
            selectinload(Listing.venue).selectinload(Venue.ward),
        )
    ).all()
    return {str(row.id): row for row in rows}


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

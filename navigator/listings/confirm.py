"""A listing owner confirms their listing is still right, from the link in a reminder
(services/freshness.py), or from their listing page when signed in.

Opening the link changes nothing: mail scanners follow links, so the page asks for one
button press (a POST to the same address) before anything is recorded."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from navigator.auth.decorators import public, requires
from navigator.auth.permissions import Permission
from navigator.listings import bp
from navigator.services import freshness
from navigator.services.moderation import NotFound
from navigator.urls import safe_next


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token: str) -> str | tuple[str, int]:
    """The page behind the "still correct" link in a freshness mail."""
    try:
        if request.method == "POST":
            by = current_user if current_user.is_authenticated else None
            listing = freshness.confirm_by_link(token, by=by)
            return render_template("listings/confirm_done.html", listing=listing)
        link = freshness.check_confirm_link(token)
    except freshness.LinkProblem as problem:
        edit_url = url_for("listings.edit", listing_id=problem.listing.id) if problem.listing else None
        page = render_template("listings/confirm_problem.html", problem=problem, edit_url=edit_url)
        return page, 200 if problem.used else 400
    except freshness.FreshnessError as error:
        return render_template("listings/confirm_problem.html", problem=freshness.LinkProblem(str(error))), 400
    return render_template(
        "listings/confirm.html",
        listing=link.listing,
        confirmed_on=freshness.confirmed_since(link.listing),
        edit_url=url_for("listings.edit", listing_id=link.listing.id),
    )


@bp.route("/<uuid:listing_id>/confirm", methods=["POST"])
@requires(Permission.EDIT_LISTINGS)
def confirm_listing(listing_id: uuid.UUID) -> Response | tuple[str, int]:
    """A signed-in editor says their listing is still correct (a button on their listing page)."""
    try:
        listing = freshness.confirm_as_editor(listing_id, by=current_user)
    except NotFound:
        abort(404)
    except freshness.FreshnessError as error:
        problem = freshness.LinkProblem(str(error))
        return render_template("listings/confirm_problem.html", problem=problem, signed_in=True), 400
    flash(f"Thank you. You confirmed {listing.name} is still correct")
    return redirect(_back_to(request.form.get("next", ""), listing.id))


def _back_to(target: str, listing_id: uuid.UUID) -> str:
    """The form's "next" page if it is on this site (never another host), else the listing's page."""
    return safe_next(target) or url_for("listings.show", listing_id=listing_id)

"""Shortlist pages: add and remove from search results and listing pages, the list,
a printable sheet, a share link, and (staff) sending it by email."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from navigator import clock
from navigator.auth.decorators import public, signed_in
from navigator.casework.suggesting import case_to_suggest_for
from navigator.models import Listing, User
from navigator.services import shortlists as service
from navigator.shortlist import bp, store
from navigator.shortlist.forms import (
    ButtonForm,
    EmailShortlistForm,
    ShortlistChangeForm,
    new_idempotency_key,
    valid_idempotency_key,
)
from navigator.shortlist.text import contact_phone, shortlist_email_body
from navigator.urls import safe_next

bp.add_app_template_global(store.shortlist_ids, "shortlist_ids")
bp.add_app_template_global(store.shortlist_full, "shortlist_full")
bp.add_app_template_global(lambda: store.LIMIT, "shortlist_limit")
bp.add_app_template_global(contact_phone, "shortlist_phone")


@bp.app_template_global("shortlist_return_path")
def return_path() -> str:
    """This page, for the buttons' `next`: the visitor comes back to the same search.
    A ?for_case= naming no case this user works is left out, as the directory leaves it out."""
    pairs = request.args.items(multi=True)
    if "for_case" in request.args and case_to_suggest_for() is None:
        pairs = ((name, value) for name, value in pairs if name != "for_case")
    query = urlencode(list(pairs))
    return f"{request.path}?{query}" if query else request.path


EMAIL_KEYS = "shortlist_email_keys"
EMAIL_SUBJECT = "Activities shortlisted for you"


def _back_to(target: str | None, listing: Listing | None = None) -> Response:
    """Back where the button was, scrolled to the listing's button when there is one."""
    page = safe_next(target)
    if page is None:
        return redirect(url_for("shortlist.show"))
    return redirect(f"{page}#shortlist-{listing.id}" if listing is not None else page)


@bp.route("/add", methods=["POST"])
@public
def add() -> str | Response:
    form = ShortlistChangeForm()
    if not form.validate_on_submit():
        abort(400)
    listing = store.public_listing(form.listing_id.data)
    if listing is None:
        # An old page or a listing taken down since: nothing to add, nothing to report.
        return _back_to(form.next.data)
    outcome = store.add_to_shortlist(listing)
    if outcome is store.Added.FULL:
        return render_template(
            "shortlist/full.html", listing=listing, limit=store.LIMIT, back=safe_next(form.next.data)
        )
    if outcome is store.Added.ADDED:
        flash(f"Added {listing.name} to your shortlist")
    return _back_to(form.next.data, listing)


@bp.route("/remove", methods=["POST"])
@public
def remove() -> Response:
    form = ShortlistChangeForm()
    if not form.validate_on_submit():
        abort(400)
    listing_id = store.parse_listing_id(form.listing_id.data)
    if listing_id is None or not store.remove_from_shortlist(listing_id):
        return _back_to(form.next.data)
    listing = store.public_listing(str(listing_id))
    flash(f"Removed {listing.name} from your shortlist" if listing else "Removed from your shortlist")
    return _back_to(form.next.data, listing)


@bp.route("/clear", methods=["POST"])
@public
def clear() -> Response:
    if not ButtonForm().validate_on_submit():
        abort(400)
    store.clear_shortlist()
    flash("Your shortlist is now empty")
    return redirect(url_for("shortlist.show"))


def _current_listings() -> tuple[list[Listing], int]:
    """The visitor's published listings, forgetting any taken down since (returns how many)."""
    ids = store.shortlist_ids()
    listings = store.published_listings(ids)
    dropped = len(ids) - len(listings)
    if dropped:
        store.keep_only(str(listing.id) for listing in listings)
    return listings, dropped


@bp.route("")
@public
def show() -> str:
    listings, dropped = _current_listings()
    return render_template(
        "shortlist/show.html",
        listings=listings,
        dropped=dropped,
        can_email=current_user.is_authenticated,
        clear_form=ButtonForm(),
    )


def _sheet(listings: list[Listing], endpoint: str, values: dict[str, Any], *, back_url: str) -> str:
    """The one-page sheet people print with their browser; ?large=1 for large text."""
    return render_template(
        "shortlist/print.html",
        listings=listings,
        large=request.args.get("large") == "1",
        standard_url=url_for(endpoint, **values),
        large_url=url_for(endpoint, large=1, **values),
        back_url=back_url,
        printed_on=clock.today(),
    )


@bp.route("/print")
@public
def print_sheet() -> str:
    listings, _dropped = _current_listings()
    return _sheet(listings, "shortlist.print_sheet", {}, back_url=url_for("shortlist.show"))


@bp.route("/share")
@public
def share() -> str:
    listings, _dropped = _current_listings()
    ids = [str(listing.id) for listing in listings]
    return render_template("shortlist/share.html", listings=listings, link=store.share_url(ids) if ids else None)


def _shared_ids(token: str) -> list[str]:
    ids = store.ids_from_token(token)
    if ids is None:
        abort(404)
    return ids


@bp.route("/shared/<token>")
@public
def shared(token: str) -> str:
    ids = _shared_ids(token)
    listings = store.published_listings(ids)
    return render_template(
        "shortlist/shared.html",
        token=token,
        listings=listings,
        dropped=len(ids) - len(listings),
        copy_form=ButtonForm(),
    )


@bp.route("/shared/<token>/print")
@public
def print_shared(token: str) -> str:
    listings = store.published_listings(_shared_ids(token))
    return _sheet(
        listings, "shortlist.print_shared", {"token": token}, back_url=url_for("shortlist.shared", token=token)
    )


@bp.route("/shared/<token>/copy", methods=["POST"])
@public
def copy_shared(token: str) -> Response:
    ids = _shared_ids(token)
    if not ButtonForm().validate_on_submit():
        abort(400)
    listings = store.published_listings(ids)
    added, left_out = store.copy_to_shortlist(str(listing.id) for listing in listings)
    if left_out:
        flash(
            f"Your shortlist is full: it can hold {store.LIMIT}. "
            f"{left_out} {'activity was' if left_out == 1 else 'activities were'} not copied"
        )
    elif added:
        flash(f"Copied {added} {'activity' if added == 1 else 'activities'} to your shortlist")
    else:
        flash("Everything on this list is already on your shortlist")
    return redirect(url_for("shortlist.show"))


def _issue_email_key() -> str:
    """A key for one email form, remembered in the session (a few, for several tabs)."""
    key = new_idempotency_key()
    session[EMAIL_KEYS] = [*_issued_email_keys()[-4:], key]
    return key


def _issued_email_keys() -> list[str]:
    keys = session.get(EMAIL_KEYS)
    return [key for key in keys if isinstance(key, str)] if isinstance(keys, list) else []


def _forget_email_key(key: str) -> None:
    session[EMAIL_KEYS] = [issued for issued in _issued_email_keys() if issued != key]


@bp.route("/email", methods=["GET", "POST"])
@signed_in
def email() -> str | Response:
    listings, _dropped = _current_listings()
    form = EmailShortlistForm()
    key = form.idempotency_key.data or ""
    expired = False
    if form.validate_on_submit():
        if valid_idempotency_key(key) and service.already_sent(key):
            # The same form again (a double click, or back and resubmit): it has gone once already.
            flash(f"Your shortlist has been sent to {form.email.data}")
            return redirect(url_for("shortlist.show"))
        if not listings:
            flash("Your shortlist is empty: add activities to it before you send it")
            return redirect(url_for("shortlist.show"))
        if valid_idempotency_key(key) and key in _issued_email_keys():
            ids = [str(listing.id) for listing in listings]
            service.email_shortlist(
                to=form.email.data or "",
                subject=EMAIL_SUBJECT,
                body=_email_body(listings, form.message.data or "", store.share_url(ids, for_mail=True)),
                listing_ids=ids,
                key=key,
                by=cast(User, current_user._get_current_object()),
            )
            _forget_email_key(key)
            flash(f"Your shortlist has been sent to {form.email.data}")
            return redirect(url_for("shortlist.show"))
        # Not a form this session gave out (signed in again since, or a very old tab).
        expired = True
    elif not listings:
        return redirect(url_for("shortlist.show"))
    if expired or key not in _issued_email_keys():
        form.idempotency_key.data = _issue_email_key()
    return render_template("shortlist/email.html", form=form, listings=listings, expired=expired)


def _email_body(listings: list[Listing], message: str, link: str) -> str:
    return shortlist_email_body(
        listings,
        message=message,
        link=link,
        sender=current_user.name,
        service_name=current_app.config["SERVICE_NAME"],
    )

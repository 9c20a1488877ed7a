"""Residents' "Report a problem with this listing" (issue 5): what is wrong, a few words,
and an email address if they would like a reply. The report goes to the moderators and
the listing's owners are told (never who reported it)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import Field, RadioField, StringField, TextAreaField

from navigator.auth.decorators import public
from navigator.directory.views import _public_listing, bp
from navigator.extensions import limiter
from navigator.forms import EMAIL_PATTERN, choices, strip_whitespace
from navigator.models import ListingKind, ProblemKind
from navigator.services import reports as service
from navigator.services.moderation import NotFound

DEFAULT_RATE_LIMIT = "10 per hour"


def _add_error(field: Field, message: str) -> None:
    if not field.errors:
        field.errors = [message]


class ReportProblemForm(FlaskForm):
    kind = RadioField(
        "What is wrong?", choices=choices((kind.value, kind.label) for kind in ProblemKind), validate_choice=False
    )
    details = TextAreaField("Tell us more", filters=[strip_whitespace])
    email = StringField("Your email address (optional)", filters=[strip_whitespace])
    # Honeypot: hidden from people (and screen readers); bots fill it in.
    website = StringField("Leave this field empty")

    @property
    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        if self.kind.data not in {kind.value for kind in ProblemKind}:
            _add_error(self.kind, "Choose what is wrong with the listing")
        details = self.details.data or ""
        if len(details) > service.MAX_DETAILS:
            _add_error(self.details, f"Tell us more in {service.MAX_DETAILS} characters or fewer")
        elif self.kind.data == ProblemKind.OTHER.value and not details:
            _add_error(self.details, "Tell us what is wrong")
        email = self.email.data or ""
        if email and (len(email) > service.MAX_EMAIL or not EMAIL_PATTERN.match(email)):
            _add_error(self.email, "Enter an email address in the correct format, like name@example.org")
        return not self.errors


def _rate_limit() -> str:
    return str(current_app.config.get("REPORT_PROBLEM_RATE_LIMIT", DEFAULT_RATE_LIMIT))


@bp.route("/activities/<uuid:listing_id>/report", methods=["GET", "POST"], defaults={"kind": "activity"})
@bp.route("/events/<uuid:listing_id>/report", methods=["GET", "POST"], defaults={"kind": "event"})
@bp.route("/spaces/<uuid:listing_id>/report", methods=["GET", "POST"], defaults={"kind": "space"})
@public
@limiter.limit(_rate_limit, methods=["POST"])
def report_problem(listing_id: uuid.UUID, kind: str) -> str | Response:
    """Tell the moderators and the listing's owners that something is wrong with a public listing."""
    listing = _public_listing(ListingKind(kind), listing_id)
    form = ReportProblemForm()
    sent = url_for("directory.report_problem_sent", listing_id=listing.id, kind=kind)
    if request.method == "POST" and form.is_bot:
        # Pretend it worked: nothing is stored and the bot learns nothing.
        return redirect(sent)
    if form.validate_on_submit():
        try:
            service.report_problem(
                listing.id, ProblemKind(form.kind.data), form.details.data or "", form.email.data or ""
            )
        except NotFound:
            abort(404)
        except service.ReportError as error:
            _add_error(form.details, str(error))
        else:
            return redirect(sent)
    return render_template("directory/report.html", listing=listing, form=form)


@bp.route("/activities/<uuid:listing_id>/report/sent", defaults={"kind": "activity"})
@bp.route("/events/<uuid:listing_id>/report/sent", defaults={"kind": "event"})
@bp.route("/spaces/<uuid:listing_id>/report/sent", defaults={"kind": "space"})
@public
def report_problem_sent(listing_id: uuid.UUID, kind: str) -> str:
    return render_template("directory/report_sent.html", listing=_public_listing(ListingKind(kind), listing_id))

"""Pages about the service: contact and feedback, accessibility statement, privacy notice,
cookies. Their contact details come from configuration (SERVICE_PHONE, SERVICE_EMAIL,
SERVICE_HOURS, SERVICE_RESPONSE_DAYS)."""

from __future__ import annotations

from flask import Blueprint, render_template

from navigator.auth.decorators import public

bp = Blueprint("info", __name__)


@bp.route("/contact")
@public
def contact() -> str:
    return render_template("info/contact.html")


@bp.route("/accessibility")
@public
def accessibility() -> str:
    return render_template("info/accessibility.html")


@bp.route("/privacy")
@public
def privacy() -> str:
    return render_template("info/privacy.html")


@bp.route("/cookies")
@public
def cookies() -> str:
    return render_template("info/cookies.html")

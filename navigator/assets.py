"""Serves GOV.UK Frontend's compiled files from node_modules (installed by `make`)."""

from __future__ import annotations

from flask import Blueprint, current_app, send_from_directory
from werkzeug.wrappers import Response

from navigator.auth.decorators import public

bp = Blueprint("assets", __name__)


@bp.route("/assets/<path:filename>")
@public
def govuk_asset(filename: str) -> Response:
    """Fonts, images and the manifest; GOV.UK's CSS refers to them under /assets/."""
    return send_from_directory(current_app.config["GOVUK_FRONTEND_DIR"] + "/assets", filename)


@bp.route("/govuk/<any('govuk-frontend.min.css', 'govuk-frontend.min.js'):filename>")
@public
def govuk_bundle(filename: str) -> Response:
    return send_from_directory(current_app.config["GOVUK_FRONTEND_DIR"], filename)

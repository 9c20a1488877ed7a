"""The impact report for the partnership board (issue 10, domain.md 7): aggregate figures
only, small numbers suppressed, for analysts and team leads."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from navigator.reports import views  # noqa: E402, F401  (registers the views)

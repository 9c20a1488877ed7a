"""Sharing: a shortlist of listings anyone builds while searching (kept in their session,
no account needed), printed as a one-page sheet, shared as a signed link, or emailed by staff."""

from flask import Blueprint

bp = Blueprint("shortlist", __name__, url_prefix="/shortlist")

from navigator.shortlist import views  # noqa: E402,F401  (register the views)

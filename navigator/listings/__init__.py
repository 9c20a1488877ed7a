"""Organisation editors list and update their activities, events and spaces; every change
goes to a moderator (services/moderation.py)."""

from flask import Blueprint

bp = Blueprint("listings", __name__, url_prefix="/listings")

from navigator.listings import confirm, views  # noqa: E402,F401  (register the views)

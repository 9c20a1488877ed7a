"""Moderators: the review queue (new listings and changes, field by field), problem
reports from residents, and listings due for review."""

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

from navigator.moderation import freshness, queue, reports  # noqa: E402,F401  (register the views)

"""Community organisations register, moderators approve them and manage their editors."""

from flask import Blueprint

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

from navigator.organisations import views  # noqa: E402,F401  (register the views)

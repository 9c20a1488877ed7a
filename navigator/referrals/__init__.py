"""Making referrals (staff and self-referral) and following them (referrers)."""

from flask import Blueprint

bp = Blueprint("referrals", __name__)

from navigator.referrals import views  # noqa: E402,F401  (register the views)

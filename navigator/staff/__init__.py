"""Staff home: what each signed-in person can do next."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from navigator.auth.decorators import signed_in
from navigator.staff.waiting import waiting_for

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@signed_in
def dashboard() -> str:
    return render_template("staff/dashboard.html", user=current_user, waiting=waiting_for(current_user))

"""GET /healthz for load balancers and monitoring."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from werkzeug.wrappers import Response

from navigator.auth.decorators import public
from navigator.extensions import db
from navigator.search import get_backend

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """{"status": "ok", "database": "ok", "search": "ok"}, or 503 naming what failed."""
    body = {"status": "ok", "database": "ok", "search": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("Health check: database unreachable")
        db.session.rollback()
        body["database"] = "unavailable"
    try:
        get_backend().doc_count()
    except Exception:
        current_app.logger.exception("Health check: search index unreadable")
        body["search"] = "unavailable"
    healthy = body["database"] == "ok" and body["search"] == "ok"
    if not healthy:
        body["status"] = "unavailable"
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503

"""Moderators: listings by how long ago their owners last confirmed them, and by
organisation (domain.md 5.5). `flask listings review-stale` moves them along."""

from __future__ import annotations

import uuid

from flask import render_template, request

from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.moderation import bp
from navigator.services import freshness as service


@bp.route("/freshness")
@requires(Permission.MODERATE_LISTINGS)
def freshness() -> str:
    """?by=organisation for counts per organisation; ?organisation=<id> for one organisation."""
    if request.args.get("by") == "organisation":
        return render_template(
            "moderation/freshness_by_organisation.html",
            rows=service.freshness_by_organisation(),
            schedule=service.current_schedule(),
        )
    chosen = request.args.get("organisation", "").strip()
    organisation_id: uuid.UUID | None = None
    error = ""
    if chosen:
        try:
            organisation_id = uuid.UUID(chosen)
        except ValueError:
            error = "Choose an organisation from the list"
    overview = service.freshness_overview(organisation_id)
    if organisation_id is not None and organisation_id not in {org.id for org in overview.organisations}:
        error = "Choose an organisation from the list"
        overview = service.freshness_overview()
    return render_template(
        "moderation/freshness.html",
        overview=overview,
        chosen=chosen,
        error=error,
        step_labels=service.STEP_LABELS,
    )

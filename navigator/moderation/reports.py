"""Moderators: residents' problem reports (closed, wrong time, wrong contact...). Each is
resolved with a note, dismissed, or used to hide the listing until its owner corrects it."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import ListingReport, ReportStatus
from navigator.moderation import bp
from navigator.moderation.forms import REPORT_OUTCOMES, ReportDecisionForm, report_form_prefix
from navigator.services import moderation as moderation_service
from navigator.services import reports as service


def _blank_form(report: ListingReport) -> ReportDecisionForm:
    return ReportDecisionForm(prefix=report_form_prefix(report.id), formdata=None)


def _render(posted: ReportDecisionForm | None = None, posted_id: uuid.UUID | None = None, problem: str = "") -> str:
    open_reports = service.open_reports()
    forms = {
        report.id: posted if posted is not None and report.id == posted_id else _blank_form(report)
        for report in open_reports
    }
    submitted = moderation_service.submitted_versions({report.listing_id for report in open_reports})
    waiting = {report.id: submitted[report.listing_id] for report in open_reports if report.listing_id in submitted}
    return render_template(
        "moderation/reports.html",
        open_reports=open_reports,
        closed_reports=service.closed_reports(),
        forms=forms,
        posted=posted,
        waiting=waiting,
        outcomes=REPORT_OUTCOMES,
        problem=problem,
    )


@bp.route("/reports")
@requires(Permission.MODERATE_LISTINGS)
def reports() -> str:
    """Open reports, oldest first, each with its decision form; those dealt with below."""
    return _render()


@bp.route("/reports/<uuid:report_id>/resolve", methods=["POST"])
@requires(Permission.MODERATE_LISTINGS)
def resolve_report(report_id: uuid.UUID) -> str | Response:
    report = db.session.get(ListingReport, report_id)
    if report is None:
        abort(404)
    form = ReportDecisionForm(prefix=report_form_prefix(report_id))
    if not form.validate_on_submit():
        return _render(form, report_id)
    note = form.note.data or ""
    name = report.listing.name
    try:
        if form.outcome.data == "hide":
            service.hide_reported_listing(report_id, by=current_user, note=note)
            message = f"{name} is hidden from the directory. Its owner has been told"
        elif form.outcome.data == "dismissed":
            service.dismiss_report(report_id, by=current_user, note=note)
            message = f"Report on {name} dismissed"
        else:
            service.resolve_report(report_id, by=current_user, note=note)
            message = f"Report on {name} resolved"
    except moderation_service.NotFound:
        abort(404)
    except service.ReportError as error:
        report = db.session.get(ListingReport, report_id)
        if report is not None and report.status is ReportStatus.OPEN:
            form.outcome.errors = [str(error)]
            return _render(form, report_id)
        return _render(problem=str(error))
    flash(message)
    return redirect(url_for("moderation.reports"))

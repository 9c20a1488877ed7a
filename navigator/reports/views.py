"""The impact report page and its CSV downloads: analysts and team leads only (404 for
everyone else), every view and download audited by the service."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from navigator import clock
from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.reports import bp, charts, service
from navigator.reports.definitions import CAVEATS, definitions
from navigator.reports.forms import ReportFilterForm
from navigator.reports.periods import Period, current_quarter
from navigator.reports.sections import TABLE_KEYS
from navigator.reports.sql import Filters


def _asked() -> tuple[ReportFilterForm, Period, Filters, service.FilterChoices]:
    """The period and filters the request asks for; the default report (this quarter,
    everyone) with the form's messages when any of them cannot be used."""
    today = clock.today()
    options = service.filter_choices()
    form = ReportFilterForm(request.args)
    form.offer(options, today)
    form.check()
    period = form.chosen_period(today)
    if period is None or form.has_errors:
        return form, current_quarter(today), Filters(), options
    return form, period, form.chosen_filters(), options


@bp.route("")
@requires(Permission.VIEW_REPORTS)
def report() -> str:
    form, period, filters, options = _asked()
    report = service.impact_report(period, filters, by=current_user)
    return render_template(
        "reports/report.html",
        form=form,
        page_has_errors=form.has_errors,
        **_shown(report, form, options),
    )


@bp.route("/paper")
@requires(Permission.VIEW_REPORTS)
def paper() -> BaseResponse | str:
    """The quarterly board paper to print: a page a section, the period and filters on
    every page, the definitions and caveats at the end."""
    form, period, filters, options = _asked()
    if form.has_errors:
        return redirect(f"{url_for('reports.report')}?{request.query_string.decode()}")
    report = service.impact_report(period, filters, by=current_user, shown_as="paper")
    return render_template("reports/paper.html", printed_on=clock.today(), **_shown(report, form, options))


def _shown(report: service.Report, form: ReportFilterForm, options: service.FilterChoices) -> dict[str, Any]:
    """What the page and the paper both show: the report, its filters in words, the
    parameters for links, the charts, and the definitions and caveats."""
    return {
        "report": report,
        "filters_in_words": service.describe(report.filters, options),
        "query": _query(form, report.period, report.filters),
        "chart_for": charts.chart_for,
        "definitions": definitions(report.settings),
        "caveats": CAVEATS,
    }


@bp.route("/<table_key>.csv")
@requires(Permission.VIEW_REPORTS)
def download(table_key: str) -> BaseResponse:
    if not any(table_key in keys for keys in TABLE_KEYS.values()):
        abort(404)
    form, period, filters, _ = _asked()
    if form.has_errors:
        # Bad period or filter: the page says what is wrong, never a 500 or a wrong file.
        return redirect(f"{url_for('reports.report')}?{request.query_string.decode()}")
    table = service.table_download(period, filters, table_key, by=current_user)
    return Response(
        service.table_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{table_key}-{period.key}.csv"'},
    )


def _query(form: ReportFilterForm, period: Period, filters: Filters) -> dict[str, str]:
    """The URL parameters of the report shown, for its download links."""
    query: dict[str, str] = {}
    if form.start.data and form.end.data and not form.has_errors:
        query |= {"from": form.start.data, "to": form.end.data}
    else:
        query["period"] = period.key
    for name, value in (
        ("team", filters.team_id),
        ("ward", filters.ward_code),
        ("age_band", filters.age_band),
        ("target_group", filters.target_group),
    ):
        if value is not None:
            query[name] = str(value)
    return query

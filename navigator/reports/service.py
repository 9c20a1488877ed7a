"""The impact report for the partnership board (issue 10): the one way in for the views.
Builds the sections, writes the audit entry (what was looked at: period and filter codes,
never case text) and commits once."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import AuditAction, Team, User
from navigator.reports import queries
from navigator.reports.coverage_queries import service_area_wards
from navigator.reports.groups import TARGET_GROUP_NAMES
from navigator.reports.periods import Period
from navigator.reports.sections import SECTIONS, Section, section_of
from navigator.reports.sql import AGE_BAND_LABELS, Filters
from navigator.reports.tables import ReportTable, Settings
from navigator.services import audit

RECORD_TYPE = "impact_report"
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class UnknownTable(LookupError):
    """A download of a table the report does not have."""


def settings() -> Settings:
    config = current_app.config
    return Settings(
        threshold=int(config["REPORT_SUPPRESS_UP_TO"]),
        suppressed_wording=str(config["REPORT_SUPPRESSED_WORDING"]),
        hidden_wording=str(config["REPORT_HIDDEN_WORDING"]),
        first_contact_target=int(config["REPORT_TARGET_FIRST_CONTACT_WORKING_DAYS"]),
        first_activity_target=int(config["REPORT_TARGET_FIRST_ACTIVITY_DAYS"]),
    )


@dataclass
class Report:
    period: Period
    filters: Filters
    settings: Settings
    empty: bool
    sections: list[tuple[Section, list[ReportTable]]] = field(default_factory=list)


def _audit(action: AuditAction, period: Period, filters: Filters, by: User, **more: str) -> None:
    audit.record(action, RECORD_TYPE, period.key, by=by, new={"period": period.key, **filters.describe(), **more})
    db.session.commit()


def impact_report(period: Period, filters: Filters, *, by: User, shown_as: str = "page") -> Report:
    """Every section of the report for the period and filters, suppressed; audited, saying
    whether it was shown as the page or the paper to print."""
    shown = settings()
    report = Report(period, filters, shown, empty=not queries.anything_in(period, filters))
    if not report.empty:
        report.sections = [(section, section.build(period, filters, shown)) for section in SECTIONS]
    _audit(AuditAction.VIEW, period, filters, by, shown_as=shown_as)
    return report


def table_download(period: Period, filters: Filters, table_key: str, *, by: User) -> ReportTable:
    """One table of the report, suppressed as on the page; the download is audited."""
    section = section_of(table_key)
    if section is None:
        raise UnknownTable(table_key)
    table = next(table for table in section.build(period, filters, settings()) if table.key == table_key)
    _audit(AuditAction.EXPORT, period, filters, by, table=table_key)
    return table


def safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs (OWASP: prefix a quote)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def table_csv(table: ReportTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in [table.header, *table.all_rows]:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


@dataclass(frozen=True)
class FilterChoices:
    teams: list[tuple[str, str]]
    wards: list[tuple[str, str]]


def filter_choices() -> FilterChoices:
    """The teams and the service area's wards a report can be narrowed to."""
    teams = db.session.execute(select(Team.id, Team.name).order_by(Team.name))
    return FilterChoices([(str(team_id), name) for team_id, name in teams], list(service_area_wards().items()))


def describe(filters: Filters, choices: FilterChoices) -> list[str]:
    """The filters in words, for the page and every download."""
    words: list[str] = []
    names: dict[str, Any] = dict(choices.teams)
    if filters.team_id is not None:
        words.append(f"Source team: {names.get(str(filters.team_id), 'unknown')}")
    if filters.ward_code is not None:
        words.append(f"Ward: {dict(choices.wards).get(filters.ward_code, filters.ward_code)}")
    if filters.age_band is not None:
        words.append(f"Age band: {AGE_BAND_LABELS[filters.age_band]}")
    if filters.target_group is not None:
        words.append(f"Target group: {TARGET_GROUP_NAMES[filters.target_group]}")
    return words

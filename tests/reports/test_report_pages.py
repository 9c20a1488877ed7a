"""Who may see the report, what every view and download leaves in the audit log, the CSV
files, bad input and an empty period (issue 10)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry
from navigator.reports.service import safe_cell, table_csv
from navigator.reports.tables import ReportTable

REPORT = "/reports"


def text(response) -> str:
    return response.get_data(as_text=True)


def report_audit() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.record_type == "impact_report")))


@pytest.mark.parametrize("role", ["referrer", "navigator", "admin", "moderator", "editor"])
def test_everyone_but_analysts_and_team_leads_gets_404(staff, login_as, role):
    client = login_as(staff[role])
    assert client.get(REPORT).status_code == 404
    assert client.get(f"{REPORT}/referrals-by-ward.csv").status_code == 404
    assert client.get(f"{REPORT}/paper").status_code == 404
    assert report_audit() == []


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(REPORT)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ["analyst", "lead"])
def test_analysts_and_team_leads_see_the_report_and_each_view_is_audited(known, staff, login_as, role):
    client = login_as(staff[role])
    page = text(client.get(f"{REPORT}?period=2026Q2"))
    assert "<h1" in page and page.count("<h1") == 1
    assert "2026 quarter 2 (Apr 2026 to Jun 2026)" in page
    assert "Referrals received by source team and month" in page
    assert "fewer than 8" in page  # five referrals: every count is small
    assert "change observed" in page.lower() and "impact caused" in page  # "…, not impact caused"
    # No person-level data: no names, references, free text.
    for referral in known.values():
        assert referral.reference not in page
    assert "Edna" not in page and "Okonkwo" not in page and "Joined a choir" not in page
    assert "Memory clinic" not in page and "Assessment" not in page
    [entry] = report_audit()
    assert entry.action is AuditAction.VIEW and entry.user_id == staff[role].id
    assert entry.new_values == {"period": "2026Q2", "shown_as": "page"} and entry.referral_id is None


def test_a_download_is_suppressed_like_the_page_and_audited(known, staff, login_as):
    client = login_as(staff["analyst"])
    response = client.get(f"{REPORT}/referrals-by-source-team.csv?period=2026Q2&team={staff['team'].id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "referrals-by-source-team-2026Q2.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Source team", "Apr 2026", "May 2026", "Jun 2026", "Total"]
    assert rows[1] == [staff["team"].name, "fewer than 8", "fewer than 8", "fewer than 8", "fewer than 8"]
    [entry] = report_audit()
    assert entry.action is AuditAction.EXPORT
    assert entry.new_values == {"period": "2026Q2", "team": str(staff["team"].id), "table": "referrals-by-source-team"}


def test_an_unknown_table_is_not_found(staff, login_as):
    assert login_as(staff["analyst"]).get(f"{REPORT}/people.csv").status_code == 404
    assert report_audit() == []


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped():
    table = ReportTable("t", "T", ["Team", "Count"], [['=HYPERLINK("x")', "1"], ["+1", "-2"], ["@SUM(A1)", "ok"]])
    rows = list(csv.reader(io.StringIO(table_csv(table))))
    assert rows[1] == ['\'=HYPERLINK("x")', "1"]
    assert rows[2] == ["'+1", "'-2"]
    assert rows[3] == ["'@SUM(A1)", "ok"]
    assert safe_cell("Hackney") == "Hackney" and safe_cell("\u22123.0") == "\u22123.0"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=2026Q9", "Enter a quarter like 2026Q3"),
        ("period=2030Q1", "has not started yet"),
        ("from=2026-06&to=2026-01", "The last month must be the same as or after the first month"),
        ("from=2026-01&to=2031-01", "The last month cannot be after this month"),
        ("team=not-a-team", "Choose a source team from the list"),
        ("ward=E99999999", "Choose a ward from the list"),
        ("age_band=ancient", "Choose an age band from the list"),
    ],
)
def test_bad_input_shows_a_message_and_the_default_report(staff, login_as, query, message):
    response = login_as(staff["analyst"]).get(f"{REPORT}?{query}")
    assert response.status_code == 200
    page = text(response)
    assert "<title>Error: " in page and "There is a problem" in page and message in page
    assert "Showing the report for this quarter, for everyone" in page


def test_a_bad_download_goes_back_to_the_page_with_the_message(staff, login_as):
    response = login_as(staff["analyst"]).get(f"{REPORT}/referrals-by-ward.csv?period=2026Q9")
    assert response.status_code == 302 and "/reports?" in response.headers["Location"]
    assert report_audit() == []


def test_an_empty_period_says_so(staff, login_as):
    page = text(login_as(staff["analyst"]).get(f"{REPORT}?period=2025Q1"))
    assert "Nothing to report for this period" in page
    assert "<table" not in page


def test_the_staff_home_links_to_the_report_for_those_who_may_see_it(staff, login_as):
    assert "Impact report" in text(login_as(staff["analyst"]).get("/staff/"))
    assert "Impact report" not in text(login_as(staff["navigator"]).get("/staff/"))


def test_the_board_paper_has_a_page_a_section_each_with_the_period_and_filters(known, staff, login_as):
    client = login_as(staff["analyst"])
    team = staff["team"]
    paper = text(client.get(f"{REPORT}/paper?period=2026Q2&team={team.id}"))
    pages = paper.split('<section class="app-paper__page"')[1:]
    headings = [page.split("</h2>")[0].rsplit(">", 1)[-1] for page in pages[1:]]
    assert headings[0] == "1. Referrals received" and headings[-1].endswith("Definitions and caveats")
    assert len(pages) == len(headings) + 1  # a cover page, then one a section
    for page in pages:
        running_head = page.split('class="app-paper__running-head">')[1].split("</p>")[0]
        assert "2026 quarter 2 (Apr 2026 to Jun 2026)" in running_head
        assert f"Source team: {team.name}" in running_head
    assert "fewer than 8" in paper and "Download this table" not in paper
    assert "change observed, not impact caused" in pages[-1] and "Small numbers" in pages[-1]
    assert '<header class="govuk-header"' not in paper
    [entry] = report_audit()
    assert entry.new_values == {"period": "2026Q2", "team": str(team.id), "shown_as": "paper"}


def test_a_paper_with_a_bad_period_goes_back_to_the_page_with_the_message(staff, login_as):
    response = login_as(staff["lead"]).get(f"{REPORT}/paper?period=2026Q9")
    assert response.status_code == 302 and response.headers["Location"].startswith(f"{REPORT}?period=2026Q9")

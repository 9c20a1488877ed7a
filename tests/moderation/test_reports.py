"""Residents' "report a problem" and the moderators' problem reports (issue 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import (
    AuditAction,
    AuditEntry,
    Listing,
    ListingKind,
    ListingReport,
    ListingStatus,
    OutboxMessage,
    ProblemKind,
    ReportStatus,
)
from navigator.services import moderation
from navigator.services import reports as service
from tests.directory.pages import Page

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
REPORTER = "resident.reporter@example.net"


@pytest.fixture
def listing(make_listing, staff):
    return make_listing(
        "Clapton Knit Club",
        organisation_id=staff["organisation"].id,
        description="Knitting on Tuesday mornings.",
        categories=("arts-crafts",),
    )


def reports() -> list[ListingReport]:
    return list(db.session.scalars(select(ListingReport).order_by(ListingReport.created_at)))


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def report_on(listing, kind=ProblemKind.WRONG_TIME, details="It is on Wednesdays now.", email="") -> ListingReport:
    return service.report_problem(listing.id, kind, details, email)


# -- residents -----------------------------------------------------------------------


def test_the_listing_page_links_to_the_report_form(client, listing):
    page = Page(client.get(f"/activities/{listing.id}"))
    link = page.root.find("a", href=f"/activities/{listing.id}/report")
    assert link is not None and link.text() == "Report a problem with this listing"
    form = Page(client.get(f"/activities/{listing.id}/report"))
    assert form.status == 200
    assert form.h1s == ["Report a problem with this listing"]
    assert "The days or times are wrong" in form.main_text


def test_a_report_is_stored_and_the_owner_is_told_without_the_reporters_address(client, listing, staff, frozen_now):
    frozen_now(NOW)
    response = client.post(
        f"/activities/{listing.id}/report",
        data={"kind": "wrong_time", "details": "  It moved to Wednesdays.  ", "email": REPORTER},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/activities/{listing.id}/report/sent"
    sent = Page(client.get(response.headers["Location"]))
    assert "Thank you for your report" in sent.main_text

    [report] = reports()
    assert (report.listing_id, report.kind, report.details) == (
        listing.id,
        ProblemKind.WRONG_TIME,
        "It moved to Wednesdays.",
    )
    assert report.reporter_email == REPORTER and report.status is ReportStatus.OPEN
    [mail] = outbox()
    assert mail.to == staff["editor"].email
    assert mail.subject == "Problem reported: Clapton Knit Club"
    assert "The days or times are wrong" in mail.body and "It moved to Wednesdays." in mail.body
    assert f"http://localhost/activities/{listing.id}" in mail.body
    assert REPORTER not in mail.body and "resident.reporter" not in mail.body
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == str(report.id))).all()
    assert entry.action is AuditAction.CREATE and entry.user_id is None
    assert REPORTER not in str(entry.new_values)


def test_without_editors_the_organisations_address_is_told(client, make_listing, make_org):
    org = make_org("Dalston Walkers", email="walk@dalston.example.org")
    walk = make_listing("Dalston Health Walk", organisation_id=org.id)

    client.post(f"/activities/{walk.id}/report", data={"kind": "closed"})

    assert [mail.to for mail in outbox()] == ["walk@dalston.example.org"]


def test_a_double_submit_makes_one_report(client, listing, frozen_now):
    frozen_now(NOW)
    data = {"kind": "wrong_contact", "details": "The phone number rings out."}
    client.post(f"/activities/{listing.id}/report", data=data)
    frozen_now(NOW + timedelta(seconds=2))
    second = client.post(f"/activities/{listing.id}/report", data=data)

    assert second.status_code == 302
    assert len(reports()) == 1
    assert len(outbox()) == 1
    # The same report much later is news again.
    frozen_now(NOW + timedelta(hours=2))
    client.post(f"/activities/{listing.id}/report", data=data)
    assert len(reports()) == 2


def test_bad_input_is_explained_and_kept(client, listing):
    page = Page(
        client.post(f"/activities/{listing.id}/report", data={"kind": "other", "details": "", "email": "not-an-email"})
    )

    assert page.status == 200
    assert page.title.startswith("Error: ")
    assert "Tell us what is wrong" in page.main_text
    assert "Enter an email address in the correct format, like name@example.org" in page.main_text
    assert page.root.find("input", id="email").attrs["value"] == "not-an-email"
    assert "checked" in page.root.find("input", type="radio", value="other").attrs

    page = Page(client.post(f"/activities/{listing.id}/report", data={"details": "x" * 2001}))
    assert "Choose what is wrong with the listing" in page.main_text
    assert "Tell us more in 2000 characters or fewer" in page.main_text
    assert page.root.find("textarea", id="details").text() == "x" * 2001
    assert reports() == []


def test_a_bot_filling_the_honeypot_stores_nothing(client, listing):
    response = client.post(f"/activities/{listing.id}/report", data={"kind": "closed", "website": "http://spam"})
    assert response.status_code == 302
    assert reports() == [] and outbox() == []


def test_only_public_listings_can_be_reported(client, staff, listing):
    draft = moderation.create_listing(moderation.working_data(listing), by=staff["editor"])
    for url in (f"/activities/{draft.id}/report", f"/events/{listing.id}/report", f"/spaces/{listing.id}/report"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={"kind": "closed"}).status_code == 404, url
    assert reports() == []


def test_events_and_spaces_have_the_form_too(client, make_listing, staff):
    hall = make_listing("Round Chapel Hall", kind=ListingKind.SPACE, organisation_id=staff["organisation"].id)
    assert client.get(f"/spaces/{hall.id}/report").status_code == 200
    response = client.post(f"/spaces/{hall.id}/report", data={"kind": "wrong_place"})
    assert response.headers["Location"] == f"/spaces/{hall.id}/report/sent"


@pytest.fixture
def rate_limited_app(rate_limited):
    return rate_limited(REPORT_PROBLEM_RATE_LIMIT="3 per hour")


def test_reports_are_rate_limited(listing, rate_limited_app):
    listing_id = listing.id
    client = rate_limited_app.test_client()
    with rate_limited_app.app_context():
        for attempt in range(3):
            response = client.post(f"/activities/{listing_id}/report", data={"details": "no kind"})
            assert response.status_code == 200, f"attempt {attempt + 1}"
        response = client.post(f"/activities/{listing_id}/report", data={"kind": "closed"})
        assert response.status_code == 429
        assert client.get(f"/activities/{listing_id}/report").status_code == 200  # reading is not limited
        assert db.session.scalars(select(ListingReport)).all() == []


# -- moderators ----------------------------------------------------------------------


def test_open_reports_are_listed_oldest_first(moderator_client, listing, make_listing, frozen_now):
    other = make_listing("Hackney Downs Tai Chi")
    frozen_now(NOW - timedelta(days=2))
    report_on(other, ProblemKind.CLOSED, "", REPORTER)
    frozen_now(NOW)
    report_on(listing)

    page = Page(moderator_client.get("/moderation/reports"))

    assert page.status == 200
    sections = page.root.find_all("div", cls="app-section")
    assert [section.find("h3").text() for section in sections] == ["Hackney Downs Tai Chi", "Clapton Knit Club"]
    first, second = (section.text() for section in sections)
    assert "It has closed or stopped running" in first and REPORTER in first
    assert "The days or times are wrong" in second and "It is on Wednesdays now." in second
    assert "Reported 25 November 2026, 10am" in second
    queue = Page(moderator_client.get("/moderation"))
    assert "2 problem reports from residents" in queue.main_text


def test_resolving_a_report_needs_a_note_and_is_audited(moderator_client, staff, listing):
    report = report_on(listing)
    prefix = f"report-{report.id}"

    page = Page(
        moderator_client.post(f"/moderation/reports/{report.id}/resolve", data={f"{prefix}-outcome": "resolved"})
    )
    assert page.title.startswith("Error: ")
    assert "Say what was done about the problem" in page.main_text
    assert "checked" in page.root.find("input", id=f"{prefix}-outcome").attrs

    response = moderator_client.post(
        f"/moderation/reports/{report.id}/resolve",
        data={f"{prefix}-outcome": "resolved", f"{prefix}-note": "Owner updated the times."},
    )

    assert response.status_code == 302
    page = Page(moderator_client.get("/moderation/reports"))
    assert "Report on Clapton Knit Club resolved" in page.main_text
    assert "No problem reports are waiting." in page.main_text
    dealt_with = page.root.find("table").text()
    assert "Resolved: Owner updated the times." in dealt_with
    db.session.expire_all()
    report = db.session.get(ListingReport, report.id)
    assert report.status is ReportStatus.RESOLVED and report.resolved_by_id == staff["moderator"].id
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.record_id == str(report.id), AuditEntry.action == AuditAction.STATE_CHANGE)
    ).one()
    assert entry.user_id == staff["moderator"].id and entry.reason == "Owner updated the times."
    # A second decision on the same report is explained, not a crash.
    again = Page(
        moderator_client.post(f"/moderation/reports/{report.id}/resolve", data={f"{prefix}-outcome": "dismissed"})
    )
    assert again.status == 200
    assert "Someone has already dealt with this report" in again.main_text


def test_dismissing_needs_no_note(moderator_client, listing):
    report = report_on(listing)
    moderator_client.post(f"/moderation/reports/{report.id}/resolve", data={f"report-{report.id}-outcome": "dismissed"})
    db.session.expire_all()
    assert db.session.get(ListingReport, report.id).status is ReportStatus.DISMISSED


def test_hiding_the_listing_from_a_report(moderator_client, client, staff, listing):
    report = report_on(listing, ProblemKind.CLOSED, "The library says it stopped in the summer.")
    prefix = f"report-{report.id}"

    moderator_client.post(
        f"/moderation/reports/{report.id}/resolve",
        data={f"{prefix}-outcome": "hide", f"{prefix}-note": "Please confirm whether it still runs."},
    )

    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status is ListingStatus.HIDDEN
    assert db.session.get(ListingReport, report.id).status is ReportStatus.RESOLVED
    assert client.get(f"/activities/{listing.id}").status_code == 404
    assert "Clapton Knit Club" not in client.get("/search?q=knitting").get_data(as_text=True)
    hidden = [mail for mail in outbox() if mail.subject == "Hidden from the directory: Clapton Knit Club"]
    assert len(hidden) == 1 and "Please confirm whether it still runs." in hidden[0].body

    # The owner corrects it; a moderator's approval puts it back.
    data = moderation.working_data(db.session.get(Listing, listing.id))
    data.description = "Knitting on Tuesday mornings, from January."
    moderation.save_changes(listing.id, data, by=staff["editor"])
    version = moderation.submit_for_review(listing.id, by=staff["editor"])
    moderation.approve_version(version.id, by=staff["moderator"])
    assert client.get(f"/activities/{listing.id}").status_code == 200


def test_reports_on_a_listing_show_on_its_review_page(moderator_client, staff, listing):
    report_on(listing, details="Wednesdays now")
    data = moderation.working_data(listing)
    data.description = "Knitting on Wednesday mornings."
    moderation.save_changes(listing.id, data, by=staff["editor"])
    version = moderation.submit_for_review(listing.id, by=staff["editor"])

    page = Page(moderator_client.get(f"/moderation/versions/{version.id}"))
    assert "The days or times are wrong: “Wednesdays now”" in page.main_text
    reports_page = Page(moderator_client.get("/moderation/reports"))
    assert reports_page.root.find("a", href=f"/moderation/versions/{version.id}") is not None


def test_editors_cannot_see_reports(login_as, staff, listing):
    report = report_on(listing)
    client = login_as(staff["editor"])
    assert client.get("/moderation/reports").status_code == 404
    assert client.post(f"/moderation/reports/{report.id}/resolve").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(ListingReport)) == 1

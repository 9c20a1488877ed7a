"""Edges of the moderation workflow found in review: archived seed listings, listings hidden
over a report, events that have passed, links in residents' reports, confirm links sent to
editors who have left, and the queue's query count."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import (
    AuditAction,
    AuditEntry,
    ListingKind,
    ListingStatus,
    ListingVersion,
    OutboxMessage,
    ProblemKind,
    RejectionReason,
    User,
    VersionState,
)
from navigator.services import moderation, organisations, reports
from navigator.services.freshness import LinkProblem, check_confirm_link, review_stale
from navigator.snapshots import data_from_snapshot, snapshot_of_listing
from tests.concurrency import at_once, hold_after_reading
from tests.factories import count_queries, make_user
from tests.moderation.test_versions import activity_data

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def live(staff, make_listing, frozen_now):
    frozen_now(NOW)
    return make_listing(
        "Clapton Knit and Natter", organisation_id=staff["organisation"].id, categories=("arts-crafts",)
    )


def test_an_archived_seed_listing_can_be_restored_and_published_again(client, staff, live):
    editor, moderator = staff["editor"], staff["moderator"]
    moderation.archive_listing(live.id, by=editor)
    assert client.get(f"/activities/{live.id}").status_code == 404
    assert [v.number for v in moderation.versions_of(live)] == [1]

    restored = moderation.restore_version(live.id, 1, by=editor)
    assert live.status is ListingStatus.DRAFT and restored.number == 2
    moderation.approve_version(moderation.submit_for_review(live.id, by=editor).id, by=moderator)
    assert client.get(f"/activities/{live.id}").status_code == 200


def test_a_listing_hidden_over_a_report_can_go_back_unchanged(client, staff, live, login_as):
    editor, moderator = staff["editor"], staff["moderator"]
    report = reports.report_problem(live.id, ProblemKind.CLOSED, "It has stopped running")
    reports.hide_reported_listing(report.id, by=moderator, note="Two residents say it has closed")
    assert client.get(f"/activities/{live.id}").status_code == 404

    # The owner says it is still running: the same content goes back for a decision.
    moderation.save_changes(live.id, data_from_snapshot(snapshot_of_listing(live)), by=editor)
    version = moderation.submit_for_review(live.id, by=editor)
    page = login_as(moderator).get(f"/moderation/versions/{version.id}").get_data(as_text=True)
    assert "after a problem report" in page and "Two residents say it has closed" in page

    moderation.approve_version(version.id, by=moderator)
    assert live.status is ListingStatus.PUBLISHED
    assert client.get(f"/activities/{live.id}").status_code == 200
    assert reports.hiding_report(live) is None


def test_an_event_that_has_passed_cannot_be_approved_and_is_archived(client, staff, frozen_now):
    frozen_now(NOW)
    data = activity_data(staff["organisation"].id, kind=ListingKind.EVENT, schedules=[], exceptions=[])
    data.starts_at = NOW + timedelta(days=2)
    data.ends_at = data.starts_at + timedelta(hours=2)
    event_listing = moderation.create_listing(data, by=staff["editor"])
    version = moderation.submit_for_review(event_listing.id, by=staff["editor"])

    frozen_now(NOW + timedelta(days=5))
    with pytest.raises(moderation.ModerationError, match="finished on"):
        moderation.approve_version(version.id, by=staff["moderator"])
    db.session.rollback()
    assert review_stale().archived == 1
    db.session.refresh(version)
    assert event_listing.status is ListingStatus.ARCHIVED and version.state is VersionState.WITHDRAWN
    assert moderation.review_queue() == []


def test_links_in_a_residents_report_are_not_passed_on_to_owners(staff, live):
    reports.report_problem(
        live.id, ProblemKind.OTHER, "Please log in at https://evil.example/login or www.evil.example now"
    )
    (mail,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == staff["editor"].email))
    assert "evil.example" not in mail.body and "[link removed]" in mail.body
    assert "Please log in at" in mail.body


def test_a_confirm_link_stops_working_when_its_editor_leaves(staff, live, frozen_now):
    frozen_now(NOW + timedelta(days=190))
    review_stale()
    (mail,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == staff["editor"].email))
    token = re.search(r"/listings/confirm/(\S+)", mail.body).group(1)
    assert check_confirm_link(token).listing.id == live.id

    organisations.remove_editor(staff["organisation"].id, staff["editor"].id, by=staff["moderator"])
    with pytest.raises(LinkProblem, match="no longer valid"):
        check_confirm_link(token)


def test_approving_never_moves_the_last_confirmation_back(staff, live, frozen_now):
    editor = staff["editor"]
    frozen_now(NOW + timedelta(days=1))
    data = data_from_snapshot(snapshot_of_listing(live))
    data.name = "Clapton Knit Club"
    moderation.save_changes(live.id, data, by=editor)
    version = moderation.submit_for_review(live.id, by=editor)
    frozen_now(NOW + timedelta(days=3))
    live.last_confirmed_at = NOW + timedelta(days=2)  # confirmed by link while the change waited
    db.session.commit()
    moderation.approve_version(version.id, by=staff["moderator"])
    assert live.last_confirmed_at == NOW + timedelta(days=2)


def test_the_queue_and_reports_pages_do_not_query_per_row(staff, make_listing, login_as):
    editor = staff["editor"]
    moderator_client = login_as(staff["moderator"])

    def add_changes(count: int) -> None:
        for number in range(count):
            listing = make_listing(f"Group {number} {id(count)}", organisation_id=staff["organisation"].id)
            data = data_from_snapshot(snapshot_of_listing(listing))
            data.description = "Changed"
            moderation.save_changes(listing.id, data, by=editor)
            moderation.submit_for_review(listing.id, by=editor)
            reports.report_problem(listing.id, ProblemKind.WRONG_TIME, "Wrong day")

    add_changes(2)
    few = count_queries(moderator_client, "/moderation"), count_queries(moderator_client, "/moderation/reports")
    add_changes(8)
    many = count_queries(moderator_client, "/moderation"), count_queries(moderator_client, "/moderation/reports")
    assert many == few


def test_two_moderators_deciding_at_the_same_moment_on_separate_connections(app, staff, monkeypatch):
    """Both read the submitted version before either writes: exactly one decision is kept,
    the other moderator is told it changed meanwhile (on SQLite and PostgreSQL)."""
    listing = moderation.create_listing(activity_data(staff["organisation"].id), by=staff["editor"])
    version_id = moderation.submit_for_review(listing.id, by=staff["editor"]).id
    moderator_ids = [staff["moderator"].id, make_user("moderator", name="Mo Second").id]
    reached = hold_after_reading(monkeypatch, moderation, "_submitted")

    def decide(n: int) -> Callable[[], object]:
        def by_moderator() -> object:
            moderator = db.session.get(User, moderator_ids[n])
            if n == 0:
                return moderation.approve_version(version_id, by=moderator)
            return moderation.reject_version(version_id, by=moderator, reason=RejectionReason.DUPLICATE)

        return by_moderator

    winners, losers = at_once(app, [decide(0), decide(1)])
    assert len(reached) == 2
    assert len(winners) == 1, losers
    assert len(losers) == 1 and isinstance(losers[0], moderation.ModerationError), losers
    db.session.expire_all()
    version = db.session.get(ListingVersion, version_id)
    expected = VersionState.APPROVED if winners == [0] else VersionState.REJECTED
    assert version.state is expected and version.decided_by_id == moderator_ids[winners[0]]
    decisions = db.session.scalars(
        select(AuditEntry).where(AuditEntry.record_id == str(listing.id), AuditEntry.action == AuditAction.STATE_CHANGE)
    ).all()
    assert len(decisions) == 2  # the submission and one decision


def test_the_owner_sees_why_a_listing_was_hidden_and_can_send_it_back_as_it_is(staff, live, login_as):
    report = reports.report_problem(live.id, ProblemKind.CLOSED, "It has stopped running")
    reports.hide_reported_listing(report.id, by=staff["moderator"], note="Two residents say it has closed")
    editor = login_as(staff["editor"])
    page = editor.get(f"/listings/{live.id}").get_data(as_text=True)
    assert "after someone reported a problem" in page and "Two residents say it has closed" in page

    from tests.listings.editor_forms import listing_form_state

    form = listing_form_state(editor.get(f"/listings/{live.id}/edit"))
    form["action"] = "send"
    editor.post(f"/listings/{live.id}/edit", data=form)
    assert [version.listing_id for version in moderation.review_queue()] == [live.id]


def test_editing_back_to_the_live_listing_discards_the_draft(staff, live, login_as):
    from tests.listings.editor_forms import listing_form_state

    editor = login_as(staff["editor"])
    form = listing_form_state(editor.get(f"/listings/{live.id}/edit"))
    original = form["name"]
    form["name"] = "Clapton Knit Club"
    editor.post(f"/listings/{live.id}/edit", data=form)
    assert moderation.open_version(live) is not None
    fresh = listing_form_state(editor.get(f"/listings/{live.id}/edit"))
    form.update(name=original, revision=fresh["revision"], loaded=fresh["loaded"])
    response = editor.post(f"/listings/{live.id}/edit", data=form, follow_redirects=True)
    assert "your draft was discarded" in response.get_data(as_text=True)
    assert moderation.open_version(live) is None

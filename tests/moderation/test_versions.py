"""Listing versions through the moderation service: drafts, submission, approval,
rejection, restore, and what the public sees at each step."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import (
    AuditEntry,
    ExceptionKind,
    Frequency,
    Listing,
    ListingKind,
    ListingStatus,
    ListingVersion,
    OutboxMessage,
    RejectionReason,
    VersionState,
    Vocabulary,
)
from navigator.services import moderation
from navigator.services.listings import ListingData, ListingError, ScheduleChange, ScheduleRule, VenueData
from navigator.snapshots import data_from_snapshot, snapshot_of_data, snapshot_of_listing
from tests.factories import make_user

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def activity_data(organisation_id, **changes) -> ListingData:
    data = ListingData(
        kind=ListingKind.ACTIVITY,
        name="Clapton Knit and Natter",
        organisation_id=organisation_id,
        description="Bring your knitting.\n\n- Tea provided\n- All abilities",
        venue=VenueData(name="Clapton Library", address_1="Northwold Road", postcode="E5 8RA"),
        terms={Vocabulary.CATEGORY: ["arts-crafts"], Vocabulary.TARGET_GROUP: ["older-living-alone"]},
        contact_email="knit@example.org",
        schedules=[
            ScheduleRule(
                start=time(10, 30),
                end=time(12, 0),
                frequency=Frequency.WEEKLY,
                interval=2,
                by_day="TU",
                valid_from=date(2026, 12, 1),
            )
        ],
        exceptions=[ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2026, 12, 29), note="Christmas")],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def public_names(client, query: str = "knit") -> list[str]:
    html = client.get(f"/search?q={query}").get_data(as_text=True)
    return [name for name in ("Clapton Knit and Natter", "Clapton Knit Club") if name in html]


def publish_new(editor, moderator, organisation_id) -> Listing:
    listing = moderation.create_listing(activity_data(organisation_id), by=editor)
    version = moderation.submit_for_review(listing.id, by=editor)
    return moderation.approve_version(version.id, by=moderator)


def test_a_new_listing_is_a_draft_until_a_moderator_approves_it(client, staff, editor, moderator, frozen_now):
    frozen_now(NOW)
    listing = moderation.create_listing(activity_data(staff["organisation"].id), by=editor)
    assert listing.status is ListingStatus.DRAFT
    assert client.get(f"/activities/{listing.id}").status_code == 404
    assert public_names(client) == []

    version = moderation.submit_for_review(listing.id, by=editor)
    assert (listing.status, version.state, version.number) == (ListingStatus.PENDING, VersionState.SUBMITTED, 1)
    assert client.get(f"/activities/{listing.id}").status_code == 404
    assert [v.id for v in moderation.review_queue()] == [version.id]

    moderation.approve_version(version.id, by=moderator, note="Looks good")
    db.session.refresh(listing)
    assert listing.status is ListingStatus.PUBLISHED
    assert listing.last_confirmed_at == NOW and listing.last_confirmed_by_id == editor.id
    assert client.get(f"/activities/{listing.id}").status_code == 200
    assert public_names(client) == ["Clapton Knit and Natter"]
    assert listing.schedules[0].interval == 2 and listing.exceptions[0].starts_on == date(2026, 12, 29)
    assert listing.venue.postcode == "E5 8RA" and listing.venue.ward_code
    assert moderation.review_queue() == []
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == editor.email)).all()
    assert [m.subject for m in mail] == ["Approved: Clapton Knit and Natter"]


def test_a_change_to_a_live_listing_waits_for_approval(client, staff, editor, moderator):
    listing = publish_new(editor, moderator, staff["organisation"].id)
    moderation.save_changes(listing.id, activity_data(staff["organisation"].id, name="Clapton Knit Club"), by=editor)
    db.session.refresh(listing)
    assert listing.status is ListingStatus.PUBLISHED and listing.name == "Clapton Knit and Natter"

    version = moderation.submit_for_review(listing.id, by=editor)
    assert listing.status is ListingStatus.CHANGES_PENDING
    assert public_names(client) == ["Clapton Knit and Natter"]  # the live version stays public
    changes = moderation.changes_in(version)
    assert [(c.label, c.old, c.new) for c in changes] == [("Name", "Clapton Knit and Natter", "Clapton Knit Club")]

    moderation.approve_version(version.id, by=moderator)
    assert public_names(client) == ["Clapton Knit Club"]
    assert [v.number for v in moderation.versions_of(listing)] == [2, 1]


def test_a_rejected_change_leaves_the_live_listing_and_the_editor_sees_why(client, staff, editor, moderator):
    listing = publish_new(editor, moderator, staff["organisation"].id)
    moderation.save_changes(listing.id, activity_data(staff["organisation"].id, name="Clapton Knit Club"), by=editor)
    version = moderation.submit_for_review(listing.id, by=editor)

    with pytest.raises(moderation.ModerationError, match="Say why"):
        moderation.reject_version(version.id, by=moderator, reason=RejectionReason.OTHER)
    moderation.reject_version(version.id, by=moderator, reason=RejectionReason.INCOMPLETE, note="Add the room")
    db.session.refresh(listing)
    assert listing.status is ListingStatus.PUBLISHED and listing.name == "Clapton Knit and Natter"
    assert moderation.last_decided_version(listing).decision_note == "Add the room"
    assert public_names(client) == ["Clapton Knit and Natter"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == str(listing.id))).all()[-1]
    assert entry.reason.startswith("Incomplete information") and entry.user_id == moderator.id
    subjects = [m.subject for m in db.session.scalars(select(OutboxMessage))]
    assert "Not approved: Clapton Knit and Natter" in subjects

    with pytest.raises(moderation.ModerationError):  # decided already
        moderation.approve_version(version.id, by=moderator)

    # Fix and resubmit: a new version.
    moderation.save_changes(listing.id, activity_data(staff["organisation"].id, name="Clapton Knit Club"), by=editor)
    again = moderation.submit_for_review(listing.id, by=editor)
    assert again.number == 3 and again.state is VersionState.SUBMITTED


def test_a_rejected_new_listing_is_not_published(client, staff, editor, moderator):
    listing = moderation.create_listing(activity_data(staff["organisation"].id), by=editor)
    version = moderation.submit_for_review(listing.id, by=editor)
    moderation.reject_version(version.id, by=moderator, reason=RejectionReason.DUPLICATE)
    assert listing.status is ListingStatus.REJECTED
    assert client.get(f"/activities/{listing.id}").status_code == 404


def test_restoring_an_old_version_makes_a_new_version_that_goes_through_moderation(client, staff, editor, moderator):
    listing = publish_new(editor, moderator, staff["organisation"].id)
    moderation.save_changes(listing.id, activity_data(staff["organisation"].id, name="Clapton Knit Club"), by=editor)
    moderation.approve_version(moderation.submit_for_review(listing.id, by=editor).id, by=moderator)
    assert public_names(client) == ["Clapton Knit Club"]

    restored = moderation.restore_version(listing.id, 1, by=editor)
    assert (restored.number, restored.note, restored.state) == (3, "Restored from version 1", VersionState.DRAFT)
    assert public_names(client) == ["Clapton Knit Club"]
    moderation.approve_version(moderation.submit_for_review(listing.id, by=editor).id, by=moderator)
    assert public_names(client) == ["Clapton Knit and Natter"]
    states = [(v.number, v.state) for v in moderation.versions_of(listing)]
    assert states == [(3, VersionState.APPROVED), (2, VersionState.APPROVED), (1, VersionState.APPROVED)]


def test_a_seeded_listing_keeps_its_first_version_when_edited(staff, make_listing, editor, moderator):
    listing = make_listing("Clapton Knit and Natter", organisation_id=staff["organisation"].id)
    original = snapshot_of_listing(listing)
    data = data_from_snapshot(original)
    data.name = "Clapton Knit Club"
    moderation.save_changes(listing.id, data, by=editor)
    first = db.session.scalar(select(ListingVersion).where(ListingVersion.number == 1))
    assert first.note == "As first published" and first.snapshot == original


def test_editing_a_submitted_change_takes_it_back_to_a_draft(staff, editor, moderator):
    listing = publish_new(editor, moderator, staff["organisation"].id)
    moderation.save_changes(listing.id, activity_data(staff["organisation"].id, name="Clapton Knit Club"), by=editor)
    first = moderation.submit_for_review(listing.id, by=editor)
    moderation.save_changes(listing.id, activity_data(staff["organisation"].id, name="Clapton Knitters"), by=editor)
    assert first.state is VersionState.WITHDRAWN and listing.status is ListingStatus.PUBLISHED
    assert moderation.open_version(listing).snapshot["name"] == "Clapton Knitters"
    with pytest.raises(moderation.ModerationError):
        moderation.approve_version(first.id, by=moderator)


def test_a_moderator_sets_the_categories_when_approving(staff, editor, moderator):
    listing = moderation.create_listing(activity_data(staff["organisation"].id), by=editor)
    version = moderation.submit_for_review(listing.id, by=editor)
    moderation.approve_version(version.id, by=moderator, categories=["coffee-mornings"])
    assert [term.code for term in listing.categories] == ["coffee-mornings"]
    assert version.snapshot["terms"]["category"] == ["coffee-mornings"]


def test_editors_reach_only_their_own_organisations_listings(staff, make_org, editor, moderator):
    listing = publish_new(editor, moderator, staff["organisation"].id)
    stranger = make_user("organisation_editor", organisations=[make_org("Stoke Newington Stitchers")])
    for call in (
        lambda: moderation.get_listing(listing.id, stranger),
        lambda: moderation.save_changes(listing.id, activity_data(listing.organisation_id), by=stranger),
        lambda: moderation.submit_for_review(listing.id, by=stranger),
        lambda: moderation.restore_version(listing.id, 1, by=stranger),
        lambda: moderation.create_listing(activity_data(listing.organisation_id), by=stranger),
    ):
        with pytest.raises(moderation.NotFound):
            call()
    version = moderation.save_changes(listing.id, activity_data(listing.organisation_id, name="X"), by=editor)
    with pytest.raises(moderation.NotFound):  # editors cannot approve their own changes
        moderation.approve_version(version.id, by=editor)


def test_bad_data_is_refused_before_anything_changes(staff, editor, moderator):
    listing = publish_new(editor, moderator, staff["organisation"].id)
    bad = activity_data(staff["organisation"].id)
    bad.venue = VenueData(name="Nowhere", address_1="1 Road", postcode="ZZ9 9ZZ")
    with pytest.raises(ListingError, match="Unknown postcode"):
        moderation.save_changes(listing.id, bad, by=editor)
    assert db.session.scalar(select(ListingVersion).where(ListingVersion.state == VersionState.DRAFT)) is None


def test_descriptions_are_sanitised_when_saved_and_shown(client, staff, editor, moderator):
    data = activity_data(
        staff["organisation"].id,
        description="<p>Knit with us</p><script>alert(1)</script><ul><li>Tea</li></ul>"
        '<a href="javascript:alert(2)">bad</a> <a href="https://example.org/knit">More</a>',
    )
    listing = moderation.create_listing(data, by=editor)
    assert "<script>" not in listing.description and "javascript:" not in listing.description
    moderation.approve_version(moderation.submit_for_review(listing.id, by=editor).id, by=moderator)
    html = client.get(f"/activities/{listing.id}").get_data(as_text=True)
    assert "alert(1)" not in html and "javascript:alert(2)" not in html
    assert "<li>Tea</li>" in html and 'href="https://example.org/knit"' in html


def test_snapshots_round_trip(staff):
    data = activity_data(staff["organisation"].id)
    assert snapshot_of_data(data_from_snapshot(snapshot_of_data(data))) == snapshot_of_data(data)


@pytest.mark.parametrize("website", ["javascript:alert(1)", "data:text/html,hi", "www.example.org", "https:// x"])
def test_a_website_must_be_a_web_address(staff, editor, website):
    with pytest.raises(ListingError, match="web address"):
        moderation.create_listing(activity_data(staff["organisation"].id, website=website), by=editor)


def test_a_fortnightly_rule_counts_from_the_day_it_was_written(staff, editor, moderator, frozen_now):
    frozen_now(NOW)
    data = activity_data(staff["organisation"].id)
    data.schedules[0].valid_from = None
    listing = moderation.create_listing(data, by=editor)
    version = moderation.submit_for_review(listing.id, by=editor)
    frozen_now(datetime(2026, 12, 9, 10, 0, tzinfo=UTC))
    moderation.approve_version(version.id, by=moderator)
    assert listing.schedules[0].valid_from == date(2026, 11, 25)


def test_the_difference_shows_changed_dates_in_words(staff, editor, moderator):
    listing = publish_new(editor, moderator, staff["organisation"].id)
    data = activity_data(staff["organisation"].id)
    data.exceptions = [
        ScheduleChange(kind=ExceptionKind.CANCELLED, starts_on=date(2026, 12, 22), ends_on=date(2027, 1, 2)),
        ScheduleChange(
            kind=ExceptionKind.MOVED, starts_on=date(2027, 1, 12), new_start=time(13, 0), new_end=time(14, 30)
        ),
    ]
    moderation.save_changes(listing.id, data, by=editor)
    version = moderation.submit_for_review(listing.id, by=editor)
    (change,) = moderation.changes_in(version)
    assert change.old == "29 December 2026: cancelled (Christmas)"
    assert change.new == "22 December 2026 to 2 January 2027: cancelled\n12 January 2027: moved to 1pm to 2:30pm"


def test_saving_a_live_listing_back_to_what_is_live_keeps_no_draft(staff, editor, moderator):
    listing = publish_new(editor, moderator, staff["organisation"].id)
    with pytest.raises(moderation.ModerationError, match="no changes"):
        moderation.save_changes(listing.id, activity_data(staff["organisation"].id), by=editor)
    moderation.save_changes(listing.id, activity_data(staff["organisation"].id, name="Clapton Knit Club"), by=editor)
    moderation.submit_for_review(listing.id, by=editor)
    withdrawn = moderation.save_changes(listing.id, activity_data(staff["organisation"].id), by=editor)
    assert withdrawn.state is VersionState.WITHDRAWN
    assert moderation.open_version(listing) is None and listing.status is ListingStatus.PUBLISHED
    assert moderation.review_queue() == []

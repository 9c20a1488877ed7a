"""The moderators' review queue: what waits, the field-by-field difference, and approving
or rejecting through the pages (issue 5, domain.md 5.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import (
    AuditAction,
    AuditEntry,
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
from navigator.services.listings import ListingData, ScheduleRule, VenueData
from tests.directory.pages import Page, squash

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday, 10am in London


def new_activity(organisation_id, **changes) -> ListingData:
    data = ListingData(
        kind=ListingKind.ACTIVITY,
        name="Stoke Newington Stitchers",
        organisation_id=organisation_id,
        description="A friendly sewing circle.\n\nMachines provided.",
        venue=VenueData(name="Stoke Newington Library", address_1="Church Street", postcode="N16 0JS"),
        terms={Vocabulary.CATEGORY: ["arts-crafts"]},
        contact_email="stitch@example.org",
        schedules=[ScheduleRule(start=time(14, 0), end=time(16, 0), frequency=Frequency.WEEKLY, by_day="TH")],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


@pytest.fixture
def live_listing(make_listing, staff):
    """A published listing of the editor's organisation, as loaded from seeds."""
    return make_listing(
        "Clapton Knit Club",
        organisation_id=staff["organisation"].id,
        description="Knitting on Tuesday mornings. Bring your own needles.",
        categories=("arts-crafts",),
        contact_email="knit@example.org",
    )


def submit_new(editor, organisation_id, **changes) -> ListingVersion:
    listing = moderation.create_listing(new_activity(organisation_id, **changes), by=editor)
    return moderation.submit_for_review(listing.id, by=editor)


def submit_change(editor, listing: Listing, **changes) -> ListingVersion:
    data = moderation.working_data(listing)
    for key, value in changes.items():
        setattr(data, key, value)
    moderation.save_changes(listing.id, data, by=editor)
    return moderation.submit_for_review(listing.id, by=editor)


def table_rows(page: Page, cls: str = "govuk-table") -> list[list[str]]:
    table = page.root.find("table", cls=cls)
    assert table is not None, "no table on the page"
    body = table.find("tbody")
    return [[cell.text() for cell in row.find_all() if cell.tag in ("th", "td")] for row in body.find_all("tr")]


def audit_entries(record_id, action=AuditAction.STATE_CHANGE) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_id == str(record_id), AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
    )


def mail_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == address)))


# -- the queue -----------------------------------------------------------------------


def test_the_queue_shows_new_listings_and_changes_oldest_first(
    moderator_client, staff, editor, live_listing, frozen_now
):
    frozen_now(NOW - timedelta(days=3))
    change = submit_change(editor, live_listing, description="Knitting and crochet on Tuesday mornings.")
    frozen_now(NOW - timedelta(days=1))
    new = submit_new(editor, staff["organisation"].id)
    frozen_now(NOW)

    page = Page(moderator_client.get("/moderation"))

    assert page.status == 200
    assert page.h1s == ["Listings to review"]
    rows = table_rows(page)
    assert len(rows) == 2
    first, second = rows
    assert first[0].startswith("Clapton Knit Club")
    assert first[1] == "Clapton Lunch Club Collective"
    assert "Change to a live listing" in first[2] and "Changes: Description" in first[2]
    assert first[3] == "22 November 2026, 10am by Esme Editor"
    assert first[4] == "3 days"
    assert second[0].startswith("Stoke Newington Stitchers")
    assert "New listing" in second[2]
    assert second[4] == "1 day"
    links = [a.attrs["href"] for a in page.root.find("table").find_all("a")]
    assert links == [f"/moderation/versions/{change.id}", f"/moderation/versions/{new.id}"]


def test_an_empty_queue_says_so(moderator_client):
    page = Page(moderator_client.get("/moderation"))
    assert "No new listings or changes are waiting for review." in page.main_text
    assert page.root.find("table") is None


def test_drafts_are_not_in_the_queue(moderator_client, staff, editor):
    moderation.create_listing(new_activity(staff["organisation"].id), by=editor)
    page = Page(moderator_client.get("/moderation"))
    assert "Stoke Newington Stitchers" not in page.main_text


def test_editors_cannot_see_the_queue(login_as, editor):
    client = login_as(editor)
    assert client.get("/moderation").status_code == 404


# -- reading one version -------------------------------------------------------------


def test_a_change_shows_the_changed_fields_only_with_old_and_new_values(
    moderator_client, editor, live_listing, frozen_now
):
    frozen_now(NOW)
    version = submit_change(
        editor,
        live_listing,
        description="Knitting and crochet on Tuesday mornings.",
        schedules=[
            ScheduleRule(start=time(10, 30), end=time(12, 0), by_day="TU"),
            ScheduleRule(start=time(18, 0), end=time(19, 30), by_day="TH"),
        ],
    )

    page = Page(moderator_client.get(f"/moderation/versions/{version.id}"))

    assert page.status == 200
    assert "Change to a live listing" in page.main_text
    rows = {row[0]: row[1:] for row in table_rows(page, "app-diff")}
    assert rows["Description"] == [
        "Knitting on Tuesday mornings. Bring your own needles.",
        "Knitting and crochet on Tuesday mornings.",
    ]
    now, proposed = rows["When it runs"]
    assert "Tuesday" in now and "Thursday" not in now
    assert "Tuesday" in proposed and "Thursday" in proposed
    # Each rule on its own line.
    proposed_cell = page.root.find("table", cls="app-diff").find_all("tr")[2].find_all("td")[1]
    assert proposed_cell.find("br") is not None
    assert "Contact email" not in rows and "Name" not in rows
    assert "Fields not listed stay as they are." in page.main_text
    # Who sent it and the organisation.
    assert "by Esme Editor" in page.main_text
    assert "Clapton Lunch Club Collective" in page.main_text
    assert "Status Approved" in page.main_text


def test_a_new_listing_shows_every_field(moderator_client, staff, editor):
    version = submit_new(editor, staff["organisation"].id)

    page = Page(moderator_client.get(f"/moderation/versions/{version.id}"))

    assert "New listing" in page.main_text
    header = [th.text() for th in page.root.find("table", cls="app-diff").find("thead").find_all("th")]
    assert header == ["Field", "Value"]
    rows = {row[0]: row[1:] for row in table_rows(page, "app-diff")}
    assert rows["Name"] == ["Stoke Newington Stitchers"]
    assert rows["Description"] == ["A friendly sewing circle. Machines provided."]
    assert rows["Venue"] == ["Stoke Newington Library, Church Street, N16 0JS"]
    assert rows["Contact email"] == ["stitch@example.org"]
    assert rows["Categories"] == ["Arts and crafts"]
    # The editor's categories are ticked in the approve form.
    box = page.root.find("input", type="checkbox", value="arts-crafts")
    assert box is not None and "checked" in box.attrs
    assert "checked" not in page.root.find("input", type="checkbox", value="lunch-clubs").attrs


def test_an_unknown_version_is_not_found(moderator_client):
    assert moderator_client.get("/moderation/versions/00000000-0000-0000-0000-000000000000").status_code == 404


# -- approving -----------------------------------------------------------------------


def test_approving_a_change_publishes_it_and_tells_the_editor(
    moderator_client, client, editor, moderator, live_listing, frozen_now
):
    frozen_now(NOW)
    version = submit_change(editor, live_listing, description="Knitting and crochet on Tuesday mornings.")
    # Until approved, the public sees the live text.
    assert "Bring your own needles" in client.get(f"/activities/{live_listing.id}").get_data(as_text=True)

    response = moderator_client.post(
        f"/moderation/versions/{version.id}/approve",
        data={"approve-categories": ["arts-crafts"], "approve-note": "Thanks, looks good."},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/moderation"
    queue = Page(moderator_client.get("/moderation"))
    assert "Approved: Clapton Knit Club. It is now in the directory" in queue.main_text
    assert "No new listings or changes are waiting for review." in queue.main_text

    public = client.get(f"/activities/{live_listing.id}").get_data(as_text=True)
    assert "Knitting and crochet on Tuesday mornings." in public
    assert "Bring your own needles" not in public
    assert "Clapton Knit Club" in client.get("/search?q=crochet").get_data(as_text=True)

    db.session.expire_all()
    assert db.session.get(Listing, live_listing.id).status is ListingStatus.PUBLISHED
    assert db.session.get(ListingVersion, version.id).state is VersionState.APPROVED
    [mail] = mail_to(editor.email)
    assert mail.subject == "Approved: Clapton Knit Club"
    assert "Thanks, looks good." in mail.body
    [entry] = audit_entries(live_listing.id)[-1:]
    assert entry.user_id == moderator.id
    assert entry.old_values["Description"] == "Knitting on Tuesday mornings. Bring your own needles."
    assert entry.new_values["Description"] == "Knitting and crochet on Tuesday mornings."
    assert entry.reason == "Thanks, looks good."


def test_the_moderator_sets_the_categories(moderator_client, client, staff, editor):
    version = submit_new(editor, staff["organisation"].id)

    response = moderator_client.post(
        f"/moderation/versions/{version.id}/approve",
        data={"approve-categories": ["lunch-clubs", "community-meals"]},
    )

    assert response.status_code == 302
    db.session.expire_all()
    listing = db.session.get(Listing, version.listing_id)
    assert listing.status is ListingStatus.PUBLISHED
    assert sorted(term.code for term in listing.categories) == ["community-meals", "lunch-clubs"]
    assert db.session.get(ListingVersion, version.id).snapshot["terms"]["category"] == [
        "community-meals",
        "lunch-clubs",
    ]
    page = client.get(f"/activities/{listing.id}").get_data(as_text=True)
    assert "Lunch clubs" in page and "Arts and crafts" not in page


def test_approving_needs_a_category_and_keeps_what_was_typed(moderator_client, staff, editor):
    version = submit_new(editor, staff["organisation"].id)

    page = Page(
        moderator_client.post(
            f"/moderation/versions/{version.id}/approve", data={"approve-note": "Welcome to the directory"}
        )
    )

    assert page.status == 200
    assert page.title.startswith("Error: ")
    assert "Choose at least one category, so people can find the listing" in page.main_text
    assert page.root.find("textarea", id="approve-note").text() == "Welcome to the directory"
    db.session.expire_all()
    assert db.session.get(ListingVersion, version.id).state is VersionState.SUBMITTED


# -- rejecting -----------------------------------------------------------------------


def test_rejecting_needs_a_reason(moderator_client, staff, editor):
    version = submit_new(editor, staff["organisation"].id)

    page = Page(moderator_client.post(f"/moderation/versions/{version.id}/reject", data={"reject-note": "Hmm"}))

    assert page.title.startswith("Error: ")
    assert "Choose why the listing cannot be published" in page.main_text
    assert page.root.find("textarea", id="reject-note").text() == "Hmm"
    db.session.expire_all()
    assert db.session.get(ListingVersion, version.id).state is VersionState.SUBMITTED


def test_other_needs_a_note(moderator_client, staff, editor):
    version = submit_new(editor, staff["organisation"].id)

    page = Page(moderator_client.post(f"/moderation/versions/{version.id}/reject", data={"reject-reason": "other"}))

    assert "Say why the listing cannot be published" in page.main_text
    other = page.root.find("input", type="radio", value="other")
    assert "checked" in other.attrs
    db.session.expire_all()
    assert db.session.get(ListingVersion, version.id).state is VersionState.SUBMITTED


def test_rejecting_a_change_leaves_the_live_listing_public_and_unchanged(
    moderator_client, client, editor, moderator, live_listing
):
    version = submit_change(editor, live_listing, description="Buy our knitting machines!")

    response = moderator_client.post(
        f"/moderation/versions/{version.id}/reject",
        data={"reject-reason": "not_community", "reject-note": "Please keep it about the group."},
    )

    assert response.status_code == 302
    assert (
        "Not approved: Clapton Knit Club. The editor has been told why"
        in Page(moderator_client.get("/moderation")).main_text
    )
    public = client.get(f"/activities/{live_listing.id}").get_data(as_text=True)
    assert "Bring your own needles" in public and "knitting machines" not in public
    db.session.expire_all()
    assert db.session.get(Listing, live_listing.id).status is ListingStatus.PUBLISHED
    version = db.session.get(ListingVersion, version.id)
    assert (version.state, version.rejection_reason) == (VersionState.REJECTED, RejectionReason.NOT_COMMUNITY)
    [mail] = mail_to(editor.email)
    assert mail.subject == "Not approved: Clapton Knit Club"
    assert RejectionReason.NOT_COMMUNITY.label in mail.body and "Please keep it about the group." in mail.body
    entry = audit_entries(live_listing.id)[-1]
    assert entry.user_id == moderator.id
    assert entry.new_values["rejection_reason"] == "not_community"
    assert "Please keep it about the group." in entry.reason


def test_rejecting_a_new_listing_keeps_it_out_of_the_directory(moderator_client, client, staff, editor):
    version = submit_new(editor, staff["organisation"].id)

    moderator_client.post(
        f"/moderation/versions/{version.id}/reject",
        data={"reject-reason": "other", "reject-note": "We could not find this group at the library."},
    )

    db.session.expire_all()
    listing = db.session.get(Listing, version.listing_id)
    assert listing.status is ListingStatus.REJECTED
    assert client.get(f"/activities/{listing.id}").status_code == 404
    assert "Stitchers" not in client.get("/search?q=sewing").get_data(as_text=True)
    assert "We could not find this group at the library." in mail_to(editor.email)[0].body


# -- decisions that come too late ----------------------------------------------------


def test_a_second_decision_gets_a_clear_message(moderator_client, staff, editor):
    version = submit_new(editor, staff["organisation"].id)
    moderator_client.post(f"/moderation/versions/{version.id}/approve", data={"approve-categories": ["arts-crafts"]})
    decisions = len(audit_entries(version.listing_id))

    page = Page(
        moderator_client.post(
            f"/moderation/versions/{version.id}/reject", data={"reject-reason": "duplicate", "reject-note": "Dup"}
        )
    )

    assert page.status == 200
    assert "Someone has already decided on this version, or it was changed. Check the queue" in page.main_text
    assert "This version was approved by Moira Moderator" in squash(page.main_text)
    assert page.root.find("form", action=f"/moderation/versions/{version.id}/reject") is None
    db.session.expire_all()
    assert db.session.get(ListingVersion, version.id).state is VersionState.APPROVED
    assert len(audit_entries(version.listing_id)) == decisions


def test_a_version_the_editor_changed_meanwhile_cannot_be_approved(moderator_client, editor, live_listing):
    first = submit_change(editor, live_listing, description="Knitting and crochet.")
    # The editor edits again while the moderator is reading: the version they read is replaced.
    second = submit_change(editor, live_listing, description="Knitting, crochet and tea.")

    page = Page(
        moderator_client.post(f"/moderation/versions/{first.id}/approve", data={"approve-categories": ["arts-crafts"]})
    )

    assert "Someone has already decided on this version, or it was changed" in page.main_text
    assert "The editor changed this version after sending it" in page.main_text
    link = page.root.find("a", href=f"/moderation/versions/{second.id}")
    assert link is not None
    db.session.expire_all()
    assert db.session.get(Listing, live_listing.id).description.startswith("Knitting on Tuesday mornings")


def test_earlier_decisions_are_listed(moderator_client, moderator, editor, live_listing):
    rejected = submit_change(editor, live_listing, description="Knitting and crochet.")
    moderation.reject_version(rejected.id, by=moderator, reason=RejectionReason.INCOMPLETE, note="Which room?")
    version = submit_change(editor, live_listing, description="Knitting and crochet in room 2.")

    page = Page(moderator_client.get(f"/moderation/versions/{version.id}"))

    tables = page.root.find_all("table")
    earlier = next(t for t in tables if "Earlier decisions" in t.find("caption").text())
    texts = [row.text() for row in earlier.find("tbody").find_all("tr")]
    assert any("Not approved: Incomplete information" in text and "Which room?" in text for text in texts)
    assert any("Loaded with the directory" in text for text in texts)


@pytest.mark.parametrize("kind", [ListingKind.EVENT])
def test_an_event_change_shows_its_times_in_london(moderator_client, make_listing, staff, editor, kind, frozen_now):
    frozen_now(NOW)
    listing = make_listing("Winter Fair", kind=kind, organisation_id=staff["organisation"].id)
    new_start = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)
    version = submit_change(editor, listing, starts_at=new_start, ends_at=new_start + timedelta(hours=3))

    page = Page(moderator_client.get(f"/moderation/versions/{version.id}"))

    rows = {row[0]: row[1:] for row in table_rows(page, "app-diff")}
    assert rows["Starts"][1] == "12 December 2026, 12pm"
    assert date(2026, 12, 12).isoformat() not in rows["Starts"][1]


def test_the_review_page_links_the_organisation_for_moderators(staff, login_as):
    from navigator.services import moderation
    from tests.moderation.test_versions import activity_data

    listing = moderation.create_listing(activity_data(staff["organisation"].id), by=staff["editor"])
    version = moderation.submit_for_review(listing.id, by=staff["editor"])
    page = login_as(staff["moderator"]).get(f"/moderation/versions/{version.id}").get_data(as_text=True)
    assert f'href="/organisations/{staff["organisation"].id}"' in page

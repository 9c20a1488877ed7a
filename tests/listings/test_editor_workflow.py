"""An editor's listing through moderation, from the editor's pages: sending for approval,
a change to a live listing waiting for a moderator, a rejection with its reason, fixing
and sending again, the history, restoring a version, archiving; and that editors reach
only their own organisations' listings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import (
    Listing,
    ListingStatus,
    ListingVersion,
    OrganisationStatus,
    RejectionReason,
    VersionState,
)
from navigator.services import moderation
from navigator.services.listings import set_listing_status
from tests.directory.pages import Page
from tests.factories import make_user
from tests.listings.editor_forms import activity_form, listing_form_state
from tests.referrals.helpers import error_messages

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("editor_today")


def create(client, **changes) -> Listing:
    response = client.post("/listings/new/activity", data=activity_form(**changes))
    assert response.status_code == 302, error_messages(response)
    listing_id = response.headers["Location"].rsplit("/", 1)[1]
    db.session.expire_all()
    return db.session.get(Listing, uuid.UUID(listing_id))


def open_version(listing: Listing) -> ListingVersion:
    db.session.expire_all()
    version = moderation.open_version(db.session.get(Listing, listing.id))
    assert version is not None
    return version


def status_of(listing: Listing) -> ListingStatus:
    db.session.expire_all()
    return db.session.get(Listing, listing.id).status


def public_name(client, listing: Listing) -> str | None:
    response = client.get(f"/activities/{listing.id}")
    if response.status_code == 404:
        return None
    return Page(response).h1s[0]


def publish(client, staff, **changes) -> Listing:
    """A listing made through the form, sent and approved."""
    listing = create(client, **changes)
    assert client.post(f"/listings/{listing.id}/submit").status_code == 302
    moderation.approve_version(open_version(listing).id, by=staff["moderator"])
    return listing


def edit(client, listing: Listing, action: str = "save", **changes):
    """Change fields on the edit form as shown, and send it."""
    data = listing_form_state(client.get(f"/listings/{listing.id}/edit"))
    data.update(changes)
    data["action"] = action
    return client.post(f"/listings/{listing.id}/edit", data=data)


def test_an_editor_sends_a_draft_for_approval(client, editor_client, staff):
    listing = create(editor_client)
    page = Page(editor_client.get(f"/listings/{listing.id}"))
    assert "Send for approval" in page.main_text

    response = editor_client.post(f"/listings/{listing.id}/submit")

    assert response.status_code == 302
    assert status_of(listing) is ListingStatus.PENDING
    version = db.session.scalar(select(ListingVersion))
    assert (version.state, version.submitted_at) == (VersionState.SUBMITTED, NOW)
    page = Page(editor_client.get(f"/listings/{listing.id}"))
    assert "Clapton Knit and Natter is sent for approval" in page.text
    assert page.root.find("p", id="listing-status").text() == "Waiting for approval"
    assert "Send for approval" not in page.main_text
    assert "Version 1 was sent for approval on 25 November 2026, 10am" in page.main_text
    assert [v.id for v in moderation.review_queue()] == [version.id]
    assert public_name(client, listing) is None

    # Sending again: a clear message, nothing changes.
    page = Page(editor_client.post(f"/listings/{listing.id}/submit"))
    assert page.title.startswith("Error: ")
    assert error_messages(page.response) == ["These changes are already waiting for a moderator"]


def test_save_and_send_from_the_new_listing_form(editor_client):
    response = editor_client.post("/listings/new/activity", data={**activity_form(), "action": "send"})
    assert response.status_code == 302
    listing = db.session.scalar(select(Listing))
    assert listing.status is ListingStatus.PENDING


def test_a_change_to_a_live_listing_waits_for_the_moderator(client, editor_client, staff):
    listing = publish(editor_client, staff)
    assert public_name(editor_client, listing) == "Clapton Knit and Natter"
    page = Page(editor_client.get(f"/listings/{listing.id}"))
    assert page.root.find("p", id="listing-status").text() == "Live"
    assert page.link("View in the directory") == f"/activities/{listing.id}"
    assert "Approved (version 1)" in page.root.find("dl", id="decision").text()

    response = edit(editor_client, listing, name="Clapton Knit Club", **{"schedules-0-start": "11am"})
    assert response.status_code == 302, error_messages(response)
    assert status_of(listing) is ListingStatus.PUBLISHED
    index = Page(editor_client.get("/listings"))
    assert "Changes not sent for approval yet" in index.main_text

    response = edit(editor_client, listing, action="send", name="Clapton Knit Club", **{"schedules-0-start": "11am"})
    assert response.status_code == 302, error_messages(response)
    assert status_of(listing) is ListingStatus.CHANGES_PENDING
    # The live listing is unchanged, in its page and in search.
    assert public_name(editor_client, listing) == "Clapton Knit and Natter"
    assert "Clapton Knit and Natter" in Page(editor_client.get("/search?q=knit")).main_text
    page = Page(editor_client.get(f"/listings/{listing.id}"))
    assert page.root.find("p", id="listing-status").text() == "Live — changes waiting for approval"
    changes = page.root.find("table", id="changes").text()
    assert "Name Clapton Knit and Natter Clapton Knit Club" in changes
    assert "When it runs" in changes and "11am to 12pm" in changes
    # The edit form starts from the change, not the live listing.
    form = listing_form_state(editor_client.get(f"/listings/{listing.id}/edit"))
    assert form["name"] == "Clapton Knit Club"

    moderation.approve_version(open_version(listing).id, by=staff["moderator"])
    assert public_name(editor_client, listing) == "Clapton Knit Club"
    assert status_of(listing) is ListingStatus.PUBLISHED


@pytest.mark.parametrize("action", ["save", "send"])
def test_an_unchanged_live_listing_is_not_saved_or_sent(editor_client, staff, action):
    listing = publish(editor_client, staff)
    page = Page(edit(editor_client, listing, action=action))
    assert page.status == 200 and not page.title.startswith("Error: ")
    banner = page.root.find(id="unchanged").text()
    assert "No changes to save" in banner and "nothing was saved or sent" in banner
    assert page.root.find("input", id="name").attrs["value"] == "Clapton Knit and Natter"
    # No draft that could never be sent is left behind.
    assert [v.state for v in moderation.versions_of(db.session.get(Listing, listing.id))] == [VersionState.APPROVED]
    assert status_of(listing) is ListingStatus.PUBLISHED
    assert "Changes not sent for approval yet" not in Page(editor_client.get("/listings")).main_text


def test_save_and_send_pressed_twice_sends_one_change(editor_client, staff):
    listing = publish(editor_client, staff)
    data = listing_form_state(editor_client.get(f"/listings/{listing.id}/edit"))
    data.update(name="Clapton Knit Club", action="send")
    assert editor_client.post(f"/listings/{listing.id}/edit", data=data).status_code == 302
    assert editor_client.post(f"/listings/{listing.id}/edit", data=data).status_code == 302
    states = [v.state for v in moderation.versions_of(db.session.get(Listing, listing.id))]
    assert states == [VersionState.SUBMITTED, VersionState.APPROVED]


def test_after_a_rejection_the_editor_sees_why_then_fixes_and_sends_again(client, editor_client, staff):
    listing = create(editor_client, address_1="Northwold Rd")
    editor_client.post(f"/listings/{listing.id}/submit")
    moderation.reject_version(
        open_version(listing).id,
        by=staff["moderator"],
        reason=RejectionReason.INCOMPLETE,
        note="Please add the room: the library has three.",
    )

    page = Page(editor_client.get(f"/listings/{listing.id}"))
    assert page.root.find("p", id="listing-status").text() == "Not approved"
    decision = page.root.find("dl", id="decision").text()
    assert "Not approved (version 1)" in decision
    assert "Incomplete information" in decision
    assert "Please add the room: the library has three." in decision
    assert "Not approved" in Page(editor_client.get("/listings")).main_text
    assert public_name(client, listing) is None

    response = edit(editor_client, listing, action="send", address_2="Room 2, first floor")
    assert response.status_code == 302, error_messages(response)
    assert status_of(listing) is ListingStatus.PENDING
    versions = moderation.versions_of(db.session.get(Listing, listing.id))
    assert [(v.number, v.state) for v in versions] == [(2, VersionState.SUBMITTED), (1, VersionState.REJECTED)]
    assert versions[0].snapshot["venue"]["address_2"] == "Room 2, first floor"
    assert versions[0].changed_fields == ["Venue"]

    moderation.approve_version(versions[0].id, by=staff["moderator"])
    assert public_name(client, listing) == "Clapton Knit and Natter"


def test_the_history_shows_every_version_and_restoring_makes_a_new_draft(client, editor_client, staff):
    listing = publish(editor_client, staff)
    edit(editor_client, listing, action="send", name="Clapton Knit Club")
    moderation.approve_version(open_version(listing).id, by=staff["moderator"], note="Thanks")

    page = Page(editor_client.get(f"/listings/{listing.id}/history"))
    assert page.status == 200
    two, one = page.root.find(id="version-2").text(), page.root.find(id="version-1").text()
    assert "Version 2 Approved" in two and "by Esme Editor" in two and "What changed Name" in two
    assert "Approved on 25 November 2026, 10am by Moira Moderator" in two and "Thanks" in two
    assert "Version 1 Approved" in one and "First version" in one

    version = Page(editor_client.get(f"/listings/{listing.id}/versions/2"))
    assert "Name Clapton Knit and Natter Clapton Knit Club" in version.root.find("table", id="changes").text()
    assert "Clapton Knit Club" in version.root.find("dl", id="fields").text()
    first = Page(editor_client.get(f"/listings/{listing.id}/versions/1"))
    assert "There is no earlier approved version to compare it with." in first.main_text
    assert editor_client.get(f"/listings/{listing.id}/versions/9").status_code == 404

    response = editor_client.post(f"/listings/{listing.id}/versions/1/restore")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/listings/{listing.id}")
    page = Page(editor_client.get(response.headers["Location"]))
    assert "Version 1 is restored as version 3, a draft" in page.text
    versions = moderation.versions_of(db.session.get(Listing, listing.id))
    assert [(v.number, v.state, v.note) for v in versions] == [
        (3, VersionState.DRAFT, "Restored from version 1"),
        (2, VersionState.APPROVED, ""),
        (1, VersionState.APPROVED, ""),
    ]
    assert versions[0].snapshot["name"] == "Clapton Knit and Natter"
    # Still the approved version in public until the restored one is sent and approved.
    assert public_name(client, listing) == "Clapton Knit Club"
    history = Page(editor_client.get(f"/listings/{listing.id}/history"))
    assert "Restored from version 1" in history.root.find(id="version-3").text()
    assert "Restore this version" not in history.root.find(id="version-3").text()  # it is the open draft

    editor_client.post(f"/listings/{listing.id}/submit")
    moderation.approve_version(open_version(listing).id, by=staff["moderator"])
    assert public_name(client, listing) == "Clapton Knit and Natter"


def test_archiving_asks_first_then_takes_the_listing_out_of_the_directory(client, editor_client, staff):
    listing = publish(editor_client, staff)
    page = Page(editor_client.get(f"/listings/{listing.id}/archive"))
    assert page.h1s == ["Archive Clapton Knit and Natter?"]
    assert status_of(listing) is ListingStatus.PUBLISHED

    assert editor_client.post(f"/listings/{listing.id}/archive").status_code == 302
    assert status_of(listing) is ListingStatus.ARCHIVED
    assert public_name(client, listing) is None
    page = Page(editor_client.get(f"/listings/{listing.id}"))
    assert page.root.find("p", id="listing-status").text() == "Archived"
    assert "Edit" not in [a.text() for a in page.root.find_all("a")]
    assert editor_client.get(f"/listings/{listing.id}/edit").status_code == 302
    # Restoring a version brings it back as a draft.
    editor_client.post(f"/listings/{listing.id}/versions/1/restore")
    assert status_of(listing) is ListingStatus.DRAFT


def test_your_listings_shows_each_state(editor_client, staff, make_listing):
    organisation = staff["organisation"]
    moderator = staff["moderator"]
    draft = create(editor_client, key="1" * 32, name="Draft group")
    pending = create(editor_client, key="2" * 32, name="Pending group")
    editor_client.post(f"/listings/{pending.id}/submit")
    rejected = create(editor_client, key="3" * 32, name="Rejected group")
    editor_client.post(f"/listings/{rejected.id}/submit")
    moderation.reject_version(open_version(rejected).id, by=moderator, reason=RejectionReason.DUPLICATE)
    live = publish(editor_client, staff, key="4" * 32, name="Live group")
    changing = publish(editor_client, staff, key="5" * 32, name="Changing group")
    edit(editor_client, changing, action="send", cost_detail="£1")
    hidden = make_listing("Hidden group", organisation_id=organisation.id)
    set_listing_status(hidden.id, ListingStatus.HIDDEN)
    archived = make_listing("Archived group", organisation_id=organisation.id)
    set_listing_status(archived.id, ListingStatus.ARCHIVED)

    page = Page(editor_client.get("/listings"))
    assert page.status == 200 and page.h1s == ["Your listings"]
    section = page.root.find("section", id=f"organisation-{organisation.id}")
    rows = {row.find("a").text(): row.find_all("td")[2].text() for row in section.find("tbody").find_all("tr")}
    assert rows == {
        "Draft group": "Draft",
        "Pending group": "Waiting for approval",
        "Rejected group": "Not approved",
        "Live group": "Live",
        "Changing group": "Live — changes waiting for approval",
        "Hidden group": "Hidden (not confirmed)",
        "Archived group": "Archived",
    }
    assert section.find("a", href=f"/listings/{draft.id}") is not None
    assert live.id and hidden.id
    adds = [a.attrs["href"] for a in section.find_all("a") if a.text().startswith("Add ")]
    assert adds == [f"/listings/new/{kind}?organisation={organisation.id}" for kind in ("activity", "event", "space")]


def test_editors_reach_only_their_own_organisations_listings(client, staff, make_org, login_as):
    other_org = make_org("Stoke Newington Walkers")
    other_editor = make_user("organisation_editor", organisations=[other_org])
    mine = publish(login_as(staff["editor"]), staff)
    login_as(staff["editor"]).post(f"/listings/{mine.id}/versions/1/restore")  # an open draft too
    versions_before = db.session.scalar(select(func.count(ListingVersion.id)))

    other = login_as(other_editor)
    base = f"/listings/{mine.id}"
    for url in (base, f"{base}/edit", f"{base}/history", f"{base}/versions/1", f"{base}/versions/2", f"{base}/archive"):
        assert other.get(url).status_code == 404, url
    for url in (f"{base}/edit", f"{base}/submit", f"{base}/archive", f"{base}/versions/1/restore"):
        assert other.post(url, data=activity_form(action="send")).status_code == 404, url
    assert "Clapton Knit and Natter" not in Page(other.get("/listings")).main_text
    assert db.session.scalar(select(func.count(ListingVersion.id))) == versions_before
    assert status_of(mine) is ListingStatus.PUBLISHED

    # The form offers only their own organisation, whatever is posted.
    response = other.post(
        "/listings/new/activity", data=activity_form(key="6" * 32, organisation=str(staff["organisation"].id))
    )
    assert response.status_code == 302
    made = db.session.get(Listing, uuid.UUID("6" * 32))
    assert made.organisation_id == other_org.id


def test_an_editor_of_two_organisations_chooses_one_from_their_own(staff, make_org, login_as):
    second = make_org("Clapton Tenants Association")
    outsider = make_org("Somewhere Else Trust")
    pending = make_org("Not Yet Approved Group", status=OrganisationStatus.PENDING)
    editor = make_user("organisation_editor", organisations=[staff["organisation"], second, pending])
    client = login_as(editor)

    page = Page(client.get(f"/listings/new/activity?organisation={second.id}"))
    select_ = page.root.find("select", id="organisation")
    options = {o.text(): "selected" in o.attrs for o in select_.find_all("option")}
    assert options == {
        "Choose an organisation": False,
        "Clapton Lunch Club Collective": False,
        "Clapton Tenants Association": True,
    }
    index = Page(client.get("/listings"))
    assert "Not Yet Approved Group" not in index.main_text  # nothing listed, nothing to add

    response = client.post("/listings/new/activity", data=activity_form(organisation=str(outsider.id)))
    assert error_messages(response) == ["Choose an organisation from the list"]
    response = client.post("/listings/new/activity", data=activity_form(organisation=""))
    assert error_messages(response) == ["Choose the organisation this is for"]
    response = client.post("/listings/new/activity", data=activity_form(organisation=str(second.id)))
    assert response.status_code == 302
    assert db.session.scalar(select(Listing)).organisation_id == second.id


def test_a_moderator_can_edit_any_organisations_listing(editor_client, staff, login_as):
    listing = publish(editor_client, staff)
    moderator = login_as(staff["moderator"])
    index = Page(moderator.get(f"/listings?organisation={staff['organisation'].id}"))
    assert "Clapton Knit and Natter" in index.main_text
    response = edit(moderator, listing, name="Clapton Knitting Circle")
    assert response.status_code == 302, error_messages(response)
    assert open_version(listing).created_by_id == staff["moderator"].id


def test_an_editor_without_an_approved_organisation_is_told_why_they_cannot_add(make_org, login_as):
    pending = make_org("Waiting Group", status=OrganisationStatus.PENDING)
    client = login_as(make_user("organisation_editor", organisations=[pending]))
    page = Page(client.get("/listings"))
    assert page.status == 200
    assert "You cannot add listings yet" in page.main_text
    assert client.get("/listings/new/activity").status_code == 302
    assert client.get("/listings/new/nonsense").status_code == 404


def test_the_forms_carry_a_csrf_token_and_posts_without_one_are_refused(app, editor_client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = Page(editor_client.get("/listings/new/activity"))
    token = page.root.find("form", id="listing-form").find("input", name="csrf_token").attrs["value"]

    assert editor_client.post("/listings/new/activity", data=activity_form()).status_code == 400
    assert db.session.scalar(select(func.count(Listing.id))) == 0
    response = editor_client.post("/listings/new/activity", data={**activity_form(), "csrf_token": token})
    assert response.status_code == 302, error_messages(response)

    listing = db.session.scalar(select(Listing))
    show = Page(editor_client.get(f"/listings/{listing.id}"))
    submit_token = show.root.find("form", id="submit-form").find("input", name="csrf_token").attrs["value"]
    assert editor_client.post(f"/listings/{listing.id}/submit").status_code == 400
    assert editor_client.post(f"/listings/{listing.id}/submit", data={"csrf_token": submit_token}).status_code == 302
    assert status_of(listing) is ListingStatus.PENDING

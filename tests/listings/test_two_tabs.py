"""Two tabs (or two editors) on one listing: a save from a form loaded before another save
does not overwrite it; it keeps what was typed and shows what changed (issue 18)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import Listing, ListingVersion, VersionState
from navigator.services import moderation
from tests.concurrency import at_once, hold_after_reading
from tests.directory.pages import Page
from tests.factories import make_user, sign_in
from tests.listings.editor_forms import listing_form_state
from tests.moderation.test_versions import activity_data
from tests.referrals.helpers import error_messages

pytestmark = pytest.mark.usefixtures("editor_today")


@pytest.fixture
def live(staff, make_listing) -> Listing:
    """A live listing loaded from seeds: no versions yet (the first save records a baseline)."""
    return make_listing(
        "Clapton Knit and Natter", organisation_id=staff["organisation"].id, categories=("arts-crafts",)
    )


@pytest.fixture
def second_editor(app, staff):
    """Another editor of the same organisation, in a browser of their own."""
    user = make_user("organisation_editor", organisations=[staff["organisation"]], name="Omar Other")
    client = app.test_client()
    sign_in(client, user)
    return client


def numbers(listing: Listing) -> list[int]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(ListingVersion.number).where(ListingVersion.listing_id == listing.id)))


def snapshots(listing: Listing) -> list[dict]:
    db.session.expire_all()
    return [
        v.snapshot for v in db.session.scalars(select(ListingVersion).where(ListingVersion.listing_id == listing.id))
    ]


def test_a_save_from_a_stale_tab_keeps_what_was_typed_and_lists_what_changed(editor_client, second_editor, live):
    url = f"/listings/{live.id}/edit"
    tab_a = listing_form_state(editor_client.get(url))
    tab_b = listing_form_state(second_editor.get(url))
    assert tab_a["revision"] == tab_b["revision"]

    saved = editor_client.post(url, data={**tab_a, "name": "Clapton Knit Club", "action": "save"})
    assert saved.status_code == 302, error_messages(saved)
    typed = "Bring your own needles: we have wool."
    response = second_editor.post(url, data={**tab_b, "description": typed, "action": "save"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    [message] = error_messages(response)
    assert message.startswith("This listing was changed by Esme Editor at 25 November 2026, 10am after you opened it")
    changed = Page(response).root.find(id="changed-since").text()
    assert "Name" in changed and "Clapton Knit Club" in changed
    assert "Description" not in changed  # only what the other save changed, not what B typed
    # What B typed is kept as typed, and the form is stamped afresh.
    kept = listing_form_state(response)
    assert kept["description"] == typed
    assert kept["name"] == "Clapton Knit and Natter"
    assert int(kept["revision"]) > int(tab_b["revision"])
    # Nothing of A's is lost: it is in a version; B's refused save stored nothing.
    assert any(s["name"] == "Clapton Knit Club" for s in snapshots(live))
    assert not any(typed in str(s.get("description")) for s in snapshots(live))

    # Saving again from the merge page is deliberate, and goes through; A's draft stays in the history.
    again = second_editor.post(url, data={**kept, "name": "Clapton Knit Club", "action": "save"})
    assert again.status_code == 302, error_messages(again)
    assert moderation.working_snapshot(live)["name"] == "Clapton Knit Club"
    assert typed in moderation.working_snapshot(live)["description"]
    states = {v.number: v.state for v in moderation.versions_of(live)}
    assert states == {1: VersionState.APPROVED, 2: VersionState.WITHDRAWN, 3: VersionState.DRAFT}


def test_the_same_form_sent_twice_is_saved_once_without_a_merge_page(editor_client, live):
    url = f"/listings/{live.id}/edit"
    form = {**listing_form_state(editor_client.get(url)), "name": "Clapton Knit Club", "action": "save"}
    assert editor_client.post(url, data=form).status_code == 302
    assert editor_client.post(url, data=form).status_code == 302
    assert numbers(live) == [1, 2]


@pytest.mark.parametrize("action", ["submit", "restore", "archive"])
def test_a_stale_page_cannot_send_restore_or_archive_a_changed_listing(editor_client, second_editor, live, action):
    url = f"/listings/{live.id}/edit"
    form = listing_form_state(editor_client.get(url))
    editor_client.post(url, data={**form, "name": "Clapton Knit Club", "action": "save"})
    page_url = f"/listings/{live.id}" if action == "submit" else f"/listings/{live.id}/history"
    stale = re.search(r'name="revision" value="(\d+)"', second_editor.get(page_url).get_data(as_text=True))[1]
    second_editor.post(url, data={**listing_form_state(second_editor.get(url)), "name": "Knit Club", "action": "save"})
    before = numbers(live)

    target = {
        "submit": f"/listings/{live.id}/submit",
        "restore": f"/listings/{live.id}/versions/1/restore",
        "archive": f"/listings/{live.id}/archive",
    }[action]
    response = editor_client.post(target, data={"revision": stale})

    assert response.status_code == 200
    assert "<title>Error: " in response.get_data(as_text=True)
    assert "This listing was changed by Omar Other" in " ".join(error_messages(response))
    assert numbers(live) == before
    db.session.expire_all()
    assert moderation.open_version(db.session.get(Listing, live.id)).state is VersionState.DRAFT


def test_two_saves_at_the_same_moment_one_wins_and_numbers_have_no_gaps(app, staff, live, monkeypatch):
    """Two threads, each with its own connection, save the same live listing from forms loaded at
    the same revision; both have checked it before either writes. Exactly one is stored; the
    other is told the listing changed; versions are 1..n (a baseline, then the winner's draft)."""
    listing_id, revision = live.id, live.revision
    organisation_id = staff["organisation"].id
    editor_ids = [staff["editor"].id, make_user("organisation_editor", organisations=[staff["organisation"]]).id]
    reached = hold_after_reading(monkeypatch, moderation, "check_revision")

    def save(n: int) -> Callable[[], object]:
        def run() -> object:
            from navigator.models import User

            data = activity_data(organisation_id, name=f"Clapton Knit Club {n}")
            return moderation.save_changes(listing_id, data, by=db.session.get(User, editor_ids[n]), revision=revision)

        return run

    winners, losers = at_once(app, [save(0), save(1)])

    assert len(reached) == 2
    assert len(winners) == 1, losers
    assert len(losers) == 1 and isinstance(losers[0], moderation.StaleEdit), losers
    assert "This listing was changed by" in str(losers[0])
    assert numbers(live) == [1, 2]
    names = [s["name"] for s in snapshots(live)]
    assert f"Clapton Knit Club {winners[0]}" in names and f"Clapton Knit Club {1 - winners[0]}" not in names

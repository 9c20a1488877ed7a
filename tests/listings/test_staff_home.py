"""Editors and moderators find their pages from the staff home page, and an editor can
confirm a live listing is still right from its page."""

from __future__ import annotations

from datetime import UTC, datetime

from navigator.extensions import db
from navigator.models import Freshness


def links_on_home(client) -> str:
    return client.get("/staff/").get_data(as_text=True)


def test_an_editor_sees_only_their_listings_link(staff, login_as):
    page = links_on_home(login_as(staff["editor"]))
    assert 'href="/listings/"' in page or 'href="/listings"' in page
    for other in ("/moderation", "/organisations", "/casework", "/admin"):
        assert f'href="{other}' not in page, other


def test_a_moderator_sees_the_queue_reports_freshness_and_organisations(staff, login_as):
    page = links_on_home(login_as(staff["moderator"]))
    for text in (
        "Listings to review",
        "Problem reports",
        "Listings due for review",
        "Organisations",
        "Listings by organisation",
    ):
        assert text in page, text
    assert "Triage" not in page and "Users" not in page and "Your listings" not in page


def test_an_editor_confirms_a_live_listing_from_its_page(staff, login_as, make_listing, frozen_now):
    listing = make_listing("Clapton Knit and Natter", organisation_id=staff["organisation"].id)
    listing.freshness = Freshness.STALE
    db.session.commit()
    moment = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    frozen_now(moment)
    client = login_as(staff["editor"])
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Confirm it is still correct" in page and "Last confirmed on" in page

    client.post(f"/listings/{listing.id}/confirm")
    db.session.refresh(listing)
    assert listing.freshness is Freshness.CURRENT
    assert listing.last_confirmed_at == moment and listing.last_confirmed_by_id == staff["editor"].id

"""The shortlist page and the one-page sheet people print."""

from __future__ import annotations

from navigator.extensions import db
from navigator.models import ListingKind, ListingStatus
from navigator.presenters import schedule_lines
from navigator.services.listings import set_listing_status


def shortlist(client, *listings):
    with client.session_transaction() as session:
        session["shortlist"] = [str(listing.id) for listing in listings]


def test_the_list_shows_what_when_where_cost_and_phone(client, make_listing):
    choir = make_listing("Dalston Community Choir", contact_phone="020 7946 0123", cost_detail="Donations welcome")
    fair = make_listing("Winter Craft Fair", kind=ListingKind.EVENT, postcode="EC2Y 8DS")
    shortlist(client, choir, fair)
    page = client.get("/shortlist").get_data(as_text=True)
    assert "Your shortlist (2)" in page
    assert page.index("Dalston Community Choir") < page.index("Winter Craft Fair")
    for text in (
        "Activity",
        "Event",
        schedule_lines(choir)[0],
        schedule_lines(fair)[0],
        "Dalston Community Choir venue, 1 Test Street, London, E8 1DY",
        "Free: Donations welcome",
        '<a class="govuk-link" href="tel:02079460123">020 7946 0123</a>',
        'href="/shortlist/print"',
        'href="/shortlist/share"',
        "Clear your shortlist",
        "Remove from shortlist",
    ):
        assert text in page, text
    assert "Send by email" not in page  # staff only


def test_the_organisation_phone_is_used_when_the_listing_has_none(client, make_listing):
    choir = make_listing("Dalston Community Choir")
    choir.organisation.phone = "020 7946 0999"
    db.session.commit()
    shortlist(client, choir)
    assert "020 7946 0999" in client.get("/shortlist").get_data(as_text=True)


def test_listings_unpublished_since_are_dropped_with_a_notice(client, make_listing):
    choir = make_listing("Dalston Community Choir")
    walk = make_listing("Hackney Marshes Health Walk")
    shortlist(client, choir, walk)
    set_listing_status(walk.id, ListingStatus.ARCHIVED)
    page = client.get("/shortlist").get_data(as_text=True)
    assert "Dalston Community Choir" in page and "Hackney Marshes Health Walk" not in page
    assert "1 activity on this list is no longer in the directory" in page
    with client.session_transaction() as session:
        assert session["shortlist"] == [str(choir.id)]
    assert "no longer in the directory" not in client.get("/shortlist").get_data(as_text=True)


def test_an_empty_shortlist_says_how_to_add(client):
    page = client.get("/shortlist").get_data(as_text=True)
    assert "Your shortlist is empty" in page and "Print" not in page


def test_clearing_the_shortlist(client, make_listing):
    shortlist(client, make_listing("Dalston Community Choir"))
    response = client.post("/shortlist/clear")
    assert response.status_code == 302 and response.headers["Location"] == "/shortlist"
    page = client.get("/shortlist").get_data(as_text=True)
    assert "Your shortlist is now empty" in page and "Dalston Community Choir" not in page


def test_the_printed_sheet_has_names_times_addresses_and_phones(client, make_listing):
    choir = make_listing("Dalston Community Choir", contact_phone="020 7946 0123")
    fair = make_listing("Winter Craft Fair", kind=ListingKind.EVENT, postcode="EC2Y 8DS")
    shortlist(client, choir, fair)
    response = client.get("/shortlist/print")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in (
        '<h2 class="app-sheet__name">Dalston Community Choir</h2>',
        '<h2 class="app-sheet__name">Winter Craft Fair</h2>',
        schedule_lines(choir)[0],
        "1 Test Street<br>London<br>E8 1DY",
        '<dd class="app-sheet__phone">020 7946 0123</dd>',
        'href="/shortlist/print?large=1">Large text version</a>',
    ):
        assert text in page, text
    # One sheet: no navigation, phase banner or footer, and not the large text version.
    assert "govuk-service-navigation" not in page and "govuk-phase-banner" not in page
    assert "govuk-footer" not in page
    assert 'class="app-sheet"' in page and "app-sheet--large" not in page


def test_the_large_text_version(client, make_listing):
    shortlist(client, make_listing("Dalston Community Choir"))
    page = client.get("/shortlist/print?large=1").get_data(as_text=True)
    assert 'class="app-sheet app-sheet--large"' in page and "Dalston Community Choir" in page
    assert 'href="/shortlist/print">Standard text version</a>' in page


def test_print_css_hides_everything_but_the_sheet():
    from navigator.config import PROJECT_ROOT

    css = (PROJECT_ROOT / "navigator" / "static" / "app.css").read_text()
    assert "@media print" in css and ".app-sheet--large { font-size: 24px; }" in css


def test_the_printed_sheet_says_how_to_join(client, make_listing):
    shortlist(client, make_listing("Dalston Community Choir"))
    page = client.get("/shortlist/print").get_data(as_text=True)
    assert "<dt>How to join</dt><dd>Drop in: just turn up</dd>" in page

"""Sharing a shortlist as a link: anyone with it sees the list and can copy it."""

from __future__ import annotations

import html
import re
import uuid

from itsdangerous import URLSafeSerializer

from navigator.models import ListingStatus
from navigator.services.listings import set_listing_status


def shortlist(client, *listings):
    with client.session_transaction() as session:
        session["shortlist"] = [str(listing.id) for listing in listings]


def share_link(client) -> str:
    page = client.get("/shortlist/share").get_data(as_text=True)
    return html.unescape(re.search(r'id="share-link" name="share-link" type="text"[^>]*value="([^"]+)"', page)[1])


def test_a_share_link_shows_the_list_to_anyone_and_can_be_copied(app, client, make_listing):
    choir = make_listing("Dalston Community Choir")
    walk = make_listing("Hackney Marshes Health Walk")
    shortlist(client, choir, walk)
    link = share_link(client)
    assert link.startswith("http://localhost/shortlist/shared/")
    path = link.removeprefix("http://localhost")

    someone_else = app.test_client()
    response = someone_else.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Dalston Community Choir" in page and "Hackney Marshes Health Walk" in page
    assert "Remove from shortlist" not in page and "Copy to my shortlist" in page
    assert "Your shortlist (0)" in page

    response = someone_else.post(f"{path}/copy")
    assert response.status_code == 302 and response.headers["Location"] == "/shortlist"
    with someone_else.session_transaction() as session:
        assert session["shortlist"] == [str(choir.id), str(walk.id)]
    assert "Copied 2 activities to your shortlist" in someone_else.get("/shortlist").get_data(as_text=True)


def test_the_shared_list_prints(client, make_listing):
    shortlist(client, make_listing("Dalston Community Choir"))
    path = share_link(client).removeprefix("http://localhost")
    page = client.get(f"{path}/print?large=1").get_data(as_text=True)
    assert "app-sheet--large" in page and "Dalston Community Choir" in page


def test_a_shared_list_drops_listings_taken_down_since(client, make_listing):
    choir = make_listing("Dalston Community Choir")
    walk = make_listing("Hackney Marshes Health Walk")
    shortlist(client, choir, walk)
    path = share_link(client).removeprefix("http://localhost")
    set_listing_status(walk.id, ListingStatus.HIDDEN)
    page = client.get(path).get_data(as_text=True)
    assert "Dalston Community Choir" in page and "Hackney Marshes Health Walk" not in page
    assert "1 activity on this list is no longer in the directory" in page


def test_tampered_or_foreign_tokens_are_not_found(app, client, make_listing):
    shortlist(client, make_listing("Dalston Community Choir"))
    token = share_link(client).rsplit("/", 1)[1]
    other_ids = URLSafeSerializer(app.config["SECRET_KEY"], salt="shortlist").dumps([str(uuid.uuid4())])
    _payload, signature = other_ids.rsplit(".", 1)
    forged = token.rsplit(".", 1)[0] + "." + signature
    for bad in (
        forged,
        token[:-2],
        "not-a-token",
        URLSafeSerializer("someone-elses-secret", salt="shortlist").dumps([str(uuid.uuid4())]),
        URLSafeSerializer(app.config["SECRET_KEY"], salt="other").dumps([str(uuid.uuid4())]),
        URLSafeSerializer(app.config["SECRET_KEY"], salt="shortlist").dumps("not a list"),
    ):
        response = client.get(f"/shortlist/shared/{bad}")
        assert response.status_code == 404, bad
        assert "Page not found" in response.get_data(as_text=True)
        assert client.post(f"/shortlist/shared/{bad}/copy").status_code == 404
        assert client.get(f"/shortlist/shared/{bad}/print").status_code == 404


def test_copying_stops_at_the_limit(client, make_listing):
    choir = make_listing("Dalston Community Choir")
    shortlist(client, choir)
    path = share_link(client).removeprefix("http://localhost")
    mine = [str(uuid.uuid4()) for _ in range(30)]
    with client.session_transaction() as session:
        session["shortlist"] = mine
    client.post(f"{path}/copy")
    with client.session_transaction() as session:
        assert session["shortlist"] == mine
    assert "1 activity was not copied" in client.get("/shortlist").get_data(as_text=True)


def test_the_share_link_uses_the_address_the_site_is_served_at(app, client, make_listing, monkeypatch):
    """BASE_URL unset: the link shown is where the page came from, not the default host;
    mail still uses BASE_URL."""
    from navigator.shortlist.store import share_url

    choir = make_listing("Dalston Community Choir")
    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:5000")
    monkeypatch.setitem(app.config, "BASE_URL_SET", False)
    with app.test_request_context("/shortlist/share", base_url="http://navigator.hackney.example:8443"):
        assert share_url([str(choir.id)]).startswith("http://navigator.hackney.example:8443/shortlist/shared/")
        assert share_url([str(choir.id)], for_mail=True).startswith("http://127.0.0.1:5000/shortlist/shared/")

    monkeypatch.setitem(app.config, "BASE_URL", "https://navigator.example.org")
    monkeypatch.setitem(app.config, "BASE_URL_SET", True)
    shortlist(client, choir)
    assert share_link(client).startswith("https://navigator.example.org/shortlist/shared/")

"""Adding to and removing from the shortlist from search results and listing pages."""

from __future__ import annotations

import re
import uuid

from navigator.models import ListingStatus
from navigator.services.listings import set_listing_status
from navigator.shortlist.store import LIMIT


def on_shortlist(client) -> list[str]:
    with client.session_transaction() as session:
        return list(session.get("shortlist", []))


def add(client, listing_id, next_page="/search"):
    return client.post("/shortlist/add", data={"listing_id": str(listing_id), "next": next_page})


def test_add_and_remove_from_a_search_result(client, make_listing):
    choir = make_listing("Dalston Community Choir")
    page = client.get("/search").get_data(as_text=True)
    assert "Dalston Community Choir" in page
    assert 'action="/shortlist/add"' in page and "Add to shortlist" in page
    assert "Your shortlist (0)" in page

    response = add(client, choir.id, "/search?q=choir")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/search?q=choir#shortlist-{choir.id}"
    assert on_shortlist(client) == [str(choir.id)]

    page = client.get("/search").get_data(as_text=True)
    assert "Remove from shortlist" in page and "Add to shortlist" not in page
    assert "Your shortlist (1)" in page
    assert "Added Dalston Community Choir to your shortlist" in page

    response = client.post("/shortlist/remove", data={"listing_id": str(choir.id), "next": "/search"})
    assert response.status_code == 302 and response.headers["Location"] == f"/search#shortlist-{choir.id}"
    assert on_shortlist(client) == []
    page = client.get("/search").get_data(as_text=True)
    assert "Removed Dalston Community Choir from your shortlist" in page and "Add to shortlist" in page


def test_buttons_on_the_listing_page(client, make_listing):
    choir = make_listing("Dalston Community Choir")
    url = f"/activities/{choir.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Add to shortlist" in page and f'name="next" value="{url}"' in page
    assert add(client, choir.id, url).headers["Location"] == f"{url}#shortlist-{choir.id}"
    assert "Remove from shortlist" in client.get(url).get_data(as_text=True)


def test_duplicates_are_ignored(client, make_listing):
    choir = make_listing("Dalston Community Choir")
    walk = make_listing("Hackney Marshes Health Walk")
    for listing in (choir, walk, choir, choir):
        assert add(client, listing.id).status_code == 302
    assert on_shortlist(client) == [str(choir.id), str(walk.id)]


def test_unknown_and_unpublished_ids_are_ignored_without_error(client, make_listing):
    hidden = make_listing("Taken down")
    set_listing_status(hidden.id, ListingStatus.HIDDEN)
    for listing_id in ("not-a-uuid", "", str(uuid.uuid4()), str(hidden.id)):
        response = add(client, listing_id)
        assert response.status_code == 302, listing_id
        assert response.headers["Location"] == "/search"
    assert on_shortlist(client) == []
    assert client.post("/shortlist/add", data={}).headers["Location"] == "/shortlist"
    assert client.post("/shortlist/remove", data={"listing_id": str(uuid.uuid4())}).status_code == 302


def test_the_shortlist_holds_at_most_30(client, make_listing):
    choir = make_listing("Dalston Community Choir")
    full = [str(uuid.uuid4()) for _ in range(LIMIT)]
    with client.session_transaction() as session:
        session["shortlist"] = full
    response = add(client, choir.id)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Your shortlist is full" in page and f"can hold {LIMIT} activities" in page
    assert 'href="/search"' in page
    assert on_shortlist(client) == full
    detail = client.get(f"/activities/{choir.id}").get_data(as_text=True)
    assert "Add to shortlist" not in detail and "Your shortlist is full" in detail


def test_only_same_site_paths_are_followed(client, make_listing):
    choir = make_listing("Dalston Community Choir")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "evil", "javascript:alert(1)"):
        response = add(client, choir.id, target)
        assert response.headers["Location"] == "/shortlist", target


def test_adding_needs_the_form_token(app, client, make_listing):
    choir = make_listing("Dalston Community Choir")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert add(client, choir.id).status_code == 400
        assert on_shortlist(client) == []
        page = client.get(f"/activities/{choir.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        response = client.post(
            "/shortlist/add", data={"listing_id": str(choir.id), "next": "/search", "csrf_token": token}
        )
        assert response.status_code == 302
        assert on_shortlist(client) == [str(choir.id)]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_shortlist_survives_signing_in(client, staff, make_listing):
    from tests.factories import sign_in

    listing = make_listing("Homerton Knit and Natter")
    client.post("/shortlist/add", data={"listing_id": str(listing.id), "next": "/search"})
    sign_in(client, staff["navigator"])
    assert "Homerton Knit and Natter" in client.get("/shortlist").get_data(as_text=True)

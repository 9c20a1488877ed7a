from navigator.models import ListingKind


def test_home_page_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Find local activities" in response.data


def test_lunch_club_found_with_typo(client, make_listing):
    make_listing("Clapton Tuesday Lunch Club", categories=("lunch-clubs",), description="Hot lunch for over 60s")
    make_listing("Hackney Youth Club", categories=("youth-clubs",))
    response = client.get("/search?q=lonch+club")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Clapton Tuesday Lunch Club" in page
    assert "Hackney Youth Club" not in page


def test_event_detail(client, make_listing):
    event = make_listing("Winter warmth fair", kind=ListingKind.EVENT)
    response = client.get(f"/events/{event.id}")
    assert response.status_code == 200, response.data

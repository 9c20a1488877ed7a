"""Finding activities for a person in the public directory and adding them to their plan."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from navigator.extensions import db
from navigator.models import Connection, ConnectionStatus, ReferralState
from tests.factories import make_referral


def engaged_case(staff, **changes):
    return make_referral(
        ReferralState.ENGAGED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"], **changes
    )


def find_activities_link(html: str) -> str:
    return html_lib.unescape(re.search(r'id="find-activities" href="([^"]+)"', html)[1])


def test_find_activities_opens_the_directory_for_her_needs_near_her_in_her_languages(staff, login_as):
    referral = engaged_case(staff, target_groups=["older-living-alone", "carers"], barriers=["mobility", "cost"])
    referral.person.languages = ["en", "tr"]
    referral.person.communication_needs = ["bsl", "hearing_loop", "easy_read", "advocate"]
    db.session.commit()
    client = login_as(staff["navigator"])
    link = find_activities_link(client.get(f"/casework/cases/{referral.id}").get_data(as_text=True))
    parts = urlsplit(link)
    assert parts.path == "/search"
    query = parse_qs(parts.query)
    assert query["postcode"] == ["E8 1DY"] and query["within"] == ["2"]
    assert query["language"] == ["en", "tr"]
    assert query["category"] == ["social-befriending", "bereavement-support"]  # from her needs
    assert "group" not in query  # target groups are for monitoring, never matching (domain.md 4.2)
    assert sorted(query["access"]) == ["bsl", "easy-read", "hearing-loop", "step-free"]
    assert query["for_case"] == [str(referral.id)]

    search = client.get(link)
    assert search.status_code == 200
    page = search.get_data(as_text=True)
    assert "Finding activities for" in page and referral.reference in page
    assert f'name="for_case" value="{referral.id}"' in page


def test_the_suggest_button_is_only_for_someone_who_works_the_case(staff, login_as, client, make_listing):
    referral = engaged_case(staff)
    make_listing("Dalston Community Choir")
    url = f"/search?for_case={referral.id}"
    button = f"Suggest for {referral.reference}"

    anonymous = client.get(url).get_data(as_text=True)
    # No suggest form (the shortlist's own buttons carry a CSRF token, so look for the form's action).
    suggest_action = f"/casework/cases/{referral.id}/connections"
    assert "Dalston Community Choir" in anonymous and button not in anonymous and suggest_action not in anonymous
    assert button in login_as(staff["navigator"]).get(url).get_data(as_text=True)
    assert button in login_as(staff["lead"]).get(url).get_data(as_text=True)
    for who in ("other_navigator", "referrer", "admin"):
        page = login_as(staff[who]).get(url).get_data(as_text=True)
        assert "Dalston Community Choir" in page and button not in page, who


def test_the_directory_is_unchanged_without_a_case(staff, login_as, client, make_listing):
    make_listing("Dalston Community Choir")
    plain = client.get("/search").get_data(as_text=True)
    assert "Suggest for" not in plain and "for_case" not in plain
    navigator = login_as(staff["navigator"]).get("/search?for_case=not-a-uuid").get_data(as_text=True)
    assert "Dalston Community Choir" in navigator and "Suggest for" not in navigator and "for_case" not in navigator


def test_no_button_for_a_case_that_cannot_take_activities(staff, login_as, make_listing):
    referral = make_referral(
        ReferralState.CLOSED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    make_listing("Dalston Community Choir")
    page = login_as(staff["navigator"]).get(f"/search?for_case={referral.id}").get_data(as_text=True)
    assert "Dalston Community Choir" in page and "Suggest for" not in page


def test_suggesting_from_the_listing_page(staff, login_as, make_listing):
    referral = engaged_case(staff)
    listing = make_listing("Clapton Lunch Club")
    client = login_as(staff["navigator"])
    search = client.get(f"/search?for_case={referral.id}").get_data(as_text=True)
    assert f'href="/activities/{listing.id}?for_case={referral.id}"' in search
    detail = client.get(f"/activities/{listing.id}?for_case={referral.id}").get_data(as_text=True)
    assert f"Suggest for {referral.reference}" in detail
    assert f'action="/casework/cases/{referral.id}/connections"' in detail

    response = client.post(f"/casework/cases/{referral.id}/connections", data={"listing_id": str(listing.id)})
    assert response.status_code == 302
    assert "Clapton Lunch Club suggested" in client.get(response.headers["Location"]).get_data(as_text=True)
    connection = db.session.scalars(select(Connection)).one()
    assert connection.listing_id == listing.id and connection.status is ConnectionStatus.SUGGESTED
    detail = client.get(f"/activities/{listing.id}?for_case={referral.id}").get_data(as_text=True)
    assert f"On the plan for {referral.reference}" in detail and "Suggest for" not in detail
    assert "Suggest for" not in client.get(f"/activities/{listing.id}").get_data(as_text=True)


def test_filters_keep_the_case_while_searching(staff, login_as, make_listing):
    referral = engaged_case(staff)
    make_listing("Dalston Community Choir", languages=("tr",))
    page = login_as(staff["navigator"]).get(f"/search?for_case={referral.id}&language=tr").get_data(as_text=True)
    remove = html_lib.unescape(re.search(r'href="([^"]*)">Remove<span', page)[1])
    assert f"for_case={referral.id}" in remove


def test_a_need_without_a_category_searches_every_kind_of_activity(staff, login_as):
    referral = engaged_case(staff, needs=["loneliness", "activity_or_hobby"])
    link = find_activities_link(
        login_as(staff["navigator"]).get(f"/casework/cases/{referral.id}").get_data(as_text=True)
    )
    assert "category" not in parse_qs(urlsplit(link).query)

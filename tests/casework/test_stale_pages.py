"""A goal's status or a connection changed from a page loaded before someone else changed
it: refused with who changed it and when, the choice kept, and saving again goes through."""

from __future__ import annotations

import re

import pytest

from navigator.extensions import db
from navigator.models import Connection, ConnectionStatus, Goal, GoalStatus, ReferralState
from navigator.services import referrals as service
from tests.factories import make_referral, make_user, sign_in
from tests.referrals.helpers import error_messages


@pytest.fixture
def plan(staff, make_listing):
    navigator = staff["navigator"]
    referral = make_referral(
        ReferralState.IN_SUPPORT, referrer=staff["referrer"], lead=staff["lead"], navigator=navigator
    )
    goal = service.add_goal(referral.id, by=navigator, text="Get back to singing")
    listing = make_listing("Dalston Community Choir")
    connection = service.suggest_connection(referral.id, by=navigator, listing_id=listing.id)
    return referral, goal, connection


def revision_on(response, name: str = "revision") -> str:
    match = re.search(rf'name="{name}" type="hidden" value="(\d+)"', response.get_data(as_text=True))
    assert match, "the page carries the record's revision"
    return match[1]


def test_a_goal_status_from_a_stale_page_does_not_overwrite(app, staff, login_as, plan):
    referral, goal, _ = plan
    client = login_as(staff["navigator"])
    lead = app.test_client()
    sign_in(lead, staff["lead"])
    url = f"/casework/goals/{goal.id}/status"
    field = f"goal-{goal.id}-status"
    mine = revision_on(client.get(url), f"goal-{goal.id}-revision")
    theirs = revision_on(lead.get(f"/casework/cases/{referral.id}"), f"goal-{goal.id}-revision")
    assert mine == theirs

    assert lead.post(url, data={field: "achieved", f"goal-{goal.id}-revision": theirs}).status_code == 302
    response = client.post(url, data={field: "in_progress", f"goal-{goal.id}-revision": mine})

    assert response.status_code == 200
    assert "<title>Error: " in response.get_data(as_text=True)
    [message] = error_messages(response)
    assert message.startswith("This goal was changed by Lena Lead at ")
    assert 'value="in_progress" checked' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).status is GoalStatus.ACHIEVED
    fresh = revision_on(response, f"goal-{goal.id}-revision")
    assert fresh != mine
    assert client.post(url, data={field: "in_progress", f"goal-{goal.id}-revision": fresh}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).status is GoalStatus.IN_PROGRESS


def test_a_connection_from_a_stale_page_does_not_overwrite(app, staff, login_as, plan):
    _, _, connection = plan
    client = login_as(staff["navigator"])
    url = f"/casework/connections/{connection.id}"
    mine = revision_on(client.get(url))
    other = make_user("team_lead", name="Luca Lead")
    service.update_connection(connection.id, by=other, status=ConnectionStatus.CONTACTED, details_shared_agreed=True)

    response = client.post(url, data={"status": "stopped", "stopped_reason": "cost", "revision": mine})

    assert response.status_code == 200
    assert "<title>Error: " in response.get_data(as_text=True)
    [message] = error_messages(response)
    assert message.startswith("This connection was changed by Luca Lead at ")
    db.session.expire_all()
    assert db.session.get(Connection, connection.id).status is ConnectionStatus.CONTACTED
    assert revision_on(response) != mine

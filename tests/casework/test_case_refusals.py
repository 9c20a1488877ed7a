"""Moves the lifecycle does not allow, and mistakes in forms: a clear message, never a 500,
and what was typed is kept (domain.md 2.3, 2.5)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from navigator.extensions import db
from navigator.models import Connection, ConnectionStatus, ContactAttempt, Referral, ReferralState
from navigator.services import referrals as service
from tests.factories import make_referral

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


def a_case(staff, state):
    return make_referral(state, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])


def text(response) -> str:
    return response.get_data(as_text=True)


def state_of(referral) -> ReferralState:
    db.session.expire_all()
    return db.session.get(Referral, referral.id).state


def test_support_cannot_start_from_allocated(staff, login_as):
    referral = a_case(staff, ReferralState.ALLOCATED)
    response = login_as(staff["navigator"]).post(f"/casework/cases/{referral.id}/start-support")
    assert response.status_code == 400
    html = text(response)
    assert "<title>Error: " in html and "There is a problem" in html
    assert "A referral that is allocated cannot be moved to in support" in html
    assert state_of(referral) is ReferralState.ALLOCATED


def test_goals_met_is_not_a_reason_to_close_while_still_trying_to_contact(staff, login_as):
    referral = a_case(staff, ReferralState.CONTACTING)
    client = login_as(staff["navigator"])
    form = text(client.get(f"/casework/cases/{referral.id}/close"))
    assert 'value="declined"' in form and 'value="unable_to_contact"' in form and 'value="goals_met"' not in form
    response = client.post(
        f"/casework/cases/{referral.id}/close", data={"reason": "goals_met", "summary": "Typed summary"}
    )
    assert response.status_code == 200
    html = text(response)
    assert "A referral that is trying to contact cannot be closed as “goals met”" in html
    assert "Typed summary" in html
    assert state_of(referral) is ReferralState.CONTACTING


def test_closing_from_support_needs_the_closure_screen_or_a_reason(staff, login_as):
    referral = a_case(staff, ReferralState.IN_SUPPORT)
    client = login_as(staff["navigator"])
    response = client.post(f"/casework/cases/{referral.id}/close", data={"reason": "goals_met"})
    assert "Record a complete closure screen of the UCLA 3-item Loneliness Scale (ONS wording) and the ONS" in text(
        response
    )
    assert state_of(referral) is ReferralState.IN_SUPPORT
    response = client.post(
        f"/casework/cases/{referral.id}/close",
        data={"reason": "disengaged", "follow_up_not_obtained_reason": "unable_to_contact"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    closed = db.session.get(Referral, referral.id)
    assert closed.closure_reason == "disengaged" and closed.follow_up_not_obtained_reason == "unable_to_contact"
    assert not closed.follow_up_pending


def test_closing_a_case_someone_else_just_changed_is_refused(staff, login_as):
    referral = a_case(staff, ReferralState.CONTACTING)
    client = login_as(staff["navigator"])
    version = re.search(
        r'name="expected_version" value="(\d+)"', text(client.get(f"/casework/cases/{referral.id}/close"))
    )[1]
    # Meanwhile the team lead changes the referral.
    service.raise_safeguarding_concern(referral.id, by=staff["lead"], note="Neighbour called")
    response = client.post(
        f"/casework/cases/{referral.id}/close", data={"reason": "declined", "expected_version": version}
    )
    assert response.status_code == 200
    assert "changed while you were looking at it" in text(response)
    assert state_of(referral) is ReferralState.CONTACTING


def test_a_stopped_connection_cannot_become_attending(staff, login_as, make_listing):
    referral = a_case(staff, ReferralState.IN_SUPPORT)
    listing = make_listing("Hackney Walking Group")
    connection = service.suggest_connection(referral.id, by=staff["navigator"], listing_id=listing.id)
    client = login_as(staff["navigator"])
    url = f"/casework/connections/{connection.id}"
    response = client.post(url, data={"status": "stopped"})
    assert "Choose why the person stopped" in text(response)
    assert client.post(url, data={"status": "stopped", "stopped_reason": "timing"}).status_code == 302
    assert "its status cannot change" in text(client.get(url))
    response = client.post(url, data={"status": "attending_regularly"})
    assert response.status_code == 200
    assert "A connection that is stopped cannot become attending regularly" in text(response)
    db.session.expire_all()
    assert db.session.get(Connection, connection.id).status is ConnectionStatus.STOPPED


def test_contacting_the_organiser_needs_the_persons_agreement(staff, login_as, make_listing):
    referral = a_case(staff, ReferralState.IN_SUPPORT)
    listing = make_listing("Hackney Walking Group")
    connection = service.suggest_connection(referral.id, by=staff["navigator"], listing_id=listing.id)
    response = login_as(staff["navigator"]).post(
        f"/casework/connections/{connection.id}", data={"status": "contacted", "note": "Rang the organiser"}
    )
    html = text(response)
    assert "Record that the person agreed to share their details with the organiser" in html
    assert 'href="#details_shared_agreed"' in html and "Rang the organiser" in html


def test_reviews_only_while_in_support_and_contacts_only_before_engagement(staff, login_as):
    referral = a_case(staff, ReferralState.ENGAGED)
    client = login_as(staff["navigator"])
    response = client.post(f"/casework/cases/{referral.id}/reviews/new", data={"progress": "Met for coffee"})
    assert "Reviews are recorded while the person is in support" in text(response)
    assert "Met for coffee" in text(response)
    response = client.post(
        f"/casework/cases/{referral.id}/contacts/new",
        data={
            "day-day": "1",
            "day-month": "1",
            "day-year": "2026",
            "at_time": "10:00",
            "channel": "phone",
            "outcome": "no_answer",
        },
    )
    assert "Contact attempts are logged before the person is engaged" in text(response)


def test_contact_attempt_form_mistakes_are_explained_and_kept(staff, login_as, frozen_now):
    frozen_now(NOW)
    referral = a_case(staff, ReferralState.ALLOCATED)
    client = login_as(staff["navigator"])
    url = f"/casework/cases/{referral.id}/contacts/new"
    response = client.post(
        url, data={"day-day": "31", "day-month": "2", "day-year": "2026", "at_time": "25:10", "note": "Rang twice"}
    )
    html = text(response)
    assert response.status_code == 200 and "<title>Error: " in html
    assert "Date of the attempt must be a real date" in html
    assert "Enter the time on the 24-hour clock" in html
    assert "Choose how you tried to contact them" in html and "Choose what happened" in html
    assert 'value="31"' in html and 'value="25:10"' in html and "Rang twice" in html

    response = client.post(
        url,
        data={
            "day-day": "",
            "day-month": "",
            "day-year": "",
            "at_time": "10:00",
            "channel": "phone",
            "outcome": "no_answer",
        },
    )
    assert "Enter the date of the attempt" in text(response)

    response = client.post(
        url,
        data={
            "day-day": "10",
            "day-month": "3",
            "day-year": "2026",
            "at_time": "14:00",
            "channel": "phone",
            "outcome": "no_answer",
        },
    )
    assert "The time of the attempt cannot be in the future" in text(response)
    assert db.session.scalars(select(ContactAttempt)).all() == []
    assert state_of(referral) is ReferralState.ALLOCATED


def test_contact_time_is_london_time(staff, login_as, frozen_now):
    frozen_now(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))  # British Summer Time: 13:00 in London
    referral = a_case(staff, ReferralState.ALLOCATED)
    client = login_as(staff["navigator"])
    assert 'value="13:00"' in text(client.get(f"/casework/cases/{referral.id}/contacts/new"))
    client.post(
        f"/casework/cases/{referral.id}/contacts/new",
        data={
            "day-day": "1",
            "day-month": "7",
            "day-year": "2026",
            "at_time": "12.30",
            "channel": "phone",
            "outcome": "no_answer",
        },
    )
    attempt = db.session.scalars(select(ContactAttempt)).one()
    assert attempt.at.astimezone(UTC) == datetime(2026, 7, 1, 11, 30, tzinfo=UTC)


def test_screening_needs_at_least_one_answer_and_a_known_instrument(staff, login_as):
    referral = a_case(staff, ReferralState.ENGAGED)
    client = login_as(staff["navigator"])
    base = f"/casework/cases/{referral.id}/screenings/new"
    response = client.post(f"{base}?instrument=ucla3", data={"mode": "read out", "answered_by": "person"})
    assert "Answer at least one question" in text(response)
    assert client.get(f"{base}?instrument=swemwbs").status_code == 404
    assert client.get(f"{base}?instrument=ucla3&occasion=someday").status_code == 404
    response = client.post(f"{base}?instrument=ucla3", data={"item_left_out": "always", "mode": "read out"})
    assert response.status_code == 200 and "Not a valid choice" in text(response)


def test_only_a_follow_up_screen_can_be_added_after_closure(staff, login_as):
    not_agreed = a_case(staff, ReferralState.CLOSED)
    client = login_as(staff["navigator"])
    assert "occasion=follow_up" not in text(client.get(f"/casework/cases/{not_agreed.id}"))
    referral = a_case(staff, ReferralState.IN_SUPPORT)
    service.close_referral(
        referral.id,
        by=staff["navigator"],
        reason="goals_met",
        contact_again_agreed=True,
        follow_up_not_obtained_reason="not_yet_due",
    )
    html = text(client.get(f"/casework/cases/{referral.id}"))
    assert "occasion=follow_up" in html
    base = f"/casework/cases/{referral.id}/screenings/new"
    data = {"item_lonely": "some_of_the_time", "mode": "self-completed", "answered_by": "person"}
    response = client.post(f"{base}?instrument=ons_direct&occasion=review", data=data)
    assert "Only a follow-up screen can be added to a closed referral" in text(response)
    assert client.post(f"{base}?instrument=ons_direct&occasion=follow_up", data=data).status_code == 302


def test_activities_are_suggested_once_the_person_is_engaged(staff, login_as, make_listing):
    listing = make_listing("Hackney Walking Group")
    allocated = a_case(staff, ReferralState.ALLOCATED)
    client = login_as(staff["navigator"])
    response = client.post(f"/casework/cases/{allocated.id}/connections", data={"listing_id": str(listing.id)})
    assert "Connect the person to activities once they are engaged" in text(response)

    engaged = a_case(staff, ReferralState.ENGAGED)
    url = f"/casework/cases/{engaged.id}/connections"
    assert client.post(url, data={"listing_id": str(listing.id)}).status_code == 302
    response = client.post(url, data={"listing_id": str(listing.id)})
    assert "Hackney Walking Group is already on this person&#39;s plan" in text(response)
    response = client.post(url, data={"listing_id": "not-a-listing"})
    assert "Choose an activity that is in the directory" in text(response)


def test_empty_goal_and_note_are_refused_and_notes_from_other_cases_cannot_be_corrected(staff, login_as):
    referral = a_case(staff, ReferralState.ENGAGED)
    other = a_case(staff, ReferralState.ENGAGED)
    other_note = service.add_case_note(other.id, by=staff["navigator"], text="Other person's note")
    client = login_as(staff["navigator"])
    assert "Enter the goal in the person" in text(
        client.post(f"/casework/cases/{referral.id}/goals", data={"text": " "})
    )
    assert "Enter the note" in text(client.post(f"/casework/cases/{referral.id}/notes", data={"text": ""}))
    assert client.get(f"/casework/cases/{referral.id}/notes/new?corrects={other_note.id}").status_code == 404
    response = client.post(
        f"/casework/cases/{referral.id}/notes", data={"text": "Fix", "corrects_id": str(other_note.id)}
    )
    assert response.status_code == 404


def test_goal_status_cannot_change_after_closure(staff, login_as):
    referral = a_case(staff, ReferralState.IN_SUPPORT)
    goal = service.add_goal(referral.id, by=staff["navigator"], text="Join a choir")
    service.close_referral(
        referral.id, by=staff["navigator"], reason="goals_met", follow_up_not_obtained_reason="declined"
    )
    response = login_as(staff["navigator"]).post(
        f"/casework/goals/{goal.id}/status", data={f"goal-{goal.id}-status": "achieved"}
    )
    assert response.status_code == 200
    assert "This referral is closed" in text(response)

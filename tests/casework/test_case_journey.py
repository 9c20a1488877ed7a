"""A case from allocation to closure, through the pages a navigator uses."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from navigator.extensions import db
from navigator.models import (
    AuditAction,
    AuditEntry,
    CaseNote,
    Connection,
    ConnectionStatus,
    ContactAttempt,
    Goal,
    GoalStatus,
    OutboxMessage,
    Referral,
    ReferralState,
    Review,
    Screening,
    ScreeningOccasion,
)
from navigator.screening import AdministrationMode
from tests.factories import make_referral

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # GMT: London time is UTC


def contact(client, referral, outcome, *, channel="phone", at_time="10:15", agrees=False, interpreter=False):
    data = {
        "day-day": str(NOW.day),
        "day-month": str(NOW.month),
        "day-year": str(NOW.year),
        "at_time": at_time,
        "channel": channel,
        "outcome": outcome,
        "note": f"Tried by {channel}",
    }
    if agrees:
        data["person_agrees"] = "y"
    if interpreter:
        data["interpreter_used"] = "y"
    return client.post(f"/casework/cases/{referral.id}/contacts/new", data=data)


def screen(client, referral, instrument, answers, occasion="baseline", mode="self-completed"):
    data = {f"item_{code}": value for code, value in answers.items()}
    data.update(mode=mode, answered_by="person")
    return client.post(
        f"/casework/cases/{referral.id}/screenings/new?instrument={instrument}&occasion={occasion}", data=data
    )


def state_of(referral_id) -> ReferralState:
    db.session.expire_all()
    return db.session.get(Referral, referral_id).state


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1, url
    return html


def test_a_case_from_allocation_to_closure_with_follow_up_screen(staff, login_as, make_listing, frozen_now):
    frozen_now(NOW)
    navigator = staff["navigator"]
    referral = make_referral(
        ReferralState.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=navigator
    )
    case_url = f"/casework/cases/{referral.id}"
    client = login_as(navigator)

    html = page(client, case_url)
    assert "Edna Okonkwo-Test" in html and "Allocated" in html
    assert "0 of 3" in html and "Log a contact attempt" in html
    form = page(client, f"{case_url}/contacts/new")
    assert 'value="10"' in form and 'value="11:00"' in form  # defaults to now, in London time

    # Two failed attempts, then the person is reached and agrees.
    response = contact(client, referral, "no_answer")
    assert response.status_code == 302 and response.headers["Location"] == case_url
    assert state_of(referral.id) is ReferralState.CONTACTING
    html = page(client, case_url)
    assert "Contact attempt logged: no answer" in html and "1 of 3" in html
    contact(client, referral, "voicemail", channel="sms", at_time="10:30")
    assert "2 of 3" in page(client, case_url)
    contact(client, referral, "reached", at_time="10:45", agrees=True)
    assert state_of(referral.id) is ReferralState.ENGAGED
    assert len(db.session.scalars(select(ContactAttempt)).all()) == 3

    html = page(client, case_url)
    assert "Baseline loneliness screen needed" in html
    assert "UCLA 3-item Loneliness Scale" in html

    # Support cannot start before the baseline screen.
    response = client.post(f"{case_url}/start-support")
    assert response.status_code == 400
    assert "Record the baseline loneliness screen before starting support" in response.get_data(as_text=True)
    assert state_of(referral.id) is ReferralState.ENGAGED

    screen_form = page(client, f"{case_url}/screenings/new?instrument=ucla3&occasion=baseline")
    assert "How often do you feel that you lack companionship?" in screen_form
    assert "Prefer not to say" in screen_form and "The next four questions" in screen_form
    response = screen(
        client, referral, "ucla3", {"lack_companionship": "often", "left_out": "some_of_the_time", "isolated": "often"}
    )
    assert response.status_code == 302
    ucla = db.session.scalars(select(Screening).where(Screening.instrument_code == "ucla3")).one()
    assert ucla.score == 8 and ucla.band == "lonely (local convention)" and ucla.complete
    assert ucla.answers == {"lack_companionship": "often", "left_out": "some_of_the_time", "isolated": "often"}
    assert ucla.instrument_version == "1" and ucla.scoring_version == "ucla3/1"
    assert ucla.occasion is ScreeningOccasion.BASELINE and ucla.mode is AdministrationMode.SELF_COMPLETED
    assert ucla.recorded_by_id == navigator.id and ucla.recorded_at == NOW
    screen(client, referral, "ons_direct", {"lonely": "often_always"})

    html = page(client, case_url)
    assert "Baseline loneliness screen needed" not in html
    assert "Often/always (chronic loneliness)" in html and ">8<" in html

    response = client.post(f"{case_url}/start-support")
    assert response.status_code == 302
    assert state_of(referral.id) is ReferralState.IN_SUPPORT

    # The plan: two goals in the person's words.
    for text in ("Get back to singing", "Meet people my own age"):
        response = client.post(
            f"{case_url}/goals",
            data={"text": text, "target_date-day": "30", "target_date-month": "6", "target_date-year": "2026"},
        )
        assert response.status_code == 302
    goals = db.session.scalars(select(Goal).order_by(Goal.created_at, Goal.text)).all()
    assert [g.text for g in goals] == ["Get back to singing", "Meet people my own age"]
    assert goals[0].target_date == date(2026, 6, 30)
    response = client.post(f"/casework/goals/{goals[0].id}/status", data={f"goal-{goals[0].id}-status": "in_progress"})
    assert response.status_code == 302
    db.session.refresh(goals[0])
    assert goals[0].status is GoalStatus.IN_PROGRESS

    # Activities suggested from the directory.
    choir = make_listing("Dalston Community Choir")
    lunch = make_listing("Clapton Lunch Club")
    search = page(client, f"/search?for_case={referral.id}")
    assert f"Suggest for {referral.reference}" in search
    for listing in (choir, lunch):
        response = client.post(f"{case_url}/connections", data={"listing_id": str(listing.id)})
        assert response.status_code == 302 and response.headers["Location"] == case_url
    search = page(client, f"/search?for_case={referral.id}")
    assert f"On the plan for {referral.reference}" in search
    connection = db.session.scalars(select(Connection).where(Connection.listing_id == choir.id)).one()
    connection_url = f"/casework/connections/{connection.id}"
    assert "Organiser contacted" in page(client, connection_url)
    client.post(connection_url, data={"status": "contacted", "details_shared_agreed": "y"})
    response = client.post(connection_url, data={"status": "attended_first_session", "buddy_went": "y"})
    assert response.status_code == 302
    db.session.refresh(connection)
    assert connection.status is ConnectionStatus.ATTENDED_FIRST_SESSION
    assert (
        connection.buddy_went and connection.details_shared_agreed and connection.first_attended_at == date(2026, 3, 10)
    )

    # A review, then a note and a correction to it.
    review_form = page(client, f"{case_url}/reviews/new")
    assert 'value="21"' in review_form and 'value="4"' in review_form  # 42 days on: 21 April 2026
    response = client.post(
        f"{case_url}/reviews/new",
        data={
            "progress": "Went to the choir with a buddy.",
            "next_review_due-day": "21",
            "next_review_due-month": "4",
            "next_review_due-year": "2026",
        },
    )
    assert response.status_code == 302
    assert db.session.scalars(select(Review)).one().next_review_due == date(2026, 4, 21)

    client.post(f"{case_url}/notes", data={"text": "Daughter visits on Sundays."})
    original = db.session.scalars(select(CaseNote)).one()
    correction_form = page(client, f"{case_url}/notes/new?corrects={original.id}")
    assert "Daughter visits on Sundays." in correction_form
    response = client.post(
        f"{case_url}/notes", data={"text": "Son visits on Sundays.", "corrects_id": str(original.id)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    notes = db.session.scalars(select(CaseNote).order_by(CaseNote.text)).all()
    assert [(n.text, n.corrects_id) for n in notes] == [
        ("Daughter visits on Sundays.", None),
        ("Son visits on Sundays.", original.id),
    ]
    html = page(client, case_url)
    assert "Correction to note of 10 March 2026" in html
    assert f'href="#note-{original.id}"' in html

    # Close: goals met, with the closure screen.
    screen(
        client,
        referral,
        "ucla3",
        {"lack_companionship": "some_of_the_time", "left_out": "hardly_ever_or_never", "isolated": "some_of_the_time"},
        occasion="closure",
    )
    close_form = page(client, f"{case_url}/close")
    assert "Record the ONS direct loneliness question at closure" in close_form  # still to ask
    screen(client, referral, "ons_direct", {"lonely": "some_of_the_time"}, occasion="closure")
    close_form = page(client, f"{case_url}/close")
    version = re.search(r'name="expected_version" value="(\d+)"', close_form)[1]
    assert "Goals met" in close_form and "UCLA 3-item" in close_form
    response = client.post(
        f"{case_url}/close",
        data={"reason": "goals_met", "summary": "Goes to the choir every week.", "expected_version": version},
    )
    assert "Say whether the person agreed to be contacted again" in response.get_data(as_text=True)
    response = client.post(
        f"{case_url}/close",
        data={
            "reason": "goals_met",
            "summary": "Goes to the choir every week.",
            "expected_version": version,
            "contact_again": "yes",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    closed = db.session.get(Referral, referral.id)
    assert closed.state is ReferralState.CLOSED and closed.closure_reason == "goals_met"
    closure_screens = db.session.scalars(select(Screening).where(Screening.occasion == ScreeningOccasion.CLOSURE)).all()
    assert {s.instrument_code: s.score for s in closure_screens} == {"ucla3": 5, "ons_direct": None}
    assert closed.contact_again_agreed is True and closed.follow_up_pending
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("closed"))).one()
    assert mail.to == "referrer@example.org"
    assert "Goals met" in mail.body and "Goes to the choir every week." in mail.body
    assert "score" not in mail.body.lower() and "8" not in mail.body.replace(referral.reference, "")
    html = page(client, case_url)
    assert "Closed" in html and "Goes to the choir every week." in html

    # Every view and change is in the audit log.
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.referral_id == referral.id)).all()
    seen = {(e.action, e.record_type) for e in entries if e.user_id == navigator.id}
    assert {
        (AuditAction.VIEW, "referral"),
        (AuditAction.VIEW, "screening"),
        (AuditAction.CREATE, "contact_attempt"),
        (AuditAction.STATE_CHANGE, "referral"),
        (AuditAction.CREATE, "screening"),
        (AuditAction.CREATE, "goal"),
        (AuditAction.UPDATE, "goal"),
        (AuditAction.CREATE, "connection"),
        (AuditAction.UPDATE, "connection"),
        (AuditAction.CREATE, "review"),
        (AuditAction.CREATE, "case_note"),
    } <= seen
    states = [e.new_values["state"] for e in entries if e.action is AuditAction.STATE_CHANGE]
    assert states[-4:] == ["contacting", "engaged", "in_support", "closed"]


def test_three_failed_attempts_close_the_case_and_tell_the_referrer(staff, login_as, frozen_now):
    frozen_now(NOW)
    referral = make_referral(
        ReferralState.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    client = login_as(staff["navigator"])
    for channel, at_time in (("phone", "09:00"), ("sms", "10:00"), ("letter", "10:30")):
        contact(client, referral, "no_answer", channel=channel, at_time=at_time)
    db.session.expire_all()
    closed = db.session.get(Referral, referral.id)
    assert closed.state is ReferralState.CLOSED and closed.closure_reason == "unable_to_contact"
    html = page(client, f"/casework/cases/{referral.id}")
    assert "closed as unable to contact" in html and "Unable to contact after 3 attempts" in html
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("closed"))).one()
    assert mail.to == "referrer@example.org" and "Unable to contact" in mail.body


def test_only_interpreter_supported_attempts_count_when_an_interpreter_is_needed(staff, login_as, frozen_now):
    frozen_now(NOW)
    referral = make_referral(
        ReferralState.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    referral.person.interpreter_needed = True
    referral.person.interpreter_language = "tr"
    db.session.commit()
    client = login_as(staff["navigator"])
    case_url = f"/casework/cases/{referral.id}"
    html = page(client, case_url)
    assert "Only attempts made with an interpreter count" in html and "Needed: Turkish" in html
    assert "Needed (Turkish)" in page(client, f"{case_url}/contacts/new")
    assert 'name="interpreter_used" type="checkbox" value="y" checked' in page(client, f"{case_url}/contacts/new")

    for at_time in ("09:00", "09:30", "10:00"):
        contact(client, referral, "no_answer", at_time=at_time)
    assert state_of(referral.id) is ReferralState.CONTACTING
    assert "0 of 3" in page(client, case_url)

    contact(client, referral, "no_answer", at_time="10:10", interpreter=True)
    contact(client, referral, "voicemail", at_time="10:20", interpreter=True)
    assert "2 of 3" in page(client, case_url)
    contact(client, referral, "wrong_number", at_time="10:30", interpreter=True)
    assert state_of(referral.id) is ReferralState.CLOSED


def test_person_declining_closes_the_case(staff, login_as, frozen_now):
    frozen_now(NOW)
    referral = make_referral(
        ReferralState.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    client = login_as(staff["navigator"])
    response = contact(client, referral, "declined")
    assert response.status_code == 302
    db.session.expire_all()
    closed = db.session.get(Referral, referral.id)
    assert closed.state is ReferralState.CLOSED and closed.closure_reason == "declined"
    assert "The person declined the service" in page(client, f"/casework/cases/{referral.id}")


def test_reached_without_agreement_keeps_trying(staff, login_as, frozen_now):
    frozen_now(NOW)
    referral = make_referral(
        ReferralState.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    client = login_as(staff["navigator"])
    contact(client, referral, "reached")
    assert state_of(referral.id) is ReferralState.CONTACTING


def test_declined_items_count_as_answered_and_leave_the_total_empty(staff, login_as, frozen_now):
    frozen_now(NOW)
    referral = make_referral(
        ReferralState.ENGAGED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    client = login_as(staff["navigator"])
    screen(client, referral, "ucla3", {"lack_companionship": "often", "left_out": "declined", "isolated": "often"})
    screen(client, referral, "ons_direct", {"lonely": "declined"})
    ucla = db.session.scalars(select(Screening).where(Screening.instrument_code == "ucla3")).one()
    assert ucla.complete and ucla.score is None and ucla.answers["left_out"] == "declined"
    html = page(client, f"/casework/cases/{referral.id}")
    assert "Baseline loneliness screen needed" not in html and "Prefer not to say" in html
    assert client.post(f"/casework/cases/{referral.id}/start-support").status_code == 302


def test_optional_instruments_can_be_added_at_baseline(staff, login_as, frozen_now):
    frozen_now(NOW)
    referral = make_referral(
        ReferralState.ENGAGED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    client = login_as(staff["navigator"])
    html = page(client, f"/casework/cases/{referral.id}")
    for name in ("De Jong Gierveld", "Lubben", "ONS4"):
        assert name in html
    form = page(client, f"/casework/cases/{referral.id}/screenings/new?instrument=ons4&occasion=baseline")
    assert "Overall, how satisfied are you with your life nowadays?" in form
    answers = {"life_satisfaction": "4", "worthwhile": "6", "happiness": "5", "anxiety": "7"}
    assert screen(client, referral, "ons4", answers).status_code == 302
    html = page(client, f"/casework/cases/{referral.id}")
    assert "Life satisfaction 4" in html and "Anxiety high" in html


def test_screening_asked_through_an_interpreter_defaults_to_that_mode(staff, login_as, frozen_now):
    frozen_now(NOW)
    referral = make_referral(
        ReferralState.ENGAGED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    referral.person.interpreter_needed = True
    db.session.commit()
    client = login_as(staff["navigator"])
    form = page(client, f"/casework/cases/{referral.id}/screenings/new?instrument=ucla3")
    assert re.search(r'value="via interpreter" checked', form)
    screen(
        client,
        referral,
        "ucla3",
        {"lack_companionship": "often", "left_out": "often", "isolated": "often"},
        mode="via interpreter",
    )
    assert db.session.scalars(select(Screening)).one().mode is AdministrationMode.VIA_INTERPRETER


def test_engaged_case_shows_why_the_referrer_could_not_screen(staff, login_as, frozen_now):
    frozen_now(NOW)
    referral = make_referral(
        ReferralState.ENGAGED,
        referrer=staff["referrer"],
        lead=staff["lead"],
        navigator=staff["navigator"],
        screening_not_completed_reason="Phone referral: no time to ask the questions",
    )
    html = page(login_as(staff["navigator"]), f"/casework/cases/{referral.id}")
    assert "Baseline loneliness screen needed" in html
    assert "Phone referral: no time to ask the questions" in html


def test_review_date_defaults_to_the_review_interval(staff, login_as, frozen_now, app):
    frozen_now(NOW)
    referral = make_referral(
        ReferralState.IN_SUPPORT, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    due = NOW.date() + timedelta(days=app.config["REVIEW_INTERVAL_DAYS"])
    form = page(login_as(staff["navigator"]), f"/casework/cases/{referral.id}/reviews/new")
    assert f'value="{due.day}"' in form and f'value="{due.year}"' in form


def test_every_audit_entry_names_the_record_it_is_about(staff):
    from navigator.models import AuditEntry

    make_referral(ReferralState.CLOSED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    entries = db.session.scalars(select(AuditEntry)).all()
    kinds = {entry.record_type for entry in entries}
    assert {"contact_attempt", "screening"} <= kinds, kinds
    assert [entry.record_type for entry in entries if entry.record_id in ("", "None")] == []

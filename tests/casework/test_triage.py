"""Triage: a team lead accepts, rejects, redirects or asks the referrer a question.
Each decision is stored with a timeline event and an audit entry, and the referrer is
emailed; a decision made from an out-of-date page changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, OutboxMessage, Referral, ReferralEvent, ReferralState
from navigator.services import referrals as service
from tests.factories import make_referral, make_user

S = ReferralState


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def page_version(response) -> int:
    match = re.search(r'name="expected_version" value="(\d+)"', response.get_data(as_text=True))
    assert match, "the page carries the referral's version"
    return int(match.group(1))


def mail_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == address)))


def events(referral: Referral, to: ReferralState) -> list[ReferralEvent]:
    return list(
        db.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral.id, ReferralEvent.to_state == to)
        )
    )


def state_changes(referral: Referral) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.referral_id == referral.id, AuditEntry.action == AuditAction.STATE_CHANGE
            )
        )
    )


def fresh(referral: Referral) -> Referral:
    db.session.expire_all()
    found = db.session.get(Referral, referral.id)
    assert found is not None
    return found


@pytest.fixture
def referral(staff) -> Referral:
    return make_referral(referrer=staff["referrer"])


@pytest.fixture
def lead_client(staff, login_as):
    return login_as(staff["lead"])


def decide(client, referral: Referral, **data: object):
    data.setdefault("expected_version", referral.version)
    return client.post(f"/casework/referrals/{referral.id}/triage", data=data)


# -- the page --------------------------------------------------------------------------


def test_triage_page_shows_what_is_needed_to_decide(staff, lead_client):
    referral = make_referral(
        referrer=staff["referrer"],
        lone_working_risk=True,
        risk_detail="Dog in the house: visit in pairs.",
        barriers=["mobility"],
        support_needed=["volunteer_buddy"],
        screening_not_completed_reason="Too tired on the day",
    )
    response = lead_client.get(f"/casework/referrals/{referral.id}/triage")
    assert response.status_code == 200
    page = text_of(response)
    assert response.get_data(as_text=True).count("<h1") == 1
    for expected in [
        referral.reference,
        "Edna Okonkwo-Test",
        "14 March 1948",
        "Hackney Central",
        "Hackney Adult Social Care North",
        "Lives alone since her husband died",
        "Getting back to singing",
        "Loneliness or isolation",
        "Mobility",
        "Volunteer buddy",
        "Lone-working risk",
        "Dog in the house: visit in pairs.",
        "Agrees to the referral Yes",
        "Too tired on the day",
        "Accept",
        "Do not accept",
        "Redirect to another service",
        "Ask the referrer for more information",
        "Out of area",
    ]:
        assert expected in page, expected
    assert page_version(response) == referral.version
    # Viewing the referral is audited.
    assert db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.referral_id == referral.id,
            AuditEntry.action == AuditAction.VIEW,
            AuditEntry.user_id == staff["lead"].id,
        )
    )


def test_screening_done_at_referral_is_shown(staff, lead_client):
    from tests.factories import ADULT_BASELINE

    referral = make_referral(referrer=staff["referrer"], screenings=ADULT_BASELINE)
    page = text_of(lead_client.get(f"/casework/referrals/{referral.id}/triage"))
    assert "UCLA" in page and "complete" in page
    assert "Not done at referral" not in page


def test_triage_page_of_a_referral_already_decided_offers_no_decision(staff, lead_client):
    referral = make_referral(S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"])
    response = lead_client.get(f"/casework/referrals/{referral.id}/triage")
    assert response.status_code == 200
    assert "there is no triage decision to make" in text_of(response)
    assert 'name="decision"' not in response.get_data(as_text=True)


def test_unknown_referral_is_404(lead_client):
    assert lead_client.get("/casework/referrals/7b0c8a1e-8d8e-4c55-9d1b-1f0b7a0e1a11/triage").status_code == 404


def test_navigators_cannot_triage(staff, login_as, referral):
    client = login_as(staff["navigator"])
    assert client.get(f"/casework/referrals/{referral.id}/triage").status_code == 404
    assert decide(client, referral, decision="accept").status_code == 404
    assert fresh(referral).state is S.SUBMITTED


def test_a_missing_version_is_a_bad_request_not_a_crash(lead_client, referral):
    response = lead_client.post(f"/casework/referrals/{referral.id}/triage", data={"decision": "accept"})
    assert response.status_code == 400
    assert fresh(referral).state is S.SUBMITTED


# -- the decisions -----------------------------------------------------------------------


def test_accept(staff, lead_client, referral):
    response = decide(lead_client, referral, decision="accept", accept_note="Good fit for the choir project.")
    assert response.status_code == 302 and response.headers["Location"].endswith("/casework/triage")
    assert f"Referral {referral.reference} accepted" in text_of(lead_client.get("/casework/triage"))

    stored = fresh(referral)
    assert stored.state is S.ACCEPTED
    assert stored.decision_note == "Good fit for the choir project."
    [event] = events(stored, S.ACCEPTED)
    assert event.by_id == staff["lead"].id and event.referrer_note == "Good fit for the choir project."
    [audit] = state_changes(stored)
    assert audit.user_id == staff["lead"].id and audit.new_values == {"state": "accepted"}
    [mail] = mail_to("referrer@example.org")
    assert referral.reference in mail.subject and "accepted" in mail.subject
    assert "Edna" not in mail.body  # no personal details in mail


def test_reject_with_a_reason(staff, lead_client, referral):
    response = decide(
        lead_client, referral, decision="reject", reject_reason="out_of_area", reject_note="Lives in Essex"
    )
    assert response.status_code == 302
    stored = fresh(referral)
    assert stored.state is S.REJECTED
    assert (stored.decision_reason, stored.decision_note) == ("out_of_area", "Lives in Essex")
    [event] = events(stored, S.REJECTED)
    assert event.referrer_note == "Out of area: Lives in Essex"
    [audit] = state_changes(stored)
    assert audit.reason == "Out of area: Lives in Essex"
    [mail] = mail_to("referrer@example.org")
    assert "not accepted" in mail.subject and "Out of area: Lives in Essex" in mail.body


def test_reject_as_other_needs_an_explanation(lead_client, referral):
    response = decide(lead_client, referral, decision="reject", reject_reason="other", reject_note=" ")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Error: " in page
    assert "There is a problem" in page and "Explain why the referral is not accepted" in page
    assert 'href="#reject_note"' in page
    # What was typed is kept.
    assert re.search(r'value="other"\s+checked', page) or 'value="other" checked' in page
    assert re.search(r'value="reject"\s+checked', page) or 'value="reject" checked' in page
    stored = fresh(referral)
    assert stored.state is S.SUBMITTED
    assert events(stored, S.REJECTED) == [] and mail_to("referrer@example.org") == []


def test_reject_needs_a_reason(lead_client, referral):
    response = decide(lead_client, referral, decision="reject", reject_note="Not for us")
    assert response.status_code == 200
    assert "Choose why the referral is not accepted" in text_of(response)
    assert "Not for us" in response.get_data(as_text=True)
    assert fresh(referral).state is S.SUBMITTED


def test_a_decision_must_be_chosen(lead_client, referral):
    response = decide(lead_client, referral, accept_note="forgot to choose")
    assert response.status_code == 200
    assert "Choose what to do with this referral" in text_of(response)
    assert 'href="#decision"' in response.get_data(as_text=True)
    assert fresh(referral).state is S.SUBMITTED


def test_redirect(staff, lead_client, referral):
    response = decide(
        lead_client, referral, decision="redirect", redirect_service="Memory clinic", redirect_reason="Needs assessment"
    )
    assert response.status_code == 302
    assert "redirected to Memory clinic" in text_of(lead_client.get("/casework/triage"))
    stored = fresh(referral)
    assert stored.state is S.REDIRECTED
    assert (stored.redirected_to, stored.decision_note) == ("Memory clinic", "Needs assessment")
    [event] = events(stored, S.REDIRECTED)
    assert event.summary == "Redirected to Memory clinic"
    assert len(state_changes(stored)) == 1
    [mail] = mail_to("referrer@example.org")
    assert "redirected" in mail.subject and "Memory clinic" in mail.body


def test_redirect_needs_a_service_and_a_reason(lead_client, referral):
    response = decide(lead_client, referral, decision="redirect", redirect_reason="Better there")
    page = text_of(response)
    assert response.status_code == 200
    assert "Enter the service you are redirecting the referral to" in page
    assert "Better there" in page
    response = decide(lead_client, referral, decision="redirect", redirect_service="Memory clinic")
    assert "Enter why the other service is better placed to help" in text_of(response)
    assert fresh(referral).state is S.SUBMITTED


def test_ask_the_referrer_for_more_information(staff, lead_client, referral):
    response = decide(lead_client, referral, decision="more_info", question="Does she have a mobile phone?")
    assert response.status_code == 302
    stored = fresh(referral)
    assert stored.state is S.MORE_INFO_REQUESTED
    assert stored.more_info_question == "Does she have a mobile phone?"
    [event] = events(stored, S.MORE_INFO_REQUESTED)
    assert event.referrer_note == "Does she have a mobile phone?"
    assert len(state_changes(stored)) == 1
    [mail] = mail_to("referrer@example.org")
    assert "needs more information" in mail.subject and "Does she have a mobile phone?" in mail.body
    # It leaves the triage queue until the referrer answers.
    assert "No referrals are waiting for triage" in text_of(lead_client.get("/casework/triage"))


def test_more_information_needs_a_question(lead_client, referral):
    response = decide(lead_client, referral, decision="more_info", question="")
    assert "Enter your question for the referrer" in text_of(response)
    assert fresh(referral).state is S.SUBMITTED


def test_referral_team_is_emailed_when_there_is_no_referrer_address(staff, lead_client):
    referral = make_referral(referrer=staff["referrer"], referrer_email="")
    decide(lead_client, referral, decision="accept")
    assert [m.to for m in db.session.scalars(select(OutboxMessage))] == [staff["referrer"].email]


# -- out-of-date pages --------------------------------------------------------------------


def test_a_decision_from_an_out_of_date_page_changes_nothing(staff, lead_client, referral):
    page = lead_client.get(f"/casework/referrals/{referral.id}/triage")
    version = page_version(page)
    # Meanwhile another team lead accepts it.
    other_lead = make_user("team_lead", name="Luca Lead")
    service.accept_referral(referral.id, by=other_lead)
    mail_before = db.session.scalar(select(func.count(OutboxMessage.id)))

    response = decide(lead_client, referral, decision="reject", reject_reason="out_of_area", expected_version=version)
    assert response.status_code == 200
    page_text = text_of(response)
    assert "This referral changed while you were looking at it" in page_text
    assert "<title>Error: " in response.get_data(as_text=True)
    assert "there is no triage decision to make" in page_text  # it shows the referral as it is now
    stored = fresh(referral)
    assert stored.state is S.ACCEPTED
    assert events(stored, S.REJECTED) == []
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == mail_before


def test_after_a_clash_the_page_shows_the_change_and_the_decision_can_be_made_again(staff, lead_client, referral):
    version = page_version(lead_client.get(f"/casework/referrals/{referral.id}/triage"))
    # Someone raises a safeguarding concern while the lead is reading: still awaiting triage.
    service.raise_safeguarding_concern(referral.id, by=staff["referrer"], note="Neighbour worried about falls")

    response = decide(lead_client, referral, decision="accept", accept_note="Typed before", expected_version=version)
    assert response.status_code == 200
    assert "This referral changed while you were looking at it" in text_of(response)
    assert "Safeguarding concern" in text_of(response)
    assert "Typed before" in response.get_data(as_text=True)
    new_version = page_version(response)
    assert new_version > version
    assert fresh(referral).state is S.SUBMITTED

    response = decide(
        lead_client, referral, decision="accept", accept_note="Typed before", expected_version=new_version
    )
    assert response.status_code == 302
    assert fresh(referral).state is S.ACCEPTED


# -- possible duplicates ----------------------------------------------------------------------


def test_possible_duplicates_are_shown_never_merged(staff, lead_client):
    referral = make_referral(referrer=staff["referrer"], nhs_number="9434765919", given_name="Ada", family_name="Lovel")
    same_nhs = make_referral(
        S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"], nhs_number="9434765919", given_name="Adaline"
    )
    same_name_and_birth = make_referral(referrer=staff["referrer"], given_name="ADA", family_name="lovel")
    different_birthday = make_referral(
        referrer=staff["referrer"], given_name="Ada", family_name="Lovel", date_of_birth=date(1950, 1, 1)
    )
    different_name = make_referral(referrer=staff["referrer"], given_name="Bea", family_name="Lovel")

    response = lead_client.get(f"/casework/referrals/{referral.id}/triage")
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "Possible duplicates" in page
    assert same_nhs.reference in page and same_name_and_birth.reference in page
    assert different_birthday.reference not in page and different_name.reference not in page
    assert "NHS number" in page and "Name and date of birth" in page
    # Links: an accepted referral goes to its case page, one awaiting triage to its triage page.
    assert f'href="/casework/cases/{same_nhs.id}"' in html
    assert f'href="/casework/referrals/{same_name_and_birth.id}/triage"' in html
    # Nothing was merged or changed.
    assert db.session.scalar(select(func.count(Referral.id))) == 5
    assert fresh(same_nhs).state is S.ACCEPTED


def test_no_duplicates_section_when_there_are_none(staff, lead_client, referral):
    assert "Possible duplicates" not in text_of(lead_client.get(f"/casework/referrals/{referral.id}/triage"))


# -- no answer to a question ------------------------------------------------------------

ASKED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday
NINE_WORKING_DAYS_LATER = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
TEN_WORKING_DAYS_LATER = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def asked(staff, lead_client, referral, frozen_now) -> Referral:
    frozen_now(ASKED)
    response = decide(lead_client, referral, decision="more_info", question="Does she have a mobile phone?")
    assert response.status_code == 302
    return fresh(referral)


def close_for_no_answer(client, referral: Referral):
    return decide(client, referral, decision="reject", reject_reason="no_answer")


def test_questions_waiting_for_an_answer_are_listed_for_the_lead(asked, lead_client, frozen_now):
    frozen_now(NINE_WORKING_DAYS_LATER)
    page = text_of(lead_client.get("/casework/triage"))
    assert "Waiting for the referrer's answer" in page
    assert asked.reference in page and "Does she have a mobile phone?" in page and "9 working days ago" in page
    assert "No answer: you can close it" not in page

    frozen_now(TEN_WORKING_DAYS_LATER)
    page = text_of(lead_client.get("/casework/triage"))
    assert "10 working days ago" in page and "No answer: you can close it" in page
    triage_page = text_of(lead_client.get(f"/casework/referrals/{asked.id}/triage"))
    assert "They have not answered in 10 working days" in triage_page


def test_an_unanswered_referral_cannot_be_closed_for_no_answer_too_soon(asked, lead_client, frozen_now):
    frozen_now(NINE_WORKING_DAYS_LATER)
    response = close_for_no_answer(lead_client, asked)
    assert response.status_code == 200
    assert "The referrer has 10 working days to answer (asked 9 working days ago)" in text_of(response)
    assert fresh(asked).state is S.MORE_INFO_REQUESTED


def test_the_lead_closes_a_referral_the_referrer_did_not_answer(staff, asked, lead_client, frozen_now):
    frozen_now(TEN_WORKING_DAYS_LATER)
    assert close_for_no_answer(lead_client, asked).status_code == 302
    stored = fresh(asked)
    assert stored.state is S.REJECTED and stored.decision_reason == "no_answer"
    [event] = events(stored, S.REJECTED)
    assert event.referrer_note == "No answer to our question"
    assert any("not accepted" in mail.subject for mail in mail_to("referrer@example.org"))
    assert "No referrals are waiting for an answer" in text_of(lead_client.get("/casework/triage"))


def test_no_answer_is_not_a_reason_when_no_question_was_asked(staff, lead_client, asked):
    submitted = make_referral(referrer=staff["referrer"])

    def triage_page(referral: Referral) -> str:
        return lead_client.get(f"/casework/referrals/{referral.id}/triage").get_data(as_text=True)

    assert 'value="no_answer"' not in triage_page(submitted)
    assert 'value="no_answer"' in triage_page(asked)
    response = close_for_no_answer(lead_client, submitted)
    assert "the referrer has not been asked a question" in text_of(response)
    assert fresh(submitted).state is S.SUBMITTED


def test_an_answered_question_goes_back_to_triage(staff, asked, login_as, frozen_now):
    frozen_now(NINE_WORKING_DAYS_LATER)
    service.answer_more_information(asked.id, by=staff["referrer"], answer="Yes, 07700 900123")
    page = text_of(login_as(staff["lead"]).get("/casework/triage"))
    assert "No referrals are waiting for an answer" in page
    assert asked.reference in page  # back in the list waiting for a decision


def test_how_long_a_referrer_has_to_answer_is_configurable(asked, lead_client, frozen_now, app, monkeypatch):
    monkeypatch.setitem(app.config, "MORE_INFO_ANSWER_DAYS", 5)
    frozen_now(NINE_WORKING_DAYS_LATER)
    assert close_for_no_answer(lead_client, asked).status_code == 302
    assert fresh(asked).state is S.REJECTED

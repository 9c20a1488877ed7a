"""Referrers follow their team's referrals: status, decisions, closure, and answering questions."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, ReferralEvent, ReferralState
from navigator.services import referrals as service
from tests.directory.pages import Page
from tests.factories import make_referral
from tests.referrals.helpers import error_messages

S = ReferralState


def status_page(client, referral) -> Page:
    return Page(client.get(f"/referrals/{referral.id}"))


def test_referrer_sees_only_their_own_teams_referrals(client, staff, login_as):
    ours = make_referral(referrer=staff["referrer"], given_name="Edna")
    theirs = make_referral(referrer=staff["other_referrer"], given_name="Otto", family_name="Elsewhere-Test")

    page = Page(login_as(staff["referrer"]).get("/referrals"))

    assert page.status == 200
    assert page.h1s == ["Your team's referrals"]
    table = page.root.find("table")
    assert table is not None
    rows = [[cell.text() for cell in row.find_all("td")] for row in table.find("tbody").find_all("tr")]
    assert len(rows) == 1
    reference, name, team, sent, status = rows[0]
    assert reference == ours.reference
    assert name == "Edna Okonkwo-Test"
    assert team == "Hackney Adult Social Care North"
    assert sent  # a London date, e.g. "3 March 2026"
    assert status == "Received"
    assert theirs.reference not in page.html and "Otto" not in page.html
    assert page.link(ours.reference) == f"/referrals/{ours.id}"


def test_the_list_shows_the_status_as_the_referrer_sees_it(client, staff, login_as):
    make_referral(S.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    page = Page(login_as(staff["referrer"]).get("/referrals"))
    assert "Accepted – waiting for a navigator" in page.main_text
    assert "Nadia Navigator" not in page.html


def test_only_referrers_have_a_team_list(client, staff, login_as):
    assert login_as(staff["navigator"]).get("/referrals").status_code == 404
    assert login_as(staff["admin"]).get("/referrals").status_code == 404


def test_another_teams_referral_and_an_unknown_one_are_not_found(client, staff, login_as):
    theirs = make_referral(referrer=staff["other_referrer"])
    client = login_as(staff["referrer"])
    assert client.get(f"/referrals/{theirs.id}").status_code == 404
    assert client.get(f"/referrals/{uuid.uuid4()}").status_code == 404
    assert client.get("/referrals/not-a-uuid").status_code == 404


def test_viewing_a_referral_is_audited(client, staff, login_as):
    referral = make_referral(referrer=staff["referrer"])
    page = status_page(login_as(staff["referrer"]), referral)
    assert page.status == 200
    assert referral.reference in page.main_text
    views = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.VIEW, AuditEntry.referral_id == referral.id)
    ).all()
    assert [entry.user_email for entry in views] == [staff["referrer"].email]


def test_referrer_never_sees_scores_notes_contacts_or_plans(client, staff, login_as):
    navigator = staff["navigator"]
    referral = make_referral(S.IN_SUPPORT, referrer=staff["referrer"], lead=staff["lead"], navigator=navigator)
    service.add_case_note(referral.id, by=navigator, text="Private note: talked about her son's illness.")
    service.add_goal(referral.id, by=navigator, text="Join the Tuesday choir")

    page = status_page(login_as(staff["referrer"]), referral)

    assert page.status == 200
    text = page.main_text
    assert "Working with navigator" in text
    labels = [node.text() for node in page.root.find("ol").find_all("strong")]
    assert labels == ["Received", "Accepted – waiting for a navigator", "Working with navigator"]
    for secret in (
        "Private note",
        "Tuesday choir",
        "UCLA",
        "local convention",
        "Often/always",
        "lonely",
        "Nadia Navigator",  # who holds the case is internal
        "First contact attempt",
        "Baseline screen",
    ):
        assert secret not in page.html, secret


def test_referrer_sees_the_reason_a_referral_was_not_accepted(client, staff, login_as):
    referral = make_referral(S.REJECTED, referrer=staff["referrer"], lead=staff["lead"])
    page = status_page(login_as(staff["referrer"]), referral)
    assert "Not accepted" in page.main_text
    assert "Out of area" in page.main_text


def test_referrer_sees_where_a_referral_was_redirected(client, staff, login_as):
    referral = make_referral(S.REDIRECTED, referrer=staff["referrer"], lead=staff["lead"])
    page = status_page(login_as(staff["referrer"]), referral)
    assert "Redirected to Memory clinic: Needs assessment" in page.main_text


def test_referrer_sees_the_closure_summary(client, staff, login_as):
    referral = make_referral(S.CLOSED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    page = status_page(login_as(staff["referrer"]), referral)
    text = page.main_text
    assert "Closed" in text and "Goals met" in text and "Joined a choir." in text
    assert "lonely" not in page.html


def test_referrer_answers_a_question_and_the_referral_goes_back_for_triage(client, staff, login_as):
    referrer = staff["referrer"]
    referral = make_referral(S.MORE_INFO_REQUESTED, referrer=referrer, lead=staff["lead"])
    client = login_as(referrer)

    page = status_page(client, referral)
    assert "More information needed" in page.main_text
    assert "Does she have a phone?" in page.main_text
    assert page.root.find("textarea", name="answer") is not None

    response = client.post(f"/referrals/{referral.id}/answer", data={"answer": "Yes, a mobile: 07700 900 321."})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/referrals/{referral.id}")
    db.session.refresh(referral)
    assert referral.state is S.SUBMITTED
    event = db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.referral_id == referral.id).order_by(ReferralEvent.id.desc())
    ).first()
    assert (event.from_state, event.to_state, event.by_id) == (S.MORE_INFO_REQUESTED, S.SUBMITTED, referrer.id)
    page = Page(client.get(response.headers["Location"]))
    assert "Your answer has been sent to the navigation team." in page.main_text
    assert "Answer sent" in page.main_text and "Yes, a mobile: 07700 900 321." in page.main_text
    assert page.root.find("textarea", name="answer") is None
    changes = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.STATE_CHANGE, AuditEntry.referral_id == referral.id)
    ).all()
    assert changes[-1].user_email == referrer.email


def test_an_empty_answer_is_refused(client, staff, login_as):
    referral = make_referral(S.MORE_INFO_REQUESTED, referrer=staff["referrer"], lead=staff["lead"])
    response = login_as(staff["referrer"]).post(f"/referrals/{referral.id}/answer", data={"answer": "  "})
    assert response.status_code == 200
    assert error_messages(response) == ["Enter your answer"]
    db.session.refresh(referral)
    assert referral.state is S.MORE_INFO_REQUESTED


def test_answering_when_no_question_is_open_shows_a_message(client, staff, login_as):
    referral = make_referral(referrer=staff["referrer"])
    response = login_as(staff["referrer"]).post(f"/referrals/{referral.id}/answer", data={"answer": "Hello"})
    assert response.status_code == 200
    assert error_messages(response) == ["A referral that is awaiting triage cannot be moved to awaiting triage"]


def test_another_team_cannot_answer(client, staff, login_as):
    referral = make_referral(S.MORE_INFO_REQUESTED, referrer=staff["referrer"], lead=staff["lead"])
    response = login_as(staff["other_referrer"]).post(f"/referrals/{referral.id}/answer", data={"answer": "Hi"})
    assert response.status_code == 404
    db.session.refresh(referral)
    assert referral.state is S.MORE_INFO_REQUESTED


def test_the_navigation_team_is_sent_to_the_case_page(client, staff, login_as):
    referral = make_referral(S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"])
    for who in ("lead", "navigator"):  # the navigator sees it in the unallocated queue
        response = login_as(staff[who]).get(f"/referrals/{referral.id}")
        assert response.status_code == 302, who
        assert response.headers["Location"].endswith(f"/casework/cases/{referral.id}")


def test_a_navigator_cannot_see_a_referral_outside_their_queue_or_caseload(client, staff, login_as):
    referral = make_referral(referrer=staff["referrer"])  # awaiting triage: not in the queue yet
    assert login_as(staff["navigator"]).get(f"/referrals/{referral.id}").status_code == 404

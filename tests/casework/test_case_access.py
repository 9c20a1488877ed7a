"""Who may open a case and every page that records something on it (domain.md 1.2, 1.3)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import (
    AuditAction,
    AuditEntry,
    CaseNote,
    Connection,
    Goal,
    OutboxMessage,
    Referral,
    ReferralState,
)
from navigator.services import referrals as service
from tests.factories import make_referral


@pytest.fixture
def case(staff, make_listing):
    """A case in support, with a goal, an activity and a note, allocated to staff["navigator"]."""
    navigator = staff["navigator"]
    referral = make_referral(
        ReferralState.IN_SUPPORT, referrer=staff["referrer"], lead=staff["lead"], navigator=navigator
    )
    service.add_goal(referral.id, by=navigator, text="Get back to singing")
    listing = make_listing("Dalston Community Choir")
    service.suggest_connection(referral.id, by=navigator, listing_id=listing.id)
    service.add_case_note(referral.id, by=navigator, text="Likes mornings.")
    return referral


def case_urls(referral: Referral) -> list[tuple[str, str]]:
    goal = db.session.scalars(select(Goal).where(Goal.referral_id == referral.id)).first()
    connection = db.session.scalars(select(Connection).where(Connection.referral_id == referral.id)).first()
    note = db.session.scalars(select(CaseNote).where(CaseNote.referral_id == referral.id)).first()
    base = f"/casework/cases/{referral.id}"
    return [
        ("GET", base),
        ("GET", f"{base}/contacts/new"),
        ("POST", f"{base}/contacts/new"),
        ("GET", f"{base}/screenings/new?instrument=ucla3&occasion=review"),
        ("POST", f"{base}/screenings/new?instrument=ucla3&occasion=review"),
        ("POST", f"{base}/start-support"),
        ("GET", f"{base}/goals/new"),
        ("POST", f"{base}/goals"),
        ("GET", f"/casework/goals/{goal.id}/status"),
        ("POST", f"/casework/goals/{goal.id}/status"),
        ("POST", f"{base}/connections"),
        ("GET", f"/casework/connections/{connection.id}"),
        ("POST", f"/casework/connections/{connection.id}"),
        ("GET", f"{base}/reviews/new"),
        ("POST", f"{base}/reviews/new"),
        ("GET", f"{base}/notes/new"),
        ("GET", f"{base}/notes/new?corrects={note.id}"),
        ("POST", f"{base}/notes"),
        ("GET", f"{base}/close"),
        ("POST", f"{base}/close"),
        ("GET", f"{base}/safeguarding"),
        ("POST", f"{base}/safeguarding"),
    ]


def request(client, method, url):
    data = {"text": "x", "note": "x", "status": "stopped", "reason": "goals_met", "progress": "x"}
    return client.get(url) if method == "GET" else client.post(url, data=data)


@pytest.mark.parametrize("who", ["other_navigator", "admin"])
def test_every_case_page_is_not_found_for_staff_who_do_not_work_the_case(case, staff, login_as, who):
    client = login_as(staff[who])
    for method, url in case_urls(case):
        assert request(client, method, url).status_code == 404, (method, url)
    db.session.expire_all()
    unchanged = db.session.get(Referral, case.id)
    assert unchanged.state is ReferralState.IN_SUPPORT and not unchanged.safeguarding_concern
    assert len(unchanged.goals) == 1 and len(unchanged.notes) == 1


def test_the_referrer_cannot_open_the_case_but_can_raise_a_safeguarding_concern(case, staff, login_as):
    client = login_as(staff["referrer"])
    for method, url in case_urls(case):
        response = request(client, method, url)
        if url.endswith("/safeguarding"):
            assert response.status_code in (200, 302), url
        else:
            assert response.status_code == 404, (method, url)
    # Scores are for the allocated navigator and team leads only.
    assert service.screenings_for(case, staff["referrer"]) == []


def test_a_referrer_from_another_team_cannot_raise_a_concern_on_the_case(case, staff, login_as):
    client = login_as(staff["other_referrer"])
    assert client.get(f"/casework/cases/{case.id}/safeguarding").status_code == 404
    assert client.post(f"/casework/cases/{case.id}/safeguarding", data={"note": "x"}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(case, client):
    for method, url in case_urls(case):
        response = request(client, method, url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url


def test_a_team_lead_can_open_any_case_and_see_its_scores(case, staff, login_as):
    html = login_as(staff["lead"]).get(f"/casework/cases/{case.id}").get_data(as_text=True)
    assert "Edna Okonkwo-Test" in html
    assert "UCLA 3-item Loneliness Scale" in html and "lonely (local convention)" in html
    assert "Record a review" in html and "Close the case" in html


def test_the_navigator_sees_scores_and_each_view_is_audited(case, staff, login_as):
    navigator = staff["navigator"]
    before = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.VIEW, AuditEntry.user_id == navigator.id)
    ).all()
    response = login_as(navigator).get(f"/casework/cases/{case.id}")
    assert response.status_code == 200 and "lonely (local convention)" in response.get_data(as_text=True)
    views = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.VIEW, AuditEntry.user_id == navigator.id)
    ).all()
    assert {(e.record_type, e.referral_id) for e in views[len(before) :]} == {
        ("referral", case.id),
        ("screening", case.id),
    }


def test_a_case_in_the_unallocated_queue_is_not_open_to_navigators_and_not_audited(staff, login_as):
    referral = make_referral(ReferralState.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"])
    navigator = staff["navigator"]
    assert login_as(navigator).get(f"/casework/cases/{referral.id}").status_code == 404
    assert not db.session.scalars(
        select(AuditEntry).where(AuditEntry.user_id == navigator.id, AuditEntry.action == AuditAction.VIEW)
    ).all()


def test_a_case_that_does_not_exist_is_not_found(staff, login_as):
    client = login_as(staff["lead"])
    assert client.get("/casework/cases/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/casework/goals/00000000-0000-0000-0000-000000000000/status").status_code == 404
    assert client.get("/casework/connections/00000000-0000-0000-0000-000000000000").status_code == 404


def test_risk_flags_are_shown_first(staff, login_as):
    referral = make_referral(
        ReferralState.ALLOCATED,
        referrer=staff["referrer"],
        lead=staff["lead"],
        navigator=staff["navigator"],
        lone_working_risk=True,
        safeguarding_concern=True,
        safeguarding_reference="ASC-12345",
        risk_to_self_or_others=True,
        risk_detail="Dog in the flat; visit in pairs.",
    )
    html = login_as(staff["navigator"]).get(f"/casework/cases/{referral.id}").get_data(as_text=True)
    risks = html.index('id="risks"')
    assert risks < html.index("Next steps") < html.index("Contact attempts")
    assert '<h2 class="govuk-heading-m" id="risks-heading">Risk flags</h2>' in html
    assert "Lone-working risk: do not visit alone" in html
    assert "safeguarding reference ASC-12345" in html
    assert "Risk to self or others" in html and "Dog in the flat; visit in pairs." in html


def test_a_case_without_risks_shows_no_risk_section(staff, login_as):
    referral = make_referral(
        ReferralState.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    html = login_as(staff["navigator"]).get(f"/casework/cases/{referral.id}").get_data(as_text=True)
    assert 'id="risks"' not in html


def test_the_case_page_shows_the_person_and_the_referral(staff, login_as):
    referral = make_referral(
        ReferralState.ALLOCATED,
        referrer=staff["referrer"],
        lead=staff["lead"],
        navigator=staff["navigator"],
        barriers=["mobility", "cost"],
        support_needed=["volunteer_buddy"],
        target_groups=["older-living-alone"],
    )
    referral.person.languages = ["en", "tr"]
    referral.person.communication_needs = ["large_print"]
    referral.person.preferred_contact_method = "phone"
    referral.person.preferred_contact_times = "Mornings"
    db.session.commit()
    html = login_as(staff["navigator"]).get(f"/casework/cases/{referral.id}").get_data(as_text=True)
    for text in (
        "14 March 1948",
        "020 7946 0999",
        "E8 1DY",
        "ward)",
        "English, Turkish",
        "Large print",
        "Phone call",
        "Mornings",
        "Lives alone since her husband died",
        "Getting back to singing",
        "Loneliness or isolation",
        "Mobility",
        "Volunteer buddy",
        "Older residents living alone",
        "Hackney Adult Social Care North",
        "referrer@example.org",
        "Allocated to Nadia Navigator",
    ):
        assert text in html, text


def test_raising_a_safeguarding_concern_flags_the_case_and_tells_the_leads(staff, login_as):
    referral = make_referral(
        ReferralState.CLOSED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    client = login_as(staff["navigator"])
    response = client.post(f"/casework/cases/{referral.id}/safeguarding", data={"note": "", "reference": "X"})
    assert response.status_code == 200 and "Describe the concern" in response.get_data(as_text=True)
    response = client.post(
        f"/casework/cases/{referral.id}/safeguarding", data={"note": "Bruises seen on visit.", "reference": "ASC-9"}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/casework/cases/{referral.id}"
    db.session.expire_all()
    flagged = db.session.get(Referral, referral.id)
    assert flagged.safeguarding_concern and flagged.safeguarding_reference == "ASC-9"
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == staff["lead"].email)).all()
    assert any("Bruises seen on visit." in m.body for m in mail)
    assert "safeguarding reference ASC-9" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_referrer_raising_a_concern_returns_to_their_home_page(case, staff, login_as):
    client = login_as(staff["referrer"])
    response = client.post(f"/casework/cases/{case.id}/safeguarding", data={"note": "Worried after a call."})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    db.session.expire_all()
    assert db.session.get(Referral, case.id).safeguarding_concern
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.referral_id == case.id, AuditEntry.user_id == staff["referrer"].id)
    ).all()
    assert any(e.action is AuditAction.UPDATE and e.new_values.get("safeguarding_concern") for e in entries)


def test_a_lead_opening_a_referral_before_allocation_is_pointed_to_the_queues(staff, login_as):
    client = login_as(staff["lead"])
    submitted = make_referral(ReferralState.SUBMITTED, referrer=staff["referrer"])
    html = client.get(f"/casework/cases/{submitted.id}").get_data(as_text=True)
    assert "Go to triage" in html and 'href="/casework/triage"' in html
    accepted = make_referral(ReferralState.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"])
    assert "Go to the unallocated queue" in client.get(f"/casework/cases/{accepted.id}").get_data(as_text=True)


def test_case_forms_carry_a_working_csrf_token(staff, login_as, make_listing, monkeypatch, app):
    referral = make_referral(
        ReferralState.IN_SUPPORT, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    goal = service.add_goal(referral.id, by=staff["navigator"], text="Join a choir")
    listing = make_listing("Dalston Community Choir")
    client = login_as(staff["navigator"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    status_field = f"goal-{goal.id}-status"
    assert client.post(f"/casework/goals/{goal.id}/status", data={status_field: "achieved"}).status_code == 400
    html = client.get(f"/casework/cases/{referral.id}").get_data(as_text=True)
    token = re.search(rf'name="goal-{goal.id}-csrf_token" type="hidden" value="([^"]+)"', html)[1]
    response = client.post(
        f"/casework/goals/{goal.id}/status", data={status_field: "achieved", f"goal-{goal.id}-csrf_token": token}
    )
    assert response.status_code == 302

    search = client.get(f"/search?for_case={referral.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', search)[1]
    response = client.post(
        f"/casework/cases/{referral.id}/connections", data={"listing_id": str(listing.id), "csrf_token": token}
    )
    assert response.status_code == 302
    assert db.session.scalars(select(Connection).where(Connection.listing_id == listing.id)).one()


def test_the_case_page_works_on_a_phone_and_keeps_the_name_out_of_the_tab(case, staff, login_as):
    """Numbers and addresses are links a phone can use; the tab title (kept in the browser's
    history) names the reference, not the person; each goal's button says which goal."""
    page = login_as(staff["navigator"]).get(f"/casework/cases/{case.id}").get_data(as_text=True)
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert case.reference in title and case.person.family_name not in title
    assert 'href="tel:02079460999"' in page
    assert 'href="mailto:referrer@example.org"' in page
    assert 'Update status<span class="govuk-visually-hidden"> of goal: Get back to singing</span>' in page

"""Allocation: team leads give accepted referrals to navigators within their caseload
limit, re-allocate with a reason, and navigators may take referrals for themselves.
Of two people allocating the same referral at once, exactly one wins."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, OutboxMessage, Referral, ReferralEvent, ReferralState, User
from navigator.services import referrals as service
from navigator.services.referrals import ConcurrentChange
from tests.concurrency import at_once, hold_after_reading
from tests.factories import make_referral, make_user, sign_in

S = ReferralState


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def page_version(response) -> int:
    match = re.search(r'name="expected_version" value="(\d+)"', response.get_data(as_text=True))
    assert match, "the page carries the referral's version"
    return int(match.group(1))


def fresh(referral: Referral) -> Referral:
    db.session.expire_all()
    found = db.session.get(Referral, referral.id)
    assert found is not None
    return found


def allocation_events(referral: Referral) -> list[ReferralEvent]:
    return list(
        db.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral.id, ReferralEvent.to_state == S.ALLOCATED)
        )
    )


def signed_in_client(app: Flask, user: User):
    """A second browser: its own test client, signed in through the real pages."""
    client = app.test_client()
    response = sign_in(client, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")
    return client


def allocate(client, referral: Referral, navigator: User, **data: Any):
    data.setdefault("expected_version", referral.version)
    return client.post(f"/casework/referrals/{referral.id}/allocate", data={"navigator_id": str(navigator.id), **data})


@pytest.fixture
def accepted(staff) -> Referral:
    return make_referral(S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"])


# -- team leads ---------------------------------------------------------------------------


def test_allocate_page_lists_navigators_with_their_caseloads(staff, login_as, accepted):
    make_referral(S.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    make_referral(S.ENGAGED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    make_referral(S.CLOSED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    staff["other_navigator"].caseload_cap = 12
    db.session.commit()

    response = login_as(staff["lead"]).get(f"/casework/referrals/{accepted.id}/allocate")
    assert response.status_code == 200
    page = text_of(response)
    assert "Nadia Navigator 2 of 25 open cases" in page
    assert "Nico Navigator 0 of 12 open cases" in page
    assert "Edna Okonkwo-Test" in page  # team leads see who it is
    assert page_version(response) == accepted.version
    assert "Why are you re-allocating" not in page


def test_lead_allocates_a_referral(staff, login_as, accepted):
    client = login_as(staff["lead"])
    response = allocate(client, accepted, staff["navigator"])
    assert response.status_code == 302 and response.headers["Location"].endswith("/casework/unallocated")
    page = text_of(client.get("/casework/unallocated"))
    assert f"Referral {accepted.reference} allocated to Nadia Navigator" in page
    assert "No referrals are waiting for a navigator" in page

    stored = fresh(accepted)
    assert stored.state is S.ALLOCATED and stored.navigator_id == staff["navigator"].id
    assert stored.allocated_at is not None
    [event] = allocation_events(stored)
    assert event.summary == "Allocated to Nadia Navigator" and event.by_id == staff["lead"].id
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.referral_id == stored.id, AuditEntry.action == AuditAction.UPDATE)
    ).all()
    assert [entry.new_values for entry in audit] == [{"navigator": staff["navigator"].email}]
    [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == staff["navigator"].email)).all()
    assert accepted.reference in mail.subject
    # It is now on the navigator's caseload.
    assert accepted.reference in text_of(login_as(staff["navigator"]).get("/casework/caseload"))


def test_a_navigator_must_be_chosen(staff, login_as, accepted):
    response = login_as(staff["lead"]).post(
        f"/casework/referrals/{accepted.id}/allocate", data={"expected_version": accepted.version}
    )
    assert response.status_code == 200
    assert "Choose a navigator" in text_of(response) and "<title>Error: " in response.get_data(as_text=True)
    assert fresh(accepted).state is S.ACCEPTED


def test_a_full_caseload_is_refused(staff, login_as, accepted):
    navigator = staff["navigator"]
    navigator.caseload_cap = 1
    db.session.commit()
    make_referral(S.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=navigator)
    client = login_as(staff["lead"])
    assert "1 of 1 open cases: caseload full" in text_of(client.get(f"/casework/referrals/{accepted.id}/allocate"))

    response = allocate(client, accepted, navigator)
    assert response.status_code == 200
    page = text_of(response)
    assert "Nadia Navigator already has a full caseload (1 open cases)" in page
    assert "<title>Error: " in response.get_data(as_text=True)
    stored = fresh(accepted)
    assert stored.state is S.ACCEPTED and stored.navigator_id is None
    assert allocation_events(stored) == []


def test_re_allocation_needs_a_reason(staff, login_as):
    referral = make_referral(S.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    client = login_as(staff["lead"])
    page = client.get(f"/casework/referrals/{referral.id}/allocate")
    assert "Why are you re-allocating this referral?" in text_of(page)
    assert "Has this referral now" in text_of(page)

    response = allocate(client, referral, staff["other_navigator"], reason="  ")
    assert response.status_code == 200
    assert "Give a reason for re-allocating this referral" in text_of(response)
    assert 'href="#reason"' in response.get_data(as_text=True)
    assert fresh(referral).navigator_id == staff["navigator"].id

    response = allocate(client, referral, staff["other_navigator"], reason="Nadia is on leave for a month")
    assert response.status_code == 302
    stored = fresh(referral)
    assert stored.state is S.ALLOCATED and stored.navigator_id == staff["other_navigator"].id
    assert [e.summary for e in allocation_events(stored)] == [
        "Allocated to Nadia Navigator",
        "Re-allocated to Nico Navigator",
    ]
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.referral_id == stored.id, AuditEntry.action == AuditAction.UPDATE)
    ).all()
    assert audit[-1].reason == "Nadia is on leave for a month"
    assert audit[-1].old_values == {"navigator": staff["navigator"].email}


def test_a_case_past_allocation_cannot_be_allocated(staff, login_as):
    referral = make_referral(S.ENGAGED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    response = login_as(staff["lead"]).get(f"/casework/referrals/{referral.id}/allocate")
    assert response.status_code == 200
    assert "it cannot be allocated now" in text_of(response)
    assert 'name="navigator_id"' not in response.get_data(as_text=True)


# -- navigators taking referrals ---------------------------------------------------------------


def test_navigator_takes_a_referral_from_the_queue(staff, login_as, accepted):
    client = login_as(staff["navigator"])
    queue = client.get("/casework/unallocated").get_data(as_text=True)
    assert f'action="/casework/referrals/{accepted.id}/allocate"' in queue
    assert f'name="navigator_id" value="{staff["navigator"].id}"' in queue

    response = allocate(client, accepted, staff["navigator"])
    assert response.status_code == 302
    assert f"You have taken referral {accepted.reference}" in text_of(client.get("/casework/unallocated"))
    stored = fresh(accepted)
    assert stored.state is S.ALLOCATED and stored.navigator_id == staff["navigator"].id
    [event] = allocation_events(stored)
    assert event.by_id == staff["navigator"].id
    # Nobody is mailed about allocating to themselves.
    assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == staff["navigator"].email)).all()


def test_navigator_confirmation_page_shows_no_name(staff, login_as):
    referral = make_referral(
        S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"], given_name="Zebedee", family_name="Quillfeather"
    )
    response = login_as(staff["navigator"]).get(f"/casework/referrals/{referral.id}/allocate")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Take this referral" in html and "Hackney Central" in html
    assert "Zebedee" not in html and "Quillfeather" not in html and "E8 1DY" not in html


def test_navigators_can_only_take_referrals_for_themselves(staff, login_as, accepted):
    client = login_as(staff["navigator"])
    response = allocate(client, accepted, staff["other_navigator"])
    assert response.status_code == 200
    assert "You can only take referrals for yourself" in text_of(response)
    stored = fresh(accepted)
    assert stored.state is S.ACCEPTED and stored.navigator_id is None


def test_navigators_cannot_re_allocate_their_own_cases(staff, login_as):
    referral = make_referral(S.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    client = login_as(staff["navigator"])
    assert client.get(f"/casework/referrals/{referral.id}/allocate").status_code == 404
    response = allocate(client, referral, staff["navigator"], reason="mine")
    assert response.status_code == 404
    assert fresh(referral).navigator_id == staff["navigator"].id


def test_a_referral_someone_else_took_first_is_no_longer_in_the_queue(staff, login_as, accepted):
    client = login_as(staff["navigator"])
    version = page_version(client.get("/casework/unallocated"))
    service.allocate_referral(accepted.id, staff["other_navigator"].id, by=staff["other_navigator"])

    response = allocate(client, accepted, staff["navigator"], expected_version=version)
    assert response.status_code == 404
    assert "This referral is no longer in the queue" in text_of(response)
    assert fresh(accepted).navigator_id == staff["other_navigator"].id
    # The same page for a referral that never existed: nothing leaks.
    response = client.post(
        f"/casework/referrals/{uuid.uuid4()}/allocate",
        data={"navigator_id": str(staff["navigator"].id), "expected_version": 1},
    )
    assert response.status_code == 404 and "This referral is no longer in the queue" in text_of(response)


def test_self_allocation_can_be_switched_off(app, staff, login_as, accepted, monkeypatch):
    monkeypatch.setitem(app.config, "NAVIGATOR_SELF_ALLOCATION", False)
    client = login_as(staff["navigator"])
    assert client.get(f"/casework/referrals/{accepted.id}/allocate").status_code == 404
    assert allocate(client, accepted, staff["navigator"]).status_code == 404
    assert fresh(accepted).state is S.ACCEPTED


def test_a_full_navigator_cannot_take_more(staff, login_as, accepted):
    staff["navigator"].caseload_cap = 1
    db.session.commit()
    make_referral(S.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    client = login_as(staff["navigator"])
    assert "You have 1 open case (your limit is 1)" in text_of(client.get("/casework/unallocated"))
    response = allocate(client, accepted, staff["navigator"])
    assert response.status_code == 200
    assert "already has a full caseload" in text_of(response)
    assert fresh(accepted).state is S.ACCEPTED


# -- the allocation race --------------------------------------------------------------------------


def test_two_leads_allocating_from_the_same_page_exactly_one_wins(app, staff, accepted):
    """(a) Over HTTP: both load the allocate page (same version), then both post."""
    lena = signed_in_client(app, staff["lead"])
    luca = signed_in_client(app, make_user("team_lead", name="Luca Lead"))
    lena_version = page_version(lena.get(f"/casework/referrals/{accepted.id}/allocate"))
    luca_version = page_version(luca.get(f"/casework/referrals/{accepted.id}/allocate"))
    assert lena_version == luca_version

    first = allocate(lena, accepted, staff["navigator"], expected_version=lena_version)
    second = allocate(luca, accepted, staff["other_navigator"], expected_version=luca_version)

    assert first.status_code == 302
    assert second.status_code == 200
    page = text_of(second)
    assert "This referral changed while you were looking at it" in page
    assert "It is now allocated to Nadia Navigator" in page
    assert "<title>Error: " in second.get_data(as_text=True)
    stored = fresh(accepted)
    assert stored.navigator_id == staff["navigator"].id
    assert len(allocation_events(stored)) == 1
    # The second lead's page now shows the referral as it is, ready to re-allocate with a reason.
    assert page_version(second) == stored.version
    assert "Why are you re-allocating this referral?" in page


def test_two_allocations_at_the_same_moment_on_separate_connections(app, staff, accepted, monkeypatch):
    """(b) Two threads, each with its own database session and connection, allocate the same
    referral to different navigators at once, with no expected version: the database's
    version check decides. Exactly one succeeds; the other gets ConcurrentChange."""
    referral_id = accepted.id
    lead_ids = [staff["lead"].id, make_user("team_lead", name="Luca Lead").id]
    navigator_ids = [staff["navigator"].id, staff["other_navigator"].id]
    # Both have checked the referral can be allocated before either writes.
    reached = hold_after_reading(monkeypatch, service.allocation, "open_case_count")

    def allocate(n: int) -> Callable[[], object]:
        return lambda: service.allocate_referral(referral_id, navigator_ids[n], by=db.session.get(User, lead_ids[n]))

    winners, losers = at_once(app, [allocate(0), allocate(1)])
    assert len(reached) == 2
    assert len(winners) == 1, losers
    assert len(losers) == 1 and isinstance(losers[0], ConcurrentChange), losers
    assert "Someone else allocated this referral" in str(losers[0])

    stored = fresh(accepted)
    assert stored.state is S.ALLOCATED
    assert stored.navigator_id == navigator_ids[winners[0]]
    assert len(allocation_events(stored)) == 1
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.referral_id == referral_id, AuditEntry.action == AuditAction.UPDATE
            )
        )
        == 1
    )
    mailed = db.session.scalars(select(OutboxMessage.to).where(OutboxMessage.subject.contains("allocated to you")))
    assert list(mailed) == [db.session.get(User, navigator_ids[winners[0]]).email]


# -- the navigator who loses the race sees "no longer in the queue", never "Page not found" or a 500


def test_taken_between_the_page_and_the_service_shows_no_longer_in_the_queue(staff, login_as, accepted, monkeypatch):
    """The winner commits after this request looked the referral up and before the service does."""
    client = login_as(staff["navigator"])
    version = page_version(client.get("/casework/unallocated"))
    real_lookup = service.allocation.get_referral
    taken: list[bool] = []

    def winner_commits_first(*args: Any, **kwargs: Any) -> Referral:
        if not taken:
            taken.append(True)
            service.allocate_referral(accepted.id, staff["other_navigator"].id, by=staff["other_navigator"])
        return real_lookup(*args, **kwargs)

    monkeypatch.setattr(service.allocation, "get_referral", winner_commits_first)
    response = allocate(client, accepted, staff["navigator"], expected_version=version)

    assert taken
    assert response.status_code == 404
    assert "This referral is no longer in the queue" in text_of(response)
    assert fresh(accepted).navigator_id == staff["other_navigator"].id


def test_two_navigators_taking_the_same_referral_at_once_the_loser_sees_no_longer_in_the_queue(
    app, staff, accepted, monkeypatch
):
    """Both requests read the referral and check their caseloads before either writes; the
    database's version check picks the winner and the loser gets the page written for it."""
    nadia = signed_in_client(app, staff["navigator"])
    omar = signed_in_client(app, staff["other_navigator"])
    version = page_version(nadia.get("/casework/unallocated"))
    reached = hold_after_reading(monkeypatch, service.allocation, "open_case_count")
    referral_id = accepted.id
    responses: dict[int, Any] = {}

    def take(n: int, client: Any, navigator: User) -> Callable[[], object]:
        def post() -> None:
            responses[n] = client.post(
                f"/casework/referrals/{referral_id}/allocate",
                data={"navigator_id": str(navigator.id), "expected_version": version},
            )

        return post

    finished, errors = at_once(app, [take(0, nadia, staff["navigator"]), take(1, omar, staff["other_navigator"])])
    assert errors == [] and len(finished) == 2
    assert len(reached) == 2
    statuses = sorted(response.status_code for response in responses.values())
    assert statuses == [302, 404], statuses
    loser = next(response for response in responses.values() if response.status_code == 404)
    assert "This referral is no longer in the queue" in text_of(loser)
    stored = fresh(accepted)
    assert stored.state is S.ALLOCATED
    assert len(allocation_events(stored)) == 1

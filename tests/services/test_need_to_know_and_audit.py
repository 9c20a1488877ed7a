"""Need to know (domain.md 1.3), idempotent submission and the append-only audit log."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, Referral
from navigator.models import ReferralState as S
from navigator.services import referrals as service
from tests.factories import make_referral, referral_details


def _make(staff, state, **changes):
    return make_referral(state, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"], **changes)


def test_referrers_see_only_their_teams_referrals(app, staff):
    ours = _make(staff, S.SUBMITTED)
    assert service.get_referral(ours.id, staff["referrer"]).id == ours.id
    with pytest.raises(service.NotFound):
        service.get_referral(ours.id, staff["other_referrer"])
    with pytest.raises(service.NotFound):
        service.get_referral(uuid.uuid4(), staff["referrer"])


def test_leaving_a_team_loses_access(app, staff):
    ours = _make(staff, S.SUBMITTED)
    referrer = staff["referrer"]
    referrer.teams = []
    db.session.commit()
    with pytest.raises(service.NotFound):
        service.get_referral(ours.id, referrer)


def test_navigators_see_their_caseload_and_the_queue_only(app, staff):
    mine = _make(staff, S.ALLOCATED)
    queued = _make(staff, S.ACCEPTED)
    untriaged = _make(staff, S.SUBMITTED)
    navigator, other = staff["navigator"], staff["other_navigator"]
    assert service.get_referral(mine.id, navigator)
    assert service.get_referral(queued.id, other)
    for referral_id, user in ((mine.id, other), (untriaged.id, navigator)):
        with pytest.raises(service.NotFound):
            service.get_referral(referral_id, user)
    # Seeing the queue is not working the case: a queued referral cannot be worked yet.
    with pytest.raises(service.NotFound):
        service.add_case_note(queued.id, by=other, text="hello")


def test_team_leads_see_everything_admins_nothing(app, staff):
    referral = _make(staff, S.SUBMITTED)
    assert service.get_referral(referral.id, staff["lead"])
    with pytest.raises(service.NotFound):
        service.get_referral(referral.id, staff["admin"])


def test_reading_a_referral_is_audited(app, staff):
    referral = _make(staff, S.SUBMITTED)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        service.get_referral(referral.id, staff["lead"])
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.referral_id == referral.id, AuditEntry.action == AuditAction.VIEW)
    ).one()
    assert entry.user_email == staff["lead"].email
    assert entry.user_roles == "team_lead"
    assert entry.ip_address == "10.1.2.3"
    assert entry.record_type == "referral"


def test_refused_reads_leave_no_view_entry(app, staff):
    referral = _make(staff, S.SUBMITTED)
    with pytest.raises(service.NotFound):
        service.get_referral(referral.id, staff["other_referrer"])
    assert not db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.referral_id == referral.id, AuditEntry.action == AuditAction.VIEW
        )
    )


def test_audit_log_refuses_updates_and_deletes(app, staff):
    _make(staff, S.SUBMITTED)
    entry_id = db.session.scalar(select(AuditEntry.id).limit(1))
    for statement in (
        sa.update(AuditEntry).where(AuditEntry.id == entry_id).values(reason="tampered"),
        sa.delete(AuditEntry).where(AuditEntry.id == entry_id),
    ):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()
    assert db.session.get(AuditEntry, entry_id).reason != "tampered"


def test_same_idempotency_key_makes_one_referral(app, staff):
    details = referral_details(staff["team"])
    first = service.submit_referral(details, by=staff["referrer"], idempotency_key="form-123")
    second = service.submit_referral(details, by=staff["referrer"], idempotency_key="form-123")
    assert first.id == second.id
    assert db.session.scalar(select(func.count(Referral.id))) == 1


def test_simultaneous_double_submit_makes_one_referral(app, staff):
    """Two requests with the same key at the same moment, on separate connections."""
    team_id, referrer_id = staff["team"].id, staff["referrer"].id
    barrier = threading.Barrier(2)
    results: list[object] = []

    def submit() -> None:
        with app.app_context():
            from navigator.models import Team, User

            referrer = db.session.get(User, referrer_id)
            details = referral_details(db.session.get(Team, team_id))
            barrier.wait()
            try:
                results.append(service.submit_referral(details, by=referrer, idempotency_key="double-click").id)
            except Exception as error:  # pragma: no cover - reported below
                results.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2
    assert all(isinstance(result, uuid.UUID) for result in results), results
    assert results[0] == results[1]
    assert db.session.scalar(select(func.count(Referral.id))) == 1


def test_possible_duplicates_are_shown_not_merged(app, staff):
    first = _make(staff, S.SUBMITTED, nhs_number="9434765919")
    by_nhs = _make(staff, S.SUBMITTED, given_name="Edie", nhs_number="9434765919")
    by_name = _make(staff, S.SUBMITTED)
    stranger = _make(staff, S.SUBMITTED, given_name="Someone", family_name="Else")
    duplicates = {r.id for r in service.possible_duplicates(first)}
    assert duplicates == {by_nhs.id, by_name.id}
    assert stranger.id not in duplicates
    assert db.session.scalar(select(func.count(Referral.id))) == 4


def test_safeguarding_referral_is_never_blocked_by_missing_agreement(app, staff):
    from navigator.models import Agreement

    details = referral_details(staff["team"], agreement=Agreement.NOT_OBTAINED_SAFEGUARDING)
    with pytest.raises(service.ReferralError, match="must agree"):
        service.submit_referral(details, by=staff["referrer"], idempotency_key="a")
    details.safeguarding_concern = True
    referral = service.submit_referral(details, by=staff["referrer"], idempotency_key="b")
    assert referral.state is S.SUBMITTED

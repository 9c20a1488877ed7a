"""Two moderators deciding on one registration, and a decision from a stale page (issue 18)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, Organisation, OrganisationStatus, User
from navigator.services import organisations as service
from tests.concurrency import at_once, hold_after_reading
from tests.factories import make_user
from tests.organisations.test_moderating import register
from tests.referrals.helpers import error_messages


def decisions(organisation: Organisation) -> int:
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.record_type == "organisation",
            AuditEntry.record_id == str(organisation.id),
            AuditEntry.action == AuditAction.STATE_CHANGE,
        )
    )


def test_two_moderators_deciding_at_the_same_moment_one_wins(app, staff, monkeypatch):
    """Each on its own connection; both have found the registration pending before either writes."""
    organisation = register()
    organisation_id = organisation.id
    moderator_ids = [staff["moderator"].id, make_user("moderator", name="Mo Second").id]
    reached = hold_after_reading(monkeypatch, service, "_pending")

    def approve() -> object:
        return service.approve_organisation(organisation_id, by=db.session.get(User, moderator_ids[0]))

    def reject() -> object:
        return service.reject_organisation(
            organisation_id, by=db.session.get(User, moderator_ids[1]), reason="We cannot find this group"
        )

    actions: list[Callable[[], object]] = [approve, reject]
    winners, losers = at_once(app, actions)

    assert len(reached) == 2
    assert len(winners) == 1, losers
    assert len(losers) == 1 and isinstance(losers[0], service.OrganisationError), losers
    assert "Another moderator decided on this registration" in str(losers[0])
    db.session.expire_all()
    stored = db.session.get(Organisation, organisation_id)
    expected = OrganisationStatus.APPROVED if winners == [0] else OrganisationStatus.REJECTED
    assert stored.status is expected
    assert stored.decided_by_id == moderator_ids[winners[0]]
    assert decisions(stored) == 1


def test_a_decision_from_a_page_loaded_before_the_registration_changed_is_refused(client, staff, login_as):
    organisation = register()
    service.reject_organisation(organisation.id, by=staff["moderator"], reason="Give your charity number")
    stale = organisation.revision
    register()  # registered again after the rejection, with new details: pending once more
    login_as(make_user("moderator", name="Mo Second"))

    response = client.post(
        f"/organisations/{organisation.id}/approve", data={"note": "Looks fine", "revision": str(stale)}
    )

    assert response.status_code == 200
    assert "<title>Error: " in response.get_data(as_text=True)
    [message] = error_messages(response)
    assert "This registration was changed by" in message and "Check it, then decide again" in message
    db.session.expire_all()
    stored = db.session.get(Organisation, organisation.id)
    assert stored.status is OrganisationStatus.PENDING
    # The page shown now carries the fresh revision: deciding again goes through.
    fresh = str(stored.revision)
    assert f'name="revision" value="{fresh}"' in response.get_data(as_text=True)
    again = client.post(f"/organisations/{organisation.id}/approve", data={"note": "Looks fine", "revision": fresh})
    assert again.status_code == 302

"""The referral state machine (domain.md 2.3): every legal move works, every other move
is refused with a clear InvalidTransition, never a crash or a silent change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from navigator import clock
from navigator.extensions import db
from navigator.models import (
    AuditAction,
    AuditEntry,
    ContactChannel,
    ContactOutcome,
    OutboxMessage,
    Referral,
    ReferralEvent,
    ScreeningOccasion,
)
from navigator.models import ReferralState as S
from navigator.services import referrals as service
from tests.factories import ADULT_BASELINE, make_referral

ALL_STATES = list(S)


def _referral(staff, state: S) -> Referral:
    return make_referral(state, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])


def _attempt(staff, referral, outcome, **extra):
    return service.log_contact_attempt(
        referral.id,
        by=staff["navigator"],
        at=clock.now() - timedelta(minutes=5),
        channel=ContactChannel.PHONE,
        outcome=outcome,
        **extra,
    )


# Each action, as (name, from which states it is legal, how to perform it).
ACTIONS = {
    "accept": ({S.SUBMITTED}, lambda st, r: service.accept_referral(r.id, by=st["lead"])),
    "reject": (
        {S.SUBMITTED, S.MORE_INFO_REQUESTED},
        lambda st, r: service.reject_referral(r.id, by=st["lead"], reason="outside_service"),
    ),
    "redirect": (
        {S.SUBMITTED},
        lambda st, r: service.redirect_referral(
            r.id, by=st["lead"], service="Age UK East London", reason="Needs advice"
        ),
    ),
    "more_info": (
        {S.SUBMITTED},
        lambda st, r: service.request_more_information(r.id, by=st["lead"], question="Best time to call?"),
    ),
    "answer_more_info": (
        {S.MORE_INFO_REQUESTED},
        lambda st, r: service.answer_more_information(r.id, by=st["referrer"], answer="Mornings"),
    ),
    "allocate": (
        {S.ACCEPTED},
        lambda st, r: service.allocate_referral(r.id, st["navigator"].id, by=st["lead"]),
    ),
    "reallocate": (
        {S.ACCEPTED, S.ALLOCATED},  # from accepted it is simply an allocation
        lambda st, r: service.allocate_referral(r.id, st["other_navigator"].id, by=st["lead"], reason="Leave"),
    ),
    "failed_contact": (
        {S.ALLOCATED, S.CONTACTING},
        lambda st, r: _attempt(st, r, ContactOutcome.NO_ANSWER),
    ),
    "engage": (
        {S.ALLOCATED, S.CONTACTING},
        lambda st, r: _attempt(st, r, ContactOutcome.REACHED, person_agrees=True),
    ),
    "declines_at_contact": (
        {S.ALLOCATED, S.CONTACTING},
        lambda st, r: _attempt(st, r, ContactOutcome.DECLINED),
    ),
    "start_support": ({S.ENGAGED}, None),  # needs the baseline first: tested below
    "close_disengaged": (
        {S.ENGAGED, S.IN_SUPPORT},
        lambda st, r: service.close_referral(
            r.id, by=st["lead"], reason="disengaged", follow_up_not_obtained_reason="unable_to_contact"
        ),
    ),
    "close_goals_met": (
        {S.IN_SUPPORT},
        lambda st, r: service.close_referral(
            r.id, by=st["lead"], reason="goals_met", follow_up_not_obtained_reason="declined"
        ),
    ),
}
EXPECTED_STATE = {
    "accept": S.ACCEPTED,
    "reject": S.REJECTED,
    "redirect": S.REDIRECTED,
    "more_info": S.MORE_INFO_REQUESTED,
    "answer_more_info": S.SUBMITTED,
    "allocate": S.ALLOCATED,
    "reallocate": S.ALLOCATED,
    "failed_contact": S.CONTACTING,
    "engage": S.ENGAGED,
    "declines_at_contact": S.CLOSED,
    "close_disengaged": S.CLOSED,
    "close_goals_met": S.CLOSED,
}
CASES = [
    (name, state, state in legal)
    for name, (legal, perform) in ACTIONS.items()
    if perform is not None
    for state in ALL_STATES
]


@pytest.mark.parametrize(
    ("action", "state", "legal"), CASES, ids=[f"{a}-from-{s.value}-{'ok' if ok else 'refused'}" for a, s, ok in CASES]
)
def test_every_action_from_every_state(app, staff, action, state, legal):
    referral = _referral(staff, state)
    events_before = db.session.scalar(
        select(func.count(ReferralEvent.id)).where(ReferralEvent.referral_id == referral.id)
    )
    perform = ACTIONS[action][1]
    if legal:
        perform(staff, referral)
        db.session.refresh(referral)
        assert referral.state is EXPECTED_STATE[action]
        event = db.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral.id).order_by(ReferralEvent.id.desc())
        ).first()
        assert event.to_state is EXPECTED_STATE[action]
        assert db.session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.referral_id == referral.id, AuditEntry.action == AuditAction.STATE_CHANGE
            )
        )
    else:
        with pytest.raises((service.InvalidTransition, service.ReferralError, service.NotFound)):
            perform(staff, referral)
        db.session.rollback()
        db.session.refresh(referral)
        assert referral.state is state, "a refused move must leave the referral as it was"
        events_after = db.session.scalar(
            select(func.count(ReferralEvent.id)).where(ReferralEvent.referral_id == referral.id)
        )
        assert events_after == events_before


def test_support_needs_a_complete_baseline_screen(app, staff):
    referral = _referral(staff, S.ENGAGED)
    with pytest.raises(service.InvalidTransition, match="baseline loneliness screen"):
        service.start_support(referral.id, by=staff["navigator"])
    # UCLA-3 alone is not enough for an adult: the ONS direct question is due too.
    service.record_screening(
        referral.id,
        by=staff["navigator"],
        instrument_code="ucla3",
        answers=ADULT_BASELINE["ucla3"],
        occasion=ScreeningOccasion.BASELINE,
    )
    with pytest.raises(service.InvalidTransition):
        service.start_support(referral.id, by=staff["navigator"])
    # A refusal to answer counts as complete, so the person is not pressed (domain.md 2.5).
    service.record_screening(
        referral.id,
        by=staff["navigator"],
        instrument_code="ons_direct",
        answers={"lonely": "declined"},
        occasion=ScreeningOccasion.BASELINE,
    )
    service.start_support(referral.id, by=staff["navigator"])
    assert db.session.get(Referral, referral.id).state is S.IN_SUPPORT


def test_incomplete_screen_does_not_count(app, staff):
    referral = _referral(staff, S.ENGAGED)
    for code, answers in ADULT_BASELINE.items():
        partial = dict(list(answers.items())[:-1]) if code == "ucla3" else answers
        service.record_screening(
            referral.id,
            by=staff["navigator"],
            instrument_code=code,
            answers=partial,
            occasion=ScreeningOccasion.BASELINE,
        )
    assert not service.has_complete_baseline(db.session.get(Referral, referral.id))


def test_third_failed_attempt_closes_as_unable_to_contact_and_tells_the_referrer(app, staff):
    referral = _referral(staff, S.ALLOCATED)
    for _ in range(2):
        _attempt(staff, referral, ContactOutcome.NO_ANSWER)
    assert db.session.get(Referral, referral.id).state is S.CONTACTING
    _attempt(staff, referral, ContactOutcome.VOICEMAIL)
    referral = db.session.get(Referral, referral.id)
    assert referral.state is S.CLOSED
    assert referral.closure_reason == "unable_to_contact"
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("closed"))).all()
    assert [m.to for m in mail] == ["referrer@example.org"]


def test_attempts_limit_is_configurable(app, staff):
    app.config["UNABLE_TO_CONTACT_ATTEMPTS"] = 2
    try:
        referral = _referral(staff, S.ALLOCATED)
        _attempt(staff, referral, ContactOutcome.NO_ANSWER)
        _attempt(staff, referral, ContactOutcome.NO_ANSWER)
        assert db.session.get(Referral, referral.id).state is S.CLOSED
    finally:
        app.config["UNABLE_TO_CONTACT_ATTEMPTS"] = 3


def test_only_interpreter_supported_attempts_count_when_one_is_needed(app, staff):
    referral = _referral(staff, S.ALLOCATED)
    referral.person.interpreter_needed = True
    referral.person.interpreter_language = "tr"
    db.session.commit()
    for _ in range(3):
        _attempt(staff, referral, ContactOutcome.NO_ANSWER)
    assert db.session.get(Referral, referral.id).state is S.CONTACTING
    for _ in range(3):
        _attempt(staff, referral, ContactOutcome.NO_ANSWER, interpreter_used=True)
    assert db.session.get(Referral, referral.id).state is S.CLOSED


def test_closing_from_support_needs_a_follow_up_screen_or_a_reason(app, staff):
    referral = _referral(staff, S.IN_SUPPORT)
    with pytest.raises(service.ReferralError, match="complete closure screen"):
        service.close_referral(referral.id, by=staff["navigator"], reason="goals_met")
    for code, answers in ADULT_BASELINE.items():
        service.record_screening(
            referral.id,
            by=staff["navigator"],
            instrument_code=code,
            answers=answers,
            occasion=ScreeningOccasion.CLOSURE,
        )
    service.close_referral(
        referral.id,
        by=staff["navigator"],
        reason="goals_met",
        summary="Sings with a choir weekly",
        contact_again_agreed=True,
    )
    referral = db.session.get(Referral, referral.id)
    assert referral.state is S.CLOSED
    assert referral.closure_summary == "Sings with a choir weekly"


def test_closure_reason_must_fit_the_state(app, staff):
    referral = _referral(staff, S.CONTACTING)
    with pytest.raises(service.InvalidTransition, match="cannot be closed"):
        service.close_referral(referral.id, by=staff["navigator"], reason="goals_met")


def test_stale_version_is_refused(app, staff):
    referral = _referral(staff, S.SUBMITTED)
    stale = referral.version
    service.request_more_information(referral.id, by=staff["lead"], question="Phone number?")
    service.answer_more_information(referral.id, by=staff["referrer"], answer="020 7946 0000")
    with pytest.raises(service.ConcurrentChange):
        service.accept_referral(referral.id, by=staff["lead"], expected_version=stale)
    assert db.session.get(Referral, referral.id).state is S.SUBMITTED


def test_navigator_cannot_triage(app, staff):
    referral = _referral(staff, S.SUBMITTED)
    with pytest.raises(service.NotFound):
        # A navigator cannot even see a referral that is not yet accepted.
        service.accept_referral(referral.id, by=staff["navigator"])


def test_safeguarding_concern_can_be_raised_at_any_open_state(app, staff):
    for state in (S.SUBMITTED, S.ENGAGED, S.CLOSED):
        referral = _referral(staff, state)
        service.raise_safeguarding_concern(referral.id, by=staff["lead"], note="Bruising seen", reference="SG-1")
        referral = db.session.get(Referral, referral.id)
        assert referral.safeguarding_concern and referral.state is state

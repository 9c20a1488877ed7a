"""The casework benchmark's loader (bench/casework_data.py) fills the demo in the demo's shape.

Timing is the benchmark's job (`make bench-casework`), never a test's: this only loads a
few hundred referrals and checks what the pages will read."""

from __future__ import annotations

import re
import sys
from collections import Counter
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from navigator import clock
from navigator.config import PROJECT_ROOT
from navigator.extensions import db
from navigator.models import (
    AuditAction,
    AuditEntry,
    Referral,
    ReferralEvent,
    ReferralState,
    Screening,
    ScreeningOccasion,
    User,
)
from navigator.models.referrals import OPEN_CASE_STATES
from navigator.services.numbering import claim_next, referral_series

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

import casework_data

pytestmark = pytest.mark.slow


def test_loader_adds_referrals_in_the_demo_shape(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    db.session.commit()
    demo = set(db.session.scalars(select(Referral.id)))
    # End this session's transaction: on PostgreSQL the loader's DROP INDEX waits for every reader.
    db.session.commit()

    casework_data.load(app.config["SQLALCHEMY_DATABASE_URI"], 200, quiet=True)
    db.session.expire_all()

    referrals = db.session.scalars(select(Referral)).all()
    assert len(referrals) == len(demo) + 200
    references = [referral.reference for referral in referrals]
    assert len(set(references)) == len(references)
    assert all(re.fullmatch(r"CN-\d{4}-\d{6}", reference) for reference in references)
    # A referral made after the load carries on from the loaded references.
    year = clock.today().year
    last = max(int(reference[8:]) for reference in references if reference.startswith(f"CN-{year}-"))
    assert claim_next(referral_series(year)) == last + 1
    db.session.rollback()
    loads = Counter(referral.navigator_id for referral in referrals if referral.state in OPEN_CASE_STATES)
    navigators = db.session.scalars(select(User).where(User.roles.any(code="navigator"))).all()
    assert {navigator.id for navigator in navigators} == set(loads)
    assert all(20 <= load <= 36 for load in loads.values()), loads
    states = Counter(referral.state for referral in referrals)
    assert states[ReferralState.SUBMITTED] >= 5 and states[ReferralState.ACCEPTED] >= 5
    assert states[ReferralState.CLOSED] > states[ReferralState.REJECTED] > 0
    # Each referral's timeline ends in its state, and the audit log has its creation.
    last_state = dict(
        db.session.execute(
            select(ReferralEvent.referral_id, ReferralEvent.to_state).order_by(ReferralEvent.at, ReferralEvent.id)
        ).all()
    )
    assert all(last_state[referral.id] is referral.state for referral in referrals)
    created = set(db.session.scalars(select(AuditEntry.referral_id).where(AuditEntry.action == AuditAction.CREATE)))
    assert {referral.id for referral in referrals} <= created
    closed = [referral for referral in referrals if referral.state is ReferralState.CLOSED]
    assert all(referral.closure_reason for referral in closed)
    added = [referral for referral in referrals if referral.id not in demo]
    assert all(referral.person.postcode and referral.person.ward_code for referral in added)
    # The follow-ups list's flag is as the services keep it (services/referrals/pairs.py): a
    # baseline, no later screen since the 3-month window opened, and the case in support or
    # closed with the person's agreement to be contacted again.
    window = timedelta(days=app.config["FOLLOW_UP_WINDOW_DAYS"])
    later: dict[object, list[date]] = {}
    for referral_id, at in db.session.execute(
        select(Screening.referral_id, Screening.recorded_at).where(Screening.occasion != ScreeningOccasion.BASELINE)
    ):
        later.setdefault(referral_id, []).append(at.astimezone(clock.LONDON).date())
    for referral in referrals:
        if referral.follow_up_due is None:
            assert not referral.follow_up_pending, referral.reference
            continue
        opens = referral.follow_up_due - window
        taken = any(day >= opens for day in later.get(referral.id, []))
        agreed = referral.state is ReferralState.IN_SUPPORT or (
            referral.state is ReferralState.CLOSED and referral.contact_again_agreed is True
        )
        expected = agreed and not taken and referral.follow_up_not_obtained_reason in ("", "not_yet_due")
        assert referral.follow_up_pending == expected, referral.reference
    assert any(referral.follow_up_pending for referral in added)


def test_loader_can_hold_a_year_with_equality_answers_and_review_screens_for_the_report_benchmark(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bench/report_bench.py loads every referral into the report's 12 months, with a screen
    at reviews too; every person's equality monitoring answers are the forms' codes."""
    from navigator.models import EqualityMonitoring, Person
    from navigator.monitoring.questions import QUESTIONS, YES

    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    db.session.commit()
    demo = set(db.session.scalars(select(Referral.id)))
    db.session.commit()

    casework_data.load(app.config["SQLALCHEMY_DATABASE_URI"], 200, quiet=True, years=1, review_screens=1.0)
    db.session.expire_all()

    added = [referral for referral in db.session.scalars(select(Referral)) if referral.id not in demo]
    assert len(added) == 200
    year_ago = clock.now() - timedelta(days=366)
    assert all(referral.submitted_at >= year_ago for referral in added)
    occasions = Counter(
        db.session.scalars(select(Screening.occasion).where(Screening.referral_id.in_([r.id for r in added])))
    )
    assert occasions[ScreeningOccasion.REVIEW] > 0 and occasions[ScreeningOccasion.BASELINE] > 0
    answers = db.session.scalars(
        select(EqualityMonitoring).where(EqualityMonitoring.person_id.in_([r.person_id for r in added]))
    ).all()
    assert 100 < len(answers) < 200  # most people answer something, some nothing
    ages = {person.id: person.age_on(clock.today()) for person in db.session.scalars(select(Person))}
    for row in answers:
        for question in QUESTIONS:
            value = getattr(row, question.code)
            if value is None:
                continue
            if question.options:
                assert value in question.codes, (question.code, value)
            if question.min_age:
                assert ages[row.person_id] >= question.min_age - 1, question.code
            if question.follows:
                assert getattr(row, question.follows) == YES

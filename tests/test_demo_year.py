"""The demo's generated year (navigator/seeding/year.py) at its full size: several hundred
referrals over twelve months with the screens an impact report needs, built through the
services. One test: loading the year takes a while."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from navigator import clock
from navigator.extensions import db
from navigator.models import EqualityMonitoring, Referral, ReferralState, Screening, TimePoint, UnmetNeed, User
from navigator.monitoring.services import groups_for_people
from navigator.seeding import DEMO_PASSWORD_DEFAULT
from navigator.services import referrals as service
from tests.test_seed import flask, sign_in


@pytest.fixture(autouse=True)
def demo_environment(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    monkeypatch.delenv("NAVIGATOR_ENV", raising=False)
    monkeypatch.setitem(app.config, "REQUIRE_TWO_FACTOR", False)
    monkeypatch.setitem(app.config, "DEMO_YEAR_REFERRALS", 320)  # the size `make run` loads


def test_the_demo_year_has_paired_screens_to_report(app: Flask, client: FlaskClient) -> None:
    flask(app, "seed")
    now = clock.now()
    year = db.session.scalars(select(Referral).where(Referral.idempotency_key.startswith("demo-year-"))).all()
    assert len(year) >= 300
    months = Counter(r.submitted_at.astimezone(clock.LONDON).strftime("%Y-%m") for r in year)
    assert len(months) >= 12 and min(r.submitted_at for r in year) >= now - timedelta(days=366)
    states = Counter(r.state for r in year)
    assert states[ReferralState.CLOSED] > states[ReferralState.IN_SUPPORT] > 10
    assert states[ReferralState.REJECTED] and states[ReferralState.REDIRECTED]

    ids = {r.id for r in year}
    screens = [s for s in db.session.scalars(select(Screening)) if s.referral_id in ids]
    baselines = {s.referral_id for s in screens if s.episode_baseline}
    three_month = [s for s in screens if s.time_point is TimePoint.THREE_MONTH]
    paired = {s.referral_id for s in three_month}
    # Most people whose 3-month point has passed were screened again; some were lost to follow-up.
    past = {
        r.id
        for r in year
        if r.id in baselines and r.follow_up_due and r.follow_up_due < clock.today() - timedelta(days=14)
    }
    assert len(paired & past) >= 0.5 * len(past) and past - paired
    assert len(paired) >= 80
    # Some less lonely, some not, some worse: UCLA-3 totals moved every way.
    screen_by_id = {s.id: s for s in screens}
    changes = Counter(
        (s.score - screen_by_id[s.baseline_id].score > 0) - (s.score - screen_by_id[s.baseline_id].score < 0)
        for s in three_month
        if s.instrument_code == "ucla3" and s.score is not None and screen_by_id[s.baseline_id].score is not None
    )
    assert changes[-1] > changes[1] > 0 and changes[0] > 0
    assert all(s.comparable for s in three_month)
    # Children's and Easy Read screens as well as adults', and some proxy answers.
    assert {"cyp_loneliness", "ucla3", "ons_direct", "ons4"} <= {s.instrument_code for s in screens}

    # Equality answers with realistic gaps and "Prefer not to say"; every strategy group derived for someone.
    people = {r.person_id for r in year}
    answers = [row for row in db.session.scalars(select(EqualityMonitoring)) if row.person_id in people]
    assert 0.6 * len(people) <= len(answers) < len(people)
    assert sum(row.ethnicity == "prefer_not_to_say" for row in answers) >= 3
    assert sum(row.ethnicity is None for row in answers) >= 3
    groups = groups_for_people(list(people))
    assert len({group.code for found in groups.values() for group in found}) >= 12

    # Unmet need concentrated in two or three wards.
    entries = [u for u in db.session.scalars(select(UnmetNeed)) if u.referral_id in ids]
    wards = Counter(entry.ward_code for entry in entries)
    assert len(entries) >= 15
    assert sum(count for _, count in wards.most_common(3)) >= 0.6 * len(entries)

    # Re-referrals of the same person, linked at triage to the earlier episode.
    again = [r for r in year if r.previous_referral_id is not None]
    assert len(again) >= 3
    by_id = {r.id: r for r in year}
    assert all(by_id[r.previous_referral_id].person.person_key == r.person.person_key for r in again)

    # A navigator sees a case with its baseline, 3-month pair and change.
    navigator = db.session.scalar(select(User).where(User.email == "navigator.amara@demo.example.org"))
    assert navigator is not None
    theirs = [r for r in year if r.navigator_id == navigator.id and r.id in paired]
    assert theirs
    sign_in(client, navigator.email, DEMO_PASSWORD_DEFAULT)
    page = client.get(f"/casework/cases/{theirs[0].id}").get_data(as_text=True)
    assert "Change since baseline" in page and "3-month follow-up" in page
    # And follow-ups are due on the list.
    assert service.due_for_follow_up(navigator).items

"""Migration 0013 places the screens a running copy already holds, on SQLite and PostgreSQL:
each gets a time point, the episode's baselines are chosen by the rule, later screens pair with
them, and the 3-month follow-up is worked out from the baseline."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from navigator import clock, create_app
from navigator.config import TestConfig
from navigator.extensions import db
from navigator.models import ReferralState, ScreeningOccasion
from navigator.services import referrals as service
from tests.factories import ADULT_BASELINE, clock_at, make_referral, make_team, make_user

UCLA_BETTER = {"lack_companionship": "some_of_the_time", "left_out": "hardly_ever_or_never", "isolated": "often"}


def test_existing_screens_get_time_points_baselines_and_pairs(empty_database_url: str, tmp_path: Path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_database_url, SEARCH_INDEX_DIR=str(tmp_path / "ix"))
    with app.app_context():
        upgrade()
        referrer = make_user("referrer", teams=[make_team()])
        lead, navigator = make_user("team_lead"), make_user("navigator")
        people = {"referrer": referrer, "lead": lead, "navigator": navigator}
        with clock_at(clock.now() - timedelta(days=100)):
            # The referrer screened on the form; the navigator screened again at the first conversation.
            paired = make_referral(ReferralState.IN_SUPPORT, **people, screenings=dict(ADULT_BASELINE))
            referrer_only = make_referral(ReferralState.ENGAGED, **people, screenings=dict(ADULT_BASELINE))
            service.start_support(referrer_only.id, by=navigator)
        service.record_screening(
            paired.id, by=navigator, instrument_code="ucla3", answers=UCLA_BETTER, occasion=ScreeningOccasion.REVIEW
        )
        closed = make_referral(ReferralState.CLOSED, **people)
        ids = {"paired": paired.id, "referrer_only": referrer_only.id, "closed": closed.id}
        db.session.remove()

        downgrade(revision="0012_person_name_key")
        with db.engine.begin() as connection:
            # As the old closure form left it: a follow-up date typed by hand.
            table = sa.table(
                "referrals",
                sa.column("id", sa.Uuid()),
                sa.column("follow_up_due", sa.Date()),
                sa.column("follow_up_not_obtained_reason"),
            )
            connection.execute(
                table.update()
                .where(table.c.id == ids["closed"])
                .values(follow_up_due=clock.today() + timedelta(days=80), follow_up_not_obtained_reason="")
            )
        upgrade()

        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT referral_id, instrument_code, occasion, time_point, episode_baseline, at_referral, "
                    "baseline_id, comparable, id, age_band FROM screenings ORDER BY recorded_at, instrument_code"
                )
            ).all()
            referrals = {
                row.id: row
                for row in connection.execute(
                    sa.text("SELECT id, follow_up_due, follow_up_pending, contact_again_agreed FROM referrals")
                )
            }
        db.engine.dispose()

    def screens(key):
        return [row for row in rows if str(row.referral_id).replace("-", "") == ids[key].hex]

    def referral(key):
        return next(row for uid, row in referrals.items() if str(uid).replace("-", "") == ids[key].hex)

    paired_rows = screens("paired")
    by_referrer = [r for r in paired_rows if r.at_referral]
    by_navigator = [r for r in paired_rows if r.occasion == "baseline" and not r.at_referral]
    [review] = [r for r in paired_rows if r.occasion == "review"]
    assert len(by_referrer) == 2 and len(by_navigator) == 2
    assert not any(r.episode_baseline for r in by_referrer) and all(r.episode_baseline for r in by_navigator)
    assert {r.time_point for r in by_referrer + by_navigator} == {"baseline"}
    ucla_baseline = next(r for r in by_navigator if r.instrument_code == "ucla3")
    assert review.time_point == "three_month" and str(review.baseline_id) == str(ucla_baseline.id)
    assert review.comparable in (True, 1) and ucla_baseline.age_band == "16_plus"
    assert not referral("paired").follow_up_pending  # the review inside the window is the 3-month screen

    referrer_rows = screens("referrer_only")
    assert all(r.at_referral and r.episode_baseline for r in referrer_rows)
    waiting = referral("referrer_only")
    assert waiting.follow_up_pending in (True, 1) and waiting.follow_up_due is not None

    closed_row = referral("closed")
    assert closed_row.contact_again_agreed in (True, 1)

"""each screen knows its time point and the baseline it pairs with; closure asks whether the
person may be contacted again; an unknown age can be given as a band

Existing screens are placed by the rule of navigator/screening/pairing.py (the pure module as
it is when this was written): the navigator's first-conversation screen is the baseline, the
referrer's screen at referral only when the navigator recorded none; a later screen inside
the 3-month window is the 3-month one. A closed case with a follow-up date typed at closure
had the person's agreement to be contacted again.

Revision ID: 0013_screening_pairs
Revises: 0012_person_name_key
Create Date: 2026-12-03 17:00:00

"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from dateutil.relativedelta import relativedelta

revision = "0013_screening_pairs"
down_revision = "0012_person_name_key"
branch_labels = None
depends_on = None

BATCH = 5_000
LONDON = ZoneInfo("Europe/London")
FOLLOW_UP_AFTER = relativedelta(months=3)
WINDOW = timedelta(days=14)
OPEN_FOR_FOLLOW_UP = ("engaged", "in_support")


def _config(name, default):
    try:
        from flask import current_app

        return int(current_app.config.get(name, default))
    except (ImportError, RuntimeError):
        return default


def upgrade():
    with op.batch_alter_table("screenings") as batch:
        batch.add_column(sa.Column("time_point", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("episode_baseline", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("baseline_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("comparable", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("mode_change_reason", sa.String(length=300), server_default="", nullable=False))
        batch.add_column(sa.Column("at_referral", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("proxy", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("age_band", sa.String(length=10), nullable=True))
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("contact_again_agreed", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("stated_age_band", sa.String(length=10), nullable=True))

    connection = op.get_bind()
    after = relativedelta(months=_config("FOLLOW_UP_AFTER_MONTHS", 3))
    window = timedelta(days=_config("FOLLOW_UP_WINDOW_DAYS", 14))
    # Who took a baseline screen: the referrer (on the referral form) or a navigator.
    connection.execute(
        sa.text(
            "UPDATE screenings SET at_referral = :yes WHERE occasion = 'baseline' AND ("
            "recorded_by_id IS NULL OR recorded_by_id = "
            "(SELECT referrals.referred_by_id FROM referrals WHERE referrals.id = screenings.referral_id))"
        ),
        {"yes": True},
    )
    connection.execute(sa.text("UPDATE screenings SET proxy = :yes WHERE answered_by <> 'person'"), {"yes": True})
    connection.execute(
        sa.text(
            "UPDATE referrals SET contact_again_agreed = :yes WHERE state = 'closed' AND follow_up_due IS NOT NULL"
        ),
        {"yes": True},
    )

    screenings = sa.table(
        "screenings",
        sa.column("id", sa.Uuid()),
        sa.column("referral_id", sa.Uuid()),
        sa.column("instrument_code"),
        sa.column("instrument_version"),
        sa.column("occasion"),
        sa.column("mode"),
        sa.column("at_referral", sa.Boolean()),
        sa.column("complete", sa.Boolean()),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
        sa.column("time_point"),
        sa.column("episode_baseline", sa.Boolean()),
        sa.column("baseline_id", sa.Uuid()),
        sa.column("comparable", sa.Boolean()),
        sa.column("age_band"),
    )
    referrals = sa.table(
        "referrals",
        sa.column("id", sa.Uuid()),
        sa.column("person_id", sa.Uuid()),
        sa.column("state"),
        sa.column("contact_again_agreed", sa.Boolean()),
        sa.column("follow_up_not_obtained_reason"),
        sa.column("follow_up_due", sa.Date()),
        sa.column("follow_up_pending", sa.Boolean()),
    )
    people = sa.table("people", sa.column("id", sa.Uuid()), sa.column("date_of_birth", sa.Date()))
    last = None
    while True:
        # A batch of referrals that have screens, then all their screens.
        ids_query = sa.select(screenings.c.referral_id).distinct().order_by(screenings.c.referral_id).limit(BATCH)
        if last is not None:
            ids_query = ids_query.where(screenings.c.referral_id > last)
        ids = [row[0] for row in connection.execute(ids_query)]
        if not ids:
            break
        last = ids[-1]
        facts = connection.execute(
            sa.select(
                referrals.c.id,
                referrals.c.state,
                referrals.c.contact_again_agreed,
                referrals.c.follow_up_not_obtained_reason,
                people.c.date_of_birth,
            )
            .join(people, people.c.id == referrals.c.person_id)
            .where(referrals.c.id.in_(ids))
        ).all()
        by_referral = {row.id: row for row in facts}
        rows = connection.execute(
            sa.select(screenings)
            .where(screenings.c.referral_id.in_(ids))
            .order_by(screenings.c.referral_id, screenings.c.recorded_at, screenings.c.id)
        ).all()
        grouped = {}
        for row in rows:
            grouped.setdefault(row.referral_id, []).append(row)
        screen_updates, referral_updates = [], []
        for referral_id, screens in grouped.items():
            placed, due, pending = _place(screens, by_referral[referral_id], after, window)
            screen_updates.extend(placed)
            if due is not None:
                referral_updates.append({"row_id": referral_id, "due": due, "pending": pending})
        connection.execute(
            screenings.update()
            .where(screenings.c.id == sa.bindparam("row_id"))
            .values(
                time_point=sa.bindparam("time_point"),
                episode_baseline=sa.bindparam("episode_baseline"),
                baseline_id=sa.bindparam("baseline"),
                comparable=sa.bindparam("comparable_"),
                age_band=sa.bindparam("band"),
            ),
            screen_updates,
        )
        if referral_updates:
            connection.execute(
                referrals.update()
                .where(referrals.c.id == sa.bindparam("row_id"))
                .values(follow_up_due=sa.bindparam("due"), follow_up_pending=sa.bindparam("pending")),
                referral_updates,
            )
    with op.batch_alter_table("screenings") as batch:
        batch.alter_column("time_point", existing_type=sa.String(length=20), nullable=False)
        batch.create_foreign_key(
            "fk_screenings_baseline_id_screenings", "screenings", ["baseline_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_screenings_baseline_id", ["baseline_id"])


def _day(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(LONDON).date()


def _band(born, day):
    if born is None:
        return None
    if isinstance(born, str):
        born = date.fromisoformat(born)
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return "under_10" if age < 10 else "10_15" if age < 16 else "16_plus"


def _place(screens, referral, after, window):
    """As navigator/screening/pairing.py place() and services/referrals/pairs.py at the time
    of writing: placements of one episode's screens, its 3-month due date and whether the
    follow-up is still pending."""
    baselines = {}
    for code in dict.fromkeys(s.instrument_code for s in screens if s.occasion == "baseline"):
        candidates = [s for s in screens if s.occasion == "baseline" and s.instrument_code == code]
        by_navigator = [s for s in candidates if not s.at_referral] or candidates
        baselines[code] = next((s for s in by_navigator if s.complete), by_navigator[0])
    chosen = {s.id for s in baselines.values()}
    updates = []
    three_month = set()
    for screen in screens:
        day = _day(screen.recorded_at)
        update = {
            "row_id": screen.id,
            "episode_baseline": screen.id in chosen,
            "baseline": None,
            "comparable_": None,
            "band": _band(referral.date_of_birth, day),
            "time_point": screen.occasion,
        }
        if screen.occasion != "baseline":
            update["time_point"] = {"follow_up": "after_closure"}.get(screen.occasion, screen.occasion)
            baseline = baselines.get(screen.instrument_code)
            if baseline is not None:
                update["baseline"] = baseline.id
                update["comparable_"] = (
                    baseline.instrument_version == screen.instrument_version and baseline.mode == screen.mode
                )
                opens = _day(baseline.recorded_at) + after - window
                if screen.instrument_code not in three_month and opens <= day <= opens + 2 * window:
                    update["time_point"] = "three_month"
                    three_month.add(screen.instrument_code)
        updates.append(update)
    if not baselines:
        return updates, None, False
    baseline_day = min(_day(s.recorded_at) for s in baselines.values())
    opens = baseline_day + after - window
    pending = referral.follow_up_not_obtained_reason in ("", "not_yet_due", None) and not any(
        s.occasion != "baseline" and _day(s.recorded_at) >= opens for s in screens
    )
    if referral.state == "closed":
        pending = pending and referral.contact_again_agreed is True
    else:
        pending = pending and referral.state in OPEN_FOR_FOLLOW_UP
    return updates, baseline_day + after, pending


def downgrade():
    with op.batch_alter_table("screenings") as batch:
        batch.drop_index("ix_screenings_baseline_id")
        batch.drop_constraint("fk_screenings_baseline_id_screenings", type_="foreignkey")
        for name in (
            "age_band",
            "proxy",
            "at_referral",
            "mode_change_reason",
            "comparable",
            "baseline_id",
            "episode_baseline",
            "time_point",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("stated_age_band")
        batch.drop_column("contact_again_agreed")

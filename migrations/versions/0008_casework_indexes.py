"""casework lists stay fast at 1,000,000 referrals: one index for each list's filter and order,
people by date of birth (possible duplicates), screenings by referral and occasion, a referral's
events by state (when a question was asked); then the planner's statistics are refreshed (ANALYZE)

Revision ID: 0008_casework_indexes
Revises: 0007_counters
Create Date: 2026-11-30 10:00:00

"""

from alembic import op

revision = "0008_casework_indexes"
down_revision = "0007_counters"
branch_labels = None
depends_on = None

# (index, table, columns); each single-column index it replaces is its first column.
NEW_INDEXES = [
    ("ix_people_date_of_birth", "people", ["date_of_birth"]),
    ("ix_referrals_state_submitted_at", "referrals", ["state", "submitted_at"]),
    ("ix_referrals_team_id_submitted_at", "referrals", ["team_id", "submitted_at"]),
    ("ix_referrals_team_id_state_submitted_at", "referrals", ["team_id", "state", "submitted_at"]),
    ("ix_referrals_navigator_id_state_follow_up_due", "referrals", ["navigator_id", "state", "follow_up_due"]),
    ("ix_referrals_state_follow_up_due", "referrals", ["state", "follow_up_due"]),
    ("ix_screenings_referral_id_occasion", "screenings", ["referral_id", "occasion"]),
    ("ix_referral_events_referral_id_to_state_at", "referral_events", ["referral_id", "to_state", "at"]),
]
REPLACED_INDEXES = [
    ("ix_referrals_state", "referrals", ["state"]),
    ("ix_referrals_team_id", "referrals", ["team_id"]),
    ("ix_referrals_navigator_id", "referrals", ["navigator_id"]),
    ("ix_referrals_follow_up_due", "referrals", ["follow_up_due"]),
    ("ix_screenings_referral_id", "screenings", ["referral_id"]),
    ("ix_referral_events_referral_id", "referral_events", ["referral_id"]),
]


def upgrade():
    for name, table, columns in NEW_INDEXES:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in REPLACED_INDEXES:
        op.drop_index(name, table_name=table)
    # Plans are made from statistics: SQLite has none until ANALYZE runs.
    op.execute("ANALYZE")


def downgrade():
    for name, table, columns in REPLACED_INDEXES:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in NEW_INDEXES:
        op.drop_index(name, table_name=table)

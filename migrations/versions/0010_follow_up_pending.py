"""follow-ups read one index: referrals.follow_up_pending marks a closed case whose follow-up
screen is due and not yet recorded (backfilled here), with partial indexes on the due date
(everyone's follow-ups) and on navigator and due date (a navigator's own); the lists' indexes
end with the id, so any page is found from index entries alone, and the queues' index carries
the risk flags that sort urgent referrals first

Revision ID: 0010_follow_up_pending
Revises: 0009_edit_revisions
Create Date: 2026-12-03 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_follow_up_pending"
down_revision = "0009_edit_revisions"
branch_labels = None
depends_on = None

QUEUE_FLAGS = ["safeguarding_concern", "lone_working_risk", "risk_to_self_or_others"]
LIST_INDEXES = [
    ("ix_referrals_state_submitted_at_id", ["state", "submitted_at", "id", *QUEUE_FLAGS]),
    ("ix_referrals_team_id_submitted_at_id", ["team_id", "submitted_at", "id"]),
    ("ix_referrals_team_id_state_submitted_at_id", ["team_id", "state", "submitted_at", "id"]),
]
REPLACED_INDEXES = [
    ("ix_referrals_state_submitted_at", ["state", "submitted_at"]),
    ("ix_referrals_team_id_submitted_at", ["team_id", "submitted_at"]),
    ("ix_referrals_team_id_state_submitted_at", ["team_id", "state", "submitted_at"]),
]
PENDING_INDEXES = [
    ("ix_referrals_follow_up_pending", ["follow_up_due", "id", "follow_up_pending"]),
    ("ix_referrals_navigator_id_follow_up_pending", ["navigator_id", "follow_up_due", "id", "follow_up_pending"]),
]
PENDING = {"sqlite_where": sa.text("follow_up_pending = 1"), "postgresql_where": sa.text("follow_up_pending")}


def upgrade():
    op.add_column("referrals", sa.Column("follow_up_pending", sa.Boolean(), server_default=sa.false(), nullable=False))
    # The same rows the list showed before: closed, a follow-up due, no follow-up screen.
    op.execute(
        sa.text(
            "UPDATE referrals SET follow_up_pending = :yes "
            "WHERE state = 'closed' AND follow_up_due IS NOT NULL AND NOT EXISTS ("
            "SELECT 1 FROM screenings WHERE screenings.referral_id = referrals.id "
            "AND screenings.occasion = 'follow_up')"
        ).bindparams(yes=True)
    )
    # The flag is a column too: SQLite counts a partial index as covering only then.
    for name, columns in PENDING_INDEXES:
        op.create_index(name, "referrals", columns, unique=False, **PENDING)
    # Only the follow-ups list read it.
    op.drop_index("ix_referrals_state_follow_up_due", table_name="referrals")
    for name, columns in LIST_INDEXES:
        op.create_index(name, "referrals", columns, unique=False)
    for name, _ in REPLACED_INDEXES:
        op.drop_index(name, table_name="referrals")
    op.execute("ANALYZE")


def downgrade():
    for name, columns in REPLACED_INDEXES:
        op.create_index(name, "referrals", columns, unique=False)
    for name, _ in LIST_INDEXES:
        op.drop_index(name, table_name="referrals")
    op.create_index("ix_referrals_state_follow_up_due", "referrals", ["state", "follow_up_due"], unique=False)
    for name, _ in PENDING_INDEXES:
        op.drop_index(name, table_name="referrals")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("follow_up_pending")

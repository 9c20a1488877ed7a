"""revisions that edit forms carry, so a save from a stale page cannot overwrite another's

Revision ID: 0009_edit_revisions
Revises: 0008_casework_indexes
Create Date: 2026-12-03 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009_edit_revisions"
down_revision = "0008_casework_indexes"
branch_labels = None
depends_on = None

REVISED = ("listings", "goals", "connections", "organisations")
OPEN_CONNECTION = "status != 'stopped'"
# Furthest along first: of one person's open connections to the same activity (two
# suggestions made at the same moment before this index existed), that one is kept.
PROGRESS = {"attending_regularly": 0, "attended_first_session": 1, "contacted": 2, "suggested": 3}


def _stop_duplicate_open_connections():
    """The unique index below cannot be built while a person has two open connections to the
    same activity: keep the one furthest along, and stop the others as recorded twice."""
    connection = op.get_bind()
    groups = connection.execute(
        sa.text(
            f"SELECT referral_id, listing_id FROM connections WHERE {OPEN_CONNECTION} "
            "GROUP BY referral_id, listing_id HAVING count(*) > 1"
        )
    ).all()
    for referral_id, listing_id in groups:
        rows = connection.execute(
            sa.text(
                f"SELECT id, status, created_at FROM connections WHERE {OPEN_CONNECTION} "
                "AND referral_id = :referral AND listing_id = :listing"
            ),
            {"referral": referral_id, "listing": listing_id},
        ).all()
        rows.sort(key=lambda row: (PROGRESS.get(row.status, 9), str(row.created_at)))
        for row in rows[1:]:
            connection.execute(
                sa.text("UPDATE connections SET status = 'stopped', stopped_reason = 'recorded_twice' WHERE id = :id"),
                {"id": row.id},
            )


def upgrade():
    for table in REVISED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
    _stop_duplicate_open_connections()
    op.create_index(
        "uq_connections_open_listing",
        "connections",
        ["referral_id", "listing_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_CONNECTION),
        postgresql_where=sa.text(OPEN_CONNECTION),
    )


def downgrade():
    op.drop_index("uq_connections_open_listing", table_name="connections")
    for table in REVISED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("revision")

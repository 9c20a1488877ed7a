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


def upgrade():
    for table in REVISED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
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

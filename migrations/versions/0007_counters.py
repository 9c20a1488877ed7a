"""numbered series that cannot collide: referral references and listing version numbers

Revision ID: 0007_counters
Revises: 0006_subject_access_export
Create Date: 2026-12-03 14:20:00

"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0007_counters"
down_revision = "0006_subject_access_export"
branch_labels = None
depends_on = None


def upgrade():
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    connection = op.get_bind()
    # Carry on from the numbers already handed out: CN-YYYY-NNNNNN, and each listing's versions.
    years = connection.execute(
        sa.text(
            "SELECT substr(reference, 4, 4) AS year, max(CAST(substr(reference, 9) AS INTEGER)) AS last "
            "FROM referrals WHERE reference LIKE 'CN-____-%' GROUP BY substr(reference, 4, 4)"
        )
    ).all()
    versions = connection.execute(
        sa.text("SELECT listing_id, max(number) AS last FROM listing_versions GROUP BY listing_id")
    ).all()
    rows = [{"name": f"referral:{year}", "value": last} for year, last in years] + [
        {"name": f"listing-version:{uuid.UUID(str(listing_id))}", "value": last} for listing_id, last in versions
    ]
    if rows:
        op.bulk_insert(counters, rows)


def downgrade():
    op.drop_table("counters")

"""unmet needs: a navigator records on a case that nothing suitable exists for a need in a
ward, and what stands in the way (domain.md 2.5); counted by the coverage-gap reports (7.3)

Revision ID: 0016_unmet_needs
Revises: 0015_person_key
Create Date: 2026-12-03 17:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016_unmet_needs"
down_revision = "0015_person_key"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unmet_needs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("need", sa.String(length=40), nullable=False),
        sa.Column("ward_code", sa.String(length=9), nullable=False),
        sa.Column("constraint", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ward_code"], ["wards.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unmet_needs_referral_id", "unmet_needs", ["referral_id"], unique=False)
    op.create_index("ix_unmet_needs_recorded_at", "unmet_needs", ["recorded_at"], unique=False)


def downgrade():
    op.drop_index("ix_unmet_needs_recorded_at", table_name="unmet_needs")
    op.drop_index("ix_unmet_needs_referral_id", table_name="unmet_needs")
    op.drop_table("unmet_needs")

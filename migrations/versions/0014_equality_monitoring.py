"""equality monitoring answers, one row a person, apart from their contact details

Revision ID: 0014_equality_monitoring
Revises: 0013_screening_pairs
Create Date: 2026-12-03 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014_equality_monitoring"
down_revision = "0013_screening_pairs"
branch_labels = None
depends_on = None

ANSWERS = [
    ("sex", 40),
    ("gender_identity_same", 40),
    ("gender_identity_same_write_in", 100),
    ("sexual_orientation", 40),
    ("sexual_orientation_write_in", 100),
    ("ethnicity", 40),
    ("ethnicity_write_in", 100),
    ("religion", 40),
    ("religion_write_in", 100),
    ("long_term_condition", 40),
    ("lives_alone", 40),
    ("tenure", 40),
    ("recently_bereaved", 40),
]
MORE_ANSWERS = [
    ("serious_mental_illness", 40),
    ("not_engaging_health_services", 40),
    ("migrant", 40),
    ("migration_status", 40),
    ("main_language", 20),
    ("unpaid_carer", 40),
    ("family_referral", 40),
]


def upgrade():
    op.create_table(
        "equality_monitoring",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        *[sa.Column(name, sa.String(length=length), nullable=True) for name, length in ANSWERS],
        sa.Column("bereavement_date", sa.Date(), nullable=True),
        *[sa.Column(name, sa.String(length=length), nullable=True) for name, length in MORE_ANSWERS],
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade():
    op.drop_table("equality_monitoring")

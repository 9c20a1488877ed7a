"""mail a form sends carries the form's key, unique, so a double click queues one message

Revision ID: 0011_outbox_keys
Revises: 0010_follow_up_pending
Create Date: 2026-12-03 14:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_outbox_keys"
down_revision = "0010_follow_up_pending"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=80), nullable=True))
        batch.create_unique_constraint(batch.f("uq_outbox_idempotency_key"), ["idempotency_key"])


def downgrade():
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(batch.f("uq_outbox_idempotency_key"), type_="unique")
        batch.drop_column("idempotency_key")

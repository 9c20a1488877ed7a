"""admins may read a case record under break-glass (domain.md 1.2, 1.3 rule 4)

Revision ID: 0004_break_glass
Revises: 0003_recurrence
Create Date: 2026-11-25 09:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0004_break_glass"
down_revision = "0003_recurrence"
branch_labels = None
depends_on = None

grants = sa.table("role_permissions", sa.column("role_code"), sa.column("permission"))


def upgrade():
    op.bulk_insert(grants, [{"role_code": "admin", "permission": "break_glass"}])


def downgrade():
    op.execute(grants.delete().where(grants.c.role_code == "admin", grants.c.permission == "break_glass"))

"""analysts read the impact report, and team leads too (domain.md 1.2, issue 10)

Revision ID: 0040_analyst_role
Revises: 0016_unmet_needs
Create Date: 2026-12-03 17:30:00

"""

import sqlalchemy as sa
from alembic import op

roles = sa.table("roles", sa.column("code"), sa.column("name"), sa.column("description"))
grants = sa.table("role_permissions", sa.column("role_code"), sa.column("permission"))

revision = "0040_analyst_role"
down_revision = "0016_unmet_needs"
branch_labels = None
depends_on = None

ANALYST = {
    "code": "analyst",
    "name": "Analyst",
    "description": "Reads the impact report: counts, rates, medians and means with small numbers "
    "suppressed. No names, no case pages, no free text.",
}


def upgrade():
    op.bulk_insert(roles, [ANALYST])
    op.bulk_insert(
        grants,
        [
            {"role_code": "analyst", "permission": "view_reports"},
            {"role_code": "team_lead", "permission": "view_reports"},
        ],
    )


def downgrade():
    op.execute(grants.delete().where(grants.c.permission == "view_reports"))
    op.execute(sa.text("DELETE FROM user_roles WHERE role_code = 'analyst'"))
    op.execute(roles.delete().where(roles.c.code == "analyst"))

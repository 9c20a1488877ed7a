"""team leads may export one person's records for a subject access request (domain.md 1.2, 6.7)

Revision ID: 0006_subject_access_export
Revises: 0005_listings_self_service
Create Date: 2026-11-25 14:40:00

"""

import sqlalchemy as sa
from alembic import op

grants = sa.table("role_permissions", sa.column("role_code"), sa.column("permission"))

revision = "0006_subject_access_export"
down_revision = "0005_listings_self_service"
branch_labels = None
depends_on = None


def upgrade():
    op.bulk_insert(grants, [{"role_code": "team_lead", "permission": "export_personal_data"}])


def downgrade():
    op.execute(grants.delete().where(grants.c.permission == "export_personal_data"))

"""possible duplicates by an index on (date of birth, name key), not by everyone born that day

Revision ID: 0012_person_name_key
Revises: 0011_outbox_keys
Create Date: 2026-12-03 15:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_person_name_key"
down_revision = "0011_outbox_keys"
branch_labels = None
depends_on = None

BATCH = 20_000


def _name_key(given, family):
    # As navigator.models.referrals.person_name_key at the time of writing.
    return f"{(given or '').strip().casefold()}|{(family or '').strip().casefold()}"


def upgrade():
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=201), server_default="", nullable=False))
    connection = op.get_bind()
    people = sa.table(
        "people", sa.column("id"), sa.column("given_name"), sa.column("family_name"), sa.column("name_key")
    )
    last = None
    while True:
        query = sa.select(people.c.id, people.c.given_name, people.c.family_name).order_by(people.c.id).limit(BATCH)
        if last is not None:
            query = query.where(people.c.id > last)
        rows = connection.execute(query).all()
        if not rows:
            break
        connection.execute(
            people.update().where(people.c.id == sa.bindparam("row_id")).values(name_key=sa.bindparam("key")),
            [{"row_id": row.id, "key": _name_key(row.given_name, row.family_name)} for row in rows],
        )
        last = rows[-1].id
    op.create_index("ix_people_date_of_birth_name_key", "people", ["date_of_birth", "name_key"])
    op.drop_index("ix_people_date_of_birth", table_name="people")


def downgrade():
    op.create_index("ix_people_date_of_birth", "people", ["date_of_birth"])
    op.drop_index("ix_people_date_of_birth_name_key", table_name="people")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("name_key")

"""a stable pseudonymous person key on people: a keyed hash (HMAC-SHA256) of the NHS number, or
of the normalised name and date of birth, filled in for everyone already held; a person with
neither gets a random key of their own. Episodes are not linked here: possible duplicates are
never merged automatically, triage confirms them (previous_referral_id stays as it is)

Revision ID: 0015_person_key
Revises: 0014_equality_monitoring
Create Date: 2026-12-03 17:00:00

"""

import hashlib
import hmac
import os
import secrets
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0015_person_key"
down_revision = "0014_equality_monitoring"
branch_labels = None
depends_on = None

BATCH = 20_000
# As navigator.config.DEV_PERSON_KEY_SECRET: the demo's value, refused in production.
DEV_PERSON_KEY_SECRET = "dev-only-person-key-not-secret"


def _secret():
    """The application's PERSON_KEY_SECRET (Flask-Migrate runs this inside the app), else
    the environment's, with the same default as navigator/config.py."""
    try:
        from flask import current_app

        return current_app.config["PERSON_KEY_SECRET"]
    except (RuntimeError, KeyError):
        return os.environ.get("PERSON_KEY_SECRET", DEV_PERSON_KEY_SECRET)


# A frozen copy of navigator.models.person_key at the time of writing: the migration must
# keep making the keys it made, whatever the application's code becomes.
def _tidy(part):
    return " ".join(unicodedata.normalize("NFKC", part or "").split()).casefold()


def _person_key(secret, nhs_number, given_name, family_name, date_of_birth):
    digits = "".join((nhs_number or "").split())
    if digits:
        message, source = f"nhs:{digits}", "nhs_number"
    elif date_of_birth is not None:
        born = date_of_birth if isinstance(date_of_birth, str) else date_of_birth.isoformat()
        message, source = f"name:{_tidy(given_name)}|{_tidy(family_name)}|{born}", "name_and_date_of_birth"
    else:
        return secrets.token_hex(32), "random"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest(), source


def upgrade():
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("person_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("person_key_source", sa.String(length=30), nullable=True))
    connection = op.get_bind()
    people = sa.table(
        "people",
        sa.column("id"),
        sa.column("given_name"),
        sa.column("family_name"),
        sa.column("date_of_birth", sa.Date),
        sa.column("nhs_number"),
        sa.column("person_key"),
        sa.column("person_key_source"),
    )
    secret = _secret()
    last = None
    while True:
        query = (
            sa.select(
                people.c.id, people.c.given_name, people.c.family_name, people.c.date_of_birth, people.c.nhs_number
            )
            .order_by(people.c.id)
            .limit(BATCH)
        )
        if last is not None:
            query = query.where(people.c.id > last)
        rows = connection.execute(query).all()
        if not rows:
            break
        values = []
        for row in rows:
            key, source = _person_key(secret, row.nhs_number, row.given_name, row.family_name, row.date_of_birth)
            values.append({"row_id": row.id, "key": key, "source": source})
        connection.execute(
            people.update()
            .where(people.c.id == sa.bindparam("row_id"))
            .values(person_key=sa.bindparam("key"), person_key_source=sa.bindparam("source")),
            values,
        )
        last = rows[-1].id
    with op.batch_alter_table("people") as batch:
        batch.alter_column("person_key", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("person_key_source", existing_type=sa.String(length=30), nullable=False)
        batch.create_index("ix_people_person_key", ["person_key"], unique=False)


def downgrade():
    with op.batch_alter_table("people") as batch:
        batch.drop_index("ix_people_person_key")
        batch.drop_column("person_key_source")
        batch.drop_column("person_key")

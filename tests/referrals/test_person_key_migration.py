"""Migration 0015 fills the person key for everyone already held, on SQLite and PostgreSQL
(TEST_DATABASE_URL), with the application's PERSON_KEY_SECRET, as the model would."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from navigator import create_app
from navigator.config import TestConfig
from navigator.extensions import db
from navigator.models.person_key import PersonKeySource, computed_person_key

TEXT_COLUMNS = [
    "given_name",
    "family_name",
    "nhs_number",
    "phone",
    "email",
    "address",
    "postcode",
    "preferred_contact_method",
    "preferred_contact_times",
    "interpreter_language",
    "name_key",
]
PEOPLE = {
    # name: (given, family, date of birth, NHS number)
    "nhs": ("Edna", "Okonkwo", date(1948, 3, 14), "9434765919"),
    "nhs_again": ("Ednah", "OKONKWO", date(1948, 3, 14), "9434765919"),
    "name": ("Mary Ann", "Lee", date(1950, 1, 2), None),
    "name_again": (" mary  ann", "LEE ", date(1950, 1, 2), None),
    "nobody": ("Sam", "Smith", None, None),
    "nobody_again": ("Sam", "Smith", None, None),
}


def test_upgrade_from_0012_fills_every_persons_key(empty_database_url: str, tmp_path: Path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_database_url, SEARCH_INDEX_DIR=str(tmp_path / "ix"))
    with app.app_context():
        upgrade(revision="0012_person_name_key")
        people = sa.table(
            "people",
            sa.column("id", sa.Uuid),
            *(sa.column(name, sa.String) for name in TEXT_COLUMNS),
            sa.column("date_of_birth", sa.Date),
            sa.column("languages", sa.JSON),
            sa.column("communication_needs", sa.JSON),
            sa.column("interpreter_needed", sa.Boolean),
            sa.column("created_at", sa.DateTime(timezone=True)),
        )
        ids = {name: uuid.uuid4() for name in PEOPLE}
        with db.engine.begin() as connection:
            connection.execute(
                people.insert(),
                [
                    {
                        "id": ids[name],
                        "given_name": given,
                        "family_name": family,
                        "date_of_birth": born,
                        "nhs_number": nhs,
                        "phone": "",
                        "email": "",
                        "address": "",
                        "postcode": "",
                        "preferred_contact_method": "",
                        "preferred_contact_times": "",
                        "languages": [],
                        "interpreter_needed": False,
                        "interpreter_language": "",
                        "communication_needs": [],
                        "created_at": datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
                        "name_key": "",
                    }
                    for name, (given, family, born, nhs) in PEOPLE.items()
                ],
            )

        upgrade()
        keyed = sa.table("people", sa.column("id", sa.Uuid), sa.column("person_key"), sa.column("person_key_source"))
        with db.engine.connect() as connection:
            rows = connection.execute(sa.select(keyed)).all()
        by_id = {row.id: (row.person_key, row.person_key_source) for row in rows}
        keys = {name: by_id[ids[name]] for name in PEOPLE}
        db.engine.dispose()

    secret = TestConfig.PERSON_KEY_SECRET
    for name in ("nhs", "name"):
        given, family, born, nhs = PEOPLE[name]
        expected = computed_person_key(secret, nhs_number=nhs, given_name=given, family_name=family, date_of_birth=born)
        assert expected is not None
        assert keys[name] == (expected[0], expected[1].value)  # as the application keys a new person
    assert keys["nhs_again"] == keys["nhs"]
    assert keys["name_again"] == keys["name"]
    assert keys["nobody"][1] == keys["nobody_again"][1] == PersonKeySource.RANDOM.value
    assert keys["nobody"][0] != keys["nobody_again"][0] and len(keys["nobody"][0]) == 64

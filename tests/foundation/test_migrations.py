"""The schema comes from migrations: empty -> head works, matches the models, and downgrades."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from navigator import create_app
from navigator.config import TestConfig
from navigator.extensions import db


def test_upgrade_from_empty_to_head_matches_models_and_downgrades(empty_database_url: str, tmp_path: Path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_database_url, SEARCH_INDEX_DIR=str(tmp_path / "ix"))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            drift = compare_metadata(context, db.metadata)
        assert drift == [], f"models and migrations differ: {drift}"

        downgrade(revision="base")
        with db.engine.connect() as connection:
            remaining = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()

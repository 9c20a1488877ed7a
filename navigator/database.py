"""Keeping the database's statistics fresh, so that it plans each list from its indexes."""

from __future__ import annotations

from sqlalchemy import text

from navigator.extensions import db


def analyze() -> None:
    """ANALYZE every table. SQLite reads a sample of each index (analysis_limit 0 means all
    rows: a few seconds at 1,000,000 referrals); PostgreSQL samples on its own."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("PRAGMA analysis_limit = 0"))
        connection.execute(text("ANALYZE"))

"""Keeping the database's statistics fresh, so that it plans each list from its indexes."""

from __future__ import annotations

from sqlalchemy import text

from navigator.extensions import db


def analyze() -> None:
    """ANALYZE every table. SQLite reads a sample of each index (analysis_limit 0 means all
    rows: a few seconds at 1,000,000 referrals); PostgreSQL samples on its own, and VACUUM
    marks the pages written since as all-visible, without which a count or a page of a list
    read from an index still visits the table for every row (until autovacuum comes by)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
        return
    with db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("PRAGMA analysis_limit = 0"))
        connection.execute(text("ANALYZE"))

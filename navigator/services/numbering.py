"""Numbers people read and quote (CN-2026-000123, version 4), claimed so that two
transactions can never be given the same one, on SQLite or PostgreSQL.

A claim is one atomic statement: insert the series at 1, or add one to it, and return
the result. PostgreSQL holds the series' row until the claiming transaction ends, and
SQLite has one writer at a time, so a second claim waits for the first transaction to
commit (and then gets the next number) or roll back (and then gets the same number):
numbers are unique and, since a rolled-back claim is undone, have no gaps. The row is
held until commit, so claim late: after the reads and checks, just before the writes.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from navigator.extensions import db
from navigator.models import Counter


def claim_next(series: str) -> int:
    """The next number in `series`, starting at 1. Part of the caller's transaction."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    table = Counter.__table__
    statement = (
        dialect.insert(table)
        .values(name=series, value=1)
        .on_conflict_do_update(index_elements=[table.c.name], set_={"value": table.c.value + 1})
        .returning(table.c.value)
    )
    return int(db.session.execute(statement).scalar_one())


def referral_series(year: int) -> str:
    return f"referral:{year}"


def listing_version_series(listing_id: object) -> str:
    return f"listing-version:{listing_id}"

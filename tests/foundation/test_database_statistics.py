"""The database plans every list from statistics: `flask analyze` refreshes them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from navigator.extensions import db


def test_flask_analyze_refreshes_the_statistics(app: Flask):
    result = app.test_cli_runner().invoke(args=["analyze"])
    assert result.exit_code == 0, result.output
    assert "Statistics refreshed" in result.output
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            tables = connection.execute(sa.text("SELECT DISTINCT tbl FROM sqlite_stat1")).scalars().all()
        assert "referral_sources" in tables  # a table with rows has statistics

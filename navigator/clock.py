"""The one place the application asks what time it is, so tests can move the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in London."""
    return now().astimezone(LONDON).date()

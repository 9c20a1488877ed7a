"""The one place the application asks what time it is, so tests can move the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in London."""
    return now().astimezone(LONDON).date()


def in_london(day: date, moment: time = time.min) -> datetime:
    """That time (midnight unless given) on that day, London time."""
    return datetime.combine(day, moment, tzinfo=LONDON)

"""Working days counted for many waits at once give what counting one at a time gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from navigator.working_days import working_days_between, working_days_each


def test_many_waits_at_once_count_as_one_at_a_time(app):
    chooser = random.Random(10)
    # Around Christmas, Easter and the spring bank holiday 2026 (held by migration 0002),
    # at every hour (the 17:00 cut-off, weekends, a wait of no time or ending the same day).
    starts = [
        datetime(2026, month, day, tzinfo=UTC) + timedelta(minutes=chooser.randrange(24 * 60))
        for month, day in [(12, 20), (4, 1), (5, 20), (1, 1), (3, 28), (10, 24)]
        for _ in range(60)
    ]
    spans = [
        (start, start + timedelta(minutes=chooser.choice([0, 5, 600, 1440, 4000, 20000, 90000]))) for start in starts
    ]
    spans.append((datetime(2026, 5, 22, 16, 30, tzinfo=UTC), datetime(2026, 5, 28, 9, tzinfo=UTC)))  # 17:30 London
    assert working_days_each(spans) == [working_days_between(start, end) for start, end in spans]
    assert working_days_each([]) == []

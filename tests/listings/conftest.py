"""Fixtures for the editors' pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

# Wednesday 25 November 2026: the editor-form tests' dates are written from this day.
EDITOR_TODAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def editor_today(frozen_now):
    frozen_now(EDITOR_TODAY)


@pytest.fixture
def editor_client(staff, login_as):
    return login_as(staff["editor"])

"""Fixtures shared by the moderation tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def editor(staff):
    return staff["editor"]


@pytest.fixture
def moderator(staff):
    return staff["moderator"]


@pytest.fixture
def moderator_client(login_as, moderator):
    return login_as(moderator)

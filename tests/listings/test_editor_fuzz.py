"""Odd input in any box of the listing form never gives a server error: every answer a
browser (or someone editing the page's HTML) can send is explained or accepted."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from navigator.listings import views
from tests.factories import make_user
from tests.listings.editor_forms import activity_form, event_form, space_form
from tests.referrals.helpers import date_parts

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

ODD_VALUES = ["", " ", "x", "-1", "1.5", "99999999", "10:30am", "<script>alert(1)</script>", "é" * 6000]

SCHEDULE_ROW = [
    "schedules-0-pattern",
    "schedules-0-days",
    "schedules-0-weeks_of_month",
    "schedules-0-every",
    "schedules-0-day_of_month",
    "schedules-0-dates",
    "schedules-0-start",
    "schedules-0-end",
    *(f"schedules-0-{date}-{part}" for date in ("starts_on", "ends_on") for part in ("day", "month", "year")),
]
EXCEPTION_ROW = [
    "exceptions-0-kind",
    "exceptions-0-new_start",
    "exceptions-0-new_end",
    "exceptions-0-note",
    *(f"exceptions-0-{date}-{part}" for date in ("starts_on", "ends_on") for part in ("day", "month", "year")),
]
MULTIPLE = {"categories", "target_groups", "accessibility", "languages", "facilities"}
EVERY_FORM = ["listing_key", "organisation", "bookable", "capacity", "booking_info", "accessibility", "facilities"]


def _variant(**changes: Any) -> dict[str, Any]:
    return activity_form(**changes)


# (kind, the form as a browser would send it, the fields to fill with odd values)
FORMS: dict[str, tuple[str, dict[str, Any], list[str] | None]] = {
    "activity": ("activity", activity_form(), None),
    "event": ("event", event_form(), None),
    "space": ("space", space_form(), None),
    "monthly_weekday": (
        "activity",
        _variant(**{"schedules-0-pattern": "monthly_weekday", "schedules-0-weeks_of_month": ["2", "4"]}),
        SCHEDULE_ROW,
    ),
    "monthly_date": (
        "activity",
        _variant(**{"schedules-0-pattern": "monthly_date", "schedules-0-day_of_month": "15"}),
        SCHEDULE_ROW,
    ),
    "every_few_weeks": (
        "activity",
        _variant(**{"schedules-0-pattern": "every_few_weeks", "schedules-0-every": "3"}),
        SCHEDULE_ROW,
    ),
    "dates": (
        "activity",
        _variant(**{"schedules-0-pattern": "dates", "schedules-0-dates": "24/12/2026"}),
        SCHEDULE_ROW,
    ),
    "moved": (
        "activity",
        _variant(**{"exceptions-0-kind": "moved", "exceptions-0-new_start": "1pm", "exceptions-0-new_end": "2pm"}),
        EXCEPTION_ROW,
    ),
    "break": (
        "activity",
        _variant(**{"exceptions-0-kind": "break", **date_parts("exceptions-0-ends_on", date(2027, 1, 3))}),
        EXCEPTION_ROW,
    ),
}


def _fields(kind: str, base: dict[str, Any], chosen: list[str] | None) -> list[str]:
    if chosen is not None:
        return chosen
    names = set(base) | set(EVERY_FORM)
    if kind == "activity":
        names |= set(SCHEDULE_ROW) | set(EXCEPTION_ROW)
    if kind == "event":
        names |= {"event_end"}
    return sorted(names)


def _with(base: dict[str, Any], name: str, value: str) -> dict[str, Any]:
    multiple = name in MULTIPLE or name.endswith(("-days", "-weeks_of_month"))
    return {**base, name: [value] if multiple else value}


@pytest.fixture
def two_organisation_editor(staff, make_org, login_as, frozen_now):
    """An editor of two organisations, so the organisation is asked for too."""
    frozen_now(NOW)
    second = make_org("Clapton Tenants Association")
    client = login_as(make_user("organisation_editor", organisations=[staff["organisation"], second]))
    return client, str(second.id)


@pytest.mark.parametrize("variant", list(FORMS))
def test_an_odd_value_in_any_one_field_is_never_a_server_error(two_organisation_editor, monkeypatch, variant):
    client, organisation = two_organisation_editor
    # The page itself is drawn by the next test; here only what the form, view and service
    # make of each answer matters, and drawing the long form thousands of times is slow.
    monkeypatch.setattr(views, "render_template", lambda name, **context: "Error" if context.get("errors") else "")
    kind, form, chosen = FORMS[variant]
    base = {**form, "organisation": organisation}
    crashes: list[str] = []
    for number, name in enumerate(_fields(kind, base, chosen)):
        for index, value in enumerate(ODD_VALUES):
            # A new key each time, so each post is a new listing, not a repeat of the last.
            data = {**_with(base, name, value), "listing_key": f"{number:016x}{index:016x}"}
            if name == "listing_key":
                data[name] = value
            try:
                response = client.post(f"/listings/new/{kind}", data=data)
            except Exception as error:  # every crash is collected and reported together
                crashes.append(f"{name}={value[:12]!r}: {type(error).__name__}: {error}"[:160])
                continue
            if response.status_code >= 500:
                crashes.append(f"{name}={value[:12]!r}: {response.status_code}")
            elif response.status_code == 200:
                assert response.get_data(as_text=True) == "Error", f"{name}={value[:12]!r} shown again with no error"
    assert crashes == []


@pytest.mark.parametrize("kind", ["activity", "event", "space"])
def test_odd_values_everywhere_are_explained_on_the_page(two_organisation_editor, kind):
    client, organisation = two_organisation_editor
    base = {**FORMS[kind][1], "organisation": organisation}
    for value in ODD_VALUES:
        data = {name: value for name in _fields(kind, base, None)}
        data.update({name: [value] for name in data if name in MULTIPLE or name.endswith(("-days", "-weeks_of_month"))})
        response = client.post(f"/listings/new/{kind}", data=data)
        assert response.status_code == 200, value[:12]
        html = response.get_data(as_text=True)
        assert re.search(r"<title>\s*Error: ", html), value[:12]
        assert "<script>alert(1)</script>" not in html

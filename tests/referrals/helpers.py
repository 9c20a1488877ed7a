"""Filling in and reading back the referral forms, as a browser would."""

from __future__ import annotations

from datetime import date
from typing import Any

from werkzeug.test import TestResponse

from tests.directory.pages import Node, Page

FormData = dict[str, Any]

ADULT_SCREEN = {
    "screen_ucla3__lack_companionship": "often",
    "screen_ucla3__left_out": "some_of_the_time",
    "screen_ucla3__isolated": "often",
    "screen_ons_direct__lonely": "often_always",
}
CYP_SCREEN = {
    "screen_cyp_loneliness__no_one_to_talk_to": "some_of_the_time",
    "screen_cyp_loneliness__left_out": "often",
    "screen_cyp_loneliness__alone": "some_of_the_time",
    "screen_cyp_loneliness__lonely": "declined",
}
EASY_READ_SCREEN = {
    "screen_easy_read__lonely": "sometimes",
    "screen_easy_read__social_contact": "some_not_enough",
}


def date_parts(prefix: str, day: date) -> FormData:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def staff_referral_data(team_id: object | None, *, key: str = "key-0000000000000001", **changes: Any) -> FormData:
    """A complete, valid staff referral for an adult, with the adult screening answered."""
    data: FormData = {
        "idempotency_key": key,
        "team": str(team_id) if team_id else "",
        "referrer_name": "Rita Referrer",
        "referrer_role": "Social worker",
        "referrer_phone": "020 7946 0111",
        "referrer_email": "rita@example.org",
        "given_name": "Edna",
        "family_name": "Okonkwo-Test",
        **date_parts("date_of_birth", date(1948, 3, 14)),
        "nhs_number": "943 476 5919",
        "address": "Flat 2, 10 Test Road\nLondon",
        "postcode": "E8 1DY",
        "phone": "020 7946 0999",
        "email": "edna@example.org",
        "preferred_contact_method": "phone",
        "preferred_contact_times": "Weekday mornings",
        "languages": ["en", "yo"],
        "interpreter_needed": "no",
        "interpreter_language": "",
        "communication_needs": ["large_print"],
        "reason": "Lives alone since her husband died and rarely goes out.",
        "what_matters": "Getting back to singing.",
        "needs": ["loneliness", "bereavement"],
        "barriers": ["mobility", "transport"],
        "support_needed": ["volunteer_buddy", "travel_support"],
        "safeguarding_reference": "",
        "risk_detail": "",
        "agreement": "yes",
        "agreed_by": "person",
        **date_parts("agreement_date", date(2026, 3, 2)),
        "agreement_obtained_by": "Rita Referrer",
        "information_sharing_agreed": "y",
        "gillick_competent": "",
        "screening_mode": "read out",
        **ADULT_SCREEN,
        "screening_not_completed_reason": "",
    }
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def self_referral_data(*, key: str = "self-key-000000000001", **changes: Any) -> FormData:
    data: FormData = {
        "idempotency_key": key,
        "given_name": "Sam",
        "family_name": "Selfreferrer-Test",
        **date_parts("date_of_birth", date(1990, 6, 1)),
        "postcode": "N16 0JL",
        "phone": "07700 900123",
        "email": "sam@example.org",
        "preferred_contact_method": "sms",
        "preferred_contact_times": "Evenings",
        "languages": ["en", "tr"],
        "interpreter_needed": "yes",
        "interpreter_language": "tr",
        "what_would_help": "I have just moved here and would like to meet people.",
        "what_matters": "Cooking and walking.",
        "agree": "y",
        "website": "",
    }
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _raw_text(node: Node) -> str:
    return "".join(child if isinstance(child, str) else _raw_text(child) for child in node.children)


def form_state(response: TestResponse, form_id: str) -> dict[str, list[str]]:
    """What the browser would send back if the form were submitted as shown: name -> values."""
    page = Page(response)
    form = page.root.find("form", id=form_id)
    assert form is not None, f"no form #{form_id}"
    state: dict[str, list[str]] = {}
    for node in form.iter():
        name = node.attrs.get("name")
        if not name:
            continue
        if node.tag == "input":
            kind = node.attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                state.setdefault(name, [])
                if "checked" in node.attrs:
                    state[name].append(node.attrs.get("value", "on"))
            elif kind != "submit":
                state.setdefault(name, []).append(node.attrs.get("value", ""))
        elif node.tag == "textarea":
            state.setdefault(name, []).append(_raw_text(node).strip("\n"))
        elif node.tag == "select":
            selected = [opt.attrs.get("value", "") for opt in node.find_all("option") if "selected" in opt.attrs]
            state.setdefault(name, []).extend(selected[:1])
    return state


def assert_kept(response: TestResponse, form_id: str, data: FormData, *, ignore: tuple[str, ...] = ()) -> None:
    """Every value that was posted is shown again, exactly as typed or chosen."""
    state = form_state(response, form_id)
    for name, value in data.items():
        if name in ignore:
            continue
        expected_list = list(value) if isinstance(value, list) else [value]
        shown = state.get(name)
        assert shown is not None, f"{name} is not on the re-rendered form"
        if expected_list == [""] and shown == []:
            continue  # an empty radio group or select with nothing chosen
        if len(expected_list) > 1:  # checkboxes come back in the order the page lists them
            shown, expected_list = sorted(shown), sorted(expected_list)
        assert shown == expected_list, f"{name}: posted {expected_list!r}, shown {shown!r}"


def error_messages(response: TestResponse) -> list[str]:
    page = Page(response)
    summary = page.root.find("div", cls="govuk-error-summary")
    if summary is None:
        return []
    return [li.text() for li in summary.find_all("li")]

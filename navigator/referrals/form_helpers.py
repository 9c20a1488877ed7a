"""What both referral forms share: reading the person's details, adding an error to a field,
and the small checks and constants the staff and self-referral forms both use."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from wtforms import Field

from navigator.forms import choices
from navigator.services.referrals import PersonDetails

YES_NO = choices([("yes", "Yes"), ("no", "No")])
# Self-referrers choose how a navigator should get in touch: routes they give details for.
SELF_REFERRAL_CONTACT_METHODS = ("phone", "sms", "email")
OLDEST_AGE = 120
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9-]{16,64}$")


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def check_preferred_method(form: Any, messages: dict[str, str]) -> None:
    """The chosen way of making contact needs its details: a phone number for calls and
    texts, an email address for email, an address for letters (where the form asks for one)."""
    needed = {"phone": "phone", "sms": "phone", "email": "email", "letter": "address"}.get(
        form.preferred_contact_method.data or ""
    )
    field = getattr(form, needed, None) if needed else None
    if field is not None and not field.data:
        add_error(field, messages[field.name])


def add_error(field: Field, message: str) -> None:
    """Add an error unless the field already has one (the first is the one shown)."""
    if not field.errors:
        field.errors = [message]


def blank(field: Field) -> bool:
    return not (field.data or "").strip()


def person_details(form: Any, **extra: Any) -> PersonDetails:
    """The person's details both referral forms ask for; `extra` adds the staff-only ones."""
    interpreter = form.interpreter_needed.data == "yes"
    return PersonDetails(
        given_name=form.given_name.data or "",
        family_name=form.family_name.data or "",
        date_of_birth=form.date_of_birth.data,
        phone=form.phone.data or "",
        email=form.email.data or "",
        postcode=form.postcode.data or "",
        preferred_contact_method=form.preferred_contact_method.data or "",
        preferred_contact_times=form.preferred_contact_times.data or "",
        languages=list(form.languages.data or []),
        interpreter_needed=interpreter,
        interpreter_language=(form.interpreter_language.data or "") if interpreter else "",
        **extra,
    )

"""Forms for the shortlist: adding and removing (CSRF-protected buttons) and emailing it."""

from __future__ import annotations

import re
import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from navigator.forms import strip_whitespace

MESSAGE_LIMIT = 1000
_IDEMPOTENCY_KEY = re.compile(r"^[0-9a-f]{32}$")


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def valid_idempotency_key(key: str | None) -> bool:
    return bool(key and _IDEMPOTENCY_KEY.match(key))


class ShortlistChangeForm(FlaskForm):
    """One "Add to shortlist" or "Remove from shortlist" button. A bad id is ignored, not an error."""

    listing_id = HiddenField()
    next = HiddenField()


class ButtonForm(FlaskForm):
    """A button that changes something ("Clear your shortlist", "Copy to my shortlist"): just the CSRF token."""


class EmailShortlistForm(FlaskForm):
    email = StringField(
        "Email address",
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the email address to send the shortlist to"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(message="Enter an email address in the correct format, like name@example.com"),
        ],
    )
    message = TextAreaField(
        "Message (optional)",
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=MESSAGE_LIMIT, message=f"Message must be {MESSAGE_LIMIT:,} characters or fewer"),
        ],
    )
    # Issued with the form and kept in the session: a second submit of the same form sends nothing.
    idempotency_key = HiddenField()

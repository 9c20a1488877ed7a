"""Forms for registering an organisation and managing its editors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from navigator.forms import uk_phone
from navigator.services import organisations as service

EMAIL_MESSAGE = "Enter an email address like name@example.org"


def _charity_number(form: Any, field: Field) -> None:
    try:
        field.data = service.normalise_charity_number(field.data or "")
    except service.OrganisationError as error:
        raise ValidationError(str(error)) from error


def _company_number(form: Any, field: Field) -> None:
    try:
        field.data = service.normalise_company_number(field.data or "")
    except service.OrganisationError as error:
        raise ValidationError(str(error)) from error


def _website(form: Any, field: Field) -> None:
    """http or https only; "www.example.org" is taken to mean https://www.example.org."""
    text = (field.data or "").strip()
    if not text:
        field.data = ""
        return
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or "." not in (parts.hostname or "") or " " in text:
        raise ValidationError("Enter a website address like https://www.example.org")
    field.data = text


class RegistrationForm(FlaskForm):
    """The public registration form. A honeypot field catches simple spam robots."""

    name = StringField(
        "Organisation name",
        validators=[
            DataRequired("Enter the name of your organisation"),
            Length(max=service.MAX_NAME, message="The name must be 200 characters or fewer"),
        ],
    )
    charity_number = StringField("Registered charity number (optional)", validators=[_charity_number])
    company_number = StringField("Company number (optional)", validators=[_company_number])
    description = TextAreaField(
        "What does your organisation do?",
        validators=[
            DataRequired("Describe what your organisation does"),
            Length(max=service.MAX_DESCRIPTION, message="The description must be 2000 characters or fewer"),
        ],
    )
    website = StringField(
        "Website (optional)",
        validators=[Length(max=300, message="The website address must be 300 characters or fewer"), _website],
    )
    contact_name = StringField(
        "Your full name",
        validators=[
            DataRequired("Enter your full name"),
            Length(max=120, message="Your name must be 120 characters or fewer"),
        ],
    )
    contact_email = EmailField(
        "Your email address",
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254, message="The email address must be 254 characters or fewer"),
            Email(EMAIL_MESSAGE),
        ],
    )
    contact_phone = StringField("Phone number (optional)", validators=[Length(max=40), uk_phone])
    allowed = BooleanField(
        "I am allowed to list activities for this organisation",
        validators=[DataRequired("Confirm that you are allowed to list activities for this organisation")],
    )
    nickname = StringField("Leave this field empty")

    @property
    def is_bot(self) -> bool:
        return bool((self.nickname.data or "").strip())

    def registration(self) -> service.Registration:
        return service.Registration(
            name=self.name.data or "",
            description=self.description.data or "",
            contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "",
            contact_phone=self.contact_phone.data or "",
            website=self.website.data or "",
            charity_number=self.charity_number.data or "",
            company_number=self.company_number.data or "",
        )


class ApproveForm(FlaskForm):
    note = TextAreaField(
        "Note (optional)",
        validators=[Length(max=service.MAX_REASON, message="The note must be 2000 characters or fewer")],
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Enter the reason, so the organisation knows what to do next"),
            Length(max=service.MAX_REASON, message="The reason must be 2000 characters or fewer"),
        ],
    )


class InviteEditorForm(FlaskForm):
    name = StringField(
        "Full name",
        validators=[
            DataRequired("Enter their name"),
            Length(max=120, message="The name must be 120 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter their email address"), Length(max=254), Email(EMAIL_MESSAGE)],
    )

"""Shared WTForms pieces: GOV.UK date inputs, choices, and validators for UK data."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from wtforms import Field, RadioField, SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

from navigator.geo.postcodes import PostcodeError, lookup_postcode, normalise_postcode


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def enum_label_choices(enum_cls: type[enum.Enum], labels: dict[Any, str]) -> list[SelectChoice]:
    return [SelectChoice(value=member.value, label=labels[member]) for member in enum_cls]


class DateInputField(Field):
    """Day, month and year boxes (FIELD-day, FIELD-month, FIELD-year), as GOV.UK asks.

    A missing or partial date never crashes: what was typed is kept for the form
    to show again, and the error says which part is wrong.
    """

    def __init__(self, label: str | None = None, validators: Sequence[Any] | None = None, **kwargs: Any):
        super().__init__(label, validators, **kwargs)
        self.raw_parts: tuple[str, str, str] = ("", "", "")
        self.part_error: str | None = None

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:  # type: ignore[override]
        self.process_errors: list[str] = []
        self.part_error = None
        if formdata is None or not any(f"{self.name}-{part}" in formdata for part in ("day", "month", "year")):
            # WTForms passes unset_value when there is no object data: treat it as no date.
            if data is unset_value:
                data = None
            self.data = data if data is not None else (self.default if not callable(self.default) else None)
            if isinstance(self.data, date):
                self.raw_parts = (str(self.data.day), str(self.data.month), str(self.data.year))
            return
        parts = tuple((formdata.get(f"{self.name}-{part}") or "").strip() for part in ("day", "month", "year"))
        self.raw_parts = parts  # type: ignore[assignment]
        self.data = None
        if not any(parts):
            return
        missing = [name for name, value in zip(("a day", "a month", "a year"), parts, strict=True) if not value]
        if missing:
            self.part_error = f"{self.label.text} must include {' and '.join(missing)}"
            return
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            self.part_error = f"{self.label.text} must be a real date"

    def pre_validate(self, form: Any) -> None:
        if self.part_error:
            raise ValidationError(self.part_error)

    def parts(self) -> tuple[str, str, str]:
        return self.raw_parts

    def _value(self) -> str:
        return "-".join(self.raw_parts)


class ChoiceRadioField(RadioField):
    """Radios whose answer from outside the choices (a stale or edited form) gets a message
    that says what to do, not "Not a valid choice"."""

    def __init__(self, label: str | None = None, validators: Sequence[Any] | None = None, **kwargs: Any):
        self.invalid_message = kwargs.pop("invalid_message", "Choose one of the options")
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form: Any) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.invalid_message) from None


def valid_nhs_number(text: str) -> bool:
    """NHS number modulus 11 check: ten digits, the last a check digit."""
    digits = re.sub(r"[\s-]", "", text)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def nhs_number(form: Any, field: Field) -> None:
    if field.data and not valid_nhs_number(field.data):
        raise ValidationError("Enter a valid NHS number: 10 digits, like 943 476 5919")


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def strip_whitespace(value: Any) -> Any:
    """Filter: what was typed, without spaces at either end."""
    return value.strip() if isinstance(value, str) else value


def at_most(limit: int, name: str | None = None) -> Callable[[Any, Field], None]:
    """Validator: no longer than limit characters, named as the label says (or name)."""

    def check(form: Any, field: Field) -> None:
        if field.data and len(field.data) > limit:
            label = name or field.label.text.removesuffix(" (optional)").rstrip("?")
            raise ValidationError(f"{label} must be {limit:,} characters or fewer")

    return check


def email_address(form: Any, field: Field) -> None:
    if field.data and not EMAIL_PATTERN.match(field.data):
        raise ValidationError("Enter an email address in the correct format, like name@example.org")


_UK_PHONE = re.compile(r"^(?:\+44\s?|0)(?:\d\s?){9,10}$")


def uk_phone(form: Any, field: Field) -> None:
    if field.data and not _UK_PHONE.match(re.sub(r"[()\-]", " ", field.data.strip()).replace("  ", " ")):
        raise ValidationError("Enter a UK phone number, like 020 7946 0123 or 07700 900 123")


def known_postcode(form: Any, field: Field) -> None:
    """A full postcode that is in the postcode table; the field is normalised on success."""
    if not field.data:
        return
    try:
        normalise_postcode(field.data)
    except PostcodeError as error:
        raise ValidationError(str(error)) from error
    row = lookup_postcode(field.data)
    if row is None:
        raise ValidationError("Enter a full postcode we can find, like E8 1DY")
    field.data = row.postcode

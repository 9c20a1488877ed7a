"""Moderators' forms: approve or reject a version, and deal with a problem report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectMultipleField, TextAreaField, widgets

from navigator.forms import choices
from navigator.models import RejectionReason
from navigator.services.moderation import MAX_DECISION_NOTE
from navigator.services.reports import MAX_NOTE


def _add_error(field: Field, message: str) -> None:
    """Add an error unless the field already has one (the first is the one shown)."""
    if not field.errors:
        field.errors = [message]


def _too_long(field: Field, limit: int, name: str) -> bool:
    if field.data and len(field.data) > limit:
        _add_error(field, f"{name} must be {limit} characters or fewer")
        return True
    return False


def _text(field: Field) -> str:
    return (field.data or "").strip()


class ApproveForm(FlaskForm):
    """Publish the version, with the categories the moderator settles on (domain.md 5.4:
    the editor's choice is a suggestion) and an optional note for the editor."""

    categories = SelectMultipleField(
        "Categories", validate_choice=False, widget=widgets.ListWidget(), option_widget=widgets.CheckboxInput()
    )
    note = TextAreaField("Note for the editor (optional)")

    def setup(self, category_codes: Sequence[str]) -> None:
        self.known_categories = set(category_codes)
        self.categories.choices = choices((code, code) for code in category_codes)

    def chosen_categories(self) -> list[str]:
        return [code for code in self.categories.data or [] if code]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        chosen = self.chosen_categories()
        if not chosen:
            _add_error(self.categories, "Choose at least one category, so people can find the listing")
            valid = False
        elif set(chosen) - self.known_categories:
            _add_error(self.categories, "Choose categories from the list")
            valid = False
        if _too_long(self.note, MAX_DECISION_NOTE, "The note"):
            valid = False
        return valid


REJECTION_CHOICES = choices((reason.value, reason.label) for reason in RejectionReason)


class RejectForm(FlaskForm):
    """Send the version back with a reason the editor sees."""

    reason = RadioField("Why can it not be published?", choices=REJECTION_CHOICES, validate_choice=False)
    note = TextAreaField("Note for the editor")

    def chosen_reason(self) -> RejectionReason:
        return RejectionReason(self.reason.data)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.reason.data not in {reason.value for reason in RejectionReason}:
            _add_error(self.reason, "Choose why the listing cannot be published")
            valid = False
        elif self.reason.data == RejectionReason.OTHER.value and not _text(self.note):
            _add_error(self.note, "Say why the listing cannot be published")
            valid = False
        if _too_long(self.note, MAX_DECISION_NOTE, "The note"):
            valid = False
        return valid


# What a moderator can do with a problem report: (value, label, hint).
REPORT_OUTCOMES = (
    ("resolved", "Resolved", "The listing has been corrected, or its owner is dealing with it"),
    ("dismissed", "Dismissed", "Nothing needs to change"),
    ("hide", "Hide the listing", "Take it out of the directory until its owner corrects it and a moderator approves"),
)


class ReportDecisionForm(FlaskForm):
    """One report's outcome. Each report on the page has its own form (a prefix keeps the
    field ids apart)."""

    outcome = RadioField(
        "What have you done about this report?",
        choices=choices((value, label) for value, label, _ in REPORT_OUTCOMES),
        validate_choice=False,
    )
    note = TextAreaField("Note")

    NOTE_NEEDED: dict[str, str] = {
        "resolved": "Say what was done about the problem",
        "hide": "Say why the listing is hidden. Its owner sees this",
    }

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.outcome.data not in {value for value, _, _ in REPORT_OUTCOMES}:
            _add_error(self.outcome, "Choose what you have done about this report")
            valid = False
        elif self.outcome.data in self.NOTE_NEEDED and not _text(self.note):
            _add_error(self.note, self.NOTE_NEEDED[self.outcome.data])
            valid = False
        if _too_long(self.note, MAX_NOTE, "The note"):
            valid = False
        return valid


def report_form_prefix(report_id: object) -> str:
    return f"report-{report_id}"

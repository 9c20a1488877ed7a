"""Forms a navigator fills in on a case: contact attempts, screens, the plan, connections,
reviews, notes, closure and safeguarding concerns.

Forms check what a person typed (a real date, a time, a required text). Casework rules
(which state allows what) stay in navigator.services.referrals, whose messages the views
show against the right field.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from navigator.clock import in_london
from navigator.forms import ChoiceRadioField, DateInputField, choices
from navigator.models import ConnectionStatus, ContactChannel, ContactOutcome, GoalStatus, ScreeningOccasion
from navigator.screening import AdministrationMode, Instrument
from navigator.screening.pairing import AgeBand
from navigator.vocabularies import AGREED_BY, CLOSURE_REASONS, FOLLOW_UP_NOT_OBTAINED, STOPPED_REASONS

# How coded values read on the case pages.
CHANNEL_LABELS = {
    ContactChannel.PHONE: "Phone call",
    ContactChannel.SMS: "Text message",
    ContactChannel.EMAIL: "Email",
    ContactChannel.LETTER: "Letter",
    ContactChannel.HOME_VISIT: "Home visit",
    ContactChannel.VIA_REFERRER: "Through the referrer",
}
OUTCOME_LABELS = {
    ContactOutcome.NO_ANSWER: "No answer",
    ContactOutcome.VOICEMAIL: "Left a voicemail or message",
    ContactOutcome.WRONG_NUMBER: "Wrong number or address",
    ContactOutcome.REACHED: "Spoke to the person",
    ContactOutcome.DECLINED: "The person declined the service",
}
GOAL_STATUS_LABELS = {
    GoalStatus.NOT_STARTED: "Not started",
    GoalStatus.IN_PROGRESS: "In progress",
    GoalStatus.ACHIEVED: "Achieved",
    GoalStatus.NO_LONGER_RELEVANT: "No longer relevant",
}
CONNECTION_STATUS_LABELS = {
    ConnectionStatus.SUGGESTED: "Suggested",
    ConnectionStatus.CONTACTED: "Organiser contacted",
    ConnectionStatus.ATTENDED_FIRST_SESSION: "Went to a first session",
    ConnectionStatus.ATTENDING_REGULARLY: "Going regularly",
    ConnectionStatus.STOPPED: "Stopped",
}
CONNECTION_STATUS_HINTS = {
    ConnectionStatus.CONTACTED: "You contacted the organiser, with the person's agreement to share their details",
    ConnectionStatus.ATTENDED_FIRST_SESSION: "The person went at least once",
    ConnectionStatus.ATTENDING_REGULARLY: "At least 3 sessions or 4 weeks",
    ConnectionStatus.STOPPED: "The person is not going, or has stopped going",
}
OCCASION_LABELS = {
    ScreeningOccasion.BASELINE: "Baseline",
    ScreeningOccasion.REVIEW: "Review",
    ScreeningOccasion.CLOSURE: "At closure",
    ScreeningOccasion.FOLLOW_UP: "After closure",
}
MODE_LABELS = {
    AdministrationMode.SELF_COMPLETED: "The person answered on their own",
    AdministrationMode.READ_OUT: "Read out to the person",
    AdministrationMode.VIA_INTERPRETER: "Through an interpreter",
    AdministrationMode.EASY_READ: "Easy Read version",
}

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def _time_of_day(form: Any, field: Field) -> None:
    """HH:MM on the 24-hour clock; the parsed time is kept on the field."""
    text = (field.data or "").strip().replace(" ", "")
    match = _TIME.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValidationError("Enter the time on the 24-hour clock, like 09:30 or 14:05")
    field.parsed = time(int(match[1]), int(match[2]))  # type: ignore[attr-defined]


def _date_required(message: str) -> Any:
    def check(form: Any, field: DateInputField) -> None:
        if field.data is None and not field.part_error:
            raise ValidationError(message)

    return check


class ContactAttemptForm(FlaskForm):
    day = DateInputField("Date of the attempt", validators=[_date_required("Enter the date of the attempt")])
    at_time = StringField("Time", validators=[DataRequired("Enter the time of the attempt"), _time_of_day])
    channel = RadioField(
        "How did you try to contact them?",
        choices=choices((c.value, CHANNEL_LABELS[c]) for c in ContactChannel),
        validators=[DataRequired("Choose how you tried to contact them")],
    )
    outcome = RadioField(
        "What happened?",
        choices=choices((o.value, OUTCOME_LABELS[o]) for o in ContactOutcome),
        validators=[DataRequired("Choose what happened")],
    )
    person_agrees = BooleanField("The person agrees to work with a navigator")
    interpreter_used = BooleanField("An interpreter was used")
    note = TextAreaField("Note (optional)", validators=[Length(max=5000)])

    def attempted_at(self) -> datetime:
        """The date and time typed, read as London time."""
        assert self.day.data is not None
        return in_london(self.day.data, self.at_time.parsed)  # type: ignore[attr-defined]


class ScreeningDetailsForm(FlaskForm):
    """How the screen was taken. The items are added per instrument by screening_form()."""

    mode = RadioField("How were the questions asked?", validators=[DataRequired("Choose how the questions were asked")])
    answered_by = RadioField(
        "Who answered?",
        choices=choices(AGREED_BY.items()),
        default="person",
        validators=[DataRequired("Choose who answered")],
    )
    # Later screens only: why the questions were asked another way than at baseline.
    mode_change_reason = TextAreaField(
        "If you asked the questions another way than at baseline, why?",
        validators=[Length(max=300, message="Say why in 300 characters or fewer")],
    )


class AgeBandForm(FlaskForm):
    age_band = ChoiceRadioField(
        "How old is the person?",
        choices=choices((band.value, band.label) for band in AgeBand),
        validators=[DataRequired("Choose how old the person is")],
        invalid_message="Choose how old the person is",
    )


ITEM_PREFIX = "item_"


def screening_form(instrument: Instrument, default_mode: AdministrationMode | None = None) -> ScreeningDetailsForm:
    """A form with one set of radios per item, each with "Prefer not to say"."""

    class InstrumentForm(ScreeningDetailsForm):
        pass

    for item in instrument.items:
        setattr(
            InstrumentForm,
            ITEM_PREFIX + item.code,
            RadioField(item.text, choices=choices((o.value, o.label) for o in item.choices), validators=[Optional()]),
        )
    form = InstrumentForm()
    form.mode.choices = choices((m.value, MODE_LABELS[m]) for m in instrument.modes)
    if not form.is_submitted():
        modes = instrument.modes
        form.mode.data = (default_mode if default_mode in modes else modes[0]).value
    return form


def item_field(form: ScreeningDetailsForm, item_code: str) -> Field:
    return form[ITEM_PREFIX + item_code]


def screening_answers(form: ScreeningDetailsForm, instrument: Instrument) -> dict[str, str]:
    """Item code -> option value or "declined", for the items that have an answer."""
    answers = {}
    for item in instrument.items:
        value = item_field(form, item.code).data
        if value:
            answers[item.code] = value
    return answers


class StartSupportForm(FlaskForm):
    """No fields: the button, with its CSRF token."""


class GoalForm(FlaskForm):
    text = TextAreaField(
        "Goal, in the person's own words",
        validators=[DataRequired("Enter the goal in the person's words"), Length(max=2000)],
    )
    target_date = DateInputField("Target date (optional)")


def page_revision(field: Field) -> int | None:
    """The record's revision a page was loaded at (None from a page that did not say)."""
    raw = field.data or ""
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


class GoalStatusForm(FlaskForm):
    # The goal's revision the page was loaded at: a stale page cannot overwrite a change.
    revision = HiddenField()
    status = RadioField(
        "Status",
        choices=choices((s.value, GOAL_STATUS_LABELS[s]) for s in GoalStatus),
        validators=[DataRequired("Choose the goal's status")],
    )


class SuggestConnectionForm(FlaskForm):
    listing_id = HiddenField("Activity", validators=[DataRequired("Choose an activity from the directory")])
    note = TextAreaField("Note (optional)", validators=[Length(max=2000)])


class ConnectionForm(FlaskForm):
    # The connection's revision the page was loaded at: a stale page cannot overwrite a change.
    revision = HiddenField()
    # The service decides which moves are allowed from the current status and says why
    # a move is not, so the radios are not checked against the choices shown.
    status = RadioField("New status", validate_choice=False, validators=[DataRequired("Choose the new status")])
    details_shared_agreed = BooleanField("The person agrees that we share their contact details with the organiser")
    buddy_went = BooleanField("A volunteer buddy went with them")
    other_support = StringField("Other support used (optional)", validators=[Length(max=200)])
    stopped_reason = RadioField("Why did they stop?", choices=choices(STOPPED_REASONS.items()), validators=[Optional()])
    note = TextAreaField("Note (optional)", validators=[Length(max=2000)])


class ReviewForm(FlaskForm):
    progress = TextAreaField(
        "Progress since the last review",
        validators=[DataRequired("Enter what has happened since the last review"), Length(max=10000)],
    )
    next_review_due = DateInputField("Next review due")


class CaseNoteForm(FlaskForm):
    text = TextAreaField("Note", validators=[DataRequired("Enter the note"), Length(max=10000)])
    corrects_id = HiddenField()


class ClosureForm(FlaskForm):
    # Which reasons are allowed depends on the state: the service checks and explains.
    reason = RadioField(
        "Why are you closing the case?",
        validate_choice=False,
        validators=[DataRequired("Choose why you are closing the case")],
    )
    summary = TextAreaField("Summary for the referrer", validators=[Length(max=5000)])
    follow_up_not_obtained_reason = ChoiceRadioField(
        "If there is no follow-up screen at closure, why not?",
        choices=choices(FOLLOW_UP_NOT_OBTAINED.items()),
        validators=[Optional()],
        invalid_message="Choose why the screen was not obtained",
    )
    contact_again = ChoiceRadioField(
        "Has the person agreed to be contacted again for the 3-month follow-up screen?",
        choices=choices([("yes", "Yes"), ("no", "No")]),
        validators=[Optional()],
        invalid_message="Say whether the person agreed to be contacted again",
    )
    expected_version = HiddenField()

    def contact_again_agreed(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.contact_again.data or "")

    def version(self) -> int | None:
        try:
            return int(self.expected_version.data or "")
        except ValueError:
            return None


class SafeguardingForm(FlaskForm):
    note = TextAreaField("What is the concern?", validators=[DataRequired("Describe the concern"), Length(max=10000)])
    reference = StringField("Safeguarding referral reference (optional)", validators=[Length(max=60)])


def closure_reason_choices(codes: frozenset[str] | set[str]) -> list[Any]:
    """The closure reasons allowed, in the vocabulary's order."""
    return choices((code, label) for code, label in CLOSURE_REASONS.items() if code in codes)


def connection_status_choices(statuses: frozenset[ConnectionStatus]) -> list[Any]:
    return choices((s.value, CONNECTION_STATUS_LABELS[s]) for s in ConnectionStatus if s in statuses)

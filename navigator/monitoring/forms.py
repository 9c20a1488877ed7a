"""The optional monitoring questions on a form: "About the person (optional)" on the staff
referral form and the navigator's edit page, "About you (optional)" on the self-referral form.

`add_monitoring_fields` adds one field a question (and the write-ins and the bereavement
date) to a form class, after the fields it already has, so the error summary lists problems
in the order the page shows them. `MonitoringQuestions` reads and checks them. An answer that
is not on the list gets a message next to its question; a blank one is simply not answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectField, StringField
from wtforms.validators import Optional

from navigator.forms import DateInputField, at_most, choices, strip_whitespace
from navigator.monitoring.answers import MonitoringAnswers, MonitoringError, answer_names, problems_with
from navigator.monitoring.questions import (
    ANOTHER_LANGUAGE,
    ANOTHER_LANGUAGE_LABEL,
    BEREAVEMENT_DATE,
    PREFER_NOT_TO_SAY,
    PREFER_NOT_TO_SAY_LABEL,
    QUESTIONS,
    WRITE_IN_FIELDS,
    WRITE_IN_MAX,
    Question,
)

PREFIX = "monitoring_"
NOT_ON_THE_LIST = "Choose one of the answers on the list, or “Prefer not to say”"


def field_name(answer: str) -> str:
    return f"{PREFIX}{answer}"


@dataclass(frozen=True)
class ShownQuestion:
    """A question as the template shows it: its answer field and any write-in or date that follows."""

    question: Question
    field: Field
    write_in: Field | None
    when: Field | None


def add_monitoring_fields(form_class: type[FlaskForm], *, to_person: bool) -> None:
    """Add the questions to a form class: worded to the person (self-referral, which leaves
    out the referrer's and navigator's judgements) or about them (staff pages)."""
    for question in QUESTIONS:
        if to_person and not question.on_self_referral:
            continue
        label = question.label(to_person)
        if question.code == "main_language":
            # Choices come from the language vocabulary: set by `setup_monitoring`.
            field: Field = SelectField(label, validators=[Optional()], invalid_choice_message=NOT_ON_THE_LIST)
        else:
            field = RadioField(
                label,
                choices=choices((option.code, option.label) for option in question.options),
                validators=[Optional()],
                invalid_choice_message=NOT_ON_THE_LIST,
            )
        setattr(form_class, field_name(question.code), field)
        write_in = WRITE_IN_FIELDS.get(question.code)
        if write_in:
            text = StringField(
                question.write_in_label,
                filters=[strip_whitespace],
                validators=[at_most(WRITE_IN_MAX, "The answer you write in")],
            )
            setattr(form_class, field_name(write_in), text)
        if question.code == "recently_bereaved":
            when = "When did they die? (optional)"
            setattr(form_class, field_name(BEREAVEMENT_DATE), DateInputField(when))


def monitoring_data(answers: MonitoringAnswers) -> dict[str, Any]:
    """Stored answers as form data, to fill in the edit page."""
    return {field_name(name): getattr(answers, name) for name in answer_names()}


class MonitoringQuestions:
    """Reading and checking the questions `add_monitoring_fields` added."""

    def _monitoring_field(self, answer: str) -> Field | None:
        return getattr(self, field_name(answer), None)

    def setup_monitoring(self, languages: Sequence[tuple[str, str]]) -> None:
        """The main language choices: the language vocabulary, another language, prefer not to say."""
        field = self._monitoring_field("main_language")
        if isinstance(field, SelectField):
            field.choices = choices(
                [
                    ("", "Not answered"),
                    *languages,
                    (ANOTHER_LANGUAGE, ANOTHER_LANGUAGE_LABEL),
                    (PREFER_NOT_TO_SAY, PREFER_NOT_TO_SAY_LABEL),
                ]
            )

    def monitoring_questions(self) -> list[ShownQuestion]:
        shown = []
        for question in QUESTIONS:
            field = self._monitoring_field(question.code)
            if field is None:
                continue
            write_in = WRITE_IN_FIELDS.get(question.code)
            shown.append(
                ShownQuestion(
                    question=question,
                    field=field,
                    write_in=self._monitoring_field(write_in) if write_in else None,
                    when=self._monitoring_field(BEREAVEMENT_DATE) if question.code == "recently_bereaved" else None,
                )
            )
        return shown

    def monitoring_answers(self) -> MonitoringAnswers:
        """The answers as given; blank is None (not answered). Questions not on this form are None."""
        values: dict[str, Any] = {}
        for name in answer_names():
            field = self._monitoring_field(name)
            data = field.data if field is not None else None
            values[name] = data if data not in ("", None) else None
        return MonitoringAnswers(**values)

    def check_monitoring(self, *, age: int | None, today: date) -> None:
        """Put a message next to each answer that is not allowed (the form keeps them all)."""
        for name, message in problems_with(self.monitoring_answers(), age=age, today=today).items():
            field = self._monitoring_field(name)
            if field is not None and not field.errors:
                field.errors = [message]

    def show_monitoring_problems(self, error: MonitoringError) -> None:
        """The service refused some answers: show each message next to its question."""
        for name, message in error.problems.items():
            field = self._monitoring_field(name)
            if field is not None:
                field.errors = [message]


class MonitoringForm(MonitoringQuestions, FlaskForm):
    """The navigator's page to see and change a case's answers."""

    def setup(self, *, languages: Sequence[tuple[str, str]]) -> None:
        self.setup_monitoring(languages)


add_monitoring_fields(MonitoringForm, to_person=False)

"""Loneliness screening at referral (domain.md 3.1): the baseline sets a referrer may ask,
one radio field per question, and the staff form's reading and checking of the answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wtforms import Field, RadioField
from wtforms.validators import Optional

from navigator.forms import choices
from navigator.referrals.form_helpers import add_error, blank
from navigator.screening import AdministrationMode, baseline_instruments_for, get_instrument
from navigator.screening.instruments import ADULT_AGE, CHILD_AGE

MODE_LABELS = {
    AdministrationMode.SELF_COMPLETED: "The person answered the questions themselves",
    AdministrationMode.READ_OUT: "I read the questions out",
    AdministrationMode.VIA_INTERPRETER: "Through an interpreter",
}


@dataclass(frozen=True)
class ScreeningSet:
    """One of the baseline sets a referrer may ask (domain.md 3.1). Without JavaScript the
    form cannot know the person's age, so all sets are shown under these headings and only
    the set due for the date of birth (and Easy Read need) is stored."""

    key: str
    heading: str
    hint: str
    instrument_codes: tuple[str, ...]


SCREENING_SETS = (
    ScreeningSet(
        "adult",
        "If the person is 16 or over",
        "Ask these four questions in this order.",
        tuple(baseline_instruments_for(ADULT_AGE, easy_read=False)),
    ),
    ScreeningSet(
        "cyp",
        "If the person is 10 to 15",
        "Questions for children and young people.",
        tuple(baseline_instruments_for(CHILD_AGE, easy_read=False)),
    ),
    ScreeningSet(
        "easy_read",
        "Easy Read version",
        "Use these instead of the questions above if the person needs Easy Read.",
        tuple(baseline_instruments_for(ADULT_AGE, easy_read=True)),
    ),
)
SCREENING_SET_FOR_INSTRUMENTS = {frozenset(s.instrument_codes): s for s in SCREENING_SETS}


def screening_field_name(instrument_code: str, item_code: str) -> str:
    return f"screen_{instrument_code}__{item_code}"


def screening_fields() -> dict[str, RadioField]:
    fields: dict[str, RadioField] = {}
    codes = dict.fromkeys(code for screening_set in SCREENING_SETS for code in screening_set.instrument_codes)
    for code in codes:
        for item in get_instrument(code).items:
            fields[screening_field_name(code, item.code)] = RadioField(
                item.text,
                choices=choices((option.value, option.label) for option in item.choices),
                validators=[Optional()],
                invalid_choice_message="Choose one of the answers",
            )
    return fields


class ScreeningAtReferral:
    """The staff form's screening answers: which set is due for the date of birth, and the
    checks that the set due was answered (or why not)."""

    age: Any
    easy_read: Any
    date_of_birth: Any
    screening_not_completed: Any
    screening_not_completed_reason: Any

    def due_instruments(self) -> list[str]:
        """The baseline set due for this person (none under 10)."""
        age = self.age
        return baseline_instruments_for(age if age is not None and age >= 0 else None, self.easy_read)

    def due_screening_set(self) -> ScreeningSet | None:
        return SCREENING_SET_FOR_INSTRUMENTS.get(frozenset(self.due_instruments()))

    def screening_items(self, codes: Iterable[str]) -> list[tuple[str, str, Field]]:
        """(instrument code, item code, field) for each question of these instruments."""
        return [
            (code, item.code, getattr(self, screening_field_name(code, item.code)))
            for code in codes
            for item in get_instrument(code).items
        ]

    def screening_answers(self) -> dict[str, dict[str, str]]:
        """Answers to the set due for this person, by instrument; other sets are ignored."""
        if self.screening_not_completed.data:
            return {}
        answers: dict[str, dict[str, str]] = {}
        for code, item_code, field in self.screening_items(self.due_instruments()):
            if field.data:
                answers.setdefault(code, {})[item_code] = field.data
        return answers

    def check_screening(self) -> None:
        if self.screening_not_completed.data:
            if blank(self.screening_not_completed_reason):
                add_error(self.screening_not_completed_reason, "Say why the screening was not completed")
            return
        if self.date_of_birth.data is None or self.date_of_birth.errors:
            return  # the age is not known yet: the date of birth has its own error
        screening_set = self.due_screening_set()
        if screening_set is None:
            return  # under 10: no self-report measure (domain.md 3.1)
        items = self.screening_items(screening_set.instrument_codes)
        unanswered = [field for _, _, field in items if not field.data and not field.errors]
        if len(unanswered) == len(items):
            add_error(
                items[0][2],
                f"Answer the questions under “{screening_set.heading}”, or tick “Screening not completed” and say why",
            )
            return
        for field in unanswered:
            add_error(field, f"Answer “{field.label.text}”, or choose “Prefer not to say”")

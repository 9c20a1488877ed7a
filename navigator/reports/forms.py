"""The report's filters: a GET form (bookmarkable, no CSRF token), checked against the
teams, wards, age bands and target groups that exist."""

from __future__ import annotations

import uuid
from datetime import date

from dateutil.relativedelta import relativedelta
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from navigator.forms import choices
from navigator.reports.groups import TARGET_GROUP_NAMES
from navigator.reports.periods import ROLLING, Period, PeriodError, current_quarter, parse_period, quarter_of
from navigator.reports.service import FilterChoices
from navigator.reports.sql import AGE_BAND_LABELS, Filters

EVERYONE = ("", "All")
QUARTERS_OFFERED = 8


def quarter_choices(today: date, asked: str | None) -> list[tuple[str, str]]:
    """The latest quarters, the rolling year, and the quarter asked for if older."""
    first = current_quarter(today).start
    offered = []
    for back in range(QUARTERS_OFFERED):
        start = first - relativedelta(months=3 * back)
        offered.append((quarter_of(start), f"{start.year} quarter {(start.month - 1) // 3 + 1}"))
    offered.append((ROLLING, "The last 12 months"))
    if asked and asked.strip().upper() not in {code.upper() for code, _ in offered}:
        offered.append((asked.strip(), asked.strip()))
    return offered


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    period = SelectField("Quarter", validate_choice=False)
    start = StringField("From month", name="from")
    end = StringField("To month", name="to")
    team = SelectField("Source team", default="")
    ward = SelectField("Ward", default="")
    age_band = SelectField("Age band", default="")
    target_group = SelectField("Target group", default="")

    def offer(self, options: FilterChoices, today: date) -> None:
        self.period.choices = choices(quarter_choices(today, self.period.data))  # type: ignore[assignment]
        self.team.choices = choices([EVERYONE, *options.teams])  # type: ignore[assignment]
        self.ward.choices = choices([EVERYONE, *options.wards])  # type: ignore[assignment]
        self.age_band.choices = choices([EVERYONE, *AGE_BAND_LABELS.items()])  # type: ignore[assignment]
        self.target_group.choices = choices([EVERYONE, *TARGET_GROUP_NAMES.items()])  # type: ignore[assignment]

    def check(self) -> bool:
        """Validate, with messages that say what to do instead of WTForms' own."""
        valid = self.validate()
        for field, message in (
            (self.team, "Choose a source team from the list"),
            (self.ward, "Choose a ward from the list"),
            (self.age_band, "Choose an age band from the list"),
            (self.target_group, "Choose a target group from the list"),
        ):
            if field.errors:
                field.errors = [message]  # type: ignore[assignment]
        return valid

    def chosen_period(self, today: date) -> Period | None:
        """The period asked for; None (with the message on its field) when it cannot be reported."""
        try:
            return parse_period(self.period.data or None, self.start.data or None, self.end.data or None, today)
        except PeriodError as error:
            field = self.start if (self.start.data or self.end.data) else self.period
            field.errors = [*field.errors, str(error)]  # type: ignore[list-item]
            return None

    def chosen_filters(self) -> Filters:
        return Filters(
            team_id=uuid.UUID(self.team.data) if self.team.data else None,
            ward_code=self.ward.data or None,
            age_band=self.age_band.data or None,
            target_group=self.target_group.data or None,
        )

    @property
    def has_errors(self) -> bool:
        return any(field.errors for field in self)

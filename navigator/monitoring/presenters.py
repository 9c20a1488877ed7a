"""Monitoring answers as the navigator reads them on the case page: one row a question."""

from __future__ import annotations

from collections.abc import Mapping

from navigator.monitoring.answers import MonitoringAnswers
from navigator.monitoring.questions import (
    ANOTHER_LANGUAGE,
    ANOTHER_LANGUAGE_LABEL,
    PREFER_NOT_TO_SAY,
    PREFER_NOT_TO_SAY_LABEL,
    QUESTIONS,
    WRITE_IN_FIELDS,
)

NOT_ANSWERED = "Not answered"
SHORT_LABELS = {
    "sex": "Sex",
    "gender_identity_same": "Gender identity same as sex registered at birth",
    "sexual_orientation": "Sexual orientation",
    "ethnicity": "Ethnic group",
    "religion": "Religion",
    "long_term_condition": "Long-term condition or disability",
    "lives_alone": "Lives alone",
    "tenure": "Home",
    "recently_bereaved": "Bereaved in the last 2 years",
    "serious_mental_illness": "Serious mental illness diagnosis",
    "not_engaging_health_services": "Does not engage with health services",
    "migrant": "Migrant, refugee or asylum seeker",
    "migration_status": "Migration status",
    "main_language": "Main language",
    "unpaid_carer": "Unpaid carer",
    "family_referral": "Family referral",
}


def answer_rows(answers: MonitoringAnswers, language_names: Mapping[str, str]) -> list[tuple[str, str]]:
    """(label, answer as shown) for every question, "Not answered" where none was given."""
    rows = []
    for question in QUESTIONS:
        code = getattr(answers, question.code)
        if code is None:
            shown = NOT_ANSWERED
        elif code == PREFER_NOT_TO_SAY:
            shown = PREFER_NOT_TO_SAY_LABEL
        elif question.code == "main_language":
            shown = ANOTHER_LANGUAGE_LABEL if code == ANOTHER_LANGUAGE else language_names.get(code, code)
        else:
            shown = question.option_label(code).removesuffix(", write in").removesuffix(", write in gender identity")
        write_in = WRITE_IN_FIELDS.get(question.code)
        if write_in and getattr(answers, write_in):
            shown = f"{shown}: {getattr(answers, write_in)}"
        if question.code == "recently_bereaved" and answers.bereavement_date is not None:
            when = answers.bereavement_date
            shown = f"{shown} (on {when.day} {when:%B %Y})"
        rows.append((SHORT_LABELS[question.code], shown))
    return rows

"""One person's monitoring answers as plain values: checked against the lists, tidied, and
stored in their own row (models/monitoring.py).

Nothing here reads the case or the referral: the referral services store the answers given
with a new referral, and monitoring/services.py the navigator's changes, each inside its
own transaction, so a refused answer leaves nothing stored half-way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import select

from navigator.extensions import db
from navigator.models import EqualityMonitoring, Person, TaxonomyTerm, Vocabulary
from navigator.monitoring.questions import (
    ANOTHER_LANGUAGE,
    BEREAVEMENT_DATE,
    PREFER_NOT_TO_SAY,
    QUESTIONS,
    QUESTIONS_BY_CODE,
    WRITE_IN_FIELDS,
    WRITE_IN_MAX,
    YES,
)


@dataclass
class MonitoringAnswers:
    """None: not asked or not answered. Codes as in questions.py."""

    sex: str | None = None
    gender_identity_same: str | None = None
    gender_identity_same_write_in: str | None = None
    sexual_orientation: str | None = None
    sexual_orientation_write_in: str | None = None
    ethnicity: str | None = None
    ethnicity_write_in: str | None = None
    religion: str | None = None
    religion_write_in: str | None = None
    long_term_condition: str | None = None
    lives_alone: str | None = None
    tenure: str | None = None
    recently_bereaved: str | None = None
    bereavement_date: date | None = None
    serious_mental_illness: str | None = None
    not_engaging_health_services: str | None = None
    migrant: str | None = None
    migration_status: str | None = None
    main_language: str | None = None
    unpaid_carer: str | None = None
    family_referral: str | None = None

    @classmethod
    def of(cls, row: EqualityMonitoring | None) -> MonitoringAnswers:
        if row is None:
            return cls()
        return cls(**{name: getattr(row, name) for name in answer_names()})

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in answer_names())


def answer_names() -> list[str]:
    return [item.name for item in fields(MonitoringAnswers)]


class MonitoringError(ValueError):
    """Answers that are not on the lists: each problem by the answer it is about."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def languages() -> list[tuple[str, str]]:
    """The taxonomy's languages (ISO 639 code, name), in its order."""
    query = (
        select(TaxonomyTerm.code, TaxonomyTerm.name)
        .where(TaxonomyTerm.vocabulary == Vocabulary.LANGUAGE, TaxonomyTerm.parent_id.is_(None))
        .order_by(TaxonomyTerm.position, TaxonomyTerm.name)
    )
    return [(code, name) for code, name in db.session.execute(query)]


def language_codes() -> frozenset[str]:
    """The main languages that can be chosen: the taxonomy's languages, another, or none said."""
    return frozenset(code for code, _ in languages()) | {ANOTHER_LANGUAGE, PREFER_NOT_TO_SAY}


def problems_with(answers: MonitoringAnswers, *, age: int | None, today: date) -> dict[str, str]:
    """What is wrong with the answers, by answer: an option not on the list, a write-in too
    long, a question for over-16s answered for a younger person, a bereavement in the future."""
    problems: dict[str, str] = {}
    languages = language_codes() if answers.main_language is not None else frozenset()
    for question in QUESTIONS:
        answer = getattr(answers, question.code)
        if answer is None:
            continue
        allowed = languages if question.code == "main_language" else question.codes
        if answer not in allowed:
            problems[question.code] = "Choose one of the answers on the list, or “Prefer not to say”"
        elif question.min_age is not None and age is not None and age < question.min_age:
            problems[question.code] = f"Only ask this of people aged {question.min_age} or over: leave it blank"
        write_in = WRITE_IN_FIELDS.get(question.code)
        if write_in and len(getattr(answers, write_in) or "") > WRITE_IN_MAX:
            problems[write_in] = f"The answer you write in must be {WRITE_IN_MAX} characters or fewer"
    if answers.bereavement_date is not None and answers.bereavement_date > today:
        problems[BEREAVEMENT_DATE] = "The date of the bereavement must be today or in the past"
    return problems


def tidied(answers: MonitoringAnswers) -> MonitoringAnswers:
    """Without the parts that do not apply: a write-in only with an option that takes one,
    a bereavement date only when bereaved, a migration status only for a migrant."""
    kept = MonitoringAnswers(**{name: getattr(answers, name) for name in answer_names()})
    for code, write_in in WRITE_IN_FIELDS.items():
        text = (getattr(kept, write_in) or "").strip()
        keep = text and getattr(kept, code) in QUESTIONS_BY_CODE[code].write_in_codes
        setattr(kept, write_in, text if keep else None)
    if kept.recently_bereaved != YES:
        kept.bereavement_date = None
    if kept.migrant != YES:
        kept.migration_status = None
    return kept


def checked(answers: MonitoringAnswers, *, age: int | None, today: date) -> MonitoringAnswers:
    """The answers tidied, or MonitoringError naming every answer that is not allowed."""
    problems = problems_with(answers, age=age, today=today)
    if problems:
        raise MonitoringError(problems)
    return tidied(answers)


def answers_from_mapping(given: Mapping[str, object], *, born: date | None, today: date) -> MonitoringAnswers | None:
    """Answers written as a mapping of answer name to code (the demo seed), checked; None for none."""
    if not given:
        return None
    unknown = set(given) - set(answer_names())
    if unknown:
        raise MonitoringError({name: f"There is no answer called {name}" for name in sorted(unknown)})
    values: dict[str, Any] = {name: str(value) for name, value in given.items()}
    if "bereavement_date" in values:
        values["bereavement_date"] = date.fromisoformat(values["bereavement_date"])
    answers = MonitoringAnswers(**values)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day)) if born else None
    problems = problems_with(answers, age=age, today=today)
    if problems:
        raise MonitoringError({name: f"{name}: {message}" for name, message in problems.items()})
    return answers


def answers_row(person_id: object) -> EqualityMonitoring | None:
    return db.session.get(EqualityMonitoring, person_id)


def stage(person: Person, answers: MonitoringAnswers) -> list[str]:
    """Put the answers on the person's row (made if needed; none for no answers), in the
    caller's transaction. Returns the names of the answers that changed, never their values."""
    row = answers_row(person.id) if person.id is not None else None
    if row is None:
        if answers.is_empty:
            return []
        row = EqualityMonitoring(person_id=person.id)
        db.session.add(row)
    changed = []
    for name in answer_names():
        value = getattr(answers, name)
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed

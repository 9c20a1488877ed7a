"""The Hackney strategy's 13 target groups (domain.md 4.1), derived from a person's answers.

Groups are worked out when they are read, from the stored source answers, the age (from the
date of birth) and what the referral says (an interpreter needed): never stored as the truth,
so a group's definition can change here without asking anyone again. "Prefer not to say",
and a question not answered, never put anyone in a group.

Codes are the taxonomy's `target_group` codes (seed/taxonomy.yaml). Thresholds that are
local conventions, not national standards, are named below and said in each definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from navigator.monitoring.questions import (
    BRITISH_SIGN_LANGUAGE,
    ENGLISH,
    PREFER_NOT_TO_SAY,
    TENURE_PRIVATE_RENT,
    TENURE_SOCIAL_RENT,
    TRAVELLER_ETHNICITIES,
    WHITE_ETHNICITIES,
    YES,
)

# Local conventions (domain.md 4.1 says so for the renters' ages and the 2 years; the others are ours).
MIDDLE_AGED_FROM = 50
CHILD_UNDER = 18
YOUNGER_RENTER_AGES = (16, 34)
BEREAVED_WITHIN_DAYS = 730  # 2 years
RENTING = frozenset({TENURE_PRIVATE_RENT, TENURE_SOCIAL_RENT})
LGBTQIA_ORIENTATIONS = frozenset({"gay_lesbian", "bisexual", "other"})
TRAVELLER_WORDS = ("traveller", "gypsy", "roma")


class Answers(Protocol):
    """What derivation reads: a stored answer row, or MonitoringAnswers."""

    @property
    def sex(self) -> str | None: ...
    @property
    def gender_identity_same(self) -> str | None: ...
    @property
    def sexual_orientation(self) -> str | None: ...
    @property
    def ethnicity(self) -> str | None: ...
    @property
    def ethnicity_write_in(self) -> str | None: ...
    @property
    def long_term_condition(self) -> str | None: ...
    @property
    def lives_alone(self) -> str | None: ...
    @property
    def tenure(self) -> str | None: ...
    @property
    def recently_bereaved(self) -> str | None: ...
    @property
    def bereavement_date(self) -> date | None: ...
    @property
    def serious_mental_illness(self) -> str | None: ...
    @property
    def not_engaging_health_services(self) -> str | None: ...
    @property
    def migrant(self) -> str | None: ...
    @property
    def main_language(self) -> str | None: ...
    @property
    def unpaid_carer(self) -> str | None: ...
    @property
    def family_referral(self) -> str | None: ...


@dataclass(frozen=True)
class Facts:
    """Everything a group can be derived from, as of `today`."""

    answers: Answers | None
    age: int | None
    interpreter_needed: bool
    interpreter_language: str
    today: date


@dataclass(frozen=True)
class TargetGroup:
    code: str
    name: str
    definition: str
    # How the person is in the group ("Aged 72, lives alone, long-term condition"), or None.
    rule: Callable[[Facts], str | None]


@dataclass(frozen=True)
class DerivedGroup:
    code: str
    name: str
    how: str


def _said(facts: Facts, question: str) -> str | None:
    """An answer that counts: None for no answer and for "Prefer not to say"."""
    if facts.answers is None:
        return None
    value = getattr(facts.answers, question)
    return None if value in (None, PREFER_NOT_TO_SAY) else value


def _yes(facts: Facts, question: str) -> bool:
    return _said(facts, question) == YES


def _older_living_alone(facts: Facts) -> str | None:
    older = facts.age is not None and facts.age >= MIDDLE_AGED_FROM
    if older and _yes(facts, "lives_alone") and _yes(facts, "long_term_condition"):
        return f"Aged {facts.age}, lives alone, has a long-term condition or disability"
    return None


def _children_families(facts: Facts) -> str | None:
    if facts.age is not None and 0 <= facts.age < CHILD_UNDER:
        return f"Aged {facts.age}"
    if _yes(facts, "family_referral"):
        return "Referred as a family"
    return None


def _younger_renters(facts: Facts) -> str | None:
    low, high = YOUNGER_RENTER_AGES
    tenure = _said(facts, "tenure")
    if facts.age is not None and low <= facts.age <= high and tenure in RENTING:
        return f"Aged {facts.age}, {_tenure_words(tenure)}"
    return None


def _recently_bereaved(facts: Facts) -> str | None:
    if not _yes(facts, "recently_bereaved"):
        return None
    when = facts.answers.bereavement_date if facts.answers is not None else None
    if when is None:
        return "Bereaved recently (no date given)"
    if (facts.today - when).days <= BEREAVED_WITHIN_DAYS:
        return f"Bereaved on {when.day} {when:%B %Y}, within 2 years"
    return None


def _flag(question: str, how: str) -> Callable[[Facts], str | None]:
    return lambda facts: how if _yes(facts, question) else None


def _renters(facts: Facts) -> str | None:
    tenure = _said(facts, "tenure")
    return _tenure_words(tenure).capitalize() if tenure in RENTING else None


def _tenure_words(tenure: str | None) -> str:
    return "rents privately" if tenure == TENURE_PRIVATE_RENT else "rents from the council or a housing association"


def _black_global_majority(facts: Facts) -> str | None:
    ethnicity = _said(facts, "ethnicity")
    if ethnicity is not None and ethnicity not in WHITE_ETHNICITIES:
        return "Ethnic group outside the White group"
    return None


def _traveller(facts: Facts) -> str | None:
    ethnicity = _said(facts, "ethnicity")
    if ethnicity in TRAVELLER_ETHNICITIES:
        return "Ethnic group Gypsy or Irish Traveller, or Roma"
    written = (facts.answers.ethnicity_write_in or "").casefold() if facts.answers is not None else ""
    if ethnicity is not None and any(word in written for word in TRAVELLER_WORDS):
        return "Self-identified in their own words for their ethnic group"
    return None


def _migrants_esol(facts: Facts) -> str | None:
    reasons = []
    if _yes(facts, "migrant"):
        reasons.append("came to the UK as a migrant, refugee or asylum seeker")
    language = _said(facts, "main_language")
    if language is not None and language not in (ENGLISH, BRITISH_SIGN_LANGUAGE):
        reasons.append("main language is not English")
    if facts.interpreter_needed and facts.interpreter_language != BRITISH_SIGN_LANGUAGE:
        reasons.append("needs an interpreter")
    return "; ".join(reasons).capitalize() if reasons else None


def _lgbtqia(facts: Facts) -> str | None:
    if _said(facts, "sexual_orientation") in LGBTQIA_ORIENTATIONS:
        return "From their sexual orientation"
    if _said(facts, "gender_identity_same") == "no":
        return "Gender identity not the same as sex registered at birth"
    return None


def _men(facts: Facts) -> str | None:
    return "Sex: male" if _said(facts, "sex") == "male" else None


TARGET_GROUPS: tuple[TargetGroup, ...] = (
    TargetGroup(
        "older-living-alone",
        "Middle-aged and older residents living alone with long-term conditions or disability",
        f"Aged {MIDDLE_AGED_FROM} or over (local convention), lives alone, and has a long-term condition or "
        "disability.",
        _older_living_alone,
    ),
    TargetGroup(
        "children-young-people-families",
        "Children, young people and their families",
        f"Under {CHILD_UNDER} (local convention), or referred as a family.",
        _children_families,
    ),
    TargetGroup(
        "younger-renters",
        "Younger renters",
        f"Aged {YOUNGER_RENTER_AGES[0]} to {YOUNGER_RENTER_AGES[1]} (local convention) and rents privately or "
        "from the council or a housing association.",
        _younger_renters,
    ),
    TargetGroup(
        "recently-bereaved",
        "Recently bereaved",
        "Someone close died within the last 2 years (local convention). Without a date, the person's own "
        "answer counts.",
        _recently_bereaved,
    ),
    TargetGroup(
        "serious-mental-illness",
        "People with a serious mental illness diagnosis",
        "Diagnosed with a serious mental illness, as recorded by the referrer or navigator.",
        _flag("serious_mental_illness", "Serious mental illness diagnosis recorded"),
    ),
    TargetGroup(
        "not-engaging-health-services",
        "Residents who do not engage with health services",
        "The referrer's or navigator's judgement.",
        _flag("not_engaging_health_services", "Recorded as not engaging with health services"),
    ),
    TargetGroup(
        "renters-social-housing",
        "Private renters and social housing residents",
        "Rents privately, or from the council or a housing association (temporary accommodation is not counted).",
        _renters,
    ),
    TargetGroup(
        "black-global-majority",
        "Black and Global Majority residents",
        "Derived from ethnic group: every group outside the White group. Never asked directly.",
        _black_global_majority,
    ),
    TargetGroup(
        "traveller-community",
        "Traveller community",
        "Ethnic group Gypsy or Irish Traveller, or Roma, or a written-in ethnic group naming them.",
        _traveller,
    ),
    TargetGroup(
        "migrants-refugees-esol",
        "Migrants, refugees and non-English speakers (ESOL)",
        "Came to the UK as a migrant, refugee or asylum seeker; or a main language other than English "
        "(or British Sign Language); or needs an interpreter of a spoken language.",
        _migrants_esol,
    ),
    TargetGroup(
        "lgbtqia",
        "LGBTQIA+ people",
        "Sexual orientation gay or lesbian, bisexual or another orientation, or a gender identity not the same as "
        "the sex registered at birth.",
        _lgbtqia,
    ),
    TargetGroup("men", "Men", "Sex: male. Reported as a cross-cut of the other groups.", _men),
    TargetGroup("carers", "Carers", "Provides unpaid care.", _flag("unpaid_carer", "Provides unpaid care")),
)
TARGET_GROUPS_BY_CODE = {group.code: group for group in TARGET_GROUPS}


def derive(facts: Facts) -> list[DerivedGroup]:
    """The groups this person is in, in the strategy's order, each with how it was derived."""
    found = []
    for group in TARGET_GROUPS:
        how = group.rule(facts)
        if how:
            found.append(DerivedGroup(group.code, group.name, how))
    return found

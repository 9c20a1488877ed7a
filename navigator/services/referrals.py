"""The referral pathway: submission, triage, allocation and casework (domain.md section 2).

Every function takes plain values and the acting user, checks that user may act on
that referral (need to know), enforces the state machine, writes the audit entry and
commits once. A referral the user may not see raises NotFound, exactly as if it did
not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import (
    Agreement,
    AuditAction,
    CaseNote,
    Connection,
    ConnectionStatus,
    ContactAttempt,
    ContactChannel,
    ContactOutcome,
    Goal,
    GoalStatus,
    Listing,
    Person,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralState,
    Review,
    Screening,
    ScreeningOccasion,
    Team,
    User,
)
from navigator.models.referrals import OPEN_CASE_STATES
from navigator.screening import AdministrationMode
from navigator.services import audit
from navigator.services.mail import queue_mail
from navigator.vocabularies import (
    CLOSURE_REASONS,
    REJECTION_REASONS,
    STOPPED_REASONS,
)
from navigator.working_days import working_days_between

S = ReferralState


class ReferralError(ValueError):
    """A rule a user broke that they can put right; shown as a message, never a 500."""


class InvalidTransition(ReferralError):
    pass


class ConcurrentChange(ReferralError):
    pass


class NotFound(LookupError):
    """The referral does not exist or this user may not know it does (HTTP 404)."""


# (from, to) -> permissions that may make the move (domain.md 2.3). "System" moves
# (unable to contact) are made by the service itself after a contact attempt.
TRANSITIONS: dict[tuple[ReferralState, ReferralState], frozenset[Permission]] = {
    (S.SUBMITTED, S.ACCEPTED): frozenset({Permission.TRIAGE}),
    (S.SUBMITTED, S.REJECTED): frozenset({Permission.TRIAGE}),
    (S.SUBMITTED, S.REDIRECTED): frozenset({Permission.TRIAGE}),
    (S.SUBMITTED, S.MORE_INFO_REQUESTED): frozenset({Permission.TRIAGE}),
    (S.MORE_INFO_REQUESTED, S.SUBMITTED): frozenset({Permission.SUBMIT_REFERRAL, Permission.TRIAGE}),
    (S.MORE_INFO_REQUESTED, S.REJECTED): frozenset({Permission.TRIAGE}),
    (S.ACCEPTED, S.ALLOCATED): frozenset({Permission.ALLOCATE, Permission.SELF_ALLOCATE}),
    (S.ALLOCATED, S.ALLOCATED): frozenset({Permission.ALLOCATE}),
    (S.ALLOCATED, S.CONTACTING): frozenset({Permission.WORK_CASES}),
    (S.ALLOCATED, S.ENGAGED): frozenset({Permission.WORK_CASES}),
    (S.CONTACTING, S.ENGAGED): frozenset({Permission.WORK_CASES}),
    (S.ALLOCATED, S.CLOSED): frozenset({Permission.WORK_CASES}),
    (S.CONTACTING, S.CLOSED): frozenset({Permission.WORK_CASES}),
    (S.ENGAGED, S.IN_SUPPORT): frozenset({Permission.WORK_CASES}),
    (S.ENGAGED, S.CLOSED): frozenset({Permission.WORK_CASES}),
    (S.IN_SUPPORT, S.CLOSED): frozenset({Permission.WORK_CASES}),
}
# Closure reasons allowed from each state (domain.md 2.3, 2.6).
CLOSURE_REASONS_FROM: dict[ReferralState, frozenset[str]] = {
    S.ALLOCATED: frozenset({"declined"}),
    S.CONTACTING: frozenset({"declined", "unable_to_contact"}),
    S.ENGAGED: frozenset({"declined", "disengaged", "moved_away", "deceased"}),
    S.IN_SUPPORT: frozenset(CLOSURE_REASONS) - {"unable_to_contact"},
}


def _check_transition(referral: Referral, to: ReferralState, by: User | None) -> None:
    allowed = TRANSITIONS.get((referral.state, to))
    if allowed is None:
        raise InvalidTransition(
            f"A referral that is {referral.state.label.lower()} cannot be moved to {to.label.lower()}"
        )
    if by is not None and not any(by.can(permission) for permission in allowed):
        raise InvalidTransition(f"You cannot move this referral to {to.label.lower()}")


def _move(
    referral: Referral,
    to: ReferralState,
    by: User | None,
    *,
    summary: str,
    referrer_note: str = "",
    reason: str = "",
) -> ReferralEvent:
    """Change state, record it on the timeline and in the audit log (not committed)."""
    _check_transition(referral, to, by)
    before = referral.state
    referral.state = to
    event = ReferralEvent(
        referral=referral,
        at=clock.now(),
        by_id=by.id if by else None,
        from_state=before,
        to_state=to,
        summary=summary,
        referrer_note=referrer_note,
    )
    db.session.add(event)
    audit.record(
        AuditAction.STATE_CHANGE,
        "referral",
        referral.id,
        by=by,
        referral_id=referral.id,
        old={"state": before},
        new={"state": to},
        reason=reason or summary,
    )
    return event


def _commit(message: str = "Someone else changed this referral at the same time. Check it and try again") -> None:
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise ConcurrentChange(message) from error


def _expect_version(referral: Referral, expected_version: int | None) -> None:
    if expected_version is not None and referral.version != expected_version:
        raise ConcurrentChange("This referral changed while you were looking at it. Check what changed and try again")


# -- need to know -----------------------------------------------------------


def visible_referrals(user: User) -> Select[Referral]:
    """Referrals this user may see (domain.md 1.3)."""
    query = select(Referral)
    if user.can(Permission.VIEW_ALL_REFERRALS):
        return query
    conditions: list[ColumnElement[bool]] = []
    if user.can(Permission.VIEW_TEAM_REFERRALS) and user.teams:
        conditions.append(Referral.team_id.in_([team.id for team in user.teams]))
    if user.can(Permission.VIEW_CASELOAD):
        conditions.append(Referral.navigator_id == user.id)
    if user.can(Permission.VIEW_QUEUE):
        conditions.append(Referral.state == S.ACCEPTED)
    if not conditions:
        return query.where(false())  # nothing visible
    return query.where(or_(*conditions))


def can_work_case(user: User, referral: Referral) -> bool:
    """Navigators work their own caseload; team leads work any case."""
    if not user.can(Permission.WORK_CASES):
        return False
    return user.can(Permission.VIEW_ALL_REFERRALS) or referral.navigator_id == user.id


def is_referrer_view(user: User, referral: Referral) -> bool:
    """True when the user sees this referral only as its referrer (status, no case detail)."""
    return not (
        user.can(Permission.VIEW_ALL_REFERRALS) or referral.navigator_id == user.id or _in_queue(user, referral)
    )


def _in_queue(user: User, referral: Referral) -> bool:
    return user.can(Permission.VIEW_QUEUE) and referral.state is S.ACCEPTED


def get_referral(referral_id: uuid.UUID, user: User, *, audit_view: bool = True) -> Referral:
    """Fetch a referral the user may see, recording the read. Raises NotFound otherwise."""
    referral = db.session.scalar(visible_referrals(user).where(Referral.id == referral_id))
    if referral is None:
        raise NotFound()
    if audit_view:
        audit.record(AuditAction.VIEW, "referral", referral.id, by=user, referral_id=referral.id)
        db.session.commit()
    return referral


BREAK_GLASS_MIN_REASON = 20


def break_glass_read(reference: str, *, by: User, reason: str) -> Referral:
    """A system admin reads one referral outside their normal access (domain.md 1.3 rule 4):
    the reason is required, the read is audited and the team leads are told."""
    if not by.can(Permission.BREAK_GLASS):
        raise NotFound()
    if len(reason.strip()) < BREAK_GLASS_MIN_REASON:
        raise ReferralError(f"Explain why you need to read this record ({BREAK_GLASS_MIN_REASON} characters or more)")
    referral = db.session.scalar(select(Referral).where(Referral.reference == reference.strip().upper()))
    if referral is None:
        raise ReferralError("There is no referral with that reference")
    audit.record(
        AuditAction.BREAK_GLASS, "referral", referral.id, by=by, referral_id=referral.id, reason=reason.strip()
    )
    _tell_team_leads(
        f"Break-glass access to {referral.reference}",
        f"{by.name} ({by.email}) read referral {referral.reference} under break-glass access.\n"
        f"Reason given: {reason.strip()}",
    )
    db.session.commit()
    return referral


def _case_for(referral_id: uuid.UUID, user: User) -> Referral:
    referral = get_referral(referral_id, user, audit_view=False)
    if not can_work_case(user, referral):
        raise NotFound()
    return referral


# -- making a referral ------------------------------------------------------


@dataclass
class PersonDetails:
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    nhs_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""
    preferred_contact_method: str = ""
    preferred_contact_times: str = ""
    languages: list[str] = field(default_factory=list)
    interpreter_needed: bool = False
    interpreter_language: str = ""
    communication_needs: list[str] = field(default_factory=list)


@dataclass
class ReferralDetails:
    person: PersonDetails
    source_code: str
    team_id: uuid.UUID | None = None
    reason: str = ""
    what_matters: str = ""
    needs: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    barriers: list[str] = field(default_factory=list)
    support_needed: list[str] = field(default_factory=list)
    safeguarding_concern: bool = False
    safeguarding_reference: str = ""
    lone_working_risk: bool = False
    risk_to_self_or_others: bool = False
    risk_detail: str = ""
    agreement: Agreement = Agreement.YES
    agreed_by: str = "person"
    agreement_date: date | None = None
    agreement_obtained_by: str = ""
    information_sharing_agreed: bool = False
    gillick_competent: bool | None = None
    referrer_name: str = ""
    referrer_role: str = ""
    referrer_phone: str = ""
    referrer_email: str = ""
    entered_by_proxy: bool = False
    # Screening at referral: answers per instrument, or why it was not done.
    screenings: dict[str, dict[str, str]] = field(default_factory=dict)
    screening_mode: AdministrationMode = AdministrationMode.SELF_COMPLETED
    screening_not_completed_reason: str = ""


def _next_reference() -> str:
    year = clock.today().year
    count = db.session.scalar(select(func.count(Referral.id)).where(Referral.reference.like(f"CN-{year}-%"))) or 0
    return f"CN-{year}-{count + 1:06d}"


def _referral_by_key(key: str) -> Referral | None:
    return db.session.scalar(select(Referral).where(Referral.idempotency_key == key))


def submit_referral(details: ReferralDetails, *, by: User | None, idempotency_key: str) -> Referral:
    """Record a new referral. Submitting the same form twice (same key) returns the first.

    A referral with a safeguarding concern is never blocked by missing agreement
    (domain.md 6.9); any other referral needs the person's agreement.
    """
    existing = _referral_by_key(idempotency_key)
    if existing is not None:
        return existing
    if details.agreement is not Agreement.YES and not details.safeguarding_concern:
        raise ReferralError("The person must agree to the referral, unless you are raising a safeguarding concern")
    source = db.session.get(ReferralSource, details.source_code)
    if source is None or not source.active:
        raise ReferralError("Choose where the referral is coming from")
    if by is not None and not by.can(Permission.SUBMIT_PROXY_REFERRAL):
        if not by.can(Permission.SUBMIT_REFERRAL):
            raise ReferralError("You cannot make referrals")
        if details.team_id not in by.team_ids:
            raise ReferralError("Choose one of your own teams")
    if details.team_id is not None and db.session.get(Team, details.team_id) is None:
        raise ReferralError("Choose a team from the list")

    from navigator.geo.postcodes import lookup_postcode

    row = lookup_postcode(details.person.postcode) if details.person.postcode else None
    person = Person(
        **{name: getattr(details.person, name) for name in PersonDetails.__dataclass_fields__},
    )
    person.nhs_number = "".join(ch for ch in details.person.nhs_number if ch.isdigit()) or None
    person.postcode = row.postcode if row else details.person.postcode.upper()
    person.ward_code = row.ward_code if row else None
    referral = Referral(
        id=uuid.uuid4(),
        reference=_next_reference(),
        person=person,
        state=S.SUBMITTED,
        idempotency_key=idempotency_key,
        source_code=details.source_code,
        team_id=details.team_id,
        referred_by_id=by.id if by else None,
        entered_by_proxy=details.entered_by_proxy,
        submitted_at=clock.now(),
        **{
            name: getattr(details, name)
            for name in [
                "reason",
                "what_matters",
                "needs",
                "target_groups",
                "barriers",
                "support_needed",
                "safeguarding_concern",
                "safeguarding_reference",
                "lone_working_risk",
                "risk_to_self_or_others",
                "risk_detail",
                "agreement",
                "agreed_by",
                "agreement_date",
                "agreement_obtained_by",
                "information_sharing_agreed",
                "gillick_competent",
                "referrer_name",
                "referrer_role",
                "referrer_phone",
                "referrer_email",
                "screening_not_completed_reason",
            ]
        },
    )
    db.session.add(referral)
    db.session.add(
        ReferralEvent(
            referral=referral,
            at=referral.submitted_at,
            by_id=referral.referred_by_id,
            to_state=S.SUBMITTED,
            summary="Referral received",
        )
    )
    for instrument_code, answers in details.screenings.items():
        _add_screening(
            referral, instrument_code, answers, ScreeningOccasion.BASELINE, details.screening_mode, "person", by
        )
    audit.record(
        AuditAction.CREATE,
        "referral",
        referral.id,
        by=by,
        referral_id=referral.id,
        new={"reference": referral.reference, "source": referral.source_code, "proxy": referral.entered_by_proxy},
    )
    if referral.safeguarding_concern:
        _tell_team_leads(
            f"Safeguarding concern on new referral {referral.reference}",
            f"Referral {referral.reference} was submitted with a safeguarding concern. Review it first.",
        )
    try:
        db.session.commit()
    except IntegrityError:
        # The same form was submitted twice at once: the other request saved it.
        db.session.rollback()
        existing = _referral_by_key(idempotency_key)
        if existing is None:
            raise
        return existing
    return referral


PersonKey = tuple[str, ...] | tuple[str, str, str, date]


def _person_keys(person: Person) -> list[PersonKey]:
    """What makes two referrals possibly the same person: the NHS number, or the name
    (compared without case, in any script) with the date of birth."""
    keys: list[PersonKey] = []
    if person.nhs_number:
        keys.append(("nhs", person.nhs_number))
    if person.date_of_birth:
        given, family = person.given_name.strip().casefold(), person.family_name.strip().casefold()
        keys.append(("name", given, family, person.date_of_birth))
    return keys


def _referrals_by_person_key(people: list[Person]) -> dict[PersonKey, set[uuid.UUID]]:
    """Every referral that shares a key with one of these people, in one query. Names are
    compared here, not in SQL: SQLite's lower() leaves letters such as Ö and Ç alone."""
    nhs_numbers = {p.nhs_number for p in people if p.nhs_number}
    births = {p.date_of_birth for p in people if p.date_of_birth}
    if not nhs_numbers and not births:
        return {}
    rows = db.session.execute(
        select(Referral.id, Person)
        .join(Person)
        .where(or_(Person.nhs_number.in_(nhs_numbers), Person.date_of_birth.in_(births)))
    )
    found: dict[PersonKey, set[uuid.UUID]] = {}
    for referral_id, person in rows:
        for key in _person_keys(person):
            found.setdefault(key, set()).add(referral_id)
    return found


def possible_duplicates(referral: Referral) -> list[Referral]:
    """Other referrals for what may be the same person: same NHS number, or same name
    and date of birth. Shown to the triager; never merged automatically."""
    found = _referrals_by_person_key([referral.person])
    ids = set().union(*(found.get(key, set()) for key in _person_keys(referral.person))) - {referral.id}
    if not ids:
        return []
    return list(db.session.scalars(select(Referral).where(Referral.id.in_(ids)).order_by(Referral.submitted_at.desc())))


def with_possible_duplicates(referrals: list[Referral]) -> set[uuid.UUID]:
    """Which of these referrals have a possible duplicate (as possible_duplicates), with
    one query for the lot: for the triage queue."""
    found = _referrals_by_person_key([referral.person for referral in referrals])
    return {
        referral.id
        for referral in referrals
        if any(found.get(key, set()) - {referral.id} for key in _person_keys(referral.person))
    }


# -- triage -----------------------------------------------------------------


def accept_referral(
    referral_id: uuid.UUID, *, by: User, note: str = "", expected_version: int | None = None
) -> Referral:
    referral = get_referral(referral_id, by, audit_view=False)
    _expect_version(referral, expected_version)
    _move(referral, S.ACCEPTED, by, summary="Accepted at triage", referrer_note=note, reason=note)
    referral.decision_note = note
    _tell_referrer(referral, "accepted", "The referral has been accepted and is waiting for a navigator.")
    _commit()
    return referral


def reject_referral(
    referral_id: uuid.UUID, *, by: User, reason: str, note: str = "", expected_version: int | None = None
) -> Referral:
    if reason not in REJECTION_REASONS:
        raise ReferralError("Choose a reason for not accepting the referral")
    if reason == "other" and not note.strip():
        raise ReferralError("Explain why the referral is not accepted")
    referral = get_referral(referral_id, by, audit_view=False)
    _expect_version(referral, expected_version)
    if reason == NO_ANSWER:
        _check_answer_overdue(referral)
    text = REJECTION_REASONS[reason] + (f": {note}" if note else "")
    _move(referral, S.REJECTED, by, summary="Not accepted", referrer_note=text, reason=text)
    referral.decision_reason, referral.decision_note = reason, note
    _tell_referrer(referral, "not accepted", f"The referral was not accepted. Reason: {text}")
    _commit()
    return referral


def redirect_referral(
    referral_id: uuid.UUID, *, by: User, service: str, reason: str, expected_version: int | None = None
) -> Referral:
    if not service.strip() or not reason.strip():
        raise ReferralError("Enter the service you are redirecting to and why")
    referral = get_referral(referral_id, by, audit_view=False)
    _expect_version(referral, expected_version)
    text = f"Redirected to {service}: {reason}"
    _move(referral, S.REDIRECTED, by, summary=f"Redirected to {service}", referrer_note=text, reason=reason)
    referral.redirected_to, referral.decision_note = service, reason
    _tell_referrer(referral, "redirected", text)
    _commit()
    return referral


def request_more_information(
    referral_id: uuid.UUID, *, by: User, question: str, expected_version: int | None = None
) -> Referral:
    if not question.strip():
        raise ReferralError("Enter the question for the referrer")
    referral = get_referral(referral_id, by, audit_view=False)
    _expect_version(referral, expected_version)
    _move(referral, S.MORE_INFO_REQUESTED, by, summary="More information requested", referrer_note=question)
    referral.more_info_question = question
    _tell_referrer(referral, "needs more information", f"The navigation team asks: {question}")
    _commit()
    return referral


NO_ANSWER = "no_answer"


@dataclass(frozen=True)
class AwaitingAnswer:
    """A referral returned to its referrer with a question (domain.md 2.3)."""

    referral: Referral
    asked_at: datetime
    waiting_days: int
    overdue: bool  # no answer for MORE_INFO_ANSWER_DAYS working days: the lead may close it


def question_asked_at(referral: Referral) -> datetime:
    """When the open question was asked (the latest move into more_info_requested)."""
    asked = [event.at for event in referral.events if event.to_state is S.MORE_INFO_REQUESTED]
    return max(asked) if asked else referral.updated_at


def awaiting_answer(referral: Referral) -> AwaitingAnswer:
    asked_at = question_asked_at(referral)
    waiting = working_days_between(asked_at, clock.now())
    return AwaitingAnswer(referral, asked_at, waiting, waiting >= current_app.config["MORE_INFO_ANSWER_DAYS"])


def awaiting_answers(user: User) -> list[AwaitingAnswer]:
    """Referrals waiting for the referrer's answer, asked longest ago first (for triage)."""
    if not user.can(Permission.TRIAGE):
        return []
    query = (
        select(Referral)
        .where(Referral.state == S.MORE_INFO_REQUESTED)
        .options(selectinload(Referral.events), selectinload(Referral.person))
    )
    return sorted((awaiting_answer(r) for r in db.session.scalars(query)), key=lambda a: a.asked_at)


def _check_answer_overdue(referral: Referral) -> None:
    """Closing for "no answer" needs an open question that has waited the agreed time."""
    if referral.state is not S.MORE_INFO_REQUESTED:
        raise ReferralError("Choose another reason: the referrer has not been asked a question")
    waiting = awaiting_answer(referral)
    if not waiting.overdue:
        days = current_app.config["MORE_INFO_ANSWER_DAYS"]
        raise ReferralError(
            f"The referrer has {days} working days to answer (asked {waiting.waiting_days} working days ago). "
            "Choose another reason, or wait for their answer"
        )


def answer_more_information(referral_id: uuid.UUID, *, by: User, answer: str) -> Referral:
    if not answer.strip():
        raise ReferralError("Enter your answer")
    referral = get_referral(referral_id, by, audit_view=False)
    _move(referral, S.SUBMITTED, by, summary="Referrer answered", referrer_note=answer, reason=answer)
    db.session.add(CaseNote(referral=referral, author_id=by.id, text=f"Referrer's answer: {answer}"))
    _commit()
    return referral


# -- allocation -------------------------------------------------------------


def caseloads() -> list[tuple[User, int]]:
    """Active navigators with the number of open cases each holds."""
    open_cases = (
        select(Referral.navigator_id, func.count(Referral.id).label("n"))
        .where(Referral.state.in_(OPEN_CASE_STATES))
        .group_by(Referral.navigator_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, func.coalesce(open_cases.c.n, 0))
        .outerjoin(open_cases, open_cases.c.navigator_id == User.id)
        .where(User.active.is_(True))
        .order_by(User.name)
    ).all()
    return [
        (user, int(count)) for user, count in rows if user.can(Permission.WORK_CASES) and user.has_role("navigator")
    ]


def open_case_count(navigator_id: uuid.UUID) -> int:
    """How many open cases this navigator holds (what the caseload cap limits)."""
    query = select(func.count(Referral.id)).where(
        Referral.navigator_id == navigator_id, Referral.state.in_(OPEN_CASE_STATES)
    )
    return db.session.scalar(query) or 0


def caseload_cap(user: User) -> int:
    return user.caseload_cap or current_app.config["DEFAULT_CASELOAD_CAP"]


def allocate_referral(
    referral_id: uuid.UUID,
    navigator_id: uuid.UUID,
    *,
    by: User,
    expected_version: int | None = None,
    reason: str = "",
) -> Referral:
    """Give a referral to a navigator. Of two people allocating at once exactly one wins;
    the other gets ConcurrentChange."""
    referral = get_referral(referral_id, by, audit_view=False)
    _expect_version(referral, expected_version)
    navigator = db.session.get(User, navigator_id)
    if navigator is None or not navigator.active or not navigator.has_role("navigator"):
        raise ReferralError("Choose a navigator from the list")
    if not by.can(Permission.ALLOCATE):
        if not (current_app.config["NAVIGATOR_SELF_ALLOCATION"] and by.can(Permission.SELF_ALLOCATE)):
            raise InvalidTransition("You cannot allocate referrals")
        if navigator.id != by.id:
            raise InvalidTransition("You can only take referrals for yourself")
    if referral.state is S.ALLOCATED and not reason.strip():
        raise ReferralError("Give a reason for re-allocating this referral")
    load = open_case_count(navigator.id)
    if referral.navigator_id != navigator.id and load >= caseload_cap(navigator):
        raise ReferralError(f"{navigator.name} already has a full caseload ({load} open cases)")
    previous = referral.navigator
    summary = f"Allocated to {navigator.name}" if previous is None else f"Re-allocated to {navigator.name}"
    _move(referral, S.ALLOCATED, by, summary=summary, reason=reason)
    referral.navigator_id = navigator.id
    referral.allocated_at = clock.now()
    audit.record(
        AuditAction.UPDATE,
        "referral",
        referral.id,
        by=by,
        referral_id=referral.id,
        old={"navigator": previous.email if previous else None},
        new={"navigator": navigator.email},
        reason=reason,
    )
    if navigator.id != by.id:
        queue_mail(
            navigator.email,
            f"Referral {referral.reference} allocated to you",
            f"Referral {referral.reference} has been allocated to you. Sign in to Community Navigator to see it.",
        )
    _commit("Someone else allocated this referral at the same moment. It was not changed: check who has it now")
    return referral


# -- contact ------------------------------------------------------------------


def log_contact_attempt(
    referral_id: uuid.UUID,
    *,
    by: User,
    at: datetime,
    channel: ContactChannel,
    outcome: ContactOutcome,
    note: str = "",
    interpreter_used: bool = False,
    person_agrees: bool = False,
) -> Referral:
    """Record an attempt to reach the person and move the case on:
    reached and agrees -> engaged; declined -> closed; Nth failed attempt -> unable to contact."""
    referral = _case_for(referral_id, by)
    if referral.state not in (S.ALLOCATED, S.CONTACTING):
        raise InvalidTransition("Contact attempts are logged before the person is engaged")
    if at > clock.now() + timedelta(minutes=5):
        raise ReferralError("The time of the attempt cannot be in the future")
    attempt = ContactAttempt(
        id=uuid.uuid4(),
        referral=referral,
        at=at,
        channel=channel,
        outcome=outcome,
        note=note,
        interpreter_used=interpreter_used,
        by_id=by.id,
    )
    db.session.add(attempt)
    audit.record(
        AuditAction.CREATE,
        "contact_attempt",
        attempt.id,
        by=by,
        referral_id=referral.id,
        new={"channel": channel, "outcome": outcome},
    )
    if outcome is ContactOutcome.REACHED:
        if person_agrees:
            _move(referral, S.ENGAGED, by, summary="Person reached and agreed to work with a navigator")
        elif referral.state is S.ALLOCATED:
            _move(referral, S.CONTACTING, by, summary="Contact made; agreement not yet given")
    elif outcome is ContactOutcome.DECLINED:
        _close(referral, by, reason="declined", summary="The person declined the service")
    else:
        if referral.state is S.ALLOCATED:
            _move(referral, S.CONTACTING, by, summary="First contact attempt")
        failures = _counted_failures(referral)
        if failures >= current_app.config["UNABLE_TO_CONTACT_ATTEMPTS"]:
            _close(referral, None, reason="unable_to_contact", summary=f"Unable to contact after {failures} attempts")
    _commit()
    return referral


def _counted_failures(referral: Referral) -> int:
    """Failed attempts that count towards "unable to contact". Where an interpreter is
    needed, only interpreter-supported attempts count (domain.md 2.4)."""
    needs_interpreter = referral.person.interpreter_needed
    return sum(
        1
        for attempt in referral.contacts
        if attempt.outcome.is_failed and (attempt.interpreter_used or not needs_interpreter)
    )


def counted_failed_attempts(referral: Referral) -> int:
    """How many failed attempts count so far towards closing as unable to contact."""
    return _counted_failures(referral)


# -- screening ----------------------------------------------------------------


def _add_screening(
    referral: Referral,
    instrument_code: str,
    answers: dict[str, str],
    occasion: ScreeningOccasion,
    mode: AdministrationMode,
    answered_by: str,
    by: User | None,
) -> Screening:
    from navigator.screening import get_instrument, score, validate_answers

    try:
        instrument = get_instrument(instrument_code)
        validate_answers(instrument, answers)
    except (LookupError, ValueError) as error:
        raise ReferralError(str(error)) from error
    result = score(instrument_code, answers)
    screening = Screening(
        id=uuid.uuid4(),
        referral=referral,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        scoring_version=instrument.scoring_version,
        occasion=occasion,
        mode=mode,
        answered_by=answered_by,
        answers=dict(answers),
        score=result.score,
        band=result.band,
        details={
            "subscores": dict(result.subscores),
            "subscore_bands": dict(result.subscore_bands),
            "item_scores": dict(result.item_scores),
            "categories": dict(result.categories),
            "chronic_loneliness": result.chronic_loneliness,
            "unanswered_items": list(result.unanswered_items),
            "declined_items": list(result.declined_items),
        },
        complete=result.complete,
        recorded_by_id=by.id if by else None,
        recorded_at=clock.now(),
    )
    db.session.add(screening)
    audit.record(
        AuditAction.CREATE,
        "screening",
        screening.id,
        by=by,
        referral_id=referral.id,
        new={"instrument": instrument.code, "occasion": occasion, "complete": result.complete},
    )
    return screening


def record_screening(
    referral_id: uuid.UUID,
    *,
    by: User,
    instrument_code: str,
    answers: dict[str, str],
    occasion: ScreeningOccasion,
    mode: AdministrationMode = AdministrationMode.SELF_COMPLETED,
    answered_by: str = "person",
) -> Screening:
    referral = _case_for(referral_id, by)
    if not by.can(Permission.RECORD_SCREENING):
        raise NotFound()
    if referral.state.is_final and occasion is not ScreeningOccasion.FOLLOW_UP:
        raise ReferralError("Only a follow-up screen can be added to a closed referral")
    screening = _add_screening(referral, instrument_code, answers, occasion, mode, answered_by, by)
    _commit()
    return screening


def screenings_for(referral: Referral, user: User) -> list[Screening]:
    """Identifiable scores: the allocated navigator and team leads only."""
    if not can_work_case(user, referral):
        return []
    audit.record(AuditAction.VIEW, "screening", referral.id, by=user, referral_id=referral.id)
    db.session.commit()
    return list(
        db.session.scalars(
            select(Screening).where(Screening.referral_id == referral.id).order_by(Screening.recorded_at)
        )
    )


def baseline_instruments(referral: Referral) -> list[str]:
    from navigator.screening import baseline_instruments_for

    age = referral.person.age_on(clock.today())
    easy_read = "easy_read" in referral.person.communication_needs
    return baseline_instruments_for(age, easy_read)


def has_complete_baseline(referral: Referral) -> bool:
    """The guard for engaged -> in support (domain.md 2.3): every baseline instrument
    due for this person has a complete screen (declined items count as answered)."""
    due = set(baseline_instruments(referral))
    done = set(
        db.session.scalars(
            select(Screening.instrument_code).where(
                Screening.referral_id == referral.id,
                Screening.occasion == ScreeningOccasion.BASELINE,
                Screening.complete.is_(True),
            )
        )
    )
    return due <= done


def start_support(referral_id: uuid.UUID, *, by: User) -> Referral:
    """Engaged -> in support, once the baseline loneliness screen is complete."""
    referral = _case_for(referral_id, by)
    if referral.state is S.ENGAGED and not has_complete_baseline(referral):
        raise InvalidTransition("Record the baseline loneliness screen before starting support")
    _move(referral, S.IN_SUPPORT, by, summary="Baseline screen recorded; support started")
    referral.next_review_due = clock.today() + timedelta(days=current_app.config["REVIEW_INTERVAL_DAYS"])
    _commit()
    return referral


# -- plan, notes, connections, reviews -------------------------------------


def _require_open(referral: Referral) -> None:
    if referral.state.is_final:
        raise ReferralError("This referral is closed. Start a new referral to work with the person again")


def add_goal(referral_id: uuid.UUID, *, by: User, text: str, target_date: date | None = None) -> Goal:
    if not text.strip():
        raise ReferralError("Enter the goal in the person's words")
    referral = _case_for(referral_id, by)
    _require_open(referral)
    goal = Goal(id=uuid.uuid4(), referral=referral, text=text.strip(), target_date=target_date)
    db.session.add(goal)
    audit.record(AuditAction.CREATE, "goal", goal.id, by=by, referral_id=referral.id, new={"text": goal.text})
    _commit()
    return goal


def update_goal(goal_id: uuid.UUID, *, by: User, status: GoalStatus) -> Goal:
    goal = db.session.get(Goal, goal_id)
    if goal is None:
        raise NotFound()
    referral = _case_for(goal.referral_id, by)
    _require_open(referral)
    before = goal.status
    goal.status = status
    audit.record(
        AuditAction.UPDATE,
        "goal",
        goal.id,
        by=by,
        referral_id=referral.id,
        old={"status": before},
        new={"status": status},
    )
    _commit()
    return goal


def add_case_note(referral_id: uuid.UUID, *, by: User, text: str, corrects_id: uuid.UUID | None = None) -> CaseNote:
    """Notes are never edited: a correction is a new note pointing at the old one."""
    if not text.strip():
        raise ReferralError("Enter the note")
    referral = _case_for(referral_id, by)
    if corrects_id is not None:
        corrected = db.session.get(CaseNote, corrects_id)
        if corrected is None or corrected.referral_id != referral.id:
            raise ReferralError("The note you are correcting is not on this referral")
    note = CaseNote(
        id=uuid.uuid4(), referral=referral, author_id=by.id, text=text.strip(), corrects_id=corrects_id, at=clock.now()
    )
    db.session.add(note)
    audit.record(
        AuditAction.CREATE, "case_note", note.id, by=by, referral_id=referral.id, new={"corrects": corrects_id}
    )
    _commit()
    return note


CONNECTION_MOVES: dict[ConnectionStatus, frozenset[ConnectionStatus]] = {
    ConnectionStatus.SUGGESTED: frozenset(
        {ConnectionStatus.CONTACTED, ConnectionStatus.ATTENDED_FIRST_SESSION, ConnectionStatus.STOPPED}
    ),
    ConnectionStatus.CONTACTED: frozenset({ConnectionStatus.ATTENDED_FIRST_SESSION, ConnectionStatus.STOPPED}),
    ConnectionStatus.ATTENDED_FIRST_SESSION: frozenset(
        {ConnectionStatus.ATTENDING_REGULARLY, ConnectionStatus.STOPPED}
    ),
    ConnectionStatus.ATTENDING_REGULARLY: frozenset({ConnectionStatus.STOPPED}),
    ConnectionStatus.STOPPED: frozenset(),
}


def suggest_connection(referral_id: uuid.UUID, *, by: User, listing_id: uuid.UUID, note: str = "") -> Connection:
    referral = _case_for(referral_id, by)
    if referral.state not in (S.ENGAGED, S.IN_SUPPORT):
        raise InvalidTransition("Connect the person to activities once they are engaged")
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing.is_public:
        raise ReferralError("Choose an activity that is in the directory")
    if any(c.listing_id == listing_id and c.status is not ConnectionStatus.STOPPED for c in referral.connections):
        raise ReferralError(f"{listing.name} is already on this person's plan")
    connection = Connection(
        id=uuid.uuid4(), referral=referral, listing_id=listing.id, status=ConnectionStatus.SUGGESTED, note=note
    )
    db.session.add(connection)
    audit.record(
        AuditAction.CREATE,
        "connection",
        connection.id,
        by=by,
        referral_id=referral.id,
        new={"listing": listing.name, "status": ConnectionStatus.SUGGESTED},
    )
    _commit()
    return connection


def update_connection(
    connection_id: uuid.UUID,
    *,
    by: User,
    status: ConnectionStatus,
    details_shared_agreed: bool = False,
    buddy_went: bool = False,
    other_support: str = "",
    stopped_reason: str = "",
    note: str = "",
) -> Connection:
    connection = db.session.get(Connection, connection_id)
    if connection is None:
        raise NotFound()
    referral = _case_for(connection.referral_id, by)
    _require_open(referral)
    if status not in CONNECTION_MOVES[connection.status]:
        raise InvalidTransition(
            f"A connection that is {connection.status.value.replace('_', ' ')} cannot become "
            f"{status.value.replace('_', ' ')}"
        )
    if status is ConnectionStatus.CONTACTED and not details_shared_agreed:
        raise ReferralError("Record that the person agreed to share their details with the organiser")
    if status is ConnectionStatus.STOPPED and stopped_reason not in STOPPED_REASONS:
        raise ReferralError("Choose why the person stopped")
    before = connection.status
    connection.status = status
    connection.details_shared_agreed = connection.details_shared_agreed or details_shared_agreed
    if status is ConnectionStatus.ATTENDED_FIRST_SESSION:
        connection.buddy_went = buddy_went
        connection.other_support = other_support
        connection.first_attended_at = clock.today()
    if status is ConnectionStatus.STOPPED:
        connection.stopped_reason = stopped_reason
    if note:
        connection.note = note
    audit.record(
        AuditAction.UPDATE,
        "connection",
        connection.id,
        by=by,
        referral_id=referral.id,
        old={"status": before},
        new={"status": status, "buddy_went": connection.buddy_went},
    )
    _commit()
    return connection


def record_review(referral_id: uuid.UUID, *, by: User, progress: str, next_review_due: date | None) -> Review:
    if not progress.strip():
        raise ReferralError("Enter what has happened since the last review")
    referral = _case_for(referral_id, by)
    if referral.state is not S.IN_SUPPORT:
        raise InvalidTransition("Reviews are recorded while the person is in support")
    review = Review(
        id=uuid.uuid4(),
        referral=referral,
        by_id=by.id,
        progress=progress.strip(),
        next_review_due=next_review_due,
        at=clock.now(),
    )
    referral.next_review_due = next_review_due
    db.session.add(review)
    audit.record(AuditAction.CREATE, "review", review.id, by=by, referral_id=referral.id)
    _commit()
    return review


# -- closure --------------------------------------------------------------------


def _close(referral: Referral, by: User | None, *, reason: str, summary: str, closure_summary: str = "") -> None:
    allowed = CLOSURE_REASONS_FROM.get(referral.state, frozenset())
    if reason not in allowed:
        raise InvalidTransition(
            f"A referral that is {referral.state.label.lower()} cannot be closed as "
            f"“{CLOSURE_REASONS.get(reason, reason).lower()}”"
        )
    text = CLOSURE_REASONS[reason] + (f". {closure_summary}" if closure_summary else "")
    _move(referral, S.CLOSED, by, summary=summary, referrer_note=text, reason=CLOSURE_REASONS[reason])
    referral.closure_reason = reason
    referral.closure_summary = closure_summary
    _tell_referrer(referral, "closed", f"The referral has been closed. {text}")


def close_referral(
    referral_id: uuid.UUID,
    *,
    by: User,
    reason: str,
    summary: str = "",
    follow_up_due: date | None = None,
    follow_up_not_obtained_reason: str = "",
    expected_version: int | None = None,
) -> Referral:
    """Close with a reason; from in-support, a closure follow-up screen is recorded or
    the reason it was not obtained (domain.md 2.6)."""
    referral = _case_for(referral_id, by)
    _expect_version(referral, expected_version)
    if reason not in CLOSURE_REASONS:
        raise ReferralError("Choose a reason for closing")
    if referral.state is S.IN_SUPPORT and reason != "deceased":
        has_closure_screen = db.session.scalar(
            select(func.count(Screening.id)).where(
                Screening.referral_id == referral.id, Screening.occasion == ScreeningOccasion.CLOSURE
            )
        )
        if not has_closure_screen and not follow_up_not_obtained_reason:
            raise ReferralError("Record the follow-up screen at closure, or say why it was not obtained")
    _close(referral, by, reason=reason, summary="Closed", closure_summary=summary)
    referral.follow_up_due = follow_up_due
    referral.follow_up_not_obtained_reason = follow_up_not_obtained_reason
    _commit()
    return referral


def raise_safeguarding_concern(referral_id: uuid.UUID, *, by: User, note: str, reference: str = "") -> Referral:
    """Any user with access, at any state, never blocked by validation (domain.md 6.9)."""
    referral = get_referral(referral_id, by, audit_view=False)
    referral.safeguarding_concern = True
    if reference:
        referral.safeguarding_reference = reference
    db.session.add(CaseNote(referral=referral, author_id=by.id, text=f"Safeguarding concern: {note}".strip()))
    audit.record(
        AuditAction.UPDATE,
        "referral",
        referral.id,
        by=by,
        referral_id=referral.id,
        new={"safeguarding_concern": True, "reference": reference},
        reason=note,
    )
    _tell_team_leads(f"Safeguarding concern on {referral.reference}", f"{by.name} raised a concern: {note}")
    _commit()
    return referral


# -- lists ------------------------------------------------------------------


def unallocated_queue(user: User) -> list[Referral]:
    query = visible_referrals(user).where(Referral.state == S.ACCEPTED).order_by(Referral.submitted_at)
    return list(db.session.scalars(query))


def triage_queue(user: User) -> list[Referral]:
    if not user.can(Permission.TRIAGE):
        return []
    query = select(Referral).where(Referral.state == S.SUBMITTED).order_by(Referral.submitted_at)
    return list(db.session.scalars(query))


def caseload(user: User) -> list[Referral]:
    query = (
        select(Referral)
        .where(Referral.navigator_id == user.id, Referral.state.in_(OPEN_CASE_STATES))
        .order_by(Referral.submitted_at)
    )
    return list(db.session.scalars(query))


def team_referrals(user: User) -> list[Referral]:
    if not user.teams:
        return []
    query = (
        select(Referral).where(Referral.team_id.in_([t.id for t in user.teams])).order_by(Referral.submitted_at.desc())
    )
    return list(db.session.scalars(query))


def due_for_follow_up(user: User, *, on: date | None = None) -> list[Referral]:
    day = on or clock.today()
    query = (
        visible_referrals(user)
        .where(Referral.state == S.CLOSED, Referral.follow_up_due.is_not(None), Referral.follow_up_due <= day)
        .order_by(Referral.follow_up_due)
    )
    referrals = list(db.session.scalars(query))
    done = set(
        db.session.scalars(
            select(Screening.referral_id).where(
                Screening.occasion == ScreeningOccasion.FOLLOW_UP,
                Screening.referral_id.in_([r.id for r in referrals]),
            )
        )
    )
    return [r for r in referrals if r.id not in done and can_work_case(user, r)]


# -- notifications ----------------------------------------------------------


def _tell_referrer(referral: Referral, what: str, text: str) -> None:
    """Mail the referrer (or their team) that the referral moved on. No personal details."""
    to = referral.referrer_email or (referral.referred_by.email if referral.referred_by else "")
    if not to and referral.team is not None:
        to = referral.team.email
    if not to:
        return
    queue_mail(
        to,
        f"Referral {referral.reference}: {what}",
        f"Referral {referral.reference} {what}.\n\n{text}\n\nSign in to Community Navigator to see its status.",
    )


def _tell_team_leads(subject: str, text: str) -> None:
    from navigator.models import Role

    leads = db.session.scalars(select(User).where(User.active.is_(True), User.roles.any(Role.code == "team_lead")))
    for lead in leads:
        queue_mail(lead.email, subject, text + "\n\nSign in to Community Navigator to see it.")

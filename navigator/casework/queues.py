"""Queues, triage, allocation and caseloads (domain.md 1.3, 2.2-2.3, 2.9).

Team leads triage new referrals and allocate accepted ones; navigators see the
unallocated queue (only what they need to pick a case: area, need, language,
waiting time) and, where the service allows it, take referrals for themselves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import Field, RadioField, StringField, TextAreaField
from wtforms.validators import ValidationError

from navigator import clock
from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.extensions import db
from navigator.forms import choices
from navigator.lists import FilterSelect, ListForm, PageRequest, page_problem, page_requested
from navigator.models import (
    ContactAttempt,
    Referral,
    ReferralState,
    Screening,
    ScreeningOccasion,
    TaxonomyTerm,
    User,
    Vocabulary,
    Ward,
)
from navigator.models.referrals import AGREEMENT_LABELS
from navigator.screening import INSTRUMENTS
from navigator.services import referrals as service
from navigator.services.paging import Page
from navigator.services.referrals import ConcurrentChange, InvalidTransition, NotFound, ReferralError
from navigator.vocabularies import (
    AGREED_BY,
    BARRIERS,
    CLOSURE_REASONS,
    COMMUNICATION_NEEDS,
    NEEDS,
    REJECTION_REASONS,
    SUPPORT_NEEDED,
)
from navigator.working_days import working_days_between

S = ReferralState

RISK_FLAGS = (
    ("safeguarding_concern", "Safeguarding concern"),
    ("lone_working_risk", "Lone-working risk"),
    ("risk_to_self_or_others", "Risk to self or others"),
)
# The triage decisions: form value -> (state it moves the referral to, label).
DECISIONS = {
    "accept": (S.ACCEPTED, "Accept"),
    "reject": (S.REJECTED, "Do not accept"),
    "redirect": (S.REDIRECTED, "Redirect to another service"),
    "more_info": (S.MORE_INFO_REQUESTED, "Ask the referrer for more information"),
}
# The caseload page's groups, in the order a case moves through them.
CASELOAD_GROUPS = (S.ALLOCATED, S.CONTACTING, S.ENGAGED, S.IN_SUPPORT)


# -- what a row in a queue shows -------------------------------------------------


def risk_flags(referral: Referral) -> list[str]:
    return [label for attribute, label in RISK_FLAGS if getattr(referral, attribute)]


def waiting_days(referral: Referral) -> int:
    """Working days since the referral arrived (domain.md 2.9: weekends, bank holidays
    and the time after the day's cut-off do not count)."""
    return working_days_between(referral.submitted_at, clock.now())


def ward_names(referrals: list[Referral]) -> dict[str, str]:
    codes = {r.person.ward_code for r in referrals if r.person.ward_code}
    if not codes:
        return {}
    return {ward.code: ward.display_name for ward in db.session.scalars(select(Ward).where(Ward.code.in_(codes)))}


def language_names(referrals: list[Referral]) -> dict[str, str]:
    codes = {code for r in referrals for code in [*r.person.languages, r.person.interpreter_language] if code}
    if not codes:
        return {}
    terms = db.session.scalars(
        select(TaxonomyTerm).where(TaxonomyTerm.vocabulary == Vocabulary.LANGUAGE, TaxonomyTerm.code.in_(codes))
    )
    return {term.code: term.name for term in terms}


@dataclass
class QueueRow:
    referral: Referral
    waiting_days: int
    area: str
    needs: list[str]
    languages: list[str]
    interpreter: str
    flags: list[str]
    possible_duplicate: bool = False


def queue_rows(referrals: list[Referral], *, with_duplicates: bool = False) -> list[QueueRow]:
    wards = ward_names(referrals)
    languages = language_names(referrals)
    duplicated = service.with_possible_duplicates(referrals) if with_duplicates else set()
    rows = []
    for referral in referrals:
        person = referral.person
        interpreter = ""
        if person.interpreter_needed:
            language = languages.get(person.interpreter_language, person.interpreter_language)
            interpreter = f"Interpreter needed{f' ({language})' if language else ''}"
        rows.append(
            QueueRow(
                referral=referral,
                waiting_days=waiting_days(referral),
                area=wards.get(person.ward_code or "", "Area not known"),
                needs=[NEEDS.get(code, code) for code in referral.needs],
                languages=[languages.get(code, code) for code in person.languages],
                interpreter=interpreter,
                flags=risk_flags(referral),
                possible_duplicate=referral.id in duplicated,
            )
        )
    return rows


def _referral_or_404(referral_id: uuid.UUID, *, audit_view: bool) -> Referral:
    try:
        return service.get_referral(referral_id, current_user, audit_view=audit_view)
    except NotFound:
        abort(404)


def _posted_version() -> int:
    """The version of the referral the page was built from (optimistic locking)."""
    version = request.form.get("expected_version", type=int)
    if version is None:
        abort(400)
    return version


def _add_error(field: Field, message: str) -> None:
    field.errors = [*field.errors, message]


# -- triage ----------------------------------------------------------------------


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class QueueFilter(ListForm):
    source = FilterSelect("Source", noun="referral source", any_label="Any source")
    team = FilterSelect("Referring team", noun="referring team", any_label="Any team")
    ward = FilterSelect("Area", noun="area (ward)", any_label="Any area")

    def __init__(self, state: ReferralState, *, teams: bool = True, wards: bool = False) -> None:
        super().__init__()
        self.source.set_options(service.referral_sources())
        if teams:
            offered = service.referring_teams(with_referrals_in=state, including=_uuid_or_none(self.team.data))
            self.team.set_options((str(team_id), name) for team_id, name in offered)
        else:
            del self.team
        if wards:
            self.ward.set_options(service.wards())
        else:
            del self.ward

    def filters(self) -> service.ListFilters:
        team, ward = getattr(self, "team", None), getattr(self, "ward", None)
        return service.ListFilters(
            source_code=self.source.chosen,
            team_id=team.chosen_id if team else None,
            ward_code=ward.chosen if ward else None,
        )

    @property
    def filtered(self) -> bool:
        return any(field.data for field in self)


@bp.route("/triage")
@requires(Permission.TRIAGE)
def triage_queue() -> str:
    """New referrals waiting for a decision, urgent ones first, then oldest first, a page at
    a time and by source or team; then those waiting for the referrer's answer to a question,
    which the lead may close once it is overdue."""
    form = QueueFilter(S.SUBMITTED)
    asked, asked_answers = page_requested(), page_requested("answers_page")
    page = None
    if form.check():
        page = service.triage_queue(current_user, form.filters(), page=asked.number, size=asked.size)
    awaiting = service.awaiting_answers(current_user, page=asked_answers.number, size=asked_answers.size)
    return render_template(
        "casework/queues/triage.html",
        form=form,
        page=page,
        rows=queue_rows(page.items, with_duplicates=True) if page else [],
        page_message=page_problem(page, asked, "referrals waiting for triage") if page else None,
        awaiting=awaiting,
        awaiting_message=page_problem(awaiting, asked_answers, "referrals waiting for an answer"),
        answer_days=current_app.config["MORE_INFO_ANSWER_DAYS"],
    )


class TriageForm(FlaskForm):
    decision = RadioField("What is your decision?", invalid_choice_message="Choose what to do with this referral")
    accept_note = TextAreaField("Note for the referrer (optional)")
    reject_reason = RadioField(
        "Why is the referral not accepted?",
        choices=choices(REJECTION_REASONS.items()),
        validate_choice=False,
    )
    reject_note = TextAreaField("More detail for the referrer")
    redirect_service = StringField("Which service should the referral go to?")
    redirect_reason = TextAreaField("Why is that service better placed to help?")
    question = TextAreaField("Your question for the referrer")

    def validate(self, extra_validators: dict[str, list[object]] | None = None) -> bool:
        valid = super().validate(extra_validators)

        def required(field: Field, message: str) -> None:
            nonlocal valid
            if not (field.data or "").strip():
                _add_error(field, message)
                valid = False

        if self.decision.data == "reject":
            if self.reject_reason.data not in REJECTION_REASONS:
                _add_error(self.reject_reason, "Choose why the referral is not accepted")
                valid = False
            elif self.reject_reason.data == "other":
                required(self.reject_note, "Explain why the referral is not accepted")
        elif self.decision.data == "redirect":
            required(self.redirect_service, "Enter the service you are redirecting the referral to")
            required(self.redirect_reason, "Enter why the other service is better placed to help")
        elif self.decision.data == "more_info":
            required(self.question, "Enter your question for the referrer")
        return valid


def decisions_for(state: ReferralState) -> list[tuple[str, str]]:
    """The decisions the state machine allows from this state (domain.md 2.3)."""
    return [(value, label) for value, (to, label) in DECISIONS.items() if (state, to) in service.TRANSITIONS]


def _decide(referral: Referral, form: TriageForm, version: int) -> str:
    """Make the decision through the service; returns the message for the next page."""
    by, reference = current_user, referral.reference
    decision = form.decision.data
    if decision == "accept":
        note = (form.accept_note.data or "").strip()
        service.accept_referral(referral.id, by=by, note=note, expected_version=version)
        return f"Referral {reference} accepted. It is now in the unallocated queue"
    if decision == "reject":
        service.reject_referral(
            referral.id,
            by=by,
            reason=form.reject_reason.data or "",
            note=(form.reject_note.data or "").strip(),
            expected_version=version,
        )
        return f"Referral {reference} not accepted"
    if decision == "redirect":
        target = (form.redirect_service.data or "").strip()
        service.redirect_referral(
            referral.id,
            by=by,
            service=target,
            reason=(form.redirect_reason.data or "").strip(),
            expected_version=version,
        )
        return f"Referral {reference} redirected to {target}"
    service.request_more_information(
        referral.id, by=by, question=(form.question.data or "").strip(), expected_version=version
    )
    return f"Question sent to the referrer of {reference}"


# Where a service error about each decision is shown on the form.
DECISION_DETAIL_FIELD = {
    "accept": "accept_note",
    "reject": "reject_reason",
    "redirect": "redirect_service",
    "more_info": "question",
}


@bp.route("/referrals/<uuid:referral_id>/triage", methods=["GET", "POST"])
@requires(Permission.TRIAGE)
def triage(referral_id: uuid.UUID) -> str | Response:
    """Accept, reject, redirect, or ask the referrer a question."""
    referral = _referral_or_404(referral_id, audit_view=request.method == "GET")
    form = TriageForm()
    form.decision.choices = choices((value, label) for value, (_, label) in DECISIONS.items())
    version = referral.version
    if request.method == "POST":
        version = _posted_version()
        if form.validate_on_submit():
            try:
                message = _decide(referral, form, version)
            except (ConcurrentChange, InvalidTransition) as error:
                referral = _referral_or_404(referral_id, audit_view=False)
                version = referral.version  # they have now seen the current referral
                _add_error(form.decision, str(error))
            except ReferralError as error:
                referral = _referral_or_404(referral_id, audit_view=False)
                _add_error(form[DECISION_DETAIL_FIELD[form.decision.data or "accept"]], str(error))
            else:
                flash(message)
                return redirect(url_for("casework.triage_queue"))
    form.decision.choices = choices(decisions_for(referral.state))
    if referral.state is not S.MORE_INFO_REQUESTED:  # "no answer" needs a question asked
        form.reject_reason.choices = choices(
            (code, label) for code, label in REJECTION_REASONS.items() if code != service.NO_ANSWER
        )
    return render_template(
        "casework/triage.html",
        referral=referral,
        form=form,
        expected_version=version,
        details=triage_details(referral),
        duplicates=service.possible_duplicates(referral),
        waiting_days=waiting_days(referral),
        question=service.awaiting_answer(referral) if referral.state is S.MORE_INFO_REQUESTED else None,
        answer_days=current_app.config["MORE_INFO_ANSWER_DAYS"],
        today=clock.today(),
    )


@dataclass
class TriageDetails:
    flags: list[str]
    area: str
    languages: list[str]
    interpreter: str
    needs: list[str]
    barriers: list[str]
    support_needed: list[str]
    communication_needs: list[str]
    agreement: str
    agreed_by: str
    screenings: list[tuple[str, bool]] = field(default_factory=list)


def triage_details(referral: Referral) -> TriageDetails:
    row = queue_rows([referral])[0]
    screenings = db.session.scalars(
        select(Screening)
        .where(Screening.referral_id == referral.id, Screening.occasion == ScreeningOccasion.BASELINE)
        .order_by(Screening.recorded_at)
    )
    return TriageDetails(
        flags=row.flags,
        area=row.area,
        languages=row.languages,
        interpreter=row.interpreter,
        needs=row.needs,
        barriers=[BARRIERS.get(code, code) for code in referral.barriers],
        support_needed=[SUPPORT_NEEDED.get(code, code) for code in referral.support_needed],
        communication_needs=[COMMUNICATION_NEEDS.get(code, code) for code in referral.person.communication_needs],
        agreement=AGREEMENT_LABELS[referral.agreement],
        agreed_by=AGREED_BY.get(referral.agreed_by, referral.agreed_by),
        screenings=[
            (INSTRUMENTS[s.instrument_code].name if s.instrument_code in INSTRUMENTS else s.instrument_code, s.complete)
            for s in screenings
        ],
    )


# -- the unallocated queue and allocation ----------------------------------------------


def can_self_allocate(user: User) -> bool:
    return bool(current_app.config["NAVIGATOR_SELF_ALLOCATION"]) and user.can(Permission.SELF_ALLOCATE)


@bp.route("/unallocated")
@requires(Permission.VIEW_QUEUE)
def unallocated() -> str:
    """Accepted referrals waiting for a navigator, longest waiting first, a page at a time and
    by source, area or (for team leads) team. Navigators see only what they need to pick one
    (domain.md 1.3 rule 2); team leads also see names."""
    user = current_user
    show_names = user.can(Permission.VIEW_ALL_REFERRALS)
    form = QueueFilter(S.ACCEPTED, teams=show_names, wards=True)
    asked = page_requested()
    page = None
    if form.check():
        page = service.unallocated_queue(user, form.filters(), page=asked.number, size=asked.size)
    own_load = None
    if not user.can(Permission.ALLOCATE) and user.can(Permission.VIEW_CASELOAD):
        own_load = (service.open_case_count(user.id), service.caseload_cap(user))
    return render_template(
        "casework/queues/unallocated.html",
        form=form,
        page=page,
        rows=queue_rows(page.items) if page else [],
        page_message=page_problem(page, asked, "referrals waiting for a navigator") if page else None,
        show_names=show_names,
        can_allocate=user.can(Permission.ALLOCATE),
        can_take=not user.can(Permission.ALLOCATE) and can_self_allocate(user),
        own_load=own_load,
    )


def _no_longer_in_the_queue() -> tuple[str, int]:
    """What a navigator sees when the referral they tried to take has gone, most often to
    another navigator a moment before. The same page for any id, so nothing leaks about
    referrals this navigator may not see."""
    return render_template("casework/allocate_gone.html"), 404


def _referral_if_visible(referral_id: uuid.UUID) -> Referral | None:
    try:
        return service.get_referral(referral_id, current_user, audit_view=False)
    except NotFound:
        return None


class AllocateForm(FlaskForm):
    navigator_id = RadioField(
        "Who should work with this person?", validate_choice=False, invalid_choice_message="Choose a navigator"
    )
    reason = TextAreaField("Why are you re-allocating this referral?")

    def validate_navigator_id(self, field: Field) -> None:
        try:
            uuid.UUID(field.data or "")
        except ValueError as error:
            raise ValidationError("Choose a navigator") from error


@dataclass
class NavigatorChoice:
    user: User
    open_cases: int
    cap: int

    @property
    def full(self) -> bool:
        return self.open_cases >= self.cap


class NavigatorFilter(ListForm):
    team = FilterSelect("Team", noun="navigation team", any_label="All teams")

    def __init__(self) -> None:
        super().__init__()
        self.teams = service.navigator_teams()
        self.team.set_options((str(team.id), team.name) for team in self.teams)

    @property
    def shown(self) -> bool:
        """Worth showing: there are several teams, or something to say about the one typed."""
        return len(self.teams) > 1 or bool(self.team.errors)


def navigator_loads(form: NavigatorFilter, asked: PageRequest) -> Page[service.NavigatorLoad] | None:
    """One page of navigators with their open cases (the viewer's own team first), or None
    when the filter needs correcting."""
    if not form.check():
        return None
    return service.caseloads(viewer=current_user, team_id=form.team.chosen_id, page=asked.number, size=asked.size)


@bp.route("/referrals/<uuid:referral_id>/allocate", methods=["GET", "POST"])
@requires(Permission.ALLOCATE, Permission.SELF_ALLOCATE)
def allocate(referral_id: uuid.UUID) -> str | Response | tuple[str, int]:
    """Team leads give a referral to a navigator (or re-allocate it, with a reason);
    navigators take one from the queue for themselves, where the service allows it."""
    user = current_user
    lead = user.can(Permission.ALLOCATE)
    if not lead and not can_self_allocate(user):
        abort(404)
    try:
        referral: Referral | None = service.get_referral(referral_id, user, audit_view=request.method == "GET")
    except NotFound:
        referral = None
    if referral is None or (not lead and referral.state is not S.ACCEPTED):
        if request.method == "POST" and not lead:
            return _no_longer_in_the_queue()
        abort(404)

    form = AllocateForm()
    version = referral.version
    if request.method == "POST":
        version = _posted_version()
        if form.validate_on_submit():
            navigator_id = uuid.UUID(form.navigator_id.data)
            reason = (form.reason.data or "").strip()
            try:
                allocated = service.allocate_referral(
                    referral.id, navigator_id, by=user, expected_version=version, reason=reason
                )
            except NotFound:
                # Taken by someone else after this page looked it up: it left the queue.
                return _no_longer_in_the_queue() if not lead else abort(404)
            except ConcurrentChange as error:
                current = _referral_if_visible(referral_id)
                if current is None or (not lead and current.state is not S.ACCEPTED):
                    return _no_longer_in_the_queue()
                referral = current
                version = referral.version  # the page now shows the referral as it is
                holder = f" It is now allocated to {referral.navigator.name}." if referral.navigator else ""
                _add_error(form.navigator_id, f"{error}.{holder}")
            except ReferralError as error:
                current = _referral_if_visible(referral_id)
                if current is None:
                    return _no_longer_in_the_queue() if not lead else abort(404)
                referral = current
                needs_reason = referral.state is S.ALLOCATED and not reason
                _add_error(form.reason if needs_reason else form.navigator_id, str(error))
            else:
                name = allocated.navigator.name if allocated.navigator else ""
                flash(
                    f"You have taken referral {allocated.reference}. It is in your caseload"
                    if allocated.navigator_id == user.id
                    else f"Referral {allocated.reference} allocated to {name}"
                )
                return redirect(url_for("casework.unallocated"))

    team_filter, asked = NavigatorFilter(), page_requested()
    loads = navigator_loads(team_filter, asked) if lead else None
    navigators = [
        NavigatorChoice(load.user, load.total, service.caseload_cap(load.user))
        for load in (loads.items if loads else [])
    ]
    form.navigator_id.choices = choices((str(n.user.id), n.user.name) for n in navigators)
    return render_template(
        "casework/allocate.html",
        referral=referral,
        form=form,
        expected_version=version,
        lead=lead,
        navigators=navigators,
        team_filter=team_filter,
        navigator_page=loads,
        page_message=page_problem(loads, asked, "navigators") if loads else None,
        row_data=queue_rows([referral])[0],
        allocatable=referral.state in (S.ACCEPTED, S.ALLOCATED),
    )


# -- caseloads ---------------------------------------------------------------------


@dataclass
class CaseRow:
    referral: Referral
    flags: list[str]
    last_contact: datetime | None
    contact_overdue: bool
    review_due: bool
    follow_up_due: bool = False


def last_contacts(referral_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    if not referral_ids:
        return {}
    rows = db.session.execute(
        select(ContactAttempt.referral_id, func.max(ContactAttempt.at))
        .where(ContactAttempt.referral_id.in_(referral_ids))
        .group_by(ContactAttempt.referral_id)
    ).all()
    return {referral_id: at for referral_id, at in rows}


def contact_overdue(referral: Referral, last_contact: datetime | None) -> bool:
    """Allocated or being contacted, with no attempt for more than CONTACT_OVERDUE_WORKING_DAYS
    working days since allocation or the last attempt, whichever is later (local convention,
    matching the 5-working-day target from acceptance to first attempt, domain.md 2.9)."""
    if referral.state not in (S.ALLOCATED, S.CONTACTING):
        return False
    since = max((moment for moment in (referral.allocated_at, last_contact) if moment is not None), default=None)
    if since is None:
        return False
    limit = int(current_app.config.get("CONTACT_OVERDUE_WORKING_DAYS", 5))
    return working_days_between(since, clock.now()) > limit


@bp.route("/caseload")
@requires(Permission.VIEW_CASELOAD)
def my_caseload() -> str:
    """The navigator's open cases by stage, with what needs doing."""
    referrals = service.caseload(current_user)
    contacts = last_contacts([r.id for r in referrals])
    today = clock.today()
    groups: dict[ReferralState, list[CaseRow]] = {state: [] for state in CASELOAD_GROUPS}
    for referral in referrals:
        last = contacts.get(referral.id)
        groups.setdefault(referral.state, []).append(
            CaseRow(
                referral=referral,
                flags=risk_flags(referral),
                last_contact=last,
                contact_overdue=contact_overdue(referral, last),
                review_due=referral.next_review_due is not None and referral.next_review_due <= today,
                follow_up_due=service.follow_up_window_open(referral, today),
            )
        )
    return render_template(
        "casework/queues/caseload.html",
        groups=groups,
        total=len(referrals),
        cap=service.caseload_cap(current_user),
    )


@bp.route("/caseloads")
@requires(Permission.ALLOCATE)
def all_caseloads() -> str:
    """Each navigator's open cases by stage, for team leads allocating work: their own
    team's navigators first, a page at a time, by team where there are several."""
    form, asked = NavigatorFilter(), page_requested()
    loads = navigator_loads(form, asked)
    return render_template(
        "casework/queues/all_caseloads.html",
        form=form,
        page=loads,
        caps={load.user.id: service.caseload_cap(load.user) for load in (loads.items if loads else [])},
        page_message=page_problem(loads, asked, "navigators") if loads else None,
        states=CASELOAD_GROUPS,
    )


@bp.route("/follow-ups")
@requires(Permission.WORK_CASES)
def follow_ups() -> str:
    """Closed cases whose follow-up screen is due and not yet recorded, a page at a time."""
    asked = page_requested()
    page = service.due_for_follow_up(current_user, page=asked.number, size=asked.size)
    return render_template(
        "casework/queues/follow_ups.html",
        page=page,
        page_message=page_problem(page, asked, "follow-ups"),
        closure_reasons=CLOSURE_REASONS,
        today=clock.today(),
    )

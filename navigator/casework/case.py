"""The case page and everything a navigator records on it.

Every action is a small form that calls one function in navigator.services.referrals.
What the service refuses (ReferralError and its kinds) is shown as an error message on
the form, with everything typed kept; a record the user may not know about is a 404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NoReturn, cast

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from navigator import clock
from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.forms import (
    CHANNEL_LABELS,
    CONNECTION_STATUS_HINTS,
    CONNECTION_STATUS_LABELS,
    GOAL_STATUS_LABELS,
    MODE_LABELS,
    OCCASION_LABELS,
    OUTCOME_LABELS,
    CaseNoteForm,
    ClosureForm,
    ConnectionForm,
    ContactAttemptForm,
    GoalForm,
    GoalStatusForm,
    ReviewForm,
    SafeguardingForm,
    StartSupportForm,
    SuggestConnectionForm,
    closure_reason_choices,
    connection_status_choices,
    item_field,
    screening_answers,
    screening_form,
)
from navigator.extensions import db
from navigator.models import (
    CaseNote,
    Connection,
    ConnectionStatus,
    ContactChannel,
    ContactOutcome,
    Goal,
    GoalStatus,
    Listing,
    Referral,
    ReferralState,
    Screening,
    ScreeningOccasion,
    TaxonomyTerm,
    User,
    Vocabulary,
)
from navigator.models.geo import Ward
from navigator.models.referrals import AGREEMENT_LABELS
from navigator.screening import (
    DECLINED,
    DECLINED_LABEL,
    AdministrationMode,
    Instrument,
    UnknownInstrument,
    get_instrument,
    optional_instruments_for,
)
from navigator.services import referrals
from navigator.vocabularies import (
    AGREED_BY,
    BARRIERS,
    CLOSURE_REASONS,
    COMMUNICATION_NEEDS,
    CONTACT_METHODS,
    FOLLOW_UP_NOT_OBTAINED,
    NEEDS,
    STOPPED_REASONS,
    SUPPORT_NEEDED,
)

S = ReferralState
CONNECTABLE_STATES = (S.ENGAGED, S.IN_SUPPORT)
# Directory accessibility filters that follow from what the referral says about the person.
ACCESS_FOR_COMMUNICATION_NEED = {
    "bsl": "bsl",
    "hearing_loop": "hearing-loop",
    "easy_read": "easy-read",
    "large_print": "easy-read",
}
ACCESS_FOR_BARRIER = {"mobility": "step-free"}
FIND_ACTIVITIES_WITHIN_MILES = 2


def _user() -> User:
    return cast(User, current_user._get_current_object())


def _not_found() -> NoReturn:
    abort(404)


def _visible(referral_id: uuid.UUID) -> Referral:
    try:
        return referrals.get_referral(referral_id, _user(), audit_view=False)
    except referrals.NotFound:
        _not_found()


def _workable(referral_id: uuid.UUID) -> Referral:
    """A case this user may work: their own, or any for a team lead. 404 otherwise."""
    referral = _visible(referral_id)
    if not referrals.can_work_case(_user(), referral):
        _not_found()
    return referral


def _refused(error: referrals.ReferralError) -> str:
    """Undo anything the refused action left in the session; the message to show."""
    db.session.rollback()
    return str(error)


# How coded values read on every case page.
LABELS: dict[str, Any] = {
    "channel_labels": CHANNEL_LABELS,
    "outcome_labels": OUTCOME_LABELS,
    "goal_status_labels": GOAL_STATUS_LABELS,
    "connection_status_labels": CONNECTION_STATUS_LABELS,
    "occasion_labels": OCCASION_LABELS,
    "mode_labels": MODE_LABELS,
    "agreed_by_labels": AGREED_BY,
    "closure_reasons": CLOSURE_REASONS,
    "follow_up_not_obtained": FOLLOW_UP_NOT_OBTAINED,
    "stopped_reasons": STOPPED_REASONS,
}


def _render(template: str, **context: Any) -> str:
    return render_template(f"casework/case/{template}", **LABELS, **context)


# -- the case page ------------------------------------------------------------------


@dataclass
class ScreeningRow:
    """One screen as the case page shows it: score and band, or the answer for
    categorical questions, and every item's answer."""

    screening: Screening
    name: str
    score: str
    band: str
    answers: list[tuple[str, str]] = field(default_factory=list)


def _screening_row(screening: Screening) -> ScreeningRow:
    try:
        instrument: Instrument | None = get_instrument(screening.instrument_code)
    except UnknownInstrument:
        instrument = None
    if instrument is None:
        return ScreeningRow(screening, screening.instrument_code, _number(screening.score), screening.band or "")
    answers = []
    labels = {}
    for item in instrument.items:
        value = screening.answers.get(item.code)
        if value is None:
            label = "No answer"
        elif value == DECLINED:
            label = DECLINED_LABEL
        else:
            option = item.option(value)
            label = option.label if option else value
        answers.append((item.text, label))
        labels[item.code] = label
    details = screening.details or {}
    subscores = details.get("subscores") or {}
    subscore_bands = details.get("subscore_bands") or {}
    score, band = _number(screening.score), screening.band or ""
    if screening.score is None and subscores:
        # ONS4: each item is its own measure, never summed.
        score = "; ".join(f"{_words(code)} {_number(value)}" for code, value in subscores.items())
        band = "; ".join(f"{_words(code)} {subscore_bands.get(code) or '–'}" for code in subscores)
    elif subscores:
        parts = [
            f"{_words(code)} {_number(value)}" + (f" ({subscore_bands[code]})" if subscore_bands.get(code) else "")
            for code, value in subscores.items()
        ]
        band = "; ".join(part for part in [band, *parts] if part)
    elif screening.score is None and details.get("categories"):
        score = "; ".join(labels[code] for code in details["categories"] if code in labels)
        if details.get("chronic_loneliness"):
            band = "Often/always (chronic loneliness)"
    return ScreeningRow(screening, instrument.name, score, band, answers)


def _number(value: object) -> str:
    return "–" if value is None else str(value)


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _term_names(vocabulary: Vocabulary, codes: list[str]) -> list[str]:
    rows = db.session.execute(
        select(TaxonomyTerm.code, TaxonomyTerm.name).where(
            TaxonomyTerm.vocabulary == vocabulary, TaxonomyTerm.code.in_(codes)
        )
    )
    names = {code: name for code, name in rows}
    return [names.get(code, code) for code in codes]


def _language_name(code: str) -> str:
    return _term_names(Vocabulary.LANGUAGE, [code])[0] if code else ""


def find_activities_url(referral: Referral) -> str:
    """The public directory search, set up for this person: near them, in their languages,
    with the access they need and for the groups they belong to."""
    person = referral.person
    access = [
        ACCESS_FOR_COMMUNICATION_NEED[n] for n in person.communication_needs if n in ACCESS_FOR_COMMUNICATION_NEED
    ]
    access += [ACCESS_FOR_BARRIER[b] for b in referral.barriers if b in ACCESS_FOR_BARRIER]
    args: dict[str, Any] = {"for_case": str(referral.id)}
    if person.postcode:
        args.update(postcode=person.postcode, within=FIND_ACTIVITIES_WITHIN_MILES)
    if person.languages:
        args["language"] = list(person.languages)
    if access:
        args["access"] = list(dict.fromkeys(access))
    if referral.target_groups:
        args["group"] = list(referral.target_groups)
    return url_for("directory.search", **args)


@dataclass
class Action:
    text: str
    href: str
    post: bool = False
    primary: bool = False


def _next_actions(referral: Referral, *, baseline_done: bool) -> list[Action]:
    """What can be done next in this state (domain.md 2.3)."""
    rid = referral.id
    state = referral.state
    actions = []
    if state in (S.ALLOCATED, S.CONTACTING):
        actions.append(Action("Log a contact attempt", url_for("casework.log_contact", referral_id=rid), primary=True))
    if state is S.ENGAGED:
        actions.append(
            Action(
                "Start support", url_for("casework.start_support", referral_id=rid), post=True, primary=baseline_done
            )
        )
    if state in CONNECTABLE_STATES:
        actions.append(Action("Add a goal", url_for("casework.new_goal", referral_id=rid)))
        actions.append(Action("Find activities", find_activities_url(referral)))
    if state is S.IN_SUPPORT:
        actions.append(Action("Record a review", url_for("casework.new_review", referral_id=rid)))
    if state in referrals.CLOSURE_REASONS_FROM:
        actions.append(Action("Close the case", url_for("casework.close", referral_id=rid)))
    if state is S.SUBMITTED and _user().can(Permission.TRIAGE):
        actions.append(Action("Go to triage", url_for("casework.triage_queue")))
    if state is S.ACCEPTED:
        actions.append(Action("Go to the unallocated queue", url_for("casework.unallocated")))
    return actions


def _render_case(referral: Referral, errors: list[str] | None = None) -> tuple[str, int]:
    user = _user()
    can_work = referrals.can_work_case(user, referral)
    rows = [_screening_row(s) for s in referrals.screenings_for(referral, user)]
    baseline_done = referrals.has_complete_baseline(referral)
    person = referral.person
    age = person.age_on(clock.today())
    easy_read = "easy_read" in person.communication_needs
    at_baseline = {
        row.screening.instrument_code
        for row in rows
        if row.screening.occasion is ScreeningOccasion.BASELINE and row.screening.complete
    }
    baseline_set = referrals.baseline_instruments(referral)
    taken_at_baseline = [code for code in baseline_set if code in at_baseline] + sorted(at_baseline - set(baseline_set))
    notes_by_id = {note.id: note for note in referral.notes}
    corrections: dict[uuid.UUID, list[CaseNote]] = {}
    for note in referral.notes:
        if note.corrects_id is not None:
            corrections.setdefault(note.corrects_id, []).append(note)
    status_forms = {}
    for goal in referral.goals:
        status_form = goal_status_form(goal, formdata=None)
        status_form.status.data = goal.status.value
        status_forms[goal.id] = status_form
    ward = db.session.get(Ward, person.ward_code) if person.ward_code else None
    page = _render(
        "case.html",
        referral=referral,
        person=person,
        age=age,
        ward=ward,
        can_work=can_work,
        errors=errors or [],
        actions=_next_actions(referral, baseline_done=baseline_done) if can_work else [],
        caseload_url=url_for("casework.my_caseload") if user.can(Permission.VIEW_CASELOAD) else None,
        screenings=rows,
        baseline_done=baseline_done,
        baseline_missing=[get_instrument(code) for code in baseline_set if code not in at_baseline],
        optional_instruments=[
            get_instrument(code) for code in optional_instruments_for(age, easy_read) if code not in at_baseline
        ],
        repeat_instruments=[get_instrument(code) for code in (taken_at_baseline or baseline_set)],
        counted_failures=referrals.counted_failed_attempts(referral),
        attempts_limit=current_app.config["UNABLE_TO_CONTACT_ATTEMPTS"],
        languages=_term_names(Vocabulary.LANGUAGE, person.languages),
        interpreter_language=_language_name(person.interpreter_language),
        target_groups=_term_names(Vocabulary.TARGET_GROUP, referral.target_groups),
        needs_labels=NEEDS,
        barrier_labels=BARRIERS,
        support_labels=SUPPORT_NEEDED,
        communication_labels=COMMUNICATION_NEEDS,
        contact_method_labels=CONTACT_METHODS,
        agreement_labels=AGREEMENT_LABELS,
        notes_by_id=notes_by_id,
        corrections=corrections,
        status_forms=status_forms,
        find_activities_url=find_activities_url(referral),
        can_export=user.can(Permission.EXPORT_PERSONAL_DATA),
    )
    return page, 400 if errors else 200


@bp.route("/cases/<uuid:referral_id>")
@requires(Permission.WORK_CASES, Permission.VIEW_ALL_REFERRALS)
def case(referral_id: uuid.UUID) -> tuple[str, int]:
    user = _user()
    referral = _visible(referral_id)
    if not (referrals.can_work_case(user, referral) or user.can(Permission.VIEW_ALL_REFERRALS)):
        _not_found()
    # Fetched again to record the read, now that this user may see the whole case.
    referral = referrals.get_referral(referral_id, user)
    return _render_case(referral)


def _to_case(referral_id: uuid.UUID, message: str) -> Response:
    flash(message)
    return redirect(url_for("casework.case", referral_id=referral_id))


# -- contact ------------------------------------------------------------------------


@bp.route("/cases/<uuid:referral_id>/contacts/new", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def log_contact(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    form = ContactAttemptForm()
    if not form.is_submitted():
        now = clock.now().astimezone(clock.LONDON)
        form.day.process(None, now.date())
        form.at_time.data = f"{now:%H:%M}"
        form.interpreter_used.data = referral.person.interpreter_needed
    if form.validate_on_submit():
        outcome = ContactOutcome(form.outcome.data)
        try:
            referrals.log_contact_attempt(
                referral.id,
                by=_user(),
                at=form.attempted_at(),
                channel=ContactChannel(form.channel.data),
                outcome=outcome,
                note=(form.note.data or "").strip(),
                interpreter_used=bool(form.interpreter_used.data),
                person_agrees=bool(form.person_agrees.data),
            )
        except referrals.ReferralError as error:
            form.outcome.errors = [_refused(error)]
        else:
            return _to_case(referral.id, _contact_message(referral, outcome))
    return _render(
        "contact.html",
        form=form,
        referral=referral,
        counted_failures=referrals.counted_failed_attempts(referral),
        attempts_limit=current_app.config["UNABLE_TO_CONTACT_ATTEMPTS"],
        interpreter_language=_language_name(referral.person.interpreter_language),
    )


def _contact_message(referral: Referral, outcome: ContactOutcome) -> str:
    if referral.state is S.ENGAGED:
        return f"{referral.person.full_name} agreed to work with a navigator. Record the baseline loneliness screen"
    if referral.state is S.CLOSED and referral.closure_reason == "unable_to_contact":
        return "Contact attempt logged. The case is closed as unable to contact and the referrer has been told"
    if referral.state is S.CLOSED:
        return "The person declined the service. The case is closed and the referrer has been told"
    return f"Contact attempt logged: {OUTCOME_LABELS[outcome].lower()}"


# -- screening ----------------------------------------------------------------------


@bp.route("/cases/<uuid:referral_id>/screenings/new", methods=["GET", "POST"])
@requires(Permission.RECORD_SCREENING)
def record_screening(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    try:
        instrument = get_instrument(request.args.get("instrument", ""))
        occasion = ScreeningOccasion(request.args.get("occasion") or ScreeningOccasion.BASELINE.value)
    except (UnknownInstrument, ValueError):
        _not_found()
    person = referral.person
    form = screening_form(instrument, AdministrationMode.VIA_INTERPRETER if person.interpreter_needed else None)
    if form.validate_on_submit():
        answers = screening_answers(form, instrument)
        first_item = item_field(form, instrument.items[0].code)
        if not answers:
            first_item.errors = ["Answer at least one question, or choose “Prefer not to say”"]
        else:
            try:
                screening = referrals.record_screening(
                    referral.id,
                    by=_user(),
                    instrument_code=instrument.code,
                    answers=answers,
                    occasion=occasion,
                    mode=AdministrationMode(form.mode.data),
                    answered_by=form.answered_by.data or "person",
                )
            except referrals.ReferralError as error:
                first_item.errors = [_refused(error)]
            else:
                message = f"{instrument.name} recorded ({OCCASION_LABELS[occasion].lower()})"
                if not screening.complete:
                    message += ". Some questions have no answer, so it is incomplete"
                return _to_case(referral.id, message)
    return _render(
        "screening.html",
        form=form,
        referral=referral,
        instrument=instrument,
        occasion=occasion,
        item_field=item_field,
    )


@bp.route("/cases/<uuid:referral_id>/start-support", methods=["POST"])
@requires(Permission.WORK_CASES)
def start_support(referral_id: uuid.UUID) -> Response | tuple[str, int]:
    referral = _workable(referral_id)
    form = StartSupportForm()
    if not form.validate_on_submit():
        return _render_case(referral, ["The form expired. Try again"])
    try:
        referrals.start_support(referral.id, by=_user())
    except referrals.ReferralError as error:
        return _render_case(referral, [_refused(error)])
    return _to_case(referral.id, "Support started. Agree goals with the person and find activities")


# -- the plan -----------------------------------------------------------------------


@bp.route("/cases/<uuid:referral_id>/goals/new")
@requires(Permission.WORK_CASES)
def new_goal(referral_id: uuid.UUID) -> str:
    return _render("goal.html", form=GoalForm(), referral=_workable(referral_id))


@bp.route("/cases/<uuid:referral_id>/goals", methods=["POST"])
@requires(Permission.WORK_CASES)
def add_goal(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    form = GoalForm()
    if form.validate_on_submit():
        try:
            referrals.add_goal(referral.id, by=_user(), text=form.text.data or "", target_date=form.target_date.data)
        except referrals.ReferralError as error:
            form.text.errors = [_refused(error)]
        else:
            return _to_case(referral.id, "Goal added to the plan")
    return _render("goal.html", form=form, referral=referral)


def goal_status_form(goal: Goal, **kwargs: Any) -> GoalStatusForm:
    """The case page shows one of these per goal: prefixed, so every radio's id is unique."""
    form = GoalStatusForm(prefix=f"goal-{goal.id}", **kwargs)
    form.status.label.text = f"Status of “{goal.text}”"
    return form


def _goal(goal_id: uuid.UUID) -> tuple[Goal, Referral]:
    goal = db.session.get(Goal, goal_id)
    if goal is None:
        _not_found()
    return goal, _workable(goal.referral_id)


@bp.route("/goals/<uuid:goal_id>/status", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def goal_status(goal_id: uuid.UUID) -> str | Response:
    goal, referral = _goal(goal_id)
    form = goal_status_form(goal)
    if not form.is_submitted():
        form.status.data = goal.status.value
    if form.validate_on_submit():
        status = GoalStatus(form.status.data)
        try:
            referrals.update_goal(goal.id, by=_user(), status=status)
        except referrals.ReferralError as error:
            form.status.errors = [_refused(error)]
        else:
            return _to_case(referral.id, f"Goal marked as {GOAL_STATUS_LABELS[status].lower()}")
    return _render("goal_status.html", form=form, goal=goal, referral=referral)


# -- connections --------------------------------------------------------------------


@bp.route("/cases/<uuid:referral_id>/connections", methods=["POST"])
@requires(Permission.WORK_CASES)
def suggest_connection(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    form = SuggestConnectionForm()
    listing = _listing(form.listing_id.data)
    if form.validate_on_submit():
        if listing is None:
            form.listing_id.errors = ["Choose an activity that is in the directory"]
        else:
            try:
                referrals.suggest_connection(
                    referral.id, by=_user(), listing_id=listing.id, note=(form.note.data or "").strip()
                )
            except referrals.ReferralError as error:
                form.listing_id.errors = [_refused(error)]
            else:
                return _to_case(referral.id, f"{listing.name} suggested for {referral.reference}")
    return _render(
        "suggest.html",
        form=form,
        referral=referral,
        listing=listing,
        search_url=find_activities_url(referral),
    )


def _listing(raw: str | None) -> Listing | None:
    try:
        listing_id = uuid.UUID(raw or "")
    except ValueError:
        return None
    listing = db.session.get(Listing, listing_id)
    return listing if listing is not None and listing.is_public else None


@bp.route("/connections/<uuid:connection_id>", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def update_connection(connection_id: uuid.UUID) -> str | Response:
    connection = db.session.get(Connection, connection_id)
    if connection is None:
        _not_found()
    referral = _workable(connection.referral_id)
    form = ConnectionForm()
    form.status.choices = connection_status_choices(referrals.CONNECTION_MOVES[connection.status])
    if not form.is_submitted():
        form.details_shared_agreed.data = connection.details_shared_agreed
    if form.validate_on_submit():
        try:
            status = ConnectionStatus(form.status.data)
        except ValueError:
            form.status.errors = ["Choose the new status"]
        else:
            try:
                referrals.update_connection(
                    connection.id,
                    by=_user(),
                    status=status,
                    details_shared_agreed=bool(form.details_shared_agreed.data),
                    buddy_went=bool(form.buddy_went.data),
                    other_support=(form.other_support.data or "").strip(),
                    stopped_reason=form.stopped_reason.data or "",
                    note=(form.note.data or "").strip(),
                )
            except referrals.ReferralError as error:
                message = _refused(error)
                # Show the message next to the answer it is about.
                target = form.stopped_reason if status is ConnectionStatus.STOPPED and "stopped" in message else None
                if status is ConnectionStatus.CONTACTED and "agreed" in message:
                    target = form.details_shared_agreed
                (target or form.status).errors = [message]
            else:
                name = connection.listing.name
                return _to_case(referral.id, f"{name}: {CONNECTION_STATUS_LABELS[status].lower()}")
    return _render(
        "connection.html",
        form=form,
        connection=connection,
        referral=referral,
        status_hint=". ".join(
            f"{CONNECTION_STATUS_LABELS[s]}: {CONNECTION_STATUS_HINTS[s].lower()}"
            for s in ConnectionStatus
            if s in referrals.CONNECTION_MOVES[connection.status] and s in CONNECTION_STATUS_HINTS
        ),
    )


# -- reviews and notes --------------------------------------------------------------


@bp.route("/cases/<uuid:referral_id>/reviews/new", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def new_review(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    form = ReviewForm()
    if not form.is_submitted():
        due = clock.today() + timedelta(days=current_app.config["REVIEW_INTERVAL_DAYS"])
        form.next_review_due.process(None, due)
    if form.validate_on_submit():
        try:
            referrals.record_review(
                referral.id, by=_user(), progress=form.progress.data or "", next_review_due=form.next_review_due.data
            )
        except referrals.ReferralError as error:
            form.progress.errors = [_refused(error)]
        else:
            return _to_case(referral.id, "Review recorded")
    return _render(
        "review.html",
        form=form,
        referral=referral,
        review_screens=[get_instrument(code) for code in referrals.baseline_instruments(referral)],
    )


def _note_being_corrected(referral: Referral, raw: str | None) -> CaseNote | None:
    if not raw:
        return None
    try:
        note_id = uuid.UUID(raw)
    except ValueError:
        _not_found()
    note = next((note for note in referral.notes if note.id == note_id), None)
    if note is None:
        _not_found()
    return note


@bp.route("/cases/<uuid:referral_id>/notes/new")
@requires(Permission.WORK_CASES)
def new_note(referral_id: uuid.UUID) -> str:
    referral = _workable(referral_id)
    corrected = _note_being_corrected(referral, request.args.get("corrects"))
    form = CaseNoteForm()
    form.corrects_id.data = str(corrected.id) if corrected else ""
    return _render("note.html", form=form, referral=referral, corrected=corrected)


@bp.route("/cases/<uuid:referral_id>/notes", methods=["POST"])
@requires(Permission.WORK_CASES)
def add_note(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    form = CaseNoteForm()
    corrected = _note_being_corrected(referral, form.corrects_id.data)
    if form.validate_on_submit():
        try:
            referrals.add_case_note(
                referral.id, by=_user(), text=form.text.data or "", corrects_id=corrected.id if corrected else None
            )
        except referrals.ReferralError as error:
            form.text.errors = [_refused(error)]
        else:
            return _to_case(referral.id, "Correction added" if corrected else "Note added")
    return _render("note.html", form=form, referral=referral, corrected=corrected)


# -- closure and safeguarding -------------------------------------------------------


@bp.route("/cases/<uuid:referral_id>/close", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def close(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    form = ClosureForm()
    form.reason.choices = closure_reason_choices(referrals.CLOSURE_REASONS_FROM.get(referral.state, frozenset()))
    if not form.is_submitted():
        form.expected_version.data = str(referral.version)
    if form.validate_on_submit():
        try:
            referrals.close_referral(
                referral.id,
                by=_user(),
                reason=form.reason.data or "",
                summary=(form.summary.data or "").strip(),
                follow_up_due=form.follow_up_due.data,
                follow_up_not_obtained_reason=form.follow_up_not_obtained_reason.data or "",
                expected_version=form.version(),
            )
        except referrals.ReferralError as error:
            message = _refused(error)
            # Show the message next to the answer it is about.
            target = form.follow_up_not_obtained_reason if "follow-up" in message else form.reason
            target.errors = [message]
            if isinstance(error, referrals.ConcurrentChange):
                form.expected_version.data = str(referral.version)
        else:
            return _to_case(referral.id, "Case closed. The referrer has been sent the closure summary")
    closure_screens = [
        _screening_row(s)
        for s in referrals.screenings_for(referral, _user())
        if s.occasion is ScreeningOccasion.CLOSURE
    ]
    return _render(
        "close.html",
        form=form,
        referral=referral,
        closure_screens=closure_screens,
        closure_instruments=[get_instrument(code) for code in referrals.baseline_instruments(referral)],
    )


def _after_safeguarding(referral: Referral) -> str:
    user = _user()
    if referrals.can_work_case(user, referral) or user.can(Permission.VIEW_ALL_REFERRALS):
        return url_for("casework.case", referral_id=referral.id)
    return url_for("staff.dashboard")


@bp.route("/cases/<uuid:referral_id>/safeguarding", methods=["GET", "POST"])
@requires(Permission.RAISE_SAFEGUARDING)
def safeguarding(referral_id: uuid.UUID) -> str | Response:
    """Anyone who may see the referral, at any state; only an empty note is refused (domain.md 6.9)."""
    referral = _visible(referral_id)
    form = SafeguardingForm()
    if form.validate_on_submit():
        try:
            referrals.raise_safeguarding_concern(
                referral.id,
                by=_user(),
                note=(form.note.data or "").strip(),
                reference=(form.reference.data or "").strip(),
            )
        except referrals.ReferralError as error:
            form.note.errors = [_refused(error)]
        else:
            flash("Safeguarding concern recorded. The team leads have been told")
            return redirect(_after_safeguarding(referral))
    return _render("safeguarding.html", form=form, referral=referral, back_url=_after_safeguarding(referral))


# -- suggesting activities from the directory ------------------------------------------


@dataclass
class SuggestionTarget:
    """The case a navigator is finding activities for, while they search the directory."""

    referral_id: uuid.UUID
    reference: str
    action: str
    case_url: str
    planned: dict[uuid.UUID, str]

    def status_of(self, listing: Listing) -> str | None:
        return self.planned.get(listing.id)


SUGGESTION_KEY = "navigator.case_to_suggest_for"


@bp.app_template_global()
def case_to_suggest_for() -> SuggestionTarget | None:
    """The case named by ?for_case= on a directory page, if the signed-in user works it.
    Anyone else (and every anonymous visitor) sees the directory exactly as usual."""
    # Cached per request: every search result asks.
    if SUGGESTION_KEY in request.environ:
        return cast(SuggestionTarget | None, request.environ[SUGGESTION_KEY])
    target = None
    raw = request.args.get("for_case", "")
    if raw and current_user.is_authenticated and current_user.can(Permission.WORK_CASES):
        try:
            referral = referrals.get_referral(uuid.UUID(raw), _user(), audit_view=False)
        except (ValueError, referrals.NotFound):
            referral = None
        if referral is not None and referral.state in CONNECTABLE_STATES and referrals.can_work_case(_user(), referral):
            target = SuggestionTarget(
                referral_id=referral.id,
                reference=referral.reference,
                action=url_for("casework.suggest_connection", referral_id=referral.id),
                case_url=url_for("casework.case", referral_id=referral.id),
                planned={
                    c.listing_id: CONNECTION_STATUS_LABELS[c.status]
                    for c in referral.connections
                    if c.status is not ConnectionStatus.STOPPED
                },
            )
    request.environ[SUGGESTION_KEY] = target
    return target

"""Referral forms and the referrer's view of their team's referrals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from navigator import clock
from navigator.auth.decorators import public, requires
from navigator.auth.permissions import Permission
from navigator.extensions import db, limiter
from navigator.forms import DateInputField
from navigator.lists import FilterSelect, ListForm, page_problem, page_requested
from navigator.models import Referral, ReferralEvent, ReferralSource, ReferralState, TaxonomyTerm, Team, Vocabulary
from navigator.models.referrals import REFERRER_STATUSES
from navigator.monitoring.answers import MonitoringError
from navigator.rate_limits import attempt_limit, count_submission, submissions_left
from navigator.referrals import bp
from navigator.referrals.form_helpers import new_idempotency_key
from navigator.referrals.forms import AnswerForm, SelfReferralForm, StaffReferralForm
from navigator.referrals.screening_fields import SCREENING_SETS
from navigator.screening import AdministrationMode, get_instrument
from navigator.services import referrals as service
from navigator.vocabularies import CLOSURE_REASONS, REJECTION_REASONS

# The self-referral confirmation reads the reference from the session, so the page
# needs no identifier in its address and offers no status view (domain.md 1.1).
SELF_REFERRAL_SESSION_KEY = "self_referral_reference"


def _terms(vocabulary: Vocabulary) -> list[tuple[str, str]]:
    terms = db.session.scalars(
        select(TaxonomyTerm)
        .where(TaxonomyTerm.vocabulary == vocabulary, TaxonomyTerm.parent_id.is_(None))
        .order_by(TaxonomyTerm.position, TaxonomyTerm.name)
    )
    return [(term.code, term.name) for term in terms]


def _staff_form(proxy: bool) -> StaffReferralForm:
    user = current_user
    if proxy:
        teams = db.session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.name)).all()
    else:
        teams = sorted((team for team in user.teams if team.active), key=lambda team: team.name)
    defaults = None
    if request.method == "GET":
        defaults = {
            "idempotency_key": new_idempotency_key(),
            "agreement_date": clock.today(),
            "screening_mode": AdministrationMode.READ_OUT.value,
        }
        if not proxy:
            defaults |= {
                "referrer_name": user.name,
                "referrer_role": user.job_title,
                "referrer_phone": user.phone,
                "referrer_email": user.email,
                "agreement_obtained_by": user.name,
            }
            if len(teams) == 1:
                defaults["team"] = str(teams[0].id)
    form = StaffReferralForm(data=defaults)
    sources = db.session.scalars(
        select(ReferralSource).where(ReferralSource.active.is_(True)).order_by(ReferralSource.position)
    ).all()
    form.setup(
        proxy=proxy,
        teams=[(str(team.id), team.name, team.source_code) for team in teams],
        sources=[(source.code, source.name) for source in sources],
        languages=_terms(Vocabulary.LANGUAGE),
        today=clock.today(),
    )
    return form


@bp.route("/referrals/new", methods=["GET", "POST"])
@requires(Permission.SUBMIT_REFERRAL, Permission.SUBMIT_PROXY_REFERRAL)
def new_referral() -> str | Response:
    """A referrer refers someone for their team; the navigation team enters one by proxy."""
    proxy = current_user.can(Permission.SUBMIT_PROXY_REFERRAL)
    form = _staff_form(proxy)
    if form.validate_on_submit():
        try:
            referral = service.submit_referral(form.referral_details(), by=current_user, idempotency_key=form.key())
        except MonitoringError as error:
            form.show_monitoring_problems(error)
        except service.ReferralError as error:
            form.form_errors.append(str(error))
        else:
            return redirect(url_for("referrals.submitted", referral_id=referral.id))
    return render_template(
        "referrals/new.html",
        form=form,
        proxy=proxy,
        screening_sets=[
            (
                screening_set,
                [(get_instrument(code), form.screening_items([code])) for code in screening_set.instrument_codes],
            )
            for screening_set in SCREENING_SETS
        ],
    )


@bp.route("/referrals/<uuid:referral_id>/submitted")
@requires(Permission.SUBMIT_REFERRAL, Permission.SUBMIT_PROXY_REFERRAL)
def submitted(referral_id: uuid.UUID) -> str:
    """Confirmation for whoever submitted the referral: its reference number."""
    referral = db.session.scalar(
        select(Referral).where(Referral.id == referral_id, Referral.referred_by_id == current_user.id)
    )
    if referral is None:
        abort(404)
    return render_template(
        "referrals/submitted.html",
        referral=referral,
        can_follow=current_user.can(Permission.VIEW_TEAM_REFERRALS) and referral.team_id in current_user.team_ids,
    )


# -- self-referral ----------------------------------------------------------------


@bp.route("/ask-for-help", methods=["GET", "POST"])
@public
@limiter.limit(attempt_limit, methods=["POST"])
def self_referral() -> str | Response | tuple[str, int]:
    """A resident asks a navigator to contact them (no account needed). Only accepted
    requests count towards SELF_REFERRAL_RATE_LIMIT; over it, the form keeps what was typed."""
    form = SelfReferralForm(data={"idempotency_key": new_idempotency_key()} if request.method == "GET" else None)
    form.setup(languages=_terms(Vocabulary.LANGUAGE), today=clock.today())
    if request.method == "POST" and form.is_bot:
        # Pretend it worked: nothing is stored and the bot learns nothing.
        session[SELF_REFERRAL_SESSION_KEY] = ""
        return redirect(url_for("referrals.self_referral_sent"))
    if form.validate_on_submit():
        if not submissions_left("SELF_REFERRAL_RATE_LIMIT", "self-referral"):
            form.form_errors.append(
                "We have had a lot of requests from your internet connection in the last hour. "
                f"Your answers are still here: try again later, or call us on {current_app.config['SERVICE_PHONE']}"
            )
            return render_template("referrals/self_referral.html", form=form), 429
        try:
            referral = service.submit_referral(form.referral_details(), by=None, idempotency_key=form.key())
        except MonitoringError as error:
            form.show_monitoring_problems(error)
        except service.ReferralError as error:
            form.form_errors.append(str(error))
        else:
            count_submission("SELF_REFERRAL_RATE_LIMIT", "self-referral")
            session[SELF_REFERRAL_SESSION_KEY] = referral.reference
            return redirect(url_for("referrals.self_referral_sent"))
    return render_template("referrals/self_referral.html", form=form)


@bp.route("/ask-for-help/sent")
@public
def self_referral_sent() -> str | Response:
    if SELF_REFERRAL_SESSION_KEY not in session:
        return redirect(url_for("referrals.self_referral"))
    return render_template("referrals/self_referral_sent.html", reference=session[SELF_REFERRAL_SESSION_KEY])


# -- following referrals ------------------------------------------------------------


class TeamReferralsFilter(ListForm):
    status = FilterSelect("Status", noun="status", any_label="Any status")
    team = FilterSelect("Team", noun="team of yours called", any_label="All your teams")
    submitted_from = DateInputField("Sent from")
    submitted_to = DateInputField("Sent to")

    def filters(self) -> service.ListFilters:
        status = self.status.chosen
        return service.ListFilters(
            states=REFERRER_STATUSES[status][1] if status else frozenset(),
            team_id=self.team.chosen_id,
            submitted_from=self.submitted_from.data,
            submitted_to=self.submitted_to.data,
        )


@bp.route("/referrals")
@requires(Permission.VIEW_TEAM_REFERRALS)
def team_referrals() -> str:
    """The referrer's teams' referrals, newest first, a page at a time, by status, team and
    date sent, with the status each shows to the referrer."""
    form = TeamReferralsFilter()
    teams = sorted(current_user.teams, key=lambda team: team.name)
    form.status.set_options((code, label) for code, (label, _) in REFERRER_STATUSES.items())
    form.team.set_options((str(team.id), team.name) for team in teams)
    asked = page_requested()
    page = None
    if form.check():
        page = service.team_referrals(current_user, form.filters(), page=asked.number, size=asked.size)
    return render_template(
        "referrals/team_referrals.html",
        form=form,
        page=page,
        page_message=page_problem(page, asked, "referrals") if page else None,
        several_teams=len(teams) > 1,
        filtered=any(request.args.get(name) for name in request.args if name != "page"),
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    note: str


def referrer_timeline(events: list[ReferralEvent]) -> list[TimelineEntry]:
    """What the referrer is told, oldest first: the status they see and any note meant
    for them (a reason, a question, the closure summary). Internal summaries such as
    who a case was allocated to are left out, and repeats of a status are folded."""
    entries: list[TimelineEntry] = []
    for event in events:
        if event.from_state is ReferralState.MORE_INFO_REQUESTED and event.to_state is ReferralState.SUBMITTED:
            label = "Answer sent"
        else:
            label = event.to_state.referrer_label
        if entries and entries[-1].label == label and not event.referrer_note:
            continue
        entries.append(TimelineEntry(event.at, label, event.referrer_note))
    return entries


def _render_status(referral: Referral, answer_form: AnswerForm, status: int = 200) -> tuple[str, int]:
    outcome = None
    if referral.state is ReferralState.REJECTED:
        outcome = REJECTION_REASONS.get(referral.decision_reason, "") + (
            f": {referral.decision_note}" if referral.decision_note else ""
        )
    elif referral.state is ReferralState.REDIRECTED:
        outcome = f"Redirected to {referral.redirected_to}: {referral.decision_note}"
    elif referral.state is ReferralState.CLOSED:
        outcome = CLOSURE_REASONS.get(referral.closure_reason, referral.closure_reason)
    can_answer = (
        referral.state is ReferralState.MORE_INFO_REQUESTED
        and current_user.can(Permission.SUBMIT_REFERRAL)
        and referral.team_id in current_user.team_ids
    )
    page = render_template(
        "referrals/status.html",
        referral=referral,
        timeline=referrer_timeline(list(referral.events)),
        outcome=outcome,
        can_answer=can_answer,
        show_team_link=current_user.can(Permission.VIEW_TEAM_REFERRALS),
        form=answer_form,
    )
    return page, status


@bp.route("/referrals/<uuid:referral_id>")
@requires(
    Permission.VIEW_TEAM_REFERRALS, Permission.VIEW_ALL_REFERRALS, Permission.VIEW_CASELOAD, Permission.VIEW_QUEUE
)
def referral_status(referral_id: uuid.UUID) -> tuple[str, int] | Response:
    """A referrer sees the status, the triage outcome and the closure summary; never
    screening scores, notes, contact attempts or plans (domain.md 1.3). The navigation
    team works from the case page instead."""
    try:
        referral = service.get_referral(referral_id, current_user)
    except service.NotFound:
        abort(404)
    if not service.is_referrer_view(current_user, referral) and "casework.case" in current_app.view_functions:
        return redirect(url_for("casework.case", referral_id=referral.id))
    return _render_status(referral, AnswerForm())


@bp.route("/referrals/<uuid:referral_id>/answer", methods=["POST"])
@requires(Permission.SUBMIT_REFERRAL)
def answer_question(referral_id: uuid.UUID) -> tuple[str, int] | Response:
    """The referrer answers the navigation team's question; the referral goes back for triage."""
    form = AnswerForm()
    try:
        referral = service.get_referral(referral_id, current_user, audit_view=False)
    except service.NotFound:
        abort(404)
    if form.validate_on_submit():
        try:
            service.answer_more_information(referral_id, by=current_user, answer=form.answer.data or "")
        except service.NotFound:
            abort(404)
        except service.ReferralError as error:
            form.answer.errors = [str(error)]
        else:
            flash("Your answer has been sent to the navigation team.")
            return redirect(url_for("referrals.referral_status", referral_id=referral_id))
    return _render_status(referral, form)

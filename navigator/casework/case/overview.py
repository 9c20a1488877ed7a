"""The case page: what is known, what has been done, and what can be done next."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app, url_for

from navigator import clock, vocabularies
from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.case.helpers import S, _language_name, _not_found, _render, _term_names, _user, _visible
from navigator.casework.case.plan import goal_status_form
from navigator.casework.presenters import _screening_row, pair_row, time_point_label
from navigator.casework.suggesting import CONNECTABLE_STATES, find_activities_url
from navigator.extensions import db
from navigator.models import CaseNote, Referral, ScreeningOccasion, Vocabulary
from navigator.models.geo import Ward
from navigator.models.referrals import AGREEMENT_LABELS
from navigator.monitoring import services as monitoring
from navigator.monitoring.answers import MonitoringAnswers, answers_row
from navigator.monitoring.answers import languages as monitoring_languages
from navigator.monitoring.presenters import answer_rows
from navigator.screening import get_instrument
from navigator.screening.pairing import BASELINE_RULE
from navigator.services import referrals
from navigator.services.referrals import episodes, unmet_need
from navigator.vocabularies import BARRIERS, COMMUNICATION_NEEDS, CONTACT_METHODS, NEEDS, SUPPORT_NEEDED


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
    screens = referrals.screenings_for(referral, user)
    rows = [_screening_row(s) for s in screens]
    baseline_done = referrals.has_complete_baseline(referral)
    person = referral.person
    age = person.age_on(clock.today())
    at_baseline = {
        row.screening.instrument_code
        for row in rows
        if row.screening.occasion is ScreeningOccasion.BASELINE and row.screening.complete
    }
    band = referrals.episode_age_band(referral)
    offer = referrals.screening_offer(referral, ScreeningOccasion.BASELINE) if band is not None else None
    repeat = referrals.screening_offer(referral, ScreeningOccasion.REVIEW).instruments
    notes_by_id = {note.id: note for note in referral.notes}
    corrections: dict[uuid.UUID, list[CaseNote]] = {}
    for note in referral.notes:
        if note.corrects_id is not None:
            corrections.setdefault(note.corrects_id, []).append(note)
    status_forms = {}
    for goal in referral.goals:
        status_form = goal_status_form(goal, formdata=None)
        status_form.status.data = goal.status.value
        status_form.revision.data = str(goal.revision)
        status_forms[goal.id] = status_form
    ward = db.session.get(Ward, person.ward_code) if person.ward_code else None
    monitoring_rows, derived_groups = ([], [])
    if can_work:  # special-category data: only for staff who may work the case (domain.md 1.3, 4.2)
        monitoring_rows = answer_rows(MonitoringAnswers.of(answers_row(person.id)), dict(monitoring_languages()))
        derived_groups = monitoring.groups_for_case(referral)
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
        baseline_missing=[get_instrument(code) for code in offer.instruments if code not in at_baseline]
        if offer
        else [],
        optional_instruments=[get_instrument(code) for code in offer.optional if code not in at_baseline]
        if offer
        else [],
        repeat_instruments=[get_instrument(code) for code in repeat],
        age_band_needed=can_work and band is None,
        pairs=[pair_row(pair) for pair in referrals.pairs_of(screens)] if can_work else [],
        baseline_rule=BASELINE_RULE,
        time_point_label=time_point_label,
        follow_up_open=referrals.follow_up_window_open(referral),
        follow_up_closes=referral.follow_up_due + referrals.follow_up_schedule().window
        if referral.follow_up_due
        else None,
        counted_failures=referrals.counted_failed_attempts(referral),
        attempts_limit=current_app.config["UNABLE_TO_CONTACT_ATTEMPTS"],
        languages=_term_names(Vocabulary.LANGUAGE, person.languages),
        interpreter_language=_language_name(person.interpreter_language),
        monitoring_rows=monitoring_rows,
        derived_groups=derived_groups,
        referrer_groups=_term_names(Vocabulary.TARGET_GROUP, referral.target_groups) if can_work else [],
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
        earlier_episodes=episodes.earlier_episodes(referral, user),
        unmet_needs=unmet_need.unmet_needs_for(referral) if can_work else [],
        can_record_unmet_need=can_work and unmet_need.can_record_unmet_need(referral),
        unmet_need_constraints=vocabularies.UNMET_NEED_CONSTRAINTS,
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

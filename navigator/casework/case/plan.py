"""The plan: goals and their status."""

from __future__ import annotations

import uuid
from typing import Any

from werkzeug.wrappers import Response

from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.case.helpers import _not_found, _render, _to_case, _user, _workable
from navigator.casework.forms import GOAL_STATUS_LABELS, GoalForm, GoalStatusForm, page_revision
from navigator.extensions import db
from navigator.models import Goal, GoalStatus, Referral
from navigator.services import referrals


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
            form.text.errors = [str(error)]
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
        form.revision.data = str(goal.revision)
    if form.validate_on_submit():
        status = GoalStatus(form.status.data)
        try:
            referrals.update_goal(goal.id, by=_user(), status=status, revision=page_revision(form.revision))
        except referrals.ReferralError as error:
            form.status.errors = [str(error)]
            # Shown the goal as it is now, with the choice kept: saving again is deliberate.
            form.revision.data = str(goal.revision)
        else:
            return _to_case(referral.id, f"Goal marked as {GOAL_STATUS_LABELS[status].lower()}")
    return _render("goal_status.html", form=form, goal=goal, referral=referral)

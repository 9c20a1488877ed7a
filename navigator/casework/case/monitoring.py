"""Equality monitoring on a case (domain.md 4.2): the navigator sees and changes the answers.

Only staff who may work the case see them (404 for anyone else); the read and every change
are audited. The answers never go into a URL, a flash message or mail.
"""

from __future__ import annotations

import uuid

from werkzeug.wrappers import Response

from navigator import clock
from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.case.helpers import _not_found, _render, _to_case, _user, _workable
from navigator.monitoring import services as monitoring
from navigator.monitoring.answers import MonitoringError, languages
from navigator.monitoring.forms import MonitoringForm, monitoring_data
from navigator.services import referrals


@bp.route("/cases/<uuid:referral_id>/monitoring", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def monitoring_answers(referral_id: uuid.UUID) -> str | Response | tuple[str, int]:
    """See and change the person's equality monitoring answers."""
    user = _user()
    form = MonitoringForm()
    if not form.is_submitted():
        try:
            referral, answers = monitoring.case_answers(referral_id, by=user)
        except referrals.NotFound:
            _not_found()
        form = MonitoringForm(formdata=None, data=monitoring_data(answers))
        form.setup(languages=languages())
        return _render("monitoring.html", form=form, referral=referral)
    referral = _workable(referral_id)
    form.setup(languages=languages())
    valid = form.validate()
    today = clock.today()
    form.check_monitoring(age=referral.person.age_on(today), today=today)
    if valid and not form.errors:
        try:
            changed = monitoring.update_case_answers(referral.id, form.monitoring_answers(), by=user)
        except MonitoringError as error:
            form.show_monitoring_problems(error)
        except referrals.ReferralError as error:
            form.form_errors.append(str(error))
        else:
            return _to_case(referral.id, "Equality monitoring answers saved" if changed else "No answers were changed")
    return _render("monitoring.html", form=form, referral=referral), 400

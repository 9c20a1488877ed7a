"""What every case view shares: the signed-in user, the case they may see or work, labels and rendering."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn, cast

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from navigator.casework.forms import (
    CHANNEL_LABELS,
    CONNECTION_STATUS_LABELS,
    GOAL_STATUS_LABELS,
    MODE_LABELS,
    OCCASION_LABELS,
    OUTCOME_LABELS,
)
from navigator.extensions import db
from navigator.models import Referral, ReferralState, TaxonomyTerm, User, Vocabulary
from navigator.services import referrals
from navigator.vocabularies import AGREED_BY, CLOSURE_REASONS, FOLLOW_UP_NOT_OBTAINED, STOPPED_REASONS

S = ReferralState


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


def _to_case(referral_id: uuid.UUID, message: str) -> Response:
    flash(message)
    return redirect(url_for("casework.case", referral_id=referral_id))

"""Triage (domain.md 2.3): accept, reject, redirect, or ask the referrer a question."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from navigator import clock
from navigator.extensions import db
from navigator.models import CaseNote, Referral, User
from navigator.services.referrals.access import get_referral
from navigator.services.referrals.errors import ReferralError
from navigator.services.referrals.lifecycle import S, commit, expect_version, move
from navigator.services.referrals.notices import tell_referrer
from navigator.services.transactions import all_or_nothing
from navigator.vocabularies import REJECTION_REASONS
from navigator.working_days import working_days_between


@all_or_nothing
def accept_referral(
    referral_id: uuid.UUID, *, by: User, note: str = "", expected_version: int | None = None
) -> Referral:
    referral = get_referral(referral_id, by, audit_view=False)
    expect_version(referral, expected_version)
    move(referral, S.ACCEPTED, by, summary="Accepted at triage", referrer_note=note, reason=note)
    referral.decision_note = note
    tell_referrer(referral, "accepted", "The referral has been accepted and is waiting for a navigator.")
    commit()
    return referral


@all_or_nothing
def reject_referral(
    referral_id: uuid.UUID, *, by: User, reason: str, note: str = "", expected_version: int | None = None
) -> Referral:
    if reason not in REJECTION_REASONS:
        raise ReferralError("Choose a reason for not accepting the referral")
    if reason == "other" and not note.strip():
        raise ReferralError("Explain why the referral is not accepted")
    referral = get_referral(referral_id, by, audit_view=False)
    expect_version(referral, expected_version)
    if reason == NO_ANSWER:
        _check_answer_overdue(referral)
    text = REJECTION_REASONS[reason] + (f": {note}" if note else "")
    move(referral, S.REJECTED, by, summary="Not accepted", referrer_note=text, reason=text)
    referral.decision_reason, referral.decision_note = reason, note
    tell_referrer(referral, "not accepted", f"The referral was not accepted. Reason: {text}")
    commit()
    return referral


@all_or_nothing
def redirect_referral(
    referral_id: uuid.UUID, *, by: User, service: str, reason: str, expected_version: int | None = None
) -> Referral:
    if not service.strip() or not reason.strip():
        raise ReferralError("Enter the service you are redirecting to and why")
    referral = get_referral(referral_id, by, audit_view=False)
    expect_version(referral, expected_version)
    text = f"Redirected to {service}: {reason}"
    move(referral, S.REDIRECTED, by, summary=f"Redirected to {service}", referrer_note=text, reason=reason)
    referral.redirected_to, referral.decision_note = service, reason
    tell_referrer(referral, "redirected", text)
    commit()
    return referral


@all_or_nothing
def request_more_information(
    referral_id: uuid.UUID, *, by: User, question: str, expected_version: int | None = None
) -> Referral:
    if not question.strip():
        raise ReferralError("Enter the question for the referrer")
    referral = get_referral(referral_id, by, audit_view=False)
    expect_version(referral, expected_version)
    move(referral, S.MORE_INFO_REQUESTED, by, summary="More information requested", referrer_note=question)
    referral.more_info_question = question
    tell_referrer(referral, "needs more information", f"The navigation team asks: {question}")
    commit()
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


@all_or_nothing
def answer_more_information(referral_id: uuid.UUID, *, by: User, answer: str) -> Referral:
    if not answer.strip():
        raise ReferralError("Enter your answer")
    referral = get_referral(referral_id, by, audit_view=False)
    move(referral, S.SUBMITTED, by, summary="Referrer answered", referrer_note=answer, reason=answer)
    db.session.add(CaseNote(referral=referral, author_id=by.id, text=f"Referrer's answer: {answer}"))
    commit()
    return referral

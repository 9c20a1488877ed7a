"""What is waiting for a signed-in person, counted for the staff home page: questions for a
referrer's team, referrals to triage or allocate, cases, and listings, problem reports and
registrations for moderators. Each count follows the same permission as the page it links to."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from navigator.auth.permissions import Permission
from navigator.models import ReferralState, User
from navigator.services import referrals
from navigator.services.moderation import count_review_queue
from navigator.services.organisations import count_pending_registrations
from navigator.services.reports import count_open_reports


@dataclass(frozen=True)
class Waiting:
    count: int
    text: str  # what is waiting, after the count: "referrals waiting for triage"
    href: str
    urgent: bool = False  # shown as needing action (questions, triage)


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def waiting_for(user: User) -> list[Waiting]:
    """Counts of what the person can act on now, each linking to where they act on it."""
    found: list[Waiting] = []
    if user.can(Permission.VIEW_TEAM_REFERRALS):
        state = ReferralState.MORE_INFO_REQUESTED
        filters = referrals.ListFilters(states=frozenset({state}))
        count = referrals.team_referrals(user, filters, page=1, size=1).total
        text = _plural(count, "question waits for your team's answer", "questions wait for your team's answer")
        found.append(Waiting(count, text, url_for("referrals.team_referrals", status=state.value), urgent=count > 0))
    if user.can(Permission.TRIAGE):
        count = referrals.triage_queue(user, page=1, size=1).total
        text = _plural(count, "referral waits for triage", "referrals wait for triage")
        found.append(Waiting(count, text, url_for("casework.triage_queue"), urgent=count > 0))
    if user.can(Permission.VIEW_QUEUE):
        count = referrals.unallocated_queue(user, page=1, size=1).total
        text = _plural(count, "accepted referral waits for a navigator", "accepted referrals wait for a navigator")
        found.append(Waiting(count, text, url_for("casework.unallocated")))
    if user.can(Permission.VIEW_CASELOAD):
        count = len(referrals.caseload(user))
        found.append(
            Waiting(
                count, _plural(count, "open case", "open cases") + " in your caseload", url_for("casework.my_caseload")
            )
        )
    if user.can(Permission.MODERATE_LISTINGS):
        count = count_review_queue()
        text = _plural(count, "listing or change to review", "listings or changes to review")
        found.append(Waiting(count, text, url_for("moderation.queue"), urgent=count > 0))
        count = count_open_reports()
        text = _plural(count, "problem report to look at", "problem reports to look at")
        found.append(Waiting(count, text, url_for("moderation.reports"), urgent=count > 0))
    if user.can(Permission.MANAGE_ORGANISATIONS):
        count = count_pending_registrations()
        text = _plural(count, "organisation registration to decide", "organisation registrations to decide")
        found.append(Waiting(count, text, url_for("organisations.manage"), urgent=count > 0))
    return found

"""Finding activities for a case: the directory search set up for the person, and the case a
navigator is suggesting for while they search (a template global the directory pages ask)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from flask import request, url_for
from flask_login import current_user

from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.forms import CONNECTION_STATUS_LABELS
from navigator.models import ConnectionStatus, Listing, Referral, ReferralState, User
from navigator.services import referrals
from navigator.vocabularies import CATEGORIES_FOR_NEED

CONNECTABLE_STATES = (ReferralState.ENGAGED, ReferralState.IN_SUPPORT)
# Directory accessibility filters that follow from what the referral says about the person.
ACCESS_FOR_COMMUNICATION_NEED = {
    "bsl": "bsl",
    "hearing_loop": "hearing-loop",
    "easy_read": "easy-read",
    "large_print": "easy-read",
}
ACCESS_FOR_BARRIER = {"mobility": "step-free"}
FIND_ACTIVITIES_WITHIN_MILES = 2


def find_activities_url(referral: Referral) -> str:
    """The public directory search, set up for what the person asked for: the kinds of activity
    their needs point to, near them, in their languages, with the access they need.

    Never their target groups or monitoring answers (domain.md 4.2): those are for equality
    monitoring, not matching, and a URL ends up in logs and browser history. Nobody has to
    belong to a group to be offered an activity open to everyone."""
    person = referral.person
    access = [
        ACCESS_FOR_COMMUNICATION_NEED[n] for n in person.communication_needs if n in ACCESS_FOR_COMMUNICATION_NEED
    ]
    access += [ACCESS_FOR_BARRIER[b] for b in referral.barriers if b in ACCESS_FOR_BARRIER]
    args: dict[str, Any] = {"for_case": str(referral.id)}
    if referral.needs and all(need in CATEGORIES_FOR_NEED for need in referral.needs):
        args["category"] = list(dict.fromkeys(CATEGORIES_FOR_NEED[need] for need in referral.needs))
    if person.postcode:
        args.update(postcode=person.postcode, within=FIND_ACTIVITIES_WITHIN_MILES)
    if person.languages:
        args["language"] = list(person.languages)
    if access:
        args["access"] = list(dict.fromkeys(access))
    return url_for("directory.search", **args)


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
        user = cast(User, current_user._get_current_object())
        try:
            referral = referrals.get_referral(uuid.UUID(raw), user, audit_view=False)
        except (ValueError, referrals.NotFound):
            referral = None
        if referral is not None and referral.state in CONNECTABLE_STATES and referrals.can_work_case(user, referral):
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

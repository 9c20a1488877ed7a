"""The referral pathway: submission, triage, allocation and casework (domain.md section 2).

Every function takes plain values and the acting user, checks that user may act on
that referral (need to know), enforces the state machine, writes the audit entry and
commits once. A referral the user may not see raises NotFound, exactly as if it did
not exist. One module a task; this package re-exports the public names, so callers
write `from navigator.services import referrals as service`.
"""

from navigator.services.referrals.access import (
    BREAK_GLASS_MIN_REASON,
    break_glass_read,
    can_work_case,
    get_case,
    get_referral,
    is_referrer_view,
    visible_referrals,
)
from navigator.services.referrals.allocation import (
    NavigatorLoad,
    allocate_referral,
    caseload_cap,
    caseloads,
    navigator_teams,
    open_case_count,
)
from navigator.services.referrals.closure import (
    close_referral,
    closure_screens_missing,
    raise_safeguarding_concern,
)
from navigator.services.referrals.contact import (
    counted_failed_attempts,
    log_contact_attempt,
)
from navigator.services.referrals.duplicates import (
    PersonKey,
    possible_duplicates,
    with_possible_duplicates,
)
from navigator.services.referrals.errors import (
    AgeBandNeeded,
    ConcurrentChange,
    InvalidTransition,
    NotFound,
    ReferralError,
)
from navigator.services.referrals.lifecycle import (
    CLOSURE_REASONS_FROM,
    TRANSITIONS,
)
from navigator.services.referrals.pairs import (
    Pair,
    episode_baselines,
    follow_up_schedule,
    follow_up_window_open,
    pairs_of,
)
from navigator.services.referrals.plan import (
    CONNECTION_MOVES,
    add_case_note,
    add_goal,
    record_review,
    suggest_connection,
    update_connection,
    update_goal,
)
from navigator.services.referrals.queues import (
    ListFilters,
    awaiting_answers,
    caseload,
    due_for_follow_up,
    referral_sources,
    referring_teams,
    team_referrals,
    triage_queue,
    unallocated_queue,
    wards,
)
from navigator.services.referrals.screenings import (
    ScreeningOffer,
    baseline_instruments,
    episode_age_band,
    has_complete_baseline,
    record_age_band,
    record_screening,
    screening_offer,
    screening_refusal,
    screenings_for,
    start_support,
)
from navigator.services.referrals.submission import (
    PersonDetails,
    ReferralDetails,
    submit_referral,
)
from navigator.services.referrals.triage import (
    NO_ANSWER,
    AwaitingAnswer,
    accept_referral,
    answer_more_information,
    awaiting_answer,
    question_asked_at,
    redirect_referral,
    reject_referral,
    request_more_information,
)

__all__ = [
    "BREAK_GLASS_MIN_REASON",
    "CLOSURE_REASONS_FROM",
    "CONNECTION_MOVES",
    "NO_ANSWER",
    "TRANSITIONS",
    "AgeBandNeeded",
    "AwaitingAnswer",
    "ConcurrentChange",
    "InvalidTransition",
    "ListFilters",
    "NavigatorLoad",
    "NotFound",
    "Pair",
    "PersonDetails",
    "PersonKey",
    "ReferralDetails",
    "ReferralError",
    "ScreeningOffer",
    "accept_referral",
    "add_case_note",
    "add_goal",
    "allocate_referral",
    "answer_more_information",
    "awaiting_answer",
    "awaiting_answers",
    "baseline_instruments",
    "break_glass_read",
    "can_work_case",
    "caseload",
    "caseload_cap",
    "caseloads",
    "close_referral",
    "closure_screens_missing",
    "counted_failed_attempts",
    "due_for_follow_up",
    "episode_age_band",
    "episode_baselines",
    "follow_up_schedule",
    "follow_up_window_open",
    "get_case",
    "get_referral",
    "has_complete_baseline",
    "is_referrer_view",
    "log_contact_attempt",
    "navigator_teams",
    "open_case_count",
    "pairs_of",
    "possible_duplicates",
    "question_asked_at",
    "raise_safeguarding_concern",
    "record_age_band",
    "record_review",
    "record_screening",
    "redirect_referral",
    "referral_sources",
    "referring_teams",
    "reject_referral",
    "request_more_information",
    "screening_offer",
    "screening_refusal",
    "screenings_for",
    "start_support",
    "submit_referral",
    "suggest_connection",
    "team_referrals",
    "triage_queue",
    "unallocated_queue",
    "update_connection",
    "update_goal",
    "visible_referrals",
    "wards",
    "with_possible_duplicates",
]

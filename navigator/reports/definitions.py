"""The measures' definitions and the caveats, in the words the board paper and the report
page end with (domain.md 6.8, 7.1, 7.2). The README's list of measures says the same."""

from __future__ import annotations

from dataclasses import dataclass

from navigator.reports.coverage import gap_rule
from navigator.reports.tables import Settings


@dataclass(frozen=True)
class Definition:
    measure: str
    meaning: str


def definitions(settings: Settings) -> list[Definition]:
    gaps = gap_rule()
    return [
        Definition("Period", "Whole London months: a quarter, any range of months, or the last 12 months."),
        Definition(
            "Referrals received",
            "New referrals submitted in the period, by the month they were submitted. Unique people are "
            "counted by person key (NHS number, or name and date of birth, or a link a team lead confirmed); a "
            "re-referral is a referral for someone referred before, at any time.",
        ),
        Definition(
            "Source team, ward, age band",
            "The team that referred; the ward where the person lives (from their postcode); their age when referred.",
        ),
        Definition(
            "Target group",
            "Derived from the person's equality answers and their age when referred (domain.md 4.1). Answers are "
            "optional, so each group counts at least this many; a person can be in several groups.",
        ),
        Definition(
            "Acceptance rate",
            "Referrals accepted ÷ (accepted + rejected + redirected), of triage decisions made in the period.",
        ),
        Definition(
            "Contact rate",
            "Referrals engaged ÷ referrals accepted, by the month they were accepted.",
        ),
        Definition(
            "Time to first contact",
            "Working days (weekends and England and Wales bank holidays left out) from submission to the first "
            "successful contact: the median, and the share within "
            f"{settings.first_contact_target} working days.",
        ),
        Definition(
            "Time to first activity",
            "Days from submission to the first activity attended: the median, and the share within "
            f"{settings.first_activity_target} days.",
        ),
        Definition(
            "Connected, sustained",
            "Of episodes closed in the period after the person engaged: connected means at least one activity "
            "reached the first session; sustained means at least one is attended regularly.",
        ),
        Definition(
            "Baseline loneliness",
            "Each episode's baseline screen: the ONS direct question (“Often/always” is chronic loneliness) and "
            "the UCLA-3 score, 3 to 9, higher is lonelier.",
        ),
        Definition(
            "Paired change",
            "The same person's baseline and follow-up (at 3 months, or at closure), with the same questions, "
            "version and way of asking; each person's change, then the mean of the changes with its 95% "
            "confidence interval. Proxy answers and Easy Read screens are left out of pooled figures. The baseline "
            "mean of those without a follow-up is shown beside it.",
        ),
        Definition(
            "Moving out of “Often/always”",
            "The 2×2 table of the direct question at baseline against follow-up, both directions, with McNemar's "
            "exact test.",
        ),
        Definition(
            "Coverage gap",
            "Over the 12 months to the end of the period, a ward or target group and need where referrals with "
            f"the need, or unmet-need entries recorded by navigators, number {gaps.referrals} or more while "
            f"{gaps.listings} or fewer matching listings serve the area. Matching listings: activities and events "
            "in the public directory, confirmed within 12 months, in the category the need points to, held in the "
            "ward (or with no venue) and, for a target group, open to it.",
        ),
        Definition(
            "Listing freshness",
            "Whole months since a listing was last confirmed by its owner (or a change to it approved), at the end "
            "of the period: confirmed within 12 months, stale from 12 (ranked lower in search), hidden from the "
            "public from 15.",
        ),
        Definition(
            "Community spaces",
            "Spaces in the public directory, and the activities and events held in the same building. Bookings "
            "are not recorded, so none are counted.",
        ),
        Definition(
            "Small numbers",
            f"Counts from 1 to {settings.threshold} are shown as “{settings.small}”. Other cells are "
            f"“{settings.hidden_wording}” where they would let a small count be worked out from a total. Rates, "
            "means and medians over a small or hidden number are not shown. Counts of directory listings are about "
            "organisations, not people, and are shown in full.",
        ),
    ]


CAVEATS = (
    "These figures show change observed, not impact caused: there is no comparison group.",
    "People are referred at a low point, so some improvement would happen anyway (regression to the mean).",
    "People who reach a follow-up are rarely typical of everyone referred: compare the baseline mean of those "
    "without a follow-up.",
    "Equality answers are optional, so target groups and ethnic groups are counted only where they were given.",
    "Figures for recent months change as referrals are worked: a follow-up or closure may still be to come.",
    "Listing counts cannot show whether an activity suits someone's language, access needs, budget or times: "
    "the unmet-need entries navigators record are the stronger evidence of a gap.",
)

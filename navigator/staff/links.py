"""The staff home page's links, by permission: menus follow the same rules as the views."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from navigator.auth.permissions import Permission
from navigator.models import User


@dataclass(frozen=True)
class StaffLink:
    href: str
    text: str
    hint: str


# (permission, endpoint, text, hint), in the order they are shown.
LINKS = (
    (Permission.SUBMIT_REFERRAL, "referrals.new_referral", "Make a referral", "Refer someone to a community navigator"),
    (
        Permission.SUBMIT_PROXY_REFERRAL,
        "referrals.new_referral",
        "Enter a referral",
        "For a referrer without an account, or a phone call",
    ),
    (Permission.VIEW_TEAM_REFERRALS, "referrals.team_referrals", "Your team's referrals", "Status of each referral"),
    (Permission.TRIAGE, "casework.triage_queue", "Triage", "New referrals waiting for a decision"),
    (Permission.VIEW_QUEUE, "casework.unallocated", "Unallocated queue", "Accepted referrals waiting for a navigator"),
    (Permission.VIEW_CASELOAD, "casework.my_caseload", "My caseload", "Your cases, overdue contacts and reviews due"),
    (Permission.ALLOCATE, "casework.all_caseloads", "Navigators' caseloads", "Open cases by navigator and state"),
    (Permission.WORK_CASES, "casework.follow_ups", "Due for follow-up", "Closed cases due a follow-up screen"),
    (
        Permission.VIEW_REPORTS,
        "reports.report",
        "Impact report",
        "Referrals, waits, connections and loneliness change, small numbers hidden",
    ),
    (Permission.VIEW_AUDIT_LOG, "admin.audit_log", "Audit log", "Who viewed or changed which record"),
    (
        Permission.BREAK_GLASS,
        "admin.break_glass",
        "Break-glass access",
        "Read one case record for a recorded reason; team leads are told",
    ),
    (Permission.MANAGE_USERS, "admin.users", "Users", "Invite staff and see their roles"),
    (
        Permission.MODERATE_LISTINGS,
        "listings.index",
        "Listings by organisation",
        "Every organisation's activities, events and spaces; edit or add any",
    ),
    (
        Permission.EDIT_LISTINGS,
        "listings.index",
        "Your listings",
        "Add and update your organisation's activities, events and spaces",
    ),
    (Permission.MODERATE_LISTINGS, "moderation.queue", "Listings to review", "New listings and changes to approve"),
    (Permission.MODERATE_LISTINGS, "moderation.reports", "Problem reports", "What residents told us is wrong"),
    (
        Permission.MODERATE_LISTINGS,
        "moderation.freshness",
        "Listings due for review",
        "Listings nobody has confirmed for months, by age and organisation",
    ),
    (
        Permission.MANAGE_ORGANISATIONS,
        "organisations.manage",
        "Organisations",
        "Approve registrations and manage editors",
    ),
)


def staff_links(user: User) -> list[StaffLink]:
    links = []
    seen = set()
    for permission, endpoint, text, hint in LINKS:
        if user.can(permission) and endpoint not in seen:
            seen.add(endpoint)
            links.append(StaffLink(url_for(endpoint), text, hint))
    return links

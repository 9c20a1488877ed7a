"""Permissions and the roles that hold them (domain.md 1.2).

Permissions are code (views and services check them); which role holds which
permission is data: the `roles` and `role_permissions` tables, seeded from
DEFAULT_ROLES by the migrations and editable by an administrator.
Object-level scope (own team, own caseload) is enforced in the services.
"""

from __future__ import annotations

import enum


class Permission(enum.Enum):
    SUBMIT_REFERRAL = "submit_referral"  # for one's own team (referrer)
    SUBMIT_PROXY_REFERRAL = "submit_proxy_referral"  # on behalf of any source (navigator, lead)
    VIEW_TEAM_REFERRALS = "view_team_referrals"  # referrer: own team's referrals and status
    VIEW_QUEUE = "view_queue"  # unallocated queue
    VIEW_CASELOAD = "view_caseload"  # navigator: own cases
    VIEW_ALL_REFERRALS = "view_all_referrals"  # team lead
    TRIAGE = "triage"  # accept, reject, redirect, ask for more information
    ALLOCATE = "allocate"  # assign any accepted referral to a navigator
    SELF_ALLOCATE = "self_allocate"  # navigator takes from the queue (configurable)
    WORK_CASES = "work_cases"  # contacts, plans, connections, reviews, closure, notes
    RECORD_SCREENING = "record_screening"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_USERS = "manage_users"
    RAISE_SAFEGUARDING = "raise_safeguarding"
    BREAK_GLASS = "break_glass"  # read one case record with a recorded reason, reported to leads
    EDIT_LISTINGS = "edit_listings"  # organisation editor: own organisations' listings (moderators: any)
    MODERATE_LISTINGS = "moderate_listings"  # approve or reject listings and changes, handle reports
    MANAGE_ORGANISATIONS = "manage_organisations"  # approve registrations, invite and remove editors
    EXPORT_PERSONAL_DATA = "export_personal_data"  # subject access export of one person's records, audited
    VIEW_REPORTS = "view_reports"  # aggregate, small-number-suppressed impact report and its downloads


P = Permission

# role code -> (name, description, permissions)
DEFAULT_ROLES: dict[str, tuple[str, str, frozenset[Permission]]] = {
    "referrer": (
        "Referrer",
        "Frontline staff in a referring team. Sees only their team's referrals.",
        frozenset({P.SUBMIT_REFERRAL, P.VIEW_TEAM_REFERRALS, P.RAISE_SAFEGUARDING}),
    ),
    "navigator": (
        "Community navigator",
        "Works their own caseload and sees the unallocated queue.",
        frozenset(
            {
                P.SUBMIT_PROXY_REFERRAL,
                P.VIEW_QUEUE,
                P.VIEW_CASELOAD,
                P.SELF_ALLOCATE,
                P.WORK_CASES,
                P.RECORD_SCREENING,
                P.RAISE_SAFEGUARDING,
            }
        ),
    ),
    "team_lead": (
        "Navigator team lead",
        "Triage, allocation and oversight of every referral to the service.",
        frozenset(
            {
                P.SUBMIT_PROXY_REFERRAL,
                P.VIEW_QUEUE,
                P.VIEW_CASELOAD,
                P.VIEW_ALL_REFERRALS,
                P.TRIAGE,
                P.ALLOCATE,
                P.WORK_CASES,
                P.RECORD_SCREENING,
                P.VIEW_AUDIT_LOG,
                P.RAISE_SAFEGUARDING,
                P.EXPORT_PERSONAL_DATA,
                P.VIEW_REPORTS,
            }
        ),
    ),
    "analyst": (
        "Analyst",
        "Reads the impact report: counts, rates, medians and means with small numbers suppressed. "
        "No names, no case pages, no free text.",
        frozenset({P.VIEW_REPORTS}),
    ),
    "organisation_editor": (
        "Organisation editor",
        "Staff or volunteer of a community organisation. Lists and updates their organisation's activities, "
        "events and spaces; a moderator approves them.",
        frozenset({P.EDIT_LISTINGS}),
    ),
    "moderator": (
        "Directory moderator",
        "Approves or rejects listings and changes with a reason, handles problem reports, "
        "approves organisations and manages their editors.",
        frozenset({P.EDIT_LISTINGS, P.MODERATE_LISTINGS, P.MANAGE_ORGANISATIONS}),
    ),
    "admin": (
        "System admin",
        "Users, roles and configuration. No routine access to case records.",
        frozenset({P.MANAGE_USERS, P.VIEW_AUDIT_LOG, P.BREAK_GLASS}),
    ),
}

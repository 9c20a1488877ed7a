"""Permission on every endpoint for every role: a user without the permission a view
declares gets a 404 (never a hint that the page exists); anonymous users are sent to
sign in; nothing a refused request sends changes any data."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from navigator.auth.permissions import DEFAULT_ROLES
from navigator.extensions import db
from navigator.models import AuditEntry, ReferralState
from tests.factories import make_referral

ROLE_FIXTURE = {
    "referrer": "referrer",
    "navigator": "navigator",
    "team_lead": "lead",
    "admin": "admin",
    "organisation_editor": "editor",
    "moderator": "moderator",
    "analyst": "analyst",
}


def _url_for_rule(rule, ids):
    values = {}
    for argument in rule.arguments:
        if argument not in ids:
            pytest.fail(f"no sample value for <{argument}> in {rule.rule}: add one to the test")
        values[argument] = ids[argument]
    url = rule.rule
    for name, value in values.items():
        url = url.replace(f"<uuid:{name}>", str(value)).replace(f"<{name}>", str(value))
        url = url.replace(f"<path:{name}>", str(value)).replace(f"<int:{name}>", str(value))
    return url


def _protected_rules(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        access = getattr(view, "access", None)
        if isinstance(access, tuple):
            yield rule, frozenset(access)


def test_each_role_gets_404_without_the_permission(app, staff, login_as):
    referral = make_referral(
        ReferralState.IN_SUPPORT, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"]
    )
    db.session.refresh(referral)
    ids = {
        "referral_id": referral.id,
        "goal_id": referral.goals[0].id if referral.goals else referral.id,
        "connection_id": referral.id,
        "note_id": referral.id,
        "unmet_need_id": referral.id,
        "token": "x",
        "filename": "x",
        # Directory records: any UUID will do, a refused request never looks them up.
        "listing_id": referral.id,
        "version_id": referral.id,
        "organisation_id": referral.id,
        "report_id": referral.id,
        "number": 1,
        "kind": "activity",
        "user_id": referral.id,
        "table_key": "referrals-by-ward",
    }
    checked = 0
    for role, fixture in ROLE_FIXTURE.items():
        user = staff[fixture]
        granted = DEFAULT_ROLES[role][2]
        client = login_as(user)
        for rule, needs in _protected_rules(app):
            if needs & granted:
                continue
            url = _url_for_rule(rule, ids)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                before = db.session.scalar(select(func.count(AuditEntry.id)))
                response = client.open(url, method=method, data={})
                assert response.status_code == 404, f"{role} {method} {url} -> {response.status_code}"
                after = db.session.scalar(select(func.count(AuditEntry.id)))
                assert after == before, f"{role} {method} {url} changed something"
                checked += 1
    assert checked > 20


def test_anonymous_users_are_sent_to_sign_in(app, client, staff):
    referral = make_referral(ReferralState.SUBMITTED, referrer=staff["referrer"])
    ids = {
        "referral_id": referral.id,
        "goal_id": referral.id,
        "connection_id": referral.id,
        "note_id": referral.id,
        "unmet_need_id": referral.id,
        "listing_id": referral.id,
        "version_id": referral.id,
        "organisation_id": referral.id,
        "report_id": referral.id,
        "number": 1,
        "kind": "activity",
        "token": "x",
        "user_id": referral.id,
        "table_key": "referrals-by-ward",
    }
    for rule, _needs in _protected_rules(app):
        url = _url_for_rule(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={})
            assert response.status_code == 302, f"{method} {url}"
            assert "/sign-in" in response.headers["Location"]


def test_roles_with_the_permission_are_not_refused(app, staff, login_as):
    """The reverse: for GET pages without parameters, a role holding the permission gets the page."""
    for role, fixture in ROLE_FIXTURE.items():
        granted = DEFAULT_ROLES[role][2]
        client = login_as(staff[fixture])
        for rule, needs in _protected_rules(app):
            if rule.arguments or "GET" not in rule.methods or not (needs & granted):
                continue
            response = client.get(rule.rule)
            assert response.status_code == 200, f"{role} GET {rule.rule} -> {response.status_code}"

"""`flask seed`: the demo directory, demo staff accounts and demo referrals in every state,
loaded only into an empty database; and `flask users create-admin` for a real deployment."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from flask import Flask, url_for
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from navigator import clock
from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, EqualityMonitoring, Referral, ReferralState, Team, User
from navigator.monitoring.services import groups_for_people
from navigator.monitoring.target_groups import TARGET_GROUPS
from navigator.seeding import DEMO_PASSWORD_DEFAULT, PEOPLE_DIR, SeedError, demo_password, load_demo_people
from navigator.services import referrals as service
from navigator.working_days import working_days_between

STAFF = yaml.safe_load((PEOPLE_DIR / "staff.yaml").read_text(encoding="utf-8"))
TEAMS = yaml.safe_load((PEOPLE_DIR / "teams.yaml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def demo_environment(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    monkeypatch.delenv("NAVIGATOR_ENV", raising=False)
    # Sign in with the password alone: these tests are about the demo password, not the second factor.
    monkeypatch.setitem(app.config, "REQUIRE_TWO_FACTOR", False)


def flask(app: Flask, *args: str) -> str:
    """Run a flask command and return what it printed."""
    db.session.commit()  # end this test's read transaction, so the command can write
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }


def sign_in(client: FlaskClient, email: str, password: str) -> Any:
    client.post("/sign-out")
    return client.post("/sign-in", data={"email": email, "password": password})


def page_lists(client: FlaskClient, endpoint: str, referrals: list[Referral]) -> bool:
    with client.application.test_request_context():
        path = url_for(endpoint)
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    return any(r.reference in html or str(escape(r.person.full_name)) in html for r in referrals)


def test_flask_seed_loads_demo_staff_and_referrals_once(app: Flask, client: FlaskClient) -> None:
    output = flask(app, "seed")
    assert re.search(r"Loaded \d+ demo listings", output)
    assert f"password: {DEMO_PASSWORD_DEFAULT}" in output

    referrals = db.session.scalars(select(Referral)).all()
    today = clock.today()

    # Every state, several times, from every kind of referring team.
    states = Counter(r.state for r in referrals)
    assert len(referrals) >= 24
    assert set(states) == set(ReferralState)
    assert min(states.values()) >= 2, states
    sources = {r.source_code for r in referrals}
    assert {team["source"] for team in TEAMS if team["source"]} <= sources
    assert {"self_referral", "ld_annual_health_check"} <= sources

    # The mix triage and casework must cope with.
    people = [r.person for r in referrals]
    assert {p.interpreter_language for p in people if p.interpreter_needed} >= {"tr", "bn", "yi", "pl"}
    assert any(
        "easy_read" in r.person.communication_needs and r.source_code == "ld_annual_health_check" for r in referrals
    )
    children = [r for r in referrals if (r.person.age_on(today) or 99) < 16]
    assert len(children) >= 2
    assert {r.source_code for r in children} & {"camhs", "childrens_social_care"}
    assert sum(r.lone_working_risk for r in referrals) >= 2
    assert any(r.safeguarding_concern for r in referrals)
    assert any(r.entered_by_proxy and r.team_id is None for r in referrals)
    assert all(p.ward_code for p in people if p.postcode), "every postcode is a real one"
    # Equality monitoring answers with gaps and "Prefer not to say", every target group derived
    # from them for someone; groups ticked by a referrer only on a few referrals (older data).
    answers = db.session.scalars(select(EqualityMonitoring)).all()
    assert len(answers) >= 30 and any(a.sexual_orientation == "prefer_not_to_say" for a in answers)
    derived = groups_for_people(p.id for p in people)
    assert {group.code for found in derived.values() for group in found} == {g.code for g in TARGET_GROUPS}
    assert 1 <= sum(bool(r.target_groups) for r in referrals) <= 5
    lead = db.session.scalar(select(User).where(User.email == "lead@demo.example.org"))
    in_triage = service.triage_queue(lead).items
    assert sum(bool(service.possible_duplicates(r)) for r in in_triage) >= 2
    awaiting = service.awaiting_answers(lead).items
    assert any(a.overdue for a in awaiting) and not all(a.overdue for a in awaiting)

    # The written referrals were submitted over the last eight weeks (staff referrals moved back
    # to the working day before a weekend or bank holiday), so working-day ages vary; the
    # generated year over twelve months; no timeline runs into the future.
    now = clock.now()
    written = [r for r in referrals if not r.idempotency_key.startswith("demo-year-")]
    year = [r for r in referrals if r.idempotency_key.startswith("demo-year-")]
    assert len(year) >= app.config["DEMO_YEAR_REFERRALS"] * 0.9
    ages = {working_days_between(r.submitted_at, now) for r in written}
    assert len(ages) >= 15
    assert min(r.submitted_at for r in written) >= now - timedelta(weeks=8, days=5)
    assert min(r.submitted_at for r in year) >= now - timedelta(days=366)
    assert max(r.submitted_at for r in referrals) <= now
    for referral in referrals:
        times = [event.at for event in referral.events]
        assert times == sorted(times) and times[0] == referral.submitted_at
        assert times[-1] <= now

    # `make run` a second time keeps the data and adds nothing.
    before = row_counts()
    output = flask(app, "seed")
    assert "demo listings not loaded" in output
    assert "demo accounts and referrals not loaded" in output
    assert row_counts() == before

    # Every demo account signs in with the one demo password.
    for account in STAFF:
        response = sign_in(client, account["email"], DEMO_PASSWORD_DEFAULT)
        assert response.status_code == 302, account["email"]
        assert response.headers["Location"].endswith("/staff/")
    assert {team["key"] for team in TEAMS if team["source"]} <= {
        key for account in STAFF if "referrer" in account["roles"] for key in account["teams"]
    }, "every referring team has a demo referrer"

    # The team lead has referrals to triage and to allocate; each navigator has a caseload; each
    # referrer sees their team's referrals. Pages are checked where they exist.
    lead = db.session.scalar(select(User).where(User.email == "lead@demo.example.org"))
    assert lead is not None
    navigators = [u for u in db.session.scalars(select(User).order_by(User.email)) if u.has_role("navigator")]
    referrer = db.session.scalar(select(User).where(User.email == "referrer.asc@demo.example.org"))
    assert len(navigators) == 6 and referrer is not None
    # The written referrals give the first three navigators a caseload; the generated year
    # (smaller in tests) may leave the others without one.
    with_cases = [navigator for navigator in navigators if service.caseload(navigator)]
    assert len(with_cases) >= 3
    expected = [
        (lead, "casework.triage_queue", service.triage_queue(lead).items),
        (lead, "casework.unallocated", service.unallocated_queue(lead).items),
        *[(navigator, "casework.my_caseload", service.caseload(navigator)) for navigator in with_cases],
        (referrer, "referrals.team_referrals", service.team_referrals(referrer).items),
    ]
    for user, endpoint, referrals_shown in expected:
        assert referrals_shown, (user.email, endpoint)
        if endpoint in app.view_functions:
            sign_in(client, user.email, DEMO_PASSWORD_DEFAULT)
            assert page_lists(client, endpoint, referrals_shown), (user.email, endpoint)


def test_the_demo_exhibition_is_on_for_three_weeks(app: Flask, client: FlaskClient) -> None:
    flask(app, "seed")
    exhibition = "Market Day: Photographs of Ridley Road, 1960 to Today"
    for weeks_ahead in range(3):
        year, week, _ = (clock.today() + timedelta(weeks=weeks_ahead)).isocalendar()
        query = {} if weeks_ahead == 0 else {"week": f"{year}-W{week:02d}"}
        page = client.get("/whats-on", query_string=query).get_data(as_text=True)
        assert str(escape(exhibition)) in page, weeks_ahead
        assert "Started" in page


def test_demo_people_are_never_added_beside_real_accounts(app: Flask, staff: dict[str, Any]) -> None:
    with pytest.raises(SeedError, match="empty database"):
        load_demo_people(password=DEMO_PASSWORD_DEFAULT)
    assert not db.session.scalar(select(Team).where(Team.name == "CAMHS Hackney"))


def test_seed_never_loads_demo_accounts_in_production(
    app: Flask, make_org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_org("An organisation already here")  # so the directory is not reloaded
    monkeypatch.setenv("NAVIGATOR_ENV", "production")

    output = flask(app, "seed")

    assert "demo accounts and referrals are never loaded" in output
    assert DEMO_PASSWORD_DEFAULT not in output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_seed_without_the_demo_directory_skips_demo_referrals(app: Flask, make_listing: Any) -> None:
    make_listing("A real local lunch club")  # a directory that is not the demo one

    output = flask(app, "seed")

    assert "Demo accounts and referrals not loaded" in output
    assert "Clapton Tuesday Lunch Club" in output  # says which listings it looked for
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(Team.id))) == 0


def test_demo_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert demo_password() == "community-navigator-demo"
    monkeypatch.setenv("DEMO_PASSWORD", "another long demo password")
    assert demo_password() == "another long demo password"
    monkeypatch.setenv("DEMO_PASSWORD", "short")
    with pytest.raises(SeedError, match="DEMO_PASSWORD"):
        demo_password()


def test_create_admin_prints_a_one_time_set_password_link(app: Flask, client: FlaskClient) -> None:
    output = flask(app, "users", "create-admin", "First.Admin@example.org", "Ada Lovelace")

    admin = db.session.scalar(select(User).where(User.email == "first.admin@example.org"))
    assert admin is not None and admin.has_role("admin") and admin.password_hash is None
    assert [r.code for r in admin.roles] == ["admin"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.record_id == str(admin.id)))
    assert entry is not None and entry.action is AuditAction.CREATE and entry.user_id is None
    [link] = [line for line in output.splitlines() if line.startswith("http://localhost/invitation/")]

    path = link.removeprefix("http://localhost")
    assert client.get(path).status_code == 200
    chosen = "a new admin password for the demo"
    response = client.post(path, data={"password": chosen, "confirm": chosen})
    assert response.status_code == 302
    assert sign_in(client, "first.admin@example.org", chosen).headers["Location"].endswith("/staff/")

    # The link works once.
    client.post("/sign-out")
    assert client.get(path).status_code == 400


def test_create_admin_refuses_an_email_already_in_use(app: Flask, staff: dict[str, Any]) -> None:
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "create-admin", staff["lead"].email, "Someone Else"])
    assert result.exit_code != 0
    assert "already an account" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id)).where(sa.func.lower(User.email) == staff["lead"].email)) == 1

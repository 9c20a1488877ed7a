"""Building staff, teams and referrals in any state, through the real services."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pyotp
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy import event, select
from werkzeug.test import TestResponse as Response

from navigator import clock
from navigator.config import TestConfig
from navigator.extensions import db
from navigator.models import (
    Agreement,
    ContactChannel,
    ContactOutcome,
    Organisation,
    Referral,
    ReferralState,
    Role,
    ScreeningOccasion,
    Team,
    User,
)
from navigator.services import referrals as service
from navigator.services.accounts import current_security_code

PASSWORD = "correct horse battery staple"
# Hashed once with the test configuration's cheap parameters.
_PASSWORD_HASH = PasswordHasher(*TestConfig.ARGON2_PARAMETERS).hash(PASSWORD)


def make_team(name: str | None = None, source_code: str = "adult_social_care", email: str = "") -> Team:
    team = Team(name=name or f"Team {uuid.uuid4().hex[:6]}", source_code=source_code, email=email)
    db.session.add(team)
    db.session.commit()
    return team


def make_user(
    *role_codes: str,
    teams: list[Team] | None = None,
    name: str | None = None,
    email: str | None = None,
    active: bool = True,
    organisations: list[Organisation] | None = None,
) -> User:
    slug = uuid.uuid4().hex[:8]
    user = User(
        email=email or f"{(role_codes or ('staff',))[0]}-{slug}@example.org",
        name=name or f"{(role_codes or ('Staff',))[0].replace('_', ' ').title()} {slug}",
        password_hash=_PASSWORD_HASH,
        active=active,
        totp_secret=pyotp.random_base32(),
    )
    user.roles = list(db.session.scalars(select(Role).where(Role.code.in_(role_codes))))
    user.teams = list(teams or [])
    user.organisations = list(organisations or [])
    db.session.add(user)
    db.session.commit()
    return user


def security_code(user: User) -> str:
    """The code the person's authenticator app shows now (by the application's clock)."""
    return current_security_code(user)


def sign_in(client: FlaskClient, user: User, password: str = PASSWORD) -> Response:
    """Both steps of signing in, through the real pages. Returns the final response."""
    # Each test sign-in stands for a new login minutes apart: let the current code be used again.
    db.session.get(User, user.id).totp_last_step = None
    db.session.commit()
    first = client.post("/sign-in", data={"email": user.email, "password": password})
    if first.status_code != 302 or "/sign-in/security-code" not in first.headers.get("Location", ""):
        return first
    return client.post("/sign-in/security-code", data={"code": security_code(user)})


def referral_details(team: Team | None = None, **changes: object) -> service.ReferralDetails:
    person = service.PersonDetails(
        given_name=str(changes.pop("given_name", "Edna")),
        family_name=str(changes.pop("family_name", "Okonkwo-Test")),
        date_of_birth=changes.pop("date_of_birth", date(1948, 3, 14)),  # type: ignore[arg-type]
        phone="020 7946 0999",
        postcode="E8 1DY",
        languages=["en"],
        nhs_number=str(changes.pop("nhs_number", "")),
    )
    details = service.ReferralDetails(
        person=person,
        source_code=team.source_code if team and team.source_code else "adult_social_care",
        team_id=team.id if team else None,
        reason="Lives alone since her husband died and rarely goes out.",
        what_matters="Getting back to singing; meeting people her own age.",
        needs=["loneliness", "bereavement"],
        agreement=Agreement.YES,
        agreement_date=clock.today(),
        agreement_obtained_by="Test referrer",
        information_sharing_agreed=True,
        referrer_name="Test referrer",
        referrer_email="referrer@example.org",
    )
    for key, value in changes.items():
        setattr(details, key, value)
    return details


ADULT_BASELINE = {
    "ucla3": {"lack_companionship": "often", "left_out": "some_of_the_time", "isolated": "often"},
    "ons_direct": {"lonely": "often_always"},
}


def make_referral(
    state: ReferralState = ReferralState.SUBMITTED,
    *,
    referrer: User,
    lead: User | None = None,
    navigator: User | None = None,
    **changes: object,
) -> Referral:
    """A referral moved through the real services to `state`."""
    team = referrer.teams[0] if referrer.teams else None
    referral = service.submit_referral(referral_details(team, **changes), by=referrer, idempotency_key=uuid.uuid4().hex)
    if state is ReferralState.SUBMITTED:
        return referral
    assert lead is not None, "a team lead is needed to move a referral past triage"
    if state is ReferralState.MORE_INFO_REQUESTED:
        return service.request_more_information(referral.id, by=lead, question="Does she have a phone?")
    if state is ReferralState.REJECTED:
        return service.reject_referral(referral.id, by=lead, reason="out_of_area")
    if state is ReferralState.REDIRECTED:
        return service.redirect_referral(referral.id, by=lead, service="Memory clinic", reason="Needs assessment")
    service.accept_referral(referral.id, by=lead)
    if state is ReferralState.ACCEPTED:
        return referral
    assert navigator is not None, "a navigator is needed to allocate"
    service.allocate_referral(referral.id, navigator.id, by=lead)
    if state is ReferralState.ALLOCATED:
        return referral
    now = clock.now() - timedelta(hours=1)
    if state is ReferralState.CONTACTING:
        return service.log_contact_attempt(
            referral.id, by=navigator, at=now, channel=ContactChannel.PHONE, outcome=ContactOutcome.NO_ANSWER
        )
    service.log_contact_attempt(
        referral.id,
        by=navigator,
        at=now,
        channel=ContactChannel.PHONE,
        outcome=ContactOutcome.REACHED,
        person_agrees=True,
    )
    if state is ReferralState.ENGAGED:
        return referral
    for code, answers in ADULT_BASELINE.items():
        service.record_screening(
            referral.id, by=navigator, instrument_code=code, answers=answers, occasion=ScreeningOccasion.BASELINE
        )
    service.start_support(referral.id, by=navigator)
    if state is ReferralState.IN_SUPPORT:
        return referral
    assert state is ReferralState.CLOSED
    return service.close_referral(
        referral.id,
        by=navigator,
        reason="goals_met",
        summary="Joined a choir.",
        follow_up_not_obtained_reason="declined",
    )


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run the services as at another moment (a baseline taken months ago, say)."""
    original = clock.now
    setattr(clock, "now", lambda: moment)  # noqa: B010  (a module function, swapped on purpose)
    try:
        yield
    finally:
        setattr(clock, "now", original)  # noqa: B010


def in_support_since(days_ago: int, **kwargs: Any) -> Referral:
    """A case whose baseline screen and start of support were `days_ago` days ago."""
    with clock_at(clock.now() - timedelta(days=days_ago)):
        return make_referral(ReferralState.IN_SUPPORT, **kwargs)


def count_queries(client: FlaskClient, path: str) -> int:
    """How many SQL statements a page takes: a test adds rows and checks it does not grow."""
    statements: list[str] = []

    def remember(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    return len(statements)

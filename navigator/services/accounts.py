"""Staff accounts: invitations, signing in, password resets (argon2 hashes, signed links)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import AuditAction, Organisation, Role, Team, User
from navigator.services import audit
from navigator.services.mail import queue_mail
from navigator.services.transactions import change_if_unchanged, commit_or
from navigator.urls import external_url

MIN_PASSWORD_LENGTH = 12


@functools.cache
def _hasher_with(time_cost: int, memory_cost: int, parallelism: int) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    # Verifying against a dummy hash when no account matches keeps sign-in time the same either way.
    return hasher, hasher.hash("not-a-real-password")


def _hasher() -> PasswordHasher:
    return _hasher_with(*current_app.config["ARGON2_PARAMETERS"])[0]


class AccountError(ValueError):
    """Something a user can correct (a used link, a taken email address...)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Password must be {MIN_PASSWORD_LENGTH} characters or more")
    if password.strip() != password or len(set(password)) < 4:
        raise AccountError("Choose a password that is harder to guess, for example three random words")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (failures are audited).

    This is the first factor: call complete_sign_in once the second factor is checked."""
    user = find_user_by_email(email)
    hasher, dummy = _hasher_with(*current_app.config["ARGON2_PARAMETERS"])
    stored = user.password_hash if user and user.password_hash else dummy
    try:
        ok = hasher.verify(stored, password) and user is not None and user.password_hash is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.active:
        audit.record(AuditAction.SIGN_IN_FAILED, "user", user.id if user else normalise_email(email)[:64], by=None)
        db.session.commit()
        return None
    if hasher.check_needs_rehash(stored):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def needs_two_factor(user: User) -> bool:
    """Whether signing in asks for an authenticator code (domain.md 1.1: staff accounts
    with case access use two-factor authentication). Volunteers who only edit their own
    organisation's listings sign in with a password alone; any other permission needs it."""
    if not current_app.config["REQUIRE_TWO_FACTOR"]:
        return False
    return bool(user.permissions - {Permission.EDIT_LISTINGS})


def complete_sign_in(user: User) -> None:
    user.last_signed_in_at = clock.now()
    audit.record(AuditAction.SIGN_IN, "user", user.id, by=user)
    db.session.commit()


# -- two-factor authentication (TOTP) ------------------------------------------

TOTP_ISSUER = "Community Navigator"


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app can import."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def current_security_code(user: User) -> str:
    """The code the person's app shows now (used by the demo command and tests)."""
    assert user.totp_secret
    totp = pyotp.TOTP(user.totp_secret)
    return totp.generate_otp(totp.timecode(clock.now()))


def _accepted_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step a code belongs to (allowing one step of clock drift), or None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = clock.now()
    for drift in (0, -1, 1):
        step = totp.timecode(now) + drift
        if totp.generate_otp(step) == code and (last_step is None or step > last_step):
            return step
    return None


def confirm_two_factor_setup(user: User, secret: str, code: str) -> None:
    """Save the secret once the person proves their app shows the right codes."""
    step = _accepted_step(secret, code, None)
    if step is None:
        raise AccountError("The code is not right. Check the time on your phone and enter the newest code")
    user.totp_secret = secret
    user.totp_last_step = step
    audit.record(AuditAction.UPDATE, "user", user.id, by=user, new={"two_factor": "set up"})
    db.session.commit()


def check_two_factor(user: User, code: str) -> None:
    """Accept a code once: a code already used (or older) is refused."""
    if not user.totp_secret:
        raise AccountError("Set up two-factor authentication first")
    step = _accepted_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        audit.record(AuditAction.SIGN_IN_FAILED, "user", user.id, by=None, reason="wrong security code")
        db.session.commit()
        raise AccountError("The security code is not right. Enter the newest code from your app")
    if not change_if_unchanged(
        User, user.id, expected={"totp_last_step": user.totp_last_step}, values={"totp_last_step": step}
    ):
        # The same code was accepted for another sign-in a moment ago: a code works once.
        db.session.rollback()
        raise AccountError("This security code has just been used. Wait for your app to show a new code and enter it")
    db.session.commit()


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"navigator-{purpose}")


def _token_for(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"user": str(user.id), "token": user.session_token})


def _user_from_token(token: str, purpose: str, max_age: int) -> User:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise AccountError("This link has expired. Ask for a new one") from error
    except BadSignature as error:
        raise AccountError("This link is not valid. Check you copied all of it") from error
    user = db.session.get(User, uuid.UUID(data["user"]))
    # A link stops working once the password has been set with it (the token rotates).
    if user is None or user.session_token != data["token"] or not user.active:
        raise AccountError("This link has already been used or is no longer valid. Ask for a new one")
    return user


def add_user(
    *,
    email: str,
    name: str,
    roles: Iterable[Role],
    by: User | None,
    teams: Iterable[Team] = (),
    organisations: Iterable[Organisation] = (),
    reason: str = "",
    **fields: Any,
) -> User:
    """A new account with its roles, teams and organisations, and the audit entry saying who
    made it (not committed). Invitations, the first admin and the demo seed all use it."""
    user = User(email=normalise_email(email), name=name.strip(), **fields)
    user.roles = list(roles)
    user.teams = list(teams)
    user.organisations = list(organisations)
    db.session.add(user)
    db.session.flush()
    audit.record(
        AuditAction.CREATE,
        "user",
        user.id,
        by=by,
        new={"email": user.email, "roles": [role.code for role in user.roles]}
        | ({"teams": [team.name for team in user.teams]} if user.teams else {})
        | ({"organisations": [o.name for o in user.organisations]} if user.organisations else {}),
        reason=reason,
    )
    return user


def invite_user(
    *,
    email: str,
    name: str,
    role_codes: Iterable[str],
    team_ids: Iterable[uuid.UUID],
    by: User,
    job_title: str = "",
    organisations: Iterable[Organisation] = (),
) -> User:
    """Create an account and email a link to choose a password. `organisations` makes the
    account an editor of those organisations (the mail says which)."""
    if find_user_by_email(email):
        raise AccountError("There is already an account with this email address")
    roles = db.session.scalars(select(Role).where(Role.code.in_(list(role_codes)))).all()
    if not roles:
        raise AccountError("Choose at least one role")
    teams = db.session.scalars(select(Team).where(Team.id.in_(list(team_ids)))).all()
    user = add_user(
        email=email,
        name=name,
        roles=roles,
        teams=teams,
        organisations=organisations,
        by=by,
        job_title=job_title,
        invited_at=clock.now(),
    )
    link = external_url("auth.accept_invitation", token=_token_for(user, "invitation"))
    purpose = ""
    if user.organisations:
        names = " and ".join(organisation.name for organisation in user.organisations)
        purpose = f", so you can list and update activities, events and spaces for {names}"
    queue_mail(
        user.email,
        "You have been invited to Community Navigator",
        f"Hello {user.name},\n\n{by.name} has set up a Community Navigator account for you{purpose}.\n\n"
        f"Choose your password here (the link works for 7 days):\n{link}\n",
    )
    # Two invitations for one address at the same moment: the unique email refuses the second.
    commit_or(lambda: AccountError("There is already an account with this email address"))
    return user


def invitation_link(user: User) -> str:
    """The one-time link for an invited user to choose a password. Works outside a request
    too (a command), where the link is built from BASE_URL."""
    return external_url("auth.accept_invitation", token=_token_for(user, "invitation"))


def create_admin(*, email: str, name: str) -> tuple[User, str]:
    """Create a system admin with no password yet, for the first admin of a new deployment
    (`flask users create-admin`), and return the account with its one-time set-password link."""
    if "@" not in email.strip():
        raise AccountError("Enter an email address, like name@example.org")
    if not name.strip():
        raise AccountError("Enter the admin's name")
    if find_user_by_email(email):
        raise AccountError("There is already an account with this email address")
    role = db.session.get(Role, "admin")
    if role is None:
        raise AccountError("The admin role is missing: run `flask db upgrade` first")
    user = add_user(email=email, name=name, roles=[role], by=None, reason="command line", invited_at=clock.now())
    link = invitation_link(user)
    db.session.commit()
    return user, link


def accept_invitation(token: str, password: str) -> User:
    user = _user_from_token(token, "invitation", current_app.config["INVITATION_MAX_AGE"])
    return _set_password(user, password)


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists. Says nothing either way (no account probing)."""
    user = find_user_by_email(email)
    if user is None or not user.active or user.password_hash is None:
        return
    link = external_url("auth.reset_password", token=_token_for(user, "reset"))
    queue_mail(
        user.email,
        "Reset your Community Navigator password",
        f"Hello {user.name},\n\nUse this link to choose a new password. It works for 1 hour, once:\n{link}\n\n"
        "If you did not ask for this, you can ignore this email.\n",
    )
    db.session.commit()


def reset_password(token: str, password: str) -> User:
    user = _user_from_token(token, "reset", current_app.config["PASSWORD_RESET_MAX_AGE"])
    return _set_password(user, password)


def check_token(token: str, purpose: str) -> User:
    """Validate a link before showing its form."""
    max_age = current_app.config["INVITATION_MAX_AGE" if purpose == "invitation" else "PASSWORD_RESET_MAX_AGE"]
    return _user_from_token(token, purpose, max_age)


def _set_password(user: User, password: str) -> User:
    check_password_rules(password)
    # A new session token signs out other sessions and spends the link, once: of two uses
    # of the same link at the same moment only one sets the password.
    spent = change_if_unchanged(
        User,
        user.id,
        expected={"session_token": user.session_token},
        values={"password_hash": hash_password(password), "session_token": uuid.uuid4().hex},
    )
    if not spent:
        db.session.rollback()
        raise AccountError("This link has already been used. Sign in, or ask for a new link")
    audit.record(AuditAction.UPDATE, "user", user.id, by=user, new={"password": "changed"})
    db.session.commit()
    return user


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the id carries the session token, so a password change signs out."""
    try:
        raw_id, token = user_id.split(":", 1)
        user = db.session.get(User, uuid.UUID(raw_id))
    except ValueError:
        return None
    if user is None or not user.active or user.session_token != token:
        return None
    return user

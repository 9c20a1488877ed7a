"""What is spent by its first use stays spent when two requests use it at the same
moment: a security code signs in once, and a password link sets a password once."""

from __future__ import annotations

import pytest
from flask import Flask

from navigator.extensions import db
from navigator.models import User
from navigator.services import accounts
from navigator.services.accounts import AccountError
from tests.concurrency import at_once, hold_after_reading
from tests.factories import make_user, security_code


def test_one_security_code_used_by_two_sign_ins_at_once_lets_only_one_in(app: Flask, monkeypatch: pytest.MonkeyPatch):
    user_id = make_user("navigator").id
    code = security_code(db.session.get(User, user_id))
    # Both have read the account and checked the code before either records it.
    reached = hold_after_reading(monkeypatch, accounts, "_accepted_step")

    def sign_in() -> None:
        accounts.check_two_factor(db.session.get(User, user_id), code)

    winners, losers = at_once(app, [sign_in, sign_in])
    assert len(reached) == 2
    assert len(winners) == 1, losers
    assert len(losers) == 1 and isinstance(losers[0], AccountError), losers
    assert "has just been used" in str(losers[0])


def test_one_password_link_used_twice_at_once_sets_one_password(app: Flask, monkeypatch: pytest.MonkeyPatch):
    user = make_user("navigator")
    user_id, email = user.id, user.email
    token = accounts._token_for(user, "reset")
    reached = hold_after_reading(monkeypatch, accounts, "check_password_rules")
    passwords = ["first tab's long password", "second tab's long password"]

    def use_link(n: int):
        return lambda: accounts.reset_password(token, passwords[n])

    winners, losers = at_once(app, [use_link(0), use_link(1)])
    assert len(reached) == 2
    assert len(winners) == 1, losers
    assert len(losers) == 1 and isinstance(losers[0], AccountError), losers
    assert "already been used" in str(losers[0])
    db.session.expire_all()
    stored = db.session.get(User, user_id)
    assert stored is not None
    assert accounts.authenticate(email, passwords[winners[0]]) is not None
    assert accounts.authenticate(email, passwords[1 - winners[0]]) is None
    # Spent: the link no longer works at all.
    with pytest.raises(AccountError):
        accounts.reset_password(token, "a third long password here")

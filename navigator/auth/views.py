"""Signing in and out, password resets and accepting invitations."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from navigator.auth.decorators import public
from navigator.auth.forms import ChoosePasswordForm, RequestResetForm, SecurityCodeForm, SignInForm
from navigator.extensions import limiter
from navigator.models import User
from navigator.services import accounts
from navigator.shortlist.store import SESSION_KEY as SHORTLIST_KEY
from navigator.urls import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"], methods=["POST"])
def sign_in() -> str | Response:
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            next_page = safe_next(request.args.get("next"))
            # A fresh session, keeping only the shortlist the person built before signing in.
            shortlist = session.get(SHORTLIST_KEY)
            session.clear()
            if shortlist:
                session[SHORTLIST_KEY] = shortlist
            if not accounts.needs_two_factor(user):
                return _finish_sign_in(user, next_page)
            # Half signed in: the second factor decides.
            session[PENDING_USER] = user.get_id()
            session[PENDING_NEXT] = next_page
            return redirect(url_for("auth.two_factor" if user.totp_secret else "auth.two_factor_setup"))
        failed = True
    return render_template("auth/sign_in.html", form=form, failed=failed)


PENDING_USER = "two_factor_user"
PENDING_NEXT = "two_factor_next"
PENDING_SECRET = "two_factor_secret"


def _finish_sign_in(user: User, next_page: str | None) -> Response:
    session.pop(PENDING_USER, None)
    next_page = next_page or session.pop(PENDING_NEXT, None)
    session.pop(PENDING_SECRET, None)
    login_user(user)
    accounts.complete_sign_in(user)
    return redirect(next_page or url_for("staff.dashboard"))


def _pending_user() -> User | None:
    raw = session.get(PENDING_USER)
    return accounts.load_user(raw) if raw else None


@bp.route("/sign-in/security-code", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"], methods=["POST"])
def two_factor() -> str | Response:
    user = _pending_user()
    if user is None or not user.totp_secret:
        return redirect(url_for("auth.sign_in"))
    form = SecurityCodeForm()
    if form.validate_on_submit():
        try:
            accounts.check_two_factor(user, form.code.data or "")
        except accounts.AccountError as error:
            form.code.errors = [str(error)]
        else:
            return _finish_sign_in(user, None)
    return render_template("auth/two_factor.html", form=form)


@bp.route("/sign-in/set-up-security-codes", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"], methods=["POST"])
def two_factor_setup() -> str | Response:
    user = _pending_user()
    if user is None or user.totp_secret:
        return redirect(url_for("auth.sign_in"))
    secret = session.get(PENDING_SECRET) or accounts.new_totp_secret()
    session[PENDING_SECRET] = secret
    form = SecurityCodeForm()
    if form.validate_on_submit():
        try:
            accounts.confirm_two_factor_setup(user, secret, form.code.data or "")
        except accounts.AccountError as error:
            form.code.errors = [str(error)]
        else:
            return _finish_sign_in(user, None)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template("auth/two_factor_setup.html", form=form, secret=grouped, uri=accounts.totp_uri(user, secret))


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out() -> Response:
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/reset-password", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"], methods=["POST"])
def request_reset() -> str | Response:
    form = RequestResetForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data or "")
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/request_reset.html", form=form)


def _choose_password(token: str, purpose: str) -> str | Response:
    try:
        user = accounts.check_token(token, purpose)
    except accounts.AccountError as error:
        return render_template("auth/link_problem.html", message=str(error)), 400  # type: ignore[return-value]
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            if purpose == "invitation":
                accounts.accept_invitation(token, form.password.data or "")
            else:
                accounts.reset_password(token, form.password.data or "")
        except accounts.AccountError as error:
            form.password.errors = [str(error)]
        else:
            flash("Your password has been saved. Sign in with it now.")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/choose_password.html", form=form, user=user, purpose=purpose)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> str | Response:
    return _choose_password(token, "reset")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str) -> str | Response:
    return _choose_password(token, "invitation")

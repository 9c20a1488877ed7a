"""Administration: staff accounts (admins) and the audit log (team leads and admins)."""

from __future__ import annotations

import uuid
from datetime import time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import false, select
from werkzeug.wrappers import Response
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from navigator.auth.decorators import requires
from navigator.auth.forms import InviteUserForm
from navigator.auth.permissions import Permission
from navigator.clock import in_london
from navigator.extensions import db
from navigator.forms import DateInputField, choices
from navigator.models import AuditEntry, Referral, Role, Team, User
from navigator.services import accounts
from navigator.services.referrals import ReferralError, break_glass_read

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE_SIZE = 100


class InviteForm(InviteUserForm):
    roles = SelectMultipleField("Roles", validators=[DataRequired("Choose at least one role")])
    teams = SelectMultipleField("Teams")


@bp.route("/users")
@requires(Permission.MANAGE_USERS)
def users() -> str:
    people = db.session.scalars(select(User).order_by(User.name)).all()
    return render_template("admin/users.html", people=people)


@bp.route("/users/invite", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def invite_user() -> str | Response:
    form = InviteForm()
    form.roles.choices = choices((r.code, r.name) for r in db.session.scalars(select(Role).order_by(Role.name)))
    form.teams.choices = choices((str(t.id), t.name) for t in db.session.scalars(select(Team).order_by(Team.name)))
    if form.validate_on_submit():
        try:
            user = accounts.invite_user(
                email=form.email.data or "",
                name=form.name.data or "",
                job_title=form.job_title.data or "",
                role_codes=form.roles.data or [],
                team_ids=[uuid.UUID(t) for t in form.teams.data or []],
                by=current_user,
            )
        except accounts.AccountError as error:
            form.email.errors = [str(error)]
        else:
            flash(f"Invitation sent to {user.email}")
            return redirect(url_for("admin.users"))
    return render_template("admin/invite.html", form=form)


class BreakGlassForm(FlaskForm):
    reference = StringField(
        "Referral reference", validators=[DataRequired("Enter the referral reference, like CN-2026-000012")]
    )
    reason = TextAreaField(
        "Why do you need to read this record?",
        validators=[DataRequired("Explain why you need to read this record"), Length(max=1000)],
    )


@bp.route("/break-glass", methods=["GET", "POST"])
@requires(Permission.BREAK_GLASS)
def break_glass() -> str:
    """Read one case record with a recorded reason. Each read asks again."""
    form = BreakGlassForm()
    if form.validate_on_submit():
        try:
            referral = break_glass_read(form.reference.data or "", by=current_user, reason=form.reason.data or "")
        except ReferralError as error:
            form.reference.errors = [str(error)] if "reference" in str(error) else []
            if not form.reference.errors:
                form.reason.errors = [str(error)]
        else:
            return render_template("admin/break_glass_record.html", referral=referral)
    return render_template("admin/break_glass.html", form=form)


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateInputField("From")
    end = DateInputField("To")


@bp.route("/audit")
@requires(Permission.VIEW_AUDIT_LOG)
def audit_log() -> str:
    """Filter by person (email), referral (reference or id) and date."""
    form = AuditFilterForm(request.args)
    form.validate()
    person = (request.args.get("person") or "").strip()[:254]
    referral_text = (request.args.get("referral") or "").strip()[:64]
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if person:
        query = query.where(AuditEntry.user_email == person.lower())
    if referral_text:
        referral = db.session.scalar(select(Referral).where(Referral.reference == referral_text.upper()))
        try:
            referral_id = referral.id if referral else uuid.UUID(referral_text)
        except ValueError:
            referral_id = None
        query = query.where(AuditEntry.referral_id == referral_id) if referral_id else query.where(false())
    if form.start.data:
        query = query.where(AuditEntry.at >= in_london(form.start.data))
    if form.end.data:
        query = query.where(AuditEntry.at <= in_london(form.end.data, time.max))
    entries = db.session.scalars(query.limit(AUDIT_PAGE_SIZE)).all()
    return render_template(
        "admin/audit.html",
        entries=entries,
        form=form,
        person=person,
        referral=referral_text,
        page_size=AUDIT_PAGE_SIZE,
    )

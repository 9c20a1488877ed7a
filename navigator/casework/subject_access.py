"""A team lead exports everything held about one person for a subject access request."""

from __future__ import annotations

import json
import uuid

from flask import abort, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectMultipleField, TextAreaField

from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.forms import choices, strip_whitespace
from navigator.services import subject_access
from navigator.services.referrals import NotFound, ReferralError


class SubjectAccessForm(FlaskForm):
    reason = TextAreaField("Why are you exporting this record?", filters=[strip_whitespace])
    also = SelectMultipleField(
        "Other referrals for the same person (optional)",
        invalid_choice_message="Choose only referrals listed as possible duplicates",
    )


@bp.route("/referrals/<uuid:referral_id>/subject-access", methods=["GET", "POST"])
@requires(Permission.EXPORT_PERSONAL_DATA)
def subject_access_export(referral_id: uuid.UUID) -> str | Response | tuple[str, int]:
    """GET: choose the referrals and give a reason. POST: download them as one JSON file,
    or open a copy to print (or save as PDF) for the person."""
    try:
        referral, duplicates = subject_access.candidates(referral_id, current_user)
    except NotFound:
        abort(404)
    form = SubjectAccessForm()
    form.also.choices = choices(
        (str(item.id), f"{item.reference}: {item.person.full_name}, {item.state.label}") for item in duplicates
    )
    if form.validate_on_submit():
        try:
            document = subject_access.export_person(
                referral.id,
                [uuid.UUID(value) for value in form.also.data or []],
                by=current_user,
                reason=form.reason.data or "",
            )
        except ReferralError as error:
            form.reason.errors = [str(error)]
        else:
            if request.form.get("format") == "print":
                page = render_template("casework/subject_access_copy.html", document=document)
                return Response(page, mimetype="text/html", headers={"Cache-Control": "no-store"})
            body = json.dumps(document, indent=2, ensure_ascii=False)
            return Response(
                body,
                mimetype="application/json",
                headers={
                    "Content-Disposition": f'attachment; filename="{subject_access.filename(referral)}"',
                    "Cache-Control": "no-store",
                },
            )
    status = 400 if form.errors else 200
    return render_template("casework/subject_access.html", referral=referral, form=form), status

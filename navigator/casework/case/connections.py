"""Connections: suggesting an activity and recording how it went."""

from __future__ import annotations

import uuid

from werkzeug.wrappers import Response

from navigator.auth.decorators import requires
from navigator.auth.permissions import Permission
from navigator.casework import bp
from navigator.casework.case.helpers import _not_found, _render, _to_case, _user, _workable
from navigator.casework.forms import (
    CONNECTION_STATUS_HINTS,
    CONNECTION_STATUS_LABELS,
    ConnectionForm,
    SuggestConnectionForm,
    connection_status_choices,
    page_revision,
)
from navigator.casework.suggesting import find_activities_url
from navigator.extensions import db
from navigator.models import Connection, ConnectionStatus, Listing
from navigator.services import referrals


@bp.route("/cases/<uuid:referral_id>/connections", methods=["POST"])
@requires(Permission.WORK_CASES)
def suggest_connection(referral_id: uuid.UUID) -> str | Response:
    referral = _workable(referral_id)
    form = SuggestConnectionForm()
    listing = _listing(form.listing_id.data)
    if form.validate_on_submit():
        if listing is None:
            form.listing_id.errors = ["Choose an activity that is in the directory"]
        else:
            try:
                referrals.suggest_connection(
                    referral.id, by=_user(), listing_id=listing.id, note=(form.note.data or "").strip()
                )
            except referrals.ReferralError as error:
                form.listing_id.errors = [str(error)]
            else:
                return _to_case(referral.id, f"{listing.name} suggested for {referral.reference}")
    return _render(
        "suggest.html",
        form=form,
        referral=referral,
        listing=listing,
        search_url=find_activities_url(referral),
    )


def _listing(raw: str | None) -> Listing | None:
    try:
        listing_id = uuid.UUID(raw or "")
    except ValueError:
        return None
    listing = db.session.get(Listing, listing_id)
    return listing if listing is not None and listing.is_public else None


@bp.route("/connections/<uuid:connection_id>", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def update_connection(connection_id: uuid.UUID) -> str | Response:
    connection = db.session.get(Connection, connection_id)
    if connection is None:
        _not_found()
    referral = _workable(connection.referral_id)
    form = ConnectionForm()
    form.status.choices = connection_status_choices(referrals.CONNECTION_MOVES[connection.status])
    if not form.is_submitted():
        form.details_shared_agreed.data = connection.details_shared_agreed
        form.revision.data = str(connection.revision)
    if form.validate_on_submit():
        try:
            status = ConnectionStatus(form.status.data)
        except ValueError:
            form.status.errors = ["Choose the new status"]
        else:
            try:
                referrals.update_connection(
                    connection.id,
                    by=_user(),
                    status=status,
                    details_shared_agreed=bool(form.details_shared_agreed.data),
                    buddy_went=bool(form.buddy_went.data),
                    other_support=(form.other_support.data or "").strip(),
                    stopped_reason=form.stopped_reason.data or "",
                    note=(form.note.data or "").strip(),
                    revision=page_revision(form.revision),
                )
            except referrals.ReferralError as error:
                message = str(error)
                # Shown the connection as it is now, with the answers kept: saving again is deliberate.
                form.revision.data = str(connection.revision)
                form.status.choices = connection_status_choices(referrals.CONNECTION_MOVES[connection.status])
                # Show the message next to the answer it is about.
                target = form.stopped_reason if status is ConnectionStatus.STOPPED and "stopped" in message else None
                if status is ConnectionStatus.CONTACTED and "agreed" in message:
                    target = form.details_shared_agreed
                (target or form.status).errors = [message]
            else:
                name = connection.listing.name
                return _to_case(referral.id, f"{name}: {CONNECTION_STATUS_LABELS[status].lower()}")
    return _render(
        "connection.html",
        form=form,
        connection=connection,
        referral=referral,
        status_hint=". ".join(
            f"{CONNECTION_STATUS_LABELS[s]}: {CONNECTION_STATUS_HINTS[s].lower()}"
            for s in ConnectionStatus
            if s in referrals.CONNECTION_MOVES[connection.status] and s in CONNECTION_STATUS_HINTS
        ),
    )

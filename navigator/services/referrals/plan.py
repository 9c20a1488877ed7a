"""The support plan: goals, case notes, connections to activities and reviews (domain.md 2.5)."""

from __future__ import annotations

import uuid
from datetime import date

from navigator import clock
from navigator.extensions import db
from navigator.models import (
    AuditAction,
    CaseNote,
    Connection,
    ConnectionStatus,
    Goal,
    GoalStatus,
    Listing,
    Review,
    User,
)
from navigator.services import audit
from navigator.services.referrals.access import get_case
from navigator.services.referrals.errors import ConcurrentChange, InvalidTransition, NotFound, ReferralError
from navigator.services.referrals.lifecycle import S, commit, require_open
from navigator.services.transactions import all_or_nothing, expect_revision
from navigator.vocabularies import STOPPED_REASONS


@all_or_nothing
def add_goal(referral_id: uuid.UUID, *, by: User, text: str, target_date: date | None = None) -> Goal:
    if not text.strip():
        raise ReferralError("Enter the goal in the person's words")
    referral = get_case(referral_id, by)
    require_open(referral)
    goal = Goal(id=uuid.uuid4(), referral=referral, text=text.strip(), target_date=target_date)
    db.session.add(goal)
    audit.record(AuditAction.CREATE, "goal", goal.id, by=by, referral_id=referral.id, new={"text": goal.text})
    commit()
    return goal


@all_or_nothing
def update_goal(goal_id: uuid.UUID, *, by: User, status: GoalStatus, revision: int | None = None) -> Goal:
    """Change a goal's status; `revision` is the one the page showed."""
    goal = db.session.get(Goal, goal_id)
    if goal is None:
        raise NotFound()
    referral = get_case(goal.referral_id, by)
    require_open(referral)
    expect_revision(goal, revision, what="This goal", record_type="goal", refusal=ConcurrentChange)
    before = goal.status
    goal.status = status
    audit.record(
        AuditAction.UPDATE,
        "goal",
        goal.id,
        by=by,
        referral_id=referral.id,
        old={"status": before},
        new={"status": status},
    )
    commit()
    return goal


@all_or_nothing
def add_case_note(referral_id: uuid.UUID, *, by: User, text: str, corrects_id: uuid.UUID | None = None) -> CaseNote:
    """Notes are never edited: a correction is a new note pointing at the old one."""
    if not text.strip():
        raise ReferralError("Enter the note")
    referral = get_case(referral_id, by)
    if corrects_id is not None:
        corrected = db.session.get(CaseNote, corrects_id)
        if corrected is None or corrected.referral_id != referral.id:
            raise ReferralError("The note you are correcting is not on this referral")
    note = CaseNote(
        id=uuid.uuid4(), referral=referral, author_id=by.id, text=text.strip(), corrects_id=corrects_id, at=clock.now()
    )
    db.session.add(note)
    audit.record(
        AuditAction.CREATE, "case_note", note.id, by=by, referral_id=referral.id, new={"corrects": corrects_id}
    )
    commit()
    return note


CONNECTION_MOVES: dict[ConnectionStatus, frozenset[ConnectionStatus]] = {
    ConnectionStatus.SUGGESTED: frozenset(
        {ConnectionStatus.CONTACTED, ConnectionStatus.ATTENDED_FIRST_SESSION, ConnectionStatus.STOPPED}
    ),
    ConnectionStatus.CONTACTED: frozenset({ConnectionStatus.ATTENDED_FIRST_SESSION, ConnectionStatus.STOPPED}),
    ConnectionStatus.ATTENDED_FIRST_SESSION: frozenset(
        {ConnectionStatus.ATTENDING_REGULARLY, ConnectionStatus.STOPPED}
    ),
    ConnectionStatus.ATTENDING_REGULARLY: frozenset({ConnectionStatus.STOPPED}),
    ConnectionStatus.STOPPED: frozenset(),
}


@all_or_nothing
def suggest_connection(referral_id: uuid.UUID, *, by: User, listing_id: uuid.UUID, note: str = "") -> Connection:
    referral = get_case(referral_id, by)
    if referral.state not in (S.ENGAGED, S.IN_SUPPORT):
        raise InvalidTransition("Connect the person to activities once they are engaged")
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing.is_public:
        raise ReferralError("Choose an activity that is in the directory")
    if any(c.listing_id == listing_id and c.status is not ConnectionStatus.STOPPED for c in referral.connections):
        raise ReferralError(f"{listing.name} is already on this person's plan")
    connection = Connection(
        id=uuid.uuid4(), referral=referral, listing_id=listing.id, status=ConnectionStatus.SUGGESTED, note=note
    )
    db.session.add(connection)
    audit.record(
        AuditAction.CREATE,
        "connection",
        connection.id,
        by=by,
        referral_id=referral.id,
        new={"listing": listing.name, "status": ConnectionStatus.SUGGESTED},
    )
    # Two suggestions at the same moment: the open-connection unique index refuses the second.
    commit(f"{listing.name} is already on this person's plan")
    return connection


@all_or_nothing
def update_connection(
    connection_id: uuid.UUID,
    *,
    by: User,
    status: ConnectionStatus,
    details_shared_agreed: bool = False,
    buddy_went: bool = False,
    other_support: str = "",
    stopped_reason: str = "",
    note: str = "",
    revision: int | None = None,
) -> Connection:
    """Record how a connection went; `revision` is the one the page showed."""
    connection = db.session.get(Connection, connection_id)
    if connection is None:
        raise NotFound()
    referral = get_case(connection.referral_id, by)
    require_open(referral)
    expect_revision(connection, revision, what="This connection", record_type="connection", refusal=ConcurrentChange)
    if status not in CONNECTION_MOVES[connection.status]:
        raise InvalidTransition(
            f"A connection that is {connection.status.value.replace('_', ' ')} cannot become "
            f"{status.value.replace('_', ' ')}"
        )
    if status is ConnectionStatus.CONTACTED and not details_shared_agreed:
        raise ReferralError("Record that the person agreed to share their details with the organiser")
    if status is ConnectionStatus.STOPPED and stopped_reason not in STOPPED_REASONS:
        raise ReferralError("Choose why the person stopped")
    before = connection.status
    connection.status = status
    connection.details_shared_agreed = connection.details_shared_agreed or details_shared_agreed
    if status is ConnectionStatus.ATTENDED_FIRST_SESSION:
        connection.buddy_went = buddy_went
        connection.other_support = other_support
        connection.first_attended_at = clock.today()
    if status is ConnectionStatus.STOPPED:
        connection.stopped_reason = stopped_reason
    if note:
        connection.note = note
    audit.record(
        AuditAction.UPDATE,
        "connection",
        connection.id,
        by=by,
        referral_id=referral.id,
        old={"status": before},
        new={"status": status, "buddy_went": connection.buddy_went},
    )
    commit()
    return connection


@all_or_nothing
def record_review(referral_id: uuid.UUID, *, by: User, progress: str, next_review_due: date | None) -> Review:
    if not progress.strip():
        raise ReferralError("Enter what has happened since the last review")
    referral = get_case(referral_id, by)
    if referral.state is not S.IN_SUPPORT:
        raise InvalidTransition("Reviews are recorded while the person is in support")
    review = Review(
        id=uuid.uuid4(),
        referral=referral,
        by_id=by.id,
        progress=progress.strip(),
        next_review_due=next_review_due,
        at=clock.now(),
    )
    referral.next_review_due = next_review_due
    db.session.add(review)
    audit.record(AuditAction.CREATE, "review", review.id, by=by, referral_id=referral.id)
    commit()
    return review

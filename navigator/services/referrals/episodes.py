"""One person, several episodes (domain.md 2.3, 6.8).

Every referral keeps its own copy of the person's details, with a pseudonymous person key
(models/person_key.py) that is the same for every episode of one person. Possible duplicates
are never merged automatically: at triage the team lead confirms "same person as CN-…", which
links the new referral to that person's most recent earlier episode (previous_referral_id)
and gives it the same key, so that a name spelled another way still joins up. The case page
shows the earlier episodes, and reports count unique people and re-referrals by the key.

A person's key is fixed ("linked") while their referral is either end of a link, so that a
correction of a name or date of birth cannot split what triage joined; undoing the link at
triage lets both follow their own details again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import AuditAction, Person, PersonKeySource, Referral, ReferralEvent, User
from navigator.models.person_key import keep_person_key
from navigator.models.referrals import FINAL_STATES
from navigator.services import audit
from navigator.services.referrals.access import can_work_case, get_referral, visible_referrals
from navigator.services.referrals.duplicates import possible_duplicates
from navigator.services.referrals.errors import InvalidTransition, NotFound, ReferralError
from navigator.services.referrals.lifecycle import S, commit
from navigator.vocabularies import CLOSURE_REASONS, REJECTION_REASONS

# Episodes are linked, and unlinked, while the referral is in triage.
TRIAGE_STATES = frozenset({S.SUBMITTED, S.MORE_INFO_REQUESTED})


def _earlier_than(referral: Referral) -> ColumnElement[bool]:
    """Referrals received before this one (the reference, numbered in order, breaks a tie)."""
    return or_(
        Referral.submitted_at < referral.submitted_at,
        and_(Referral.submitted_at == referral.submitted_at, Referral.reference < referral.reference),
    )


def is_earlier(other: Referral, referral: Referral) -> bool:
    return (other.submitted_at, other.reference) < (referral.submitted_at, referral.reference)


def _shown_duplicates(referral: Referral, by: User) -> list[Referral]:
    """The possible duplicates this user may see (the ones triage shows them)."""
    found = possible_duplicates(referral)
    if not found:
        return []
    visible = set(
        db.session.scalars(
            visible_referrals(by).where(Referral.id.in_([other.id for other in found])).with_only_columns(Referral.id)
        )
    )
    return [other for other in found if other.id in visible]


def earlier_duplicates(referral: Referral, by: User) -> list[Referral]:
    """The possible duplicates received before this referral: those it can be linked to."""
    return [other for other in _shown_duplicates(referral, by) if is_earlier(other, referral)]


def _triage_referral(referral_id: uuid.UUID, by: User) -> Referral:
    if not by.can(Permission.TRIAGE):
        raise NotFound()
    referral = get_referral(referral_id, by, audit_view=False)
    if referral.state not in TRIAGE_STATES:
        raise InvalidTransition(
            f"Referral {referral.reference} is {referral.state.label.lower()}: "
            "earlier episodes are linked only while it is in triage"
        )
    return referral


def _linked_ends(referral: Referral) -> bool:
    """Whether the referral is either end of a link between episodes."""
    if referral.previous_referral_id is not None:
        return True
    return bool(db.session.scalar(select(exists().where(Referral.previous_referral_id == referral.id))))


def _release(person: Person) -> None:
    """Back to the key the person's own details give (a new random one if they give none)."""
    person.person_key, person.person_key_source = "", PersonKeySource.RANDOM
    keep_person_key(person)


@dataclass(frozen=True)
class EpisodeLink:
    referral: Referral
    previous: Referral | None
    changed: bool


def confirm_same_person(referral_id: uuid.UUID, *, by: User, duplicate_id: uuid.UUID) -> EpisodeLink:
    """The triager confirms that a referral is the same person as one of its possible
    duplicates: it is linked to that person's most recent earlier episode and takes their
    person key. Confirming again changes nothing. Audited."""
    referral = _triage_referral(referral_id, by)
    if duplicate_id == referral.id:
        raise ReferralError("A referral cannot be an earlier episode of itself")
    chosen = next((other for other in _shown_duplicates(referral, by) if other.id == duplicate_id), None)
    if chosen is None:
        raise ReferralError("Choose one of the possible duplicates shown for this referral")
    if not is_earlier(chosen, referral):
        raise ReferralError(
            f"{chosen.reference} was received after {referral.reference}: "
            f"link {chosen.reference} to this referral when it is triaged instead"
        )
    key = chosen.person.person_key
    previous = db.session.scalar(
        visible_referrals(by)
        .join(Person, Person.id == Referral.person_id)
        .where(Person.person_key == key, _earlier_than(referral))
        .order_by(Referral.submitted_at.desc(), Referral.reference.desc())
        .limit(1)
    )
    if previous is None:  # cannot happen (the chosen one has the key), unless it changed meanwhile
        raise ReferralError(f"{chosen.reference} changed while you were looking at it. Check it and try again")
    person = referral.person
    if referral.previous_referral_id == previous.id and person.person_key == key:
        return EpisodeLink(referral, previous, changed=False)
    if referral.previous_referral_id is not None:
        linked = db.session.get(Referral, referral.previous_referral_id)
        raise ReferralError(
            f"{referral.reference} is already linked to {linked.reference if linked else 'another referral'} "
            "as the same person. Choose “Not the same person” first"
        )
    referral.previous_referral_id = previous.id
    person.person_key, person.person_key_source = key, PersonKeySource.LINKED
    previous.person.person_key_source = PersonKeySource.LINKED
    audit.record(
        AuditAction.UPDATE,
        "referral",
        referral.id,
        by=by,
        referral_id=referral.id,
        old={"previous_referral": None},
        new={"previous_referral": previous.reference, "same_person_as": chosen.reference},
        reason=f"Triage confirmed the same person as {chosen.reference}",
    )
    commit()
    return EpisodeLink(referral, previous, changed=True)


def undo_same_person(referral_id: uuid.UUID, *, by: User) -> EpisodeLink:
    """ "Not the same person", while the referral is in triage: the link goes, and each
    person's key follows their own details again. Nothing to undo changes nothing."""
    referral = _triage_referral(referral_id, by)
    if referral.previous_referral_id is None:
        return EpisodeLink(referral, None, changed=False)
    previous = db.session.get(Referral, referral.previous_referral_id)
    referral.previous_referral_id = None
    _release(referral.person)
    db.session.flush()
    if previous is not None and not _linked_ends(previous):
        _release(previous.person)
    reference = previous.reference if previous else None
    audit.record(
        AuditAction.UPDATE,
        "referral",
        referral.id,
        by=by,
        referral_id=referral.id,
        old={"previous_referral": reference},
        new={"previous_referral": None},
        reason=f"Triage: not the same person as {reference}",
    )
    commit()
    return EpisodeLink(referral, previous, changed=True)


def same_person_referrals(referral: Referral) -> list[Referral]:
    """Every other referral whose person has this one's key (the same NHS number, or name and
    date of birth, or linked at triage), newest first."""
    return list(
        db.session.scalars(
            select(Referral)
            .join(Person, Person.id == Referral.person_id)
            .where(Person.person_key == referral.person.person_key, Referral.id != referral.id)
            .order_by(Referral.submitted_at.desc())
        )
    )


# -- earlier episodes on the case page ------------------------------------------------------


@dataclass(frozen=True)
class EarlierEpisode:
    referral_id: uuid.UUID
    reference: str
    received: datetime
    ended: datetime | None
    outcome: str
    # The viewer may open its case page (the same need-to-know check as the page itself).
    openable: bool


def _opens_for(user: User, referral: Referral) -> bool:
    """As casework.case allows: a case the user may work, or any case for those who see all."""
    return user.can(Permission.VIEW_ALL_REFERRALS) or can_work_case(user, referral)


def _outcome(referral: Referral) -> str:
    if referral.state is S.CLOSED:
        return f"Closed: {CLOSURE_REASONS.get(referral.closure_reason, referral.closure_reason).lower()}"
    if referral.state is S.REJECTED:
        reason = REJECTION_REASONS.get(referral.decision_reason, referral.decision_reason)
        return f"Not accepted: {reason.lower()}" if reason else "Not accepted"
    return referral.state.label


def earlier_episodes(referral: Referral, viewer: User) -> list[EarlierEpisode]:
    """The person's earlier episodes that triage linked, newest first, for staff who may work
    this case (others get none). Each one shown is a read of that referral, audited."""
    if referral.previous_referral_id is None or not can_work_case(viewer, referral):
        return []
    chain = (
        select(Referral.id, Referral.previous_referral_id)
        .where(Referral.id == referral.previous_referral_id)
        .cte("earlier_episodes", recursive=True)
    )
    # UNION, not UNION ALL: a loop in the links (which linking refuses) would still end.
    chain = chain.union(
        select(Referral.id, Referral.previous_referral_id).join(chain, Referral.id == chain.c.previous_referral_id)
    )
    episodes = list(
        db.session.scalars(
            select(Referral)
            .where(Referral.id.in_(select(chain.c.id)), Referral.id != referral.id)
            .order_by(Referral.submitted_at.desc())
        )
    )
    if not episodes:
        return []
    ended = dict(
        db.session.execute(
            select(ReferralEvent.referral_id, func.max(ReferralEvent.at))
            .where(
                ReferralEvent.referral_id.in_([episode.id for episode in episodes]),
                ReferralEvent.to_state.in_(FINAL_STATES),
            )
            .group_by(ReferralEvent.referral_id)
        ).all()
    )
    for episode in episodes:
        audit.record(
            AuditAction.VIEW,
            "referral",
            episode.id,
            by=viewer,
            referral_id=episode.id,
            reason=f"Earlier episode shown on {referral.reference}",
        )
    db.session.commit()
    return [
        EarlierEpisode(
            referral_id=episode.id,
            reference=episode.reference,
            received=episode.submitted_at,
            ended=ended.get(episode.id) if episode.state.is_final else None,
            outcome=_outcome(episode),
            openable=_opens_for(viewer, episode),
        )
        for episode in episodes
    ]

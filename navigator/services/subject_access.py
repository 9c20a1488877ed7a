"""Subject access requests (domain.md 6.7): everything held about one person, exported by
a team lead with a reason, audited.

A person may have been referred more than once (each referral keeps its own copy of their
details), so the lead chooses which referrals are theirs: the one asked about and any of
its possible duplicates.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, Referral, Screening, TaxonomyTerm, UnmetNeed, User, Vocabulary
from navigator.models.monitoring import EqualityMonitoring
from navigator.models.referrals import AGREEMENT_LABELS, STATE_LABELS
from navigator.monitoring.answers import MonitoringAnswers
from navigator.monitoring.answers import languages as monitoring_languages
from navigator.monitoring.presenters import answer_rows
from navigator.monitoring.services import groups_for_people
from navigator.screening import DECLINED, DECLINED_LABEL, INSTRUMENTS
from navigator.services import audit
from navigator.services.referrals import NotFound, ReferralError, get_referral, possible_duplicates
from navigator.services.referrals.episodes import same_person_referrals
from navigator.services.transactions import all_or_nothing
from navigator.vocabularies import (
    AGREED_BY,
    BARRIERS,
    CLOSURE_REASONS,
    COMMUNICATION_NEEDS,
    CONTACT_METHODS,
    NEEDS,
    REJECTION_REASONS,
    STOPPED_REASONS,
    SUPPORT_NEEDED,
    UNMET_NEED_CONSTRAINTS,
)

MIN_REASON = 10
FORMAT_VERSION = "1"


def can_export(user: User) -> bool:
    return user.can(Permission.EXPORT_PERSONAL_DATA)


def candidates(referral_id: uuid.UUID, by: User) -> tuple[Referral, list[Referral]]:
    """The referral asked about, and its possible duplicates and other episodes of the same
    person (by the person key), for the lead to choose from."""
    if not can_export(by):
        raise NotFound()
    referral = get_referral(referral_id, by, audit_view=False)
    found = {other.id: other for other in possible_duplicates(referral)}
    # Earlier episodes linked at triage may have been given another name: the key joins them.
    for other in same_person_referrals(referral):
        found.setdefault(other.id, other)
    return referral, sorted(found.values(), key=lambda other: other.submitted_at, reverse=True)


@all_or_nothing
def export_person(referral_id: uuid.UUID, also: list[uuid.UUID], *, by: User, reason: str) -> dict[str, Any]:
    """Everything held about the person on these referrals, as one document. Each referral
    exported gets an audit entry (action "export") with the reason."""
    referral, duplicates = candidates(referral_id, by)
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise ReferralError(
            f"Give the reason for the export, such as the request's reference ({MIN_REASON} characters or more)"
        )
    allowed = {duplicate.id: duplicate for duplicate in duplicates}
    unknown = [referral_id for referral_id in also if referral_id not in allowed]
    if unknown:
        raise ReferralError("Choose only referrals listed as possible duplicates")
    chosen = [referral] + [allowed[referral_id] for referral_id in dict.fromkeys(also)]
    ids = [item.id for item in chosen]
    screenings = _screenings_by_referral(ids)
    access = _access_log(ids)
    terms = _term_names(chosen)
    monitoring = _monitoring_by_person([item.person_id for item in chosen])
    groups = groups_for_people([item.person_id for item in chosen])
    exported = [
        _referral(item, screenings.get(item.id, []), access.get(item.id, []), terms)
        | {
            "equality_monitoring": monitoring.get(item.person_id),
            "target_groups_derived": [
                {"group": group.name, "how": group.how} for group in groups.get(item.person_id, [])
            ],
        }
        for item in chosen
    ]
    unmet_needs = _unmet_needs_by_referral(ids)
    for item, record in zip(chosen, exported, strict=True):
        record["previous_referral"] = item.previous_referral.reference if item.previous_referral else None
        record["unmet_needs"] = [_unmet_need(entry) for entry in unmet_needs.get(item.id, [])]
    document = {
        "format": f"Community Navigator subject access export, version {FORMAT_VERSION}",
        "exported_at": _when(clock.now()),
        "exported_by": {"name": by.name, "email": by.email},
        "reason": reason,
        "referrals": exported,
    }
    for item in chosen:
        audit.record(
            AuditAction.EXPORT,
            "referral",
            item.id,
            by=by,
            referral_id=item.id,
            new={"export": "subject access", "referrals": [other.reference for other in chosen]},
            reason=reason,
        )
    db.session.commit()
    return document


def filename(referral: Referral) -> str:
    return f"subject-access-{referral.reference}-{clock.today().isoformat()}.json"


# -- the document -----------------------------------------------------------------------


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _name(user: User | None) -> str | None:
    return user.name if user is not None else None


def _labels(codes: list[str], labels: dict[str, str]) -> list[str]:
    """What the person and the staff saw on the forms, not the stored codes."""
    return [labels.get(code, code) for code in codes]


def _term_names(referrals: list[Referral]) -> dict[str, str]:
    codes = {code for r in referrals for code in [*r.target_groups, *r.person.languages, r.person.interpreter_language]}
    if not codes:
        return {}
    query = select(TaxonomyTerm.code, TaxonomyTerm.name).where(
        TaxonomyTerm.vocabulary.in_([Vocabulary.TARGET_GROUP, Vocabulary.LANGUAGE]), TaxonomyTerm.code.in_(codes)
    )
    return {code: name for code, name in db.session.execute(query)}


def _referral(
    referral: Referral, screenings: list[Screening], access: list[AuditEntry], terms: dict[str, str]
) -> dict[str, Any]:
    person = referral.person
    return {
        "reference": referral.reference,
        "id": str(referral.id),
        "status": STATE_LABELS[referral.state],
        "source": referral.source.name,
        "team": referral.team.name if referral.team else None,
        "submitted_at": _when(referral.submitted_at),
        "referrer": {
            "name": referral.referrer_name or _name(referral.referred_by),
            "role": referral.referrer_role,
            "phone": referral.referrer_phone,
            "email": referral.referrer_email,
            "entered_by_proxy": referral.entered_by_proxy,
        },
        "person": {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "date_of_birth": _when(person.date_of_birth),
            "nhs_number": person.nhs_number,
            "phone": person.phone,
            "email": person.email,
            "address": person.address,
            "postcode": person.postcode,
            "preferred_contact_method": CONTACT_METHODS.get(
                person.preferred_contact_method, person.preferred_contact_method
            ),
            "preferred_contact_times": person.preferred_contact_times,
            "languages": _labels(person.languages, terms),
            "interpreter_needed": person.interpreter_needed,
            "interpreter_language": terms.get(person.interpreter_language, person.interpreter_language),
            "communication_needs": _labels(person.communication_needs, COMMUNICATION_NEEDS),
        },
        "reason_for_referral": referral.reason,
        "what_matters": referral.what_matters,
        "needs": _labels(referral.needs, NEEDS),
        "groups_stated_by_referrer": _labels(referral.target_groups, terms),
        "barriers": _labels(referral.barriers, BARRIERS),
        "support_needed": _labels(referral.support_needed, SUPPORT_NEEDED),
        "risks": {
            "safeguarding_concern": referral.safeguarding_concern,
            "safeguarding_reference": referral.safeguarding_reference,
            "lone_working_risk": referral.lone_working_risk,
            "risk_to_self_or_others": referral.risk_to_self_or_others,
            "detail": referral.risk_detail,
        },
        "agreement": {
            "agreed": AGREEMENT_LABELS[referral.agreement],
            "agreed_by": AGREED_BY.get(referral.agreed_by, referral.agreed_by),
            "date": _when(referral.agreement_date),
            "obtained_by": referral.agreement_obtained_by,
            "information_sharing_agreed": referral.information_sharing_agreed,
            "gillick_competent": referral.gillick_competent,
        },
        "decision": {
            "reason": REJECTION_REASONS.get(referral.decision_reason, referral.decision_reason),
            "note": referral.decision_note,
            "redirected_to": referral.redirected_to,
            "question_to_referrer": referral.more_info_question,
        },
        "navigator": _name(referral.navigator),
        "timeline": [
            {
                "at": _when(e.at),
                "status": STATE_LABELS[e.to_state],
                "summary": e.summary,
                "told_referrer": e.referrer_note,
            }
            for e in referral.events
        ],
        "contact_attempts": [
            {
                "at": _when(c.at),
                "channel": c.channel.value,
                "outcome": c.outcome.value,
                "interpreter_used": c.interpreter_used,
                "note": c.note,
                "by": _name(c.by),
            }
            for c in referral.contacts
        ],
        "case_notes": [
            {
                "at": _when(n.at),
                "by": _name(n.author),
                "text": n.text,
                "corrects": str(n.corrects_id) if n.corrects_id else None,
            }
            for n in referral.notes
        ],
        "goals": [
            {"text": g.text, "target_date": _when(g.target_date), "status": g.status.value} for g in referral.goals
        ],
        "connections": [
            {
                "activity": c.listing.name,
                "status": c.status.value,
                "details_shared_agreed": c.details_shared_agreed,
                "buddy_went": c.buddy_went,
                "other_support": c.other_support,
                "first_attended": _when(c.first_attended_at),
                "stopped_reason": STOPPED_REASONS.get(c.stopped_reason, c.stopped_reason),
                "note": c.note,
            }
            for c in referral.connections
        ],
        "screenings": [
            {
                "instrument": INSTRUMENTS[s.instrument_code].name
                if s.instrument_code in INSTRUMENTS
                else s.instrument_code,
                "instrument_version": s.instrument_version,
                "occasion": s.occasion.value,
                "mode": s.mode.value,
                "answered_by": s.answered_by,
                "answers": _answers(s),
                "score": s.score,
                "band": s.band,
                "complete": s.complete,
                "recorded_at": _when(s.recorded_at),
                "recorded_by": _name(s.recorded_by),
            }
            for s in screenings
        ],
        "reviews": [
            {"at": _when(r.at), "by": _name(r.by), "progress": r.progress, "next_review_due": _when(r.next_review_due)}
            for r in referral.reviews
        ],
        "closure": {
            "reason": CLOSURE_REASONS.get(referral.closure_reason, referral.closure_reason),
            "summary": referral.closure_summary,
            "follow_up_due": _when(referral.follow_up_due),
        },
        # Who had read, changed or exported this record before this export (domain.md 6.6).
        "access_log": [
            {
                "at": _when(entry.at),
                "who": entry.user_email or "the system",
                "roles": entry.user_roles,
                "action": entry.action.value,
                "record": entry.record_type,
                "reason": entry.reason,
            }
            for entry in access
        ],
    }


def _monitoring_by_person(person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, str]]]:
    """The person's equality monitoring answers (domain.md 4.2) as they were asked: each
    question with the answer shown, "Not answered" where none was given."""
    query = select(EqualityMonitoring).where(EqualityMonitoring.person_id.in_(person_ids))
    rows = {row.person_id: row for row in db.session.scalars(query)}
    if not rows:
        return {}
    names = dict(monitoring_languages())
    return {
        person_id: [
            {"question": label, "answer": answer} for label, answer in answer_rows(MonitoringAnswers.of(row), names)
        ]
        for person_id, row in rows.items()
    }


def _answers(screening: Screening) -> list[dict[str, str]]:
    """Each question as it was asked, with the answer given (its stored code too)."""
    instrument = INSTRUMENTS.get(screening.instrument_code)
    items = {item.code: item for item in instrument.items} if instrument else {}
    answers = []
    for code, answer in screening.answers.items():
        item = items.get(code)
        labels = {option.value: option.label for option in item.options} if item else {}
        labels.setdefault(DECLINED, DECLINED_LABEL)
        answers.append(
            {
                "question": item.text if item else code,
                "answer": labels.get(str(answer), str(answer)),
                "code": f"{code}={answer}",
            }
        )
    return answers


def _screenings_by_referral(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Screening]]:
    found: dict[uuid.UUID, list[Screening]] = {}
    query = select(Screening).where(Screening.referral_id.in_(ids)).order_by(Screening.recorded_at)
    for screening in db.session.scalars(query):
        found.setdefault(screening.referral_id, []).append(screening)
    return found


def _unmet_needs_by_referral(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[UnmetNeed]]:
    found: dict[uuid.UUID, list[UnmetNeed]] = {}
    query = select(UnmetNeed).where(UnmetNeed.referral_id.in_(ids)).order_by(UnmetNeed.recorded_at)
    for entry in db.session.scalars(query):
        found.setdefault(entry.referral_id, []).append(entry)
    return found


def _unmet_need(entry: UnmetNeed) -> dict[str, Any]:
    return {
        "need": NEEDS.get(entry.need, entry.need),
        "ward": entry.ward.display_name,
        "constraint": UNMET_NEED_CONSTRAINTS.get(entry.constraint, entry.constraint),
        "note": entry.note,
        "status": entry.status.label,
        "recorded_at": _when(entry.recorded_at),
        "recorded_by": _name(entry.recorded_by),
    }


def _access_log(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[AuditEntry]]:
    found: dict[uuid.UUID, list[AuditEntry]] = {}
    query = select(AuditEntry).where(AuditEntry.referral_id.in_(ids)).order_by(AuditEntry.at, AuditEntry.id)
    for entry in db.session.scalars(query):
        if entry.referral_id is not None:
            found.setdefault(entry.referral_id, []).append(entry)
    return found

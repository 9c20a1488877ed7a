"""Making a referral (domain.md 2.1): staff, proxy and self-referrals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import (
    Agreement,
    AuditAction,
    Person,
    Referral,
    ReferralEvent,
    ReferralSource,
    ScreeningOccasion,
    Team,
    User,
)
from navigator.monitoring.answers import MonitoringAnswers
from navigator.monitoring.answers import checked as checked_answers
from navigator.monitoring.answers import stage as stage_answers
from navigator.screening import AdministrationMode
from navigator.services import audit
from navigator.services.numbering import claim_next, referral_series
from navigator.services.referrals.errors import ReferralError
from navigator.services.referrals.lifecycle import S
from navigator.services.referrals.notices import tell_team_leads
from navigator.services.referrals.screenings import add_screening
from navigator.services.transactions import all_or_nothing, is_taken_meanwhile


@dataclass
class PersonDetails:
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    nhs_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""
    preferred_contact_method: str = ""
    preferred_contact_times: str = ""
    languages: list[str] = field(default_factory=list)
    interpreter_needed: bool = False
    interpreter_language: str = ""
    communication_needs: list[str] = field(default_factory=list)


@dataclass
class ReferralDetails:
    person: PersonDetails
    source_code: str
    team_id: uuid.UUID | None = None
    reason: str = ""
    what_matters: str = ""
    needs: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    barriers: list[str] = field(default_factory=list)
    support_needed: list[str] = field(default_factory=list)
    safeguarding_concern: bool = False
    safeguarding_reference: str = ""
    lone_working_risk: bool = False
    risk_to_self_or_others: bool = False
    risk_detail: str = ""
    agreement: Agreement = Agreement.YES
    agreed_by: str = "person"
    agreement_date: date | None = None
    agreement_obtained_by: str = ""
    information_sharing_agreed: bool = False
    gillick_competent: bool | None = None
    referrer_name: str = ""
    referrer_role: str = ""
    referrer_phone: str = ""
    referrer_email: str = ""
    entered_by_proxy: bool = False
    # Screening at referral: answers per instrument, or why it was not done.
    screenings: dict[str, dict[str, str]] = field(default_factory=dict)
    screening_mode: AdministrationMode = AdministrationMode.SELF_COMPLETED
    screening_not_completed_reason: str = ""
    # Equality monitoring (domain.md 4.2): optional, stored in its own table, never required.
    monitoring: MonitoringAnswers | None = None


def _next_reference() -> str:
    """CN-YYYY-NNNNNN: the year's next number, claimed so no two referrals share one."""
    year = clock.today().year
    return f"CN-{year}-{claim_next(referral_series(year)):06d}"


def _referral_by_key(key: str) -> Referral | None:
    return db.session.scalar(select(Referral).where(Referral.idempotency_key == key))


@all_or_nothing
def submit_referral(details: ReferralDetails, *, by: User | None, idempotency_key: str) -> Referral:
    """Record a new referral. Submitting the same form twice (same key) returns the first.

    A referral with a safeguarding concern is never blocked by missing agreement
    (domain.md 6.9); any other referral needs the person's agreement.
    """
    existing = _referral_by_key(idempotency_key)
    if existing is not None:
        return existing
    if details.agreement is not Agreement.YES and not details.safeguarding_concern:
        raise ReferralError("The person must agree to the referral, unless you are raising a safeguarding concern")
    source = db.session.get(ReferralSource, details.source_code)
    if source is None or not source.active:
        raise ReferralError("Choose where the referral is coming from")
    if by is not None and not by.can(Permission.SUBMIT_PROXY_REFERRAL):
        if not by.can(Permission.SUBMIT_REFERRAL):
            raise ReferralError("You cannot make referrals")
        if details.team_id not in by.team_ids:
            raise ReferralError("Choose one of your own teams")
    if details.team_id is not None and db.session.get(Team, details.team_id) is None:
        raise ReferralError("Choose a team from the list")

    from navigator.geo.postcodes import lookup_postcode

    row = lookup_postcode(details.person.postcode) if details.person.postcode else None
    person = Person(
        **{name: getattr(details.person, name) for name in PersonDetails.__dataclass_fields__},
    )
    person.id = uuid.uuid4()
    person.nhs_number = "".join(ch for ch in details.person.nhs_number if ch.isdigit()) or None
    person.postcode = row.postcode if row else details.person.postcode.upper()
    person.ward_code = row.ward_code if row else None
    referral = Referral(
        id=uuid.uuid4(),
        person=person,
        state=S.SUBMITTED,
        idempotency_key=idempotency_key,
        source_code=details.source_code,
        team_id=details.team_id,
        referred_by_id=by.id if by else None,
        entered_by_proxy=details.entered_by_proxy,
        submitted_at=clock.now(),
        **{
            name: getattr(details, name)
            for name in [
                "reason",
                "what_matters",
                "needs",
                # Only in older data and the demo: groups the referrer ticked (now derived, monitoring/).
                "target_groups",
                "barriers",
                "support_needed",
                "safeguarding_concern",
                "safeguarding_reference",
                "lone_working_risk",
                "risk_to_self_or_others",
                "risk_detail",
                "agreement",
                "agreed_by",
                "agreement_date",
                "agreement_obtained_by",
                "information_sharing_agreed",
                "gillick_competent",
                "referrer_name",
                "referrer_role",
                "referrer_phone",
                "referrer_email",
                "screening_not_completed_reason",
            ]
        },
    )
    monitoring = None
    if details.monitoring is not None and not details.monitoring.is_empty:
        today = clock.today()
        monitoring = checked_answers(details.monitoring, age=person.age_on(today), today=today)
    try:
        with db.session.no_autoflush:
            for instrument_code, answers in details.screenings.items():
                add_screening(
                    referral,
                    instrument_code,
                    answers,
                    ScreeningOccasion.BASELINE,
                    details.screening_mode,
                    "person",
                    by,
                    at_referral=True,
                )
            # Claimed last, just before the writes: the series is held until commit (services/numbering.py).
            referral.reference = _next_reference()
        db.session.add(referral)
        if monitoring is not None:
            stage_answers(person, monitoring)
        db.session.add(
            ReferralEvent(
                referral=referral,
                at=referral.submitted_at,
                by_id=referral.referred_by_id,
                to_state=S.SUBMITTED,
                summary="Referral received",
            )
        )
        audit.record(
            AuditAction.CREATE,
            "referral",
            referral.id,
            by=by,
            referral_id=referral.id,
            new={"reference": referral.reference, "source": referral.source_code, "proxy": referral.entered_by_proxy},
        )
        if referral.safeguarding_concern:
            tell_team_leads(
                f"Safeguarding concern on new referral {referral.reference}",
                f"Referral {referral.reference} was submitted with a safeguarding concern. Review it first.",
            )
        db.session.commit()
    except IntegrityError as error:
        # The same form was sent twice at once (a double-click): the other request saved it.
        db.session.rollback()
        existing = _referral_by_key(idempotency_key)
        if existing is None:
            if is_taken_meanwhile(error):
                raise ReferralError(RETRY_MESSAGE) from error
            raise
        return existing
    except BaseException:
        db.session.rollback()
        raise
    return referral


RETRY_MESSAGE = "The referral could not be saved just now because of other changes at the same moment. Send it again"

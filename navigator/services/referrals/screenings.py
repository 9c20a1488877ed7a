"""Loneliness screens on a referral (domain.md 3) and the start of support.

At baseline the questions are those written for the person's age band (asked for when the
date of birth is unknown); every later screen repeats exactly the instruments, versions and
mode of the episode's baseline, or says why the mode changed (such a pair is not comparable).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import (
    AuditAction,
    Referral,
    Screening,
    ScreeningOccasion,
    TimePoint,
    User,
)
from navigator.screening import AdministrationMode, Instrument, get_instrument, optional_instruments_for
from navigator.screening.instruments import ADULT_AGE, CHILD_AGE, baseline_instruments_for
from navigator.screening.pairing import AgeBand, age_band_for
from navigator.services import audit
from navigator.services.referrals.access import can_work_case, get_case
from navigator.services.referrals.errors import AgeBandNeeded, InvalidTransition, NotFound, ReferralError
from navigator.services.referrals.lifecycle import S, commit, move
from navigator.services.referrals.pairs import episode_baselines, place_screens
from navigator.services.transactions import all_or_nothing

# The youngest age in each band: which instruments fit the band.
_BAND_AGE = {AgeBand.UNDER_10: 0, AgeBand.CHILD: CHILD_AGE, AgeBand.ADULT: ADULT_AGE}
MODE_CHANGE_REASON_LIMIT = 300
# The order questions are asked in: UCLA-3 then the direct question (ONS), optional ones after.
ASK_ORDER = ("ucla3", "ons_direct", "cyp_loneliness", "easy_read", "ons4", "djg6", "lsns6")


def age_band(referral: Referral) -> AgeBand | None:
    """From the date of birth; else the band the navigator was told; else unknown."""
    band = age_band_for(referral.person.age_on(clock.today()))
    if band is None and referral.stated_age_band:
        band = AgeBand(referral.stated_age_band)
    return band


def _easy_read(referral: Referral) -> bool:
    return "easy_read" in referral.person.communication_needs


def episode_age_band(referral: Referral) -> AgeBand | None:
    """The age band the episode's baseline was taken in (a child screened at 15 keeps the
    children's questions at 16); before any baseline, the person's band now."""
    query = select(Screening.age_band).where(
        Screening.referral_id == referral.id,
        Screening.occasion == ScreeningOccasion.BASELINE,
        Screening.age_band.is_not(None),
    )
    stored = db.session.scalar(query.order_by(Screening.recorded_at).limit(1))
    return AgeBand(stored) if stored else age_band(referral)


def baseline_instruments(referral: Referral) -> list[str]:
    """The mandatory baseline set for the episode's age band (domain.md 3.1), in the order to
    ask it; none while the age is unknown (ask for the age band first)."""
    band = episode_age_band(referral)
    if band is None:
        return []
    return baseline_instruments_for(_BAND_AGE[band], _easy_read(referral))


@dataclass
class ScreeningOffer:
    """Which instruments fit this episode on an occasion, and how to ask them."""

    instruments: list[str]
    optional: list[str] = field(default_factory=list)
    # Later screens: the baseline each instrument is repeated from.
    baselines: dict[str, Screening] = field(default_factory=dict)

    @property
    def all(self) -> list[str]:
        return [*self.instruments, *self.optional]


def screening_offer(referral: Referral, occasion: ScreeningOccasion) -> ScreeningOffer:
    """At baseline: the set for the person's age band (AgeBandNeeded when it is unknown).
    Later: exactly the instruments of the episode's baseline."""
    if occasion is ScreeningOccasion.BASELINE:
        band = episode_age_band(referral)
        if band is None:
            raise AgeBandNeeded("Say how old the person is before asking the screening questions", field="age_band")
        age = _BAND_AGE[band]
        return ScreeningOffer(
            baseline_instruments_for(age, _easy_read(referral)), optional_instruments_for(age, _easy_read(referral))
        )
    baselines = episode_baselines(referral)
    # In the order they were asked at baseline (UCLA-3 before the direct question, as ONS asks them).
    ordered = sorted(
        baselines,
        key=lambda code: (baselines[code].recorded_at, ASK_ORDER.index(code) if code in ASK_ORDER else 99, code),
    )
    return ScreeningOffer(ordered, baselines=baselines)


@all_or_nothing
def record_age_band(referral_id: uuid.UUID, *, by: User, band: AgeBand) -> Referral:
    """The age band the person gave, when their date of birth is unknown."""
    referral = get_case(referral_id, by)
    if referral.person.date_of_birth is not None:
        raise ReferralError("The person's date of birth is known: their age band comes from it", field="age_band")
    referral.stated_age_band = band.value
    audit.record(AuditAction.UPDATE, "referral", referral.id, by=by, referral_id=referral.id, new={"age_band": band})
    commit()
    return referral


def _check_fits(
    referral: Referral,
    instrument: Instrument,
    occasion: ScreeningOccasion,
    mode: AdministrationMode,
    mode_change_reason: str,
) -> Screening | None:
    """Refuse an instrument, version or mode that does not fit this episode; the baseline a
    later screen repeats."""
    offer = screening_offer(referral, occasion)
    if occasion is ScreeningOccasion.BASELINE:
        if instrument.code not in offer.all:
            band = episode_age_band(referral)
            fitting = ", ".join(get_instrument(code).name for code in offer.all) or "none (record what you observe)"
            raise ReferralError(
                f"The {instrument.name} is not for this person ({band.label if band else 'age unknown'}"
                f"{', Easy Read' if _easy_read(referral) else ''}). At baseline ask: {fitting}",
                field="instrument",
            )
        done = _navigator_baseline(referral, instrument.code)
        if done is not None:
            raise ReferralError(
                f"A complete baseline {instrument.name} was recorded on "
                f"{done.recorded_at.astimezone(clock.LONDON):%-d %B %Y}. Record later screens at a review, "
                "at closure or as a follow-up",
                field="instrument",
            )
        return None
    baseline = offer.baselines.get(instrument.code)
    if baseline is None:
        asked = ", ".join(get_instrument(code).name for code in offer.instruments)
        raise ReferralError(
            f"There is no baseline {instrument.name} on this case to compare with. "
            + (f"Repeat the questions asked at baseline: {asked}" if asked else "Record the baseline screen first"),
            field="instrument",
        )
    if baseline.instrument_version != instrument.version:
        raise ReferralError(
            f"The {instrument.name} has changed since the baseline (version {baseline.instrument_version}, "
            f"now {instrument.version}): the two cannot be compared",
            field="instrument",
        )
    if mode is not baseline.mode and not mode_change_reason:
        raise ReferralError(
            "The baseline questions were asked another way. Ask them the same way, or say why not "
            "(the two screens will not be compared)",
            field="mode_change_reason",
        )
    return baseline


def screening_refusal(referral: Referral, instrument_code: str, occasion: ScreeningOccasion) -> str:
    """Why these questions cannot be recorded on this case on this occasion."""
    try:
        instrument = get_instrument(instrument_code)
        offer = screening_offer(referral, occasion)
        baseline = offer.baselines.get(instrument_code)
        _check_fits(referral, instrument, occasion, baseline.mode if baseline else AdministrationMode.READ_OUT, "-")
    except ReferralError as error:
        return str(error)
    except LookupError as error:
        return str(error)
    return ""


def _navigator_baseline(referral: Referral, instrument_code: str) -> Screening | None:
    query = select(Screening).where(
        Screening.referral_id == referral.id,
        Screening.instrument_code == instrument_code,
        Screening.occasion == ScreeningOccasion.BASELINE,
        Screening.at_referral.is_(False),
        Screening.complete.is_(True),
    )
    return db.session.scalars(query.order_by(Screening.recorded_at).limit(1)).first()


def add_screening(
    referral: Referral,
    instrument_code: str,
    answers: dict[str, str],
    occasion: ScreeningOccasion,
    mode: AdministrationMode,
    answered_by: str,
    by: User | None,
    *,
    at_referral: bool = False,
    mode_change_reason: str = "",
) -> Screening:
    """Score and store one screen. The caller checks it fits the episode and places it."""
    from navigator.screening import score, validate_answers

    try:
        instrument = get_instrument(instrument_code)
        validate_answers(instrument, answers)
    except (LookupError, ValueError) as error:
        raise ReferralError(str(error)) from error
    result = score(instrument_code, answers)
    band = age_band(referral)
    screening = Screening(
        id=uuid.uuid4(),
        referral=referral,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        scoring_version=instrument.scoring_version,
        occasion=occasion,
        # Placed again with the episode's other screens (pairs.place_screens).
        time_point=TimePoint.BASELINE if occasion is ScreeningOccasion.BASELINE else TimePoint.REVIEW,
        episode_baseline=at_referral,
        at_referral=at_referral,
        mode=mode,
        mode_change_reason=mode_change_reason,
        answered_by=answered_by,
        proxy=answered_by != "person",
        age_band=band.value if band else None,
        answers=dict(answers),
        score=result.score,
        band=result.band,
        details=result.details,
        complete=result.complete,
        recorded_by_id=by.id if by else None,
        recorded_at=clock.now(),
    )
    db.session.add(screening)
    audit.record(
        AuditAction.CREATE,
        "screening",
        screening.id,
        by=by,
        referral_id=referral.id,
        new={"instrument": instrument.code, "occasion": occasion, "complete": result.complete},
    )
    return screening


@all_or_nothing
def record_screening(
    referral_id: uuid.UUID,
    *,
    by: User,
    instrument_code: str,
    answers: dict[str, str],
    occasion: ScreeningOccasion,
    mode: AdministrationMode = AdministrationMode.SELF_COMPLETED,
    answered_by: str = "person",
    mode_change_reason: str = "",
) -> Screening:
    """A navigator's screen on a case: it must fit the person's age band at baseline, and
    repeat the baseline's instrument, version and mode later (or say why the mode changed)."""
    referral = get_case(referral_id, by)
    if not by.can(Permission.RECORD_SCREENING):
        raise NotFound()
    if referral.state.is_final and occasion is not ScreeningOccasion.FOLLOW_UP:
        raise ReferralError("Only a follow-up screen can be added to a closed referral", field="instrument")
    if occasion is ScreeningOccasion.FOLLOW_UP and not referral.state.is_final:
        raise ReferralError("The case is open: take the follow-up screen at a review", field="instrument")
    try:
        instrument = get_instrument(instrument_code)
    except LookupError as error:
        raise ReferralError(str(error), field="instrument") from error
    mode_change_reason = mode_change_reason.strip()[:MODE_CHANGE_REASON_LIMIT]
    baseline = _check_fits(referral, instrument, occasion, mode, mode_change_reason)
    if baseline is not None and mode is baseline.mode:
        mode_change_reason = ""  # the same mode needs no reason
    screening = add_screening(
        referral, instrument_code, answers, occasion, mode, answered_by, by, mode_change_reason=mode_change_reason
    )
    place_screens(referral)
    commit()
    return screening


def screenings_for(referral: Referral, user: User) -> list[Screening]:
    """Identifiable scores: the allocated navigator and team leads only."""
    if not can_work_case(user, referral):
        return []
    audit.record(AuditAction.VIEW, "screening", referral.id, by=user, referral_id=referral.id)
    db.session.commit()
    return list(
        db.session.scalars(
            select(Screening).where(Screening.referral_id == referral.id).order_by(Screening.recorded_at, Screening.id)
        )
    )


def has_complete_baseline(referral: Referral) -> bool:
    """The guard for engaged -> in support (domain.md 2.3): every baseline instrument
    due for this person has a complete screen (declined items count as answered). Never
    while the person's age band is unknown."""
    due = set(baseline_instruments(referral))
    if not due and episode_age_band(referral) is None:
        return False
    done = set(
        db.session.scalars(
            select(Screening.instrument_code).where(
                Screening.referral_id == referral.id,
                Screening.occasion == ScreeningOccasion.BASELINE,
                Screening.complete.is_(True),
            )
        )
    )
    return due <= done


@all_or_nothing
def start_support(referral_id: uuid.UUID, *, by: User) -> Referral:
    """Engaged -> in support, once the baseline loneliness screen is complete."""
    referral = get_case(referral_id, by)
    if referral.state is S.ENGAGED and not has_complete_baseline(referral):
        raise InvalidTransition("Record the baseline loneliness screen before starting support")
    move(referral, S.IN_SUPPORT, by, summary="Baseline screen recorded; support started")
    referral.next_review_due = clock.today() + timedelta(days=current_app.config["REVIEW_INTERVAL_DAYS"])
    place_screens(referral)  # the 3-month follow-up counts from the baseline
    commit()
    return referral

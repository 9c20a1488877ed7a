"""Baselines, time points and pairs of an episode's screens, and its 3-month follow-up
(domain.md 2.5, 2.6, 3.1, 7.2). The rule is navigator/screening/pairing.py; this keeps
what it decides stored on the screens and the referral, each time a screen is added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select

from navigator import clock
from navigator.extensions import db
from navigator.models import Referral, ReferralState, Screening, ScreeningOccasion, TimePoint
from navigator.screening import get_instrument
from navigator.screening.change import PairChange, pair_change
from navigator.screening.pairing import FollowUpSchedule, ScreenFacts, episode_baseline_day, place


def follow_up_schedule() -> FollowUpSchedule:
    """The 3-month point and its window, from configuration."""
    config = current_app.config
    return FollowUpSchedule(
        after=relativedelta(months=int(config["FOLLOW_UP_AFTER_MONTHS"])),
        window=timedelta(days=int(config["FOLLOW_UP_WINDOW_DAYS"])),
    )


def screens_of(referral: Referral) -> list[Screening]:
    """The episode's screens in the order they were recorded."""
    query = select(Screening).where(Screening.referral_id == referral.id)
    return list(db.session.scalars(query.order_by(Screening.recorded_at, Screening.id)))


def _facts(screen: Screening) -> ScreenFacts:
    return ScreenFacts(
        id=screen.id,
        instrument_code=screen.instrument_code,
        instrument_version=screen.instrument_version,
        occasion=screen.occasion,
        mode=screen.mode.value,
        at_referral=screen.at_referral,
        complete=screen.complete,
        recorded_on=screen.recorded_at.astimezone(clock.LONDON).date(),
    )


def place_screens(referral: Referral) -> list[Screening]:
    """Store each screen's time point and pair, the 3-month due date and whether the
    follow-up is still pending. Runs after every screen added; the caller commits."""
    screens = screens_of(referral)
    facts = [_facts(screen) for screen in screens]
    schedule = follow_up_schedule()
    placements = place(facts, schedule)
    for screen in screens:
        placement = placements[screen.id]
        screen.time_point = placement.time_point
        screen.episode_baseline = placement.episode_baseline
        screen.baseline_id = placement.baseline_id  # type: ignore[assignment]
        screen.comparable = placement.comparable
    baseline_day = episode_baseline_day(facts, placements)
    referral.follow_up_due = schedule.due(baseline_day) if baseline_day is not None else None
    referral.follow_up_pending = _follow_up_pending(referral, screens, schedule, baseline_day)
    return screens


# Reasons recorded for a missing screen that still leave the 3-month follow-up to be taken.
FOLLOW_UP_STILL_POSSIBLE = ("", "not_yet_due")


def _follow_up_pending(
    referral: Referral, screens: list[Screening], schedule: FollowUpSchedule, baseline_day: date | None
) -> bool:
    """A 3-month follow-up is still to be taken: the episode has a baseline; no later screen
    has been taken since the window opened; no reason why it cannot be has been recorded;
    and the case is open (taken at a review) or closed with the person's agreement to be
    contacted again (domain.md 2.6)."""
    if baseline_day is None or referral.follow_up_not_obtained_reason not in FOLLOW_UP_STILL_POSSIBLE:
        return False
    opens = schedule.opens(baseline_day)
    if any(
        screen.time_point is TimePoint.THREE_MONTH
        or (
            screen.occasion is not ScreeningOccasion.BASELINE
            and screen.recorded_at.astimezone(clock.LONDON).date() >= opens
        )
        for screen in screens
    ):
        return False
    if referral.state is ReferralState.CLOSED:
        return referral.contact_again_agreed is True
    return referral.state in (ReferralState.ENGAGED, ReferralState.IN_SUPPORT)


def follow_up_window_open(referral: Referral, on: date | None = None) -> bool:
    """The 3-month follow-up can be taken now (from the window's first day on)."""
    if not referral.follow_up_pending or referral.follow_up_due is None:
        return False
    day = on or clock.today()
    return day >= referral.follow_up_due - follow_up_schedule().window


def episode_baselines(referral: Referral) -> dict[str, Screening]:
    """Instrument code -> the episode's baseline screen of it."""
    query = select(Screening).where(Screening.referral_id == referral.id, Screening.episode_baseline.is_(True))
    return {screen.instrument_code: screen for screen in db.session.scalars(query)}


@dataclass
class Pair:
    """A later screen with the baseline it is compared with, and the change between them."""

    baseline: Screening
    follow_up: Screening
    change: PairChange


def pairs_of(screens: list[Screening]) -> list[Pair]:
    """Every later screen that has a baseline, with its change (for staff with case access)."""
    by_id = {screen.id: screen for screen in screens}
    pairs = []
    for screen in screens:
        baseline = by_id.get(screen.baseline_id) if screen.baseline_id else None
        if baseline is None:
            continue
        instrument = get_instrument(screen.instrument_code)
        pairs.append(Pair(baseline, screen, pair_change(instrument, baseline.answers, screen.answers)))
    return pairs

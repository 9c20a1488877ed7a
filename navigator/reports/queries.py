"""The report's figures, counted by the database (GROUP BY), for a period and filters
(domain.md 7.1 and 7.2). Each function returns counts keyed by codes; presenters turn
them into tables and suppression hides the small ones.

Nothing here returns a person-level row to a page: the only rows read one by one are
pairs of scores and pairs of moments (for medians and paired change), as numbers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import aliased

from navigator.extensions import db
from navigator.models import (
    Connection,
    ConnectionStatus,
    ContactAttempt,
    ContactOutcome,
    Person,
    Referral,
    ReferralEvent,
    ReferralState,
    Screening,
    TaxonomyTerm,
    TimePoint,
    Vocabulary,
)
from navigator.models.directory import listing_terms
from navigator.reports.groups import NO_GROUP, RULES, ethnic_group, in_group, in_no_group
from navigator.reports.periods import Period
from navigator.reports.sql import Filters, age_band, counted, month_index, submitted_in
from navigator.vocabularies import NEEDS

S = ReferralState
TeamKey = tuple[str | None, str]  # (team id, source code): a team, or a source with no team


def _rows(query: Any) -> list[Any]:
    return list(db.session.execute(query))


# -- 1. referrals received ---------------------------------------------------------------------


@dataclass
class Received:
    by_team: dict[TeamKey, list[int]]
    by_ward: dict[str | None, list[int]]
    by_age: dict[str, list[int]]
    by_need: dict[str, list[int]]
    by_target_group: dict[str, list[int]]  # and NO_GROUP: in none of them (or not recorded)
    by_ethnic_group: dict[str, list[int]]


def referrals_received(period: Period, filters: Filters) -> Received:
    """New referrals submitted in the period, by month and by source team, ward, age band
    and need (a referral with two needs counts under each)."""
    bounds = period.month_bounds()
    months = len(bounds)
    month = month_index(Referral.submitted_at, bounds).label("month")
    where = submitted_in(period.starts_at, period.ends_at)

    def grouped(*columns: Any, monitoring: bool = False) -> dict[Any, list[int]]:
        query = counted(select(*columns, month, sa.func.count()), filters, monitoring=monitoring)
        query = query.where(where).group_by(*columns, month)
        out: dict[Any, list[int]] = defaultdict(lambda: [0] * months)
        for *keys, index, count in _rows(query):
            out[keys[0] if len(keys) == 1 else tuple(keys)][index] += count
        return dict(out)

    by_team = {
        (str(team_id) if team_id else None, source): counts
        for (team_id, source), counts in grouped(Referral.team_id, Referral.source_code).items()
    }
    needs_text = sa.cast(Referral.needs, sa.Text)
    need_columns = [
        sa.func.sum(sa.case((needs_text.contains(f'"{code}"', autoescape=True), 1), else_=0)) for code in NEEDS
    ]
    by_need: dict[str, list[int]] = {code: [0] * months for code in NEEDS}
    query = counted(select(month, *need_columns), filters).where(where).group_by(month)
    for index, *sums in _rows(query):
        for code, total in zip(NEEDS, sums, strict=True):
            by_need[code][index] += int(total or 0)
    group_codes = [*RULES, NO_GROUP]
    group_columns = [sa.func.sum(sa.case((in_group(code), 1), else_=0)) for code in RULES]
    group_columns.append(sa.func.sum(sa.case((in_no_group(), 1), else_=0)))
    by_group: dict[str, list[int]] = {code: [0] * months for code in group_codes}
    query = counted(select(month, *group_columns), filters, monitoring=True).where(where).group_by(month)
    for index, *sums in _rows(query):
        for code, total in zip(group_codes, sums, strict=True):
            by_group[code][index] += int(total or 0)
    return Received(
        by_team,
        grouped(Person.ward_code),
        grouped(age_band()),
        by_need,
        by_group,
        grouped(ethnic_group(), monitoring=True),
    )


@dataclass(frozen=True)
class PeopleReferred:
    referrals: int
    people: int
    re_referrals: int


def people_referred(period: Period, filters: Filters) -> PeopleReferred:
    """Referrals received in the period, the unique people (by person key) they were for,
    and how many were re-referrals (the person had been referred before, at any time).

    Every referral is a re-referral but a person's first ever, so the re-referrals are the
    referrals less the people whose first referral ever is among them: each person's first
    moment is grouped once over all their referrals (one pass, not a look-up per referral)."""
    in_period = submitted_in(period.starts_at, period.ends_at)
    keys = counted(select(Person.person_key).select_from(Referral), filters).where(in_period).scalar_subquery()
    firsts = (
        select(Person.person_key.label("key"), sa.func.min(Referral.submitted_at).label("first"))
        .join(Referral, Referral.person_id == Person.id)
        .where(Person.person_key.in_(keys))
        .group_by(Person.person_key)
        .subquery()
    )
    first_ever = sa.case((Referral.submitted_at == firsts.c.first, Person.person_key))
    query = counted(
        select(
            sa.func.count(Referral.id),
            sa.func.count(sa.distinct(Person.person_key)),
            sa.func.count(sa.distinct(first_ever)),
        ).select_from(Referral),
        filters,
    )
    query = query.join(firsts, firsts.c.key == Person.person_key).where(in_period)
    referrals, people, first_referrals = db.session.execute(query).one()
    return PeopleReferred(int(referrals), int(people), int(referrals) - int(first_referrals))


# -- 2. decisions ------------------------------------------------------------------------------

DECISIONS = (S.ACCEPTED, S.REJECTED, S.REDIRECTED)


@dataclass
class Decisions:
    by_team: dict[TeamKey, dict[ReferralState, int]]
    rejection_reasons: dict[str, int]


def _in_period(column: Any, period: Period) -> Any:
    return sa.and_(column >= period.starts_at, column < period.ends_at)


def decisions(period: Period, filters: Filters) -> Decisions:
    """Triage decisions made in the period (accepted, rejected, redirected), by source team,
    and the coded reasons for rejections (redirect reasons are free text: not reported)."""
    decided = _in_period(ReferralEvent.at, period) & ReferralEvent.to_state.in_(DECISIONS)
    query = counted(
        select(Referral.team_id, Referral.source_code, ReferralEvent.to_state, sa.func.count())
        .select_from(ReferralEvent)
        .join(Referral, Referral.id == ReferralEvent.referral_id),
        filters,
    ).where(decided)
    by_team: dict[TeamKey, dict[ReferralState, int]] = defaultdict(dict)
    for team_id, source, state, count in _rows(
        query.group_by(Referral.team_id, Referral.source_code, ReferralEvent.to_state)
    ):
        by_team[(str(team_id) if team_id else None, source)][state] = count
    reasons = counted(
        select(Referral.decision_reason, sa.func.count())
        .select_from(ReferralEvent)
        .join(Referral, Referral.id == ReferralEvent.referral_id),
        filters,
    ).where(_in_period(ReferralEvent.at, period), ReferralEvent.to_state == S.REJECTED)
    rejection_reasons = {
        reason or "other": count for reason, count in _rows(reasons.group_by(Referral.decision_reason))
    }
    return Decisions(dict(by_team), dict(rejection_reasons))


# -- 3. contact and waits ----------------------------------------------------------------------


def _reached(state: ReferralState) -> Any:
    event = aliased(ReferralEvent)
    return select(event.id).where(event.referral_id == Referral.id, event.to_state == state).exists()


def contact_by_month_accepted(period: Period, filters: Filters) -> list[tuple[int, int]]:
    """For each month of the period: referrals accepted then, and how many of them the
    navigators have engaged since (contact rate, cohort by month accepted)."""
    bounds = period.month_bounds()
    month = month_index(ReferralEvent.at, bounds).label("month")
    engaged = sa.func.sum(sa.case((_reached(S.ENGAGED), 1), else_=0))
    query = counted(
        select(month, sa.func.count(), engaged)
        .select_from(ReferralEvent)
        .join(Referral, Referral.id == ReferralEvent.referral_id),
        filters,
    ).where(_in_period(ReferralEvent.at, period), ReferralEvent.to_state == S.ACCEPTED)
    out = [(0, 0)] * len(bounds)
    for index, accepted, engaged_count in _rows(query.group_by(month)):
        out[index] = (accepted, int(engaged_count or 0))
    return out


def first_contacts(period: Period, filters: Filters) -> list[tuple[datetime, datetime]]:
    """(submitted, first successful contact) of each referral submitted in the period that
    has had one: for the median wait in working days."""
    first = sa.func.min(ContactAttempt.at)
    query = counted(
        select(Referral.submitted_at, first).join(ContactAttempt, ContactAttempt.referral_id == Referral.id),
        filters,
    ).where(submitted_in(period.starts_at, period.ends_at), ContactAttempt.outcome == ContactOutcome.REACHED)
    return [(submitted, reached) for submitted, reached in _rows(query.group_by(Referral.id, Referral.submitted_at))]


def first_activities(period: Period, filters: Filters) -> list[tuple[datetime, date]]:
    """(submitted, first session attended) of each referral submitted in the period whose
    person has been to a first session."""
    first = sa.func.min(Connection.first_attended_at)
    query = counted(
        select(Referral.submitted_at, first).join(Connection, Connection.referral_id == Referral.id),
        filters,
    ).where(submitted_in(period.starts_at, period.ends_at), Connection.first_attended_at.is_not(None))
    return [(submitted, day) for submitted, day in _rows(query.group_by(Referral.id, Referral.submitted_at))]


# -- 4. connections ----------------------------------------------------------------------------

ATTENDED = (ConnectionStatus.ATTENDED_FIRST_SESSION, ConnectionStatus.ATTENDING_REGULARLY)


def _connected_episodes() -> Any:
    """Per referral with a connection: whether one reached the first session (1 or 0) and
    whether one is attended regularly, counted once over the connections (a look-up per
    episode took most of a second at 100,000 referrals)."""
    reached = sa.or_(Connection.first_attended_at.is_not(None), Connection.status.in_(ATTENDED))
    return (
        select(
            Connection.referral_id,
            sa.func.max(sa.case((reached, 1), else_=0)).label("connected"),
            sa.func.max(sa.case((Connection.status == ConnectionStatus.ATTENDING_REGULARLY, 1), else_=0)).label(
                "sustained"
            ),
        )
        .group_by(Connection.referral_id)
        .subquery("connected")
    )


def connected_by_ward(period: Period, filters: Filters) -> dict[str | None, tuple[int, int, int]]:
    """Episodes closed in the period after the person engaged, by ward: (closed engaged,
    connected to at least one activity, sustained: attending one regularly)."""
    closed = aliased(ReferralEvent)
    linked = _connected_episodes()
    query = counted(
        select(
            Person.ward_code,
            sa.func.count(),
            sa.func.sum(sa.func.coalesce(linked.c.connected, 0)),
            sa.func.sum(sa.func.coalesce(linked.c.sustained, 0)),
        )
        .select_from(closed)
        .join(Referral, Referral.id == closed.referral_id)
        .outerjoin(linked, linked.c.referral_id == Referral.id),
        filters,
    ).where(_in_period(closed.at, period), closed.to_state == S.CLOSED, _reached(S.ENGAGED))
    return {
        ward: (count, int(linked_count or 0), int(regular or 0))
        for ward, count, linked_count, regular in _rows(query.group_by(Person.ward_code))
    }


def connections_by_category(period: Period, filters: Filters) -> dict[str, tuple[str, int, int]]:
    """Connections whose first session was in the period, by the activity's category (an
    activity in two categories counts in each): category code -> (name, first sessions,
    still attending regularly)."""
    query = counted(
        select(
            TaxonomyTerm.code,
            TaxonomyTerm.name,
            sa.func.count(),
            sa.func.sum(sa.case((Connection.status == ConnectionStatus.ATTENDING_REGULARLY, 1), else_=0)),
        )
        .select_from(Connection)
        .join(Referral, Referral.id == Connection.referral_id)
        .join(listing_terms, listing_terms.c.listing_id == Connection.listing_id)
        .join(TaxonomyTerm, TaxonomyTerm.id == listing_terms.c.term_id),
        filters,
    ).where(
        TaxonomyTerm.vocabulary == Vocabulary.CATEGORY,
        Connection.first_attended_at >= period.start,
        Connection.first_attended_at < period.end,
    )
    grouped = query.group_by(TaxonomyTerm.code, TaxonomyTerm.name, TaxonomyTerm.position).order_by(
        TaxonomyTerm.position
    )
    return {code: (name, count, int(regular or 0)) for code, name, count, regular in _rows(grouped)}


# -- 5. loneliness -----------------------------------------------------------------------------


def _pooled(screen: Any) -> Any:
    """Counted in pooled figures: the person's own answers (proxy answers left out)."""
    return screen.proxy.is_(False)


def baseline_distribution(period: Period, filters: Filters, instrument: str) -> dict[str, int]:
    """Episode baselines of referrals submitted in the period: the ONS direct question's
    answers ("ons_direct") or UCLA-3 totals ("ucla3", complete screens only)."""
    value: Any = (
        Screening.answers["lonely"].as_string() if instrument == "ons_direct" else sa.cast(Screening.score, sa.String)
    )
    query = counted(
        select(value, sa.func.count()).select_from(Screening).join(Referral, Referral.id == Screening.referral_id),
        filters,
    ).where(
        submitted_in(period.starts_at, period.ends_at),
        Screening.instrument_code == instrument,
        Screening.episode_baseline.is_(True),
        _pooled(Screening),
        value.is_not(None),
    )
    return {str(key): count for key, count in _rows(query.group_by(value))}


def _episodes(period: Period, time_point: TimePoint) -> Any:
    """Episodes whose follow-up point fell in the period: the 3-month date, or closure."""
    if time_point is TimePoint.THREE_MONTH:
        return sa.and_(Referral.follow_up_due >= period.start, Referral.follow_up_due < period.end)
    closed = aliased(ReferralEvent)
    return (
        select(closed.id)
        .where(closed.referral_id == Referral.id, closed.to_state == S.CLOSED, _in_period(closed.at, period))
        .exists()
    )


def _pairs(period: Period, filters: Filters, time_point: TimePoint, instrument: str, *columns: Any) -> Any:
    """The first comparable, non-proxy pair of each episode at the time point, as columns
    of its baseline (`b`) and follow-up (`f`) screens."""
    follow_up, baseline = aliased(Screening, name="f"), aliased(Screening, name="b")
    order = sa.func.row_number().over(partition_by=follow_up.referral_id, order_by=follow_up.recorded_at)
    inner = counted(
        select(*(column(baseline, follow_up) for column in columns), order.label("n"))
        .select_from(follow_up)
        .join(baseline, baseline.id == follow_up.baseline_id)
        .join(Referral, Referral.id == follow_up.referral_id),
        filters,
    ).where(
        _episodes(period, time_point),
        follow_up.instrument_code == instrument,
        follow_up.time_point == time_point,
        follow_up.comparable.is_(True),
        _pooled(follow_up),
        _pooled(baseline),
    )
    pairs = inner.subquery()
    return select(*(pairs.c[i] for i in range(len(columns)))).where(pairs.c.n == 1)


def ucla3_pairs(period: Period, filters: Filters, time_point: TimePoint) -> tuple[list[tuple[int, int]], list[int]]:
    """(baseline, follow-up) UCLA-3 totals of each pair, and the baseline totals of the
    episodes with no pair at that time point."""
    query = _pairs(
        period, filters, time_point, "ucla3", lambda b, f: b.score, lambda b, f: f.score, lambda b, f: b.referral_id
    )
    rows = [row for row in _rows(query) if row[0] is not None and row[1] is not None]
    paired = {row[2] for row in rows}
    baselines = counted(
        select(Screening.referral_id, Screening.score)
        .select_from(Screening)
        .join(Referral, Referral.id == Screening.referral_id),
        filters,
    ).where(
        _episodes(period, time_point),
        Screening.instrument_code == "ucla3",
        Screening.episode_baseline.is_(True),
        _pooled(Screening),
        Screening.score.is_not(None),
    )
    without = [score for referral_id, score in _rows(baselines) if referral_id not in paired]
    return [(row[0], row[1]) for row in rows], without


def often_always_pairs(period: Period, filters: Filters, time_point: TimePoint) -> list[tuple[bool, bool]]:
    """("Often/always" at baseline, at follow-up) of each classified direct-question pair."""
    chronic = ("chronic_loneliness",)
    query = _pairs(
        period,
        filters,
        time_point,
        "ons_direct",
        lambda b, f: b.details[chronic].as_boolean(),
        lambda b, f: f.details[chronic].as_boolean(),
    )
    return [(bool(before), bool(after)) for before, after in _rows(query) if before is not None and after is not None]


ONS4_ITEMS = ("life_satisfaction", "worthwhile", "happiness", "anxiety")


def ons4_pairs(period: Period, filters: Filters, time_point: TimePoint) -> list[tuple[int | None, ...]]:
    """Each ONS4 pair's item scores: baseline then follow-up for each item in ONS4_ITEMS."""
    columns = []
    for item in ONS4_ITEMS:
        path = ("item_scores", item)
        columns.append(lambda b, f, path=path: b.details[path].as_integer())
        columns.append(lambda b, f, path=path: f.details[path].as_integer())
    return [tuple(row) for row in _rows(_pairs(period, filters, time_point, "ons4", *columns))]


# -- names for the codes -----------------------------------------------------------------------


def team_names() -> dict[str, str]:
    from navigator.models import Team

    return {str(team_id): name for team_id, name in _rows(select(Team.id, Team.name))}


def source_names() -> dict[str, str]:
    from navigator.models import ReferralSource

    return dict(_rows(select(ReferralSource.code, ReferralSource.name)))


def ward_names() -> dict[str, str]:
    from navigator.models import Ward

    return {code: name.removesuffix(" Ward") for code, name in _rows(select(Ward.code, Ward.name))}


def anything_in(period: Period, filters: Filters) -> bool:
    """Whether the period has any referral received, any decision or closure, or any
    follow-up falling due, for these filters: otherwise the report says it is empty."""
    received = counted(select(Referral.id), filters).where(submitted_in(period.starts_at, period.ends_at))
    moved = counted(
        select(ReferralEvent.id).select_from(ReferralEvent).join(Referral, Referral.id == ReferralEvent.referral_id),
        filters,
    ).where(_in_period(ReferralEvent.at, period))
    due = counted(select(Referral.id), filters).where(_episodes(period, TimePoint.THREE_MONTH))
    return any(db.session.scalar(query.limit(1)) is not None for query in (received, moved, due))

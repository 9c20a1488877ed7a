"""The coverage-gap figures (domain.md 7.3), counted by the database: referrals with each need and
unmet-need entries over the 12 months to the end of the period, by ward and by target group, and
the active, fresh listings in the matching categories that serve the area and are open to the
group. Works on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import aliased

from navigator import clock
from navigator.extensions import db
from navigator.models import (
    EqualityMonitoring,
    Person,
    Referral,
    TaxonomyTerm,
    UnmetNeed,
    UnmetNeedStatus,
    Vocabulary,
    Ward,
)
from navigator.models.directory import listing_terms
from navigator.monitoring.target_groups import CHILD_UNDER, MIDDLE_AGED_FROM, YOUNGER_RENTER_AGES
from navigator.reports.directory_sql import ATTENDED_KINDS, Snapshot, is_fresh, listed
from navigator.reports.groups import RULES, in_group
from navigator.reports.periods import Period
from navigator.reports.sql import Filters, counted, submitted_in
from navigator.services.referrals.unmet_need import unmet_need_counts
from navigator.vocabularies import CATEGORIES_FOR_NEED, NEEDS

# The service's area, whose wards the report can be narrowed to: the City of London and Hackney.
SERVICE_AREA_AUTHORITIES = ("E09000001", "E09000012")
# Ages a target group is defined by (navigator/monitoring/target_groups.py): a listing whose
# age range misses them is not open to the group. Youngest, oldest (None: no limit).
GROUP_AGES: dict[str, tuple[int, int | None]] = {
    "children-young-people-families": (0, CHILD_UNDER - 1),
    "older-living-alone": (MIDDLE_AGED_FROM, None),
    "younger-renters": YOUNGER_RENTER_AGES,
}
ANY_CATEGORY = ""  # a need with no matching category: any activity or event meets it


def _rows(query: Any) -> list[Any]:
    return list(db.session.execute(query))


@dataclass(frozen=True)
class Window:
    """The 12 months to the end of the period (London days; `end` not included)."""

    start: date
    end: date

    @property
    def label(self) -> str:
        last = self.end - timedelta(days=1)
        return f"{self.start:%B %Y} to {last.day} {last:%B %Y}"


def window_of(period: Period) -> Window:
    last = period.end - timedelta(days=1)
    return Window(last.replace(day=1) - relativedelta(months=11), period.end)


def service_area_wards() -> dict[str, str]:
    """Ward code -> name, for the wards of the service's area, by name."""
    rows = db.session.execute(
        select(Ward.code, Ward.name).where(Ward.local_authority.in_(SERVICE_AREA_AUTHORITIES)).order_by(Ward.name)
    )
    return {code: name.removesuffix(" Ward") for code, name in rows}


def _has_need(code: str) -> Any:
    return sa.cast(Referral.needs, sa.Text).contains(f'"{code}"', autoescape=True)


def _received_in(window: Window) -> Any:
    return submitted_in(clock.in_london(window.start), clock.in_london(window.end))


def referrals_by_ward_and_need(window: Window, ward_code: str | None) -> dict[tuple[str | None, str], int]:
    """(ward the person lives in, need) -> referrals received in the window with that need (a
    referral with two needs counts under each)."""
    sums = [sa.func.sum(sa.case((_has_need(code), 1), else_=0)) for code in NEEDS]
    query = counted(select(Person.ward_code, *sums), Filters(ward_code=ward_code)).where(_received_in(window))
    out: dict[tuple[str | None, str], int] = {}
    for ward, *counts in _rows(query.group_by(Person.ward_code)):
        for code, count in zip(NEEDS, counts, strict=True):
            out[(ward, code)] = out.get((ward, code), 0) + int(count or 0)
    return out


def unmet_by_ward_and_need(window: Window, ward_code: str | None) -> dict[tuple[str, str], dict[str, int]]:
    """(ward, need) -> constraint -> unmet-need entries recorded in the window."""
    out: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in unmet_need_counts(window.start, window.end - timedelta(days=1)):
        if ward_code is None or row.ward_code == ward_code:
            out[(row.ward_code, row.need)][row.constraint] = row.entries
    return dict(out)


def _group_flags() -> list[Any]:
    return [sa.case((in_group(code), 1), else_=0).label(f"g{n}") for n, code in enumerate(RULES)]


def _need_flags(column: Any = None) -> list[Any]:
    if column is None:
        return [sa.case((_has_need(code), 1), else_=0).label(f"n{n}") for n, code in enumerate(NEEDS)]
    return [sa.case((column == code, 1), else_=0).label(f"n{n}") for n, code in enumerate(NEEDS)]


def _materialized(query: Any, name: str) -> Any:
    """The query's rows worked out once (a CTE both databases keep), not once for each sum
    over them: SQLite would otherwise copy the flags' subqueries into every sum."""
    return query.cte(name).prefix_with("MATERIALIZED")


def _by_group_and_need(inner: Any) -> dict[tuple[str, str], int]:
    """Sums of each group flag times each need flag over one row a referral or entry."""
    flags = _materialized(inner, "flags")
    pairs = [(g, n) for g in range(len(RULES)) for n in range(len(NEEDS))]
    sums = [sa.func.sum(flags.c[f"g{g}"] * flags.c[f"n{n}"]) for g, n in pairs]
    row = db.session.execute(select(*sums)).one()
    groups, needs = list(RULES), list(NEEDS)
    return {(groups[g], needs[n]): int(total or 0) for (g, n), total in zip(pairs, row, strict=True)}


def referrals_by_group_and_need(window: Window, ward_code: str | None) -> dict[tuple[str, str], int]:
    """(target group when referred, need) -> referrals received in the window with that need,
    of people in that group (a person in two groups counts in each)."""
    inner = counted(select(*_group_flags(), *_need_flags()), Filters(ward_code=ward_code), monitoring=True).where(
        _received_in(window)
    )
    return _by_group_and_need(inner)


def unmet_by_group_and_need(window: Window, ward_code: str | None) -> dict[tuple[str, str], int]:
    """(target group of the person when referred, need) -> unmet-need entries recorded in the
    window (withdrawn ones left out), in `ward_code` if given."""
    inner = (
        select(*_group_flags(), *_need_flags(UnmetNeed.need))
        .select_from(UnmetNeed)
        .join(Referral, Referral.id == UnmetNeed.referral_id)
        .join(Person, Person.id == Referral.person_id)
        .outerjoin(EqualityMonitoring, EqualityMonitoring.person_id == Person.id)
        .where(
            UnmetNeed.recorded_at >= clock.in_london(window.start),
            UnmetNeed.recorded_at < clock.in_london(window.end),
            UnmetNeed.status != UnmetNeedStatus.WITHDRAWN,
        )
    )
    if ward_code is not None:
        inner = inner.where(UnmetNeed.ward_code == ward_code)
    return _by_group_and_need(inner)


# -- listings ----------------------------------------------------------------------------------


def _categories() -> list[str]:
    """The categories the needs point to (each once), and ANY_CATEGORY."""
    return [ANY_CATEGORY, *dict.fromkeys(CATEGORIES_FOR_NEED.values())]


def _terms() -> Any:
    """One row a listing with its terms as flags, read in one pass over its terms: `c<k>` it is
    in the k-th of _categories() (or one under it), `named` it names any target group, `g<n>`
    it names the n-th of RULES."""
    term, parent = aliased(TaxonomyTerm, name="term"), aliased(TaxonomyTerm, name="parent")
    is_category, is_group = term.vocabulary == Vocabulary.CATEGORY, term.vocabulary == Vocabulary.TARGET_GROUP

    def flag(condition: Any, name: str) -> Any:
        return sa.func.max(sa.case((condition, 1), else_=0)).label(name)

    categories = [
        flag(sa.and_(is_category, sa.or_(term.code == code, parent.code == code)), f"c{k}")
        for k, code in enumerate(_categories())
        if code != ANY_CATEGORY
    ]
    groups = [flag(sa.and_(is_group, term.code == code), f"g{n}") for n, code in enumerate(RULES)]
    query = (
        select(listing_terms.c.listing_id, flag(is_group, "named"), *categories, *groups)
        .join(term, term.id == listing_terms.c.term_id)
        .outerjoin(parent, parent.id == term.parent_id)
        .group_by(listing_terms.c.listing_id)
    )
    return _materialized(query, "terms")


def _in_category(terms: Any, k: int, code: str) -> Any:
    """1 when the listing is in the k-th category (or one under it); always for ANY_CATEGORY."""
    return sa.literal(1) if code == ANY_CATEGORY else sa.func.coalesce(terms.c[f"c{k}"], 0)


def _serving(snapshot: Snapshot) -> Any:
    """Activities and events in the public directory at the snapshot, confirmed within 12 months."""
    rows = listed(snapshot, public_only=True, name="serving")
    return rows, sa.and_(rows.c.kind.in_(ATTENDED_KINDS), is_fresh(snapshot, rows.c.months))


def listings_by_ward_and_category(snapshot: Snapshot) -> dict[tuple[str | None, str], int]:
    """(ward held in, None for no venue; category code or ANY_CATEGORY) -> active, fresh listings."""
    rows, wanted = _serving(snapshot)
    codes, terms = _categories(), _terms()
    sums = [sa.func.sum(_in_category(terms, k, code)) for k, code in enumerate(codes)]
    query = (
        select(rows.c.ward_code, *sums)
        .select_from(rows)
        .outerjoin(terms, terms.c.listing_id == rows.c.id)
        .where(wanted)
        .group_by(rows.c.ward_code)
    )
    out: dict[tuple[str | None, str], int] = {}
    for ward, *counts in _rows(query):
        for code, count in zip(codes, counts, strict=True):
            out[(ward, code)] = int(count or 0)
    return out


def _open_to(rows: Any, terms: Any, n: int, group: str) -> Any:
    """The listing names no target group (open to everyone) or names this one (the n-th of
    RULES), and its ages (if any) reach the group's."""
    condition = sa.or_(sa.func.coalesce(terms.c.named, 0) == 0, terms.c[f"g{n}"] == 1)
    if group in GROUP_AGES:
        youngest, oldest = GROUP_AGES[group]
        ages = [sa.or_(rows.c.max_age.is_(None), rows.c.max_age >= youngest)]
        if oldest is not None:
            ages.append(sa.or_(rows.c.min_age.is_(None), rows.c.min_age <= oldest))
        condition = sa.and_(condition, *ages)
    return condition


def listings_by_group_and_category(snapshot: Snapshot, ward_code: str | None) -> dict[tuple[str, str], int]:
    """(target group, category code or ANY_CATEGORY) -> active, fresh listings open to the group,
    held in the ward (or with no venue) when `ward_code` is given, anywhere otherwise."""
    rows, wanted = _serving(snapshot)
    if ward_code is not None:
        wanted = sa.and_(wanted, sa.or_(rows.c.ward_code == ward_code, rows.c.ward_code.is_(None)))
    groups, codes, terms = list(RULES), _categories(), _terms()
    flags = (
        select(
            *(sa.case((_open_to(rows, terms, g, group), 1), else_=0).label(f"g{g}") for g, group in enumerate(groups)),
            *(_in_category(terms, c, code).label(f"c{c}") for c, code in enumerate(codes)),
        )
        .select_from(rows)
        .outerjoin(terms, terms.c.listing_id == rows.c.id)
        .where(wanted)
    )
    flags = _materialized(flags, "flags")
    pairs = [(g, c) for g in range(len(groups)) for c in range(len(codes))]
    totals = db.session.execute(select(*(sa.func.sum(flags.c[f"g{g}"] * flags.c[f"c{c}"]) for g, c in pairs))).one()
    return {(groups[g], codes[c]): int(total or 0) for (g, c), total in zip(pairs, totals, strict=True)}

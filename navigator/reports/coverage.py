"""Coverage gaps (issue 10 section 6; domain.md 7.3): for each ward and need, and each target group
and need, over the 12 months to the end of the period, the referrals with that need and the
unmet-need entries navigators recorded, against the active, fresh listings in the matching
categories that serve the area and are open to the group. A gap is flagged where referrals or
unmet-need entries reach R while matching listings are at most L (REPORT_GAP_REFERRALS,
REPORT_GAP_LISTINGS).

Referral and unmet-need counts are about people: suppressed as everywhere in the report. A gap
is flagged only from figures that are shown, so a flag never says anything about a hidden one
(R is above the suppression threshold, so a small count never reaches it anyway). Listing
counts are about organisations and are shown in full (directory_health.directory_figures)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app

from navigator.monitoring.target_groups import TARGET_GROUPS_BY_CODE
from navigator.reports import coverage_queries as q
from navigator.reports.directory_sql import snapshot_of
from navigator.reports.groups import RULES
from navigator.reports.periods import Period
from navigator.reports.sql import Filters
from navigator.reports.suppression import Shown, suppress
from navigator.reports.tables import ChartSpec, ReportTable, Settings, count_table, figure
from navigator.vocabularies import CATEGORIES_FOR_NEED, NEEDS, UNMET_NEED_CONSTRAINTS

GAP = "Gap"
CONSTRAINT_HEADINGS = {
    "no_activity": "No activity of that kind",
    "language": "Language",
    "cost": "Cost",
    "time_of_day": "Time of day",
    "access": "Access",
    "age": "Age group",
    "too_far": "Too far away",
}
assert set(CONSTRAINT_HEADINGS) == set(UNMET_NEED_CONSTRAINTS), "a heading for every constraint"
NONE_SHOWN = Shown(0)


@dataclass(frozen=True)
class GapRule:
    """Flag a gap where referrals or unmet-need entries reach `referrals` (R) while matching
    listings are at most `listings` (L)."""

    referrals: int
    listings: int

    def flags(self, referrals: Shown, unmet: Shown, listings: int) -> bool:
        """Only figures that are shown count: a hidden one never raises a flag."""
        reached = any(shown.value is not None and shown.value >= self.referrals for shown in (referrals, unmet))
        return reached and listings <= self.listings


def gap_rule() -> GapRule:
    config = current_app.config
    return GapRule(int(config["REPORT_GAP_REFERRALS"]), int(config["REPORT_GAP_LISTINGS"]))


@dataclass(frozen=True)
class Line:
    """One row of the comparison: a ward or target group and a need."""

    who: str
    need: str
    referrals: Shown
    unmet: Shown
    listings: int
    gap: bool

    def cells(self, settings: Settings) -> list[str]:
        counts = [figure(self.referrals, settings), figure(self.unmet, settings), f"{self.listings:,}"]
        return [self.who, NEEDS[self.need], *counts]


COMPARED = ["Referrals with the need", "Unmet-need entries", "Matching listings"]


def gaps(period: Period, filters: Filters, settings: Settings) -> list[ReportTable]:
    """Section 6: the gaps flagged, then ward x need (with the constraints recorded), then
    target group x need."""
    rule = gap_rule()
    window = q.window_of(period)
    by_ward, constraints = _ward_lines(period, filters, settings, rule)
    by_group = _group_lines(period, filters, settings, rule)
    notes = _notes(rule, window, filters)
    flagged = [line for line in by_ward + by_group if line.gap]
    return [
        ReportTable(
            "coverage-gaps-flagged",
            f"Gaps flagged, {window.label}",
            ["Ward or target group", "Need", *COMPARED],
            [line.cells(settings) for line in flagged],
            notes,
            label_columns=2,
            chart=ChartSpec("bars", COMPARED[0]),
        ),
        _comparison(
            "coverage-by-ward-and-need",
            f"Needs and matching listings by ward, {window.label}",
            "Ward",
            by_ward,
            settings,
            [
                "Referrals: by the ward the person lives in. Unmet-need entries: by the ward where nothing suitable "
                "was found. Matching listings: held in the ward, or with no venue (by phone or online).",
                "Only wards with referrals or unmet-need entries for the need are listed.",
            ],
        ),
        constraints,
        _comparison(
            "coverage-by-target-group-and-need",
            f"Needs and matching listings by target group, {window.label}",
            "Target group (when referred)",
            by_group,
            settings,
            [
                "A person can be in several groups, so the groups add up to more than the referrals. Groups are "
                "derived from the equality answers and the age when referred; answers are optional.",
                "Matching listings: open to the group (they name no target group, or name this one, and their ages "
                "reach the group's) and serving the area: anywhere in the directory, or held in the chosen ward "
                "(or with no venue).",
            ],
        ),
    ]


def _notes(rule: GapRule, window: q.Window, filters: Filters) -> list[str]:
    scope = (
        "The ward filter narrows this section to the chosen ward; the source team and age band filters do not apply."
        if filters.ward_code is not None
        else "The source team and age band filters do not apply to this section; the ward filter narrows it to a ward."
    )
    if filters.target_group is not None:
        scope += " The target group filter narrows the target group table to that group."
    return [
        f"A gap is flagged where referrals with a need, or unmet-need entries, number {rule.referrals} or more "
        f"while {rule.listings} or fewer matching listings serve the area (REPORT_GAP_REFERRALS = {rule.referrals}, "
        f"REPORT_GAP_LISTINGS = {rule.listings}; domain.md 7.3). Only figures shown can raise a flag.",
        f"Over the 12 months {window.label}, whatever the period chosen. Matching listings: activities and events in "
        "the public directory at the end of that time, confirmed within 12 months, in the categories the need "
        "points to (as “Find activities” uses them; a need with none, such as wanting an activity or hobby, "
        "matches any).",
        "Unmet-need entries are the strongest evidence: a navigator found nothing suitable. Listing counts alone "
        "cannot show whether an activity suits someone's language, access needs, budget or times: the "
        "constraints navigators recorded are in “Unmet-need entries by what stood in the way”.",
        scope,
    ]


def _comparison(
    key: str, title: str, heading: str, lines: list[Line], settings: Settings, notes: Sequence[str]
) -> ReportTable:
    header = [heading, "Need", *COMPARED, GAP]
    return ReportTable(
        key,
        title,
        header,
        [[*line.cells(settings), GAP if line.gap else ""] for line in lines],
        list(notes),
        label_columns=2,
        flag_column=header.index(GAP),
    )


def _listings_for(listings: dict[tuple[str | None, str], int], ward: str, need: str) -> int:
    category = CATEGORIES_FOR_NEED.get(need, q.ANY_CATEGORY)
    return listings.get((ward, category), 0) + listings.get((None, category), 0)


def _ward_lines(period: Period, filters: Filters, settings: Settings, rule: GapRule) -> tuple[list[Line], ReportTable]:
    window, snapshot = q.window_of(period), snapshot_of(period)
    wards = q.service_area_wards()
    referrals = q.referrals_by_ward_and_need(window, filters.ward_code)
    unmet = {
        key: value for key, value in q.unmet_by_ward_and_need(window, filters.ward_code).items() if key[0] in wards
    }
    listings = q.listings_by_ward_and_category(snapshot)
    referrals_shown = _referrals_shown(referrals, wards, settings)
    constraints, unmet_shown = _constraints_table(unmet, wards, settings, window)
    lines = []
    for ward, name in wards.items():
        for need in NEEDS:
            counted = referrals.get((ward, need), 0)
            entries = sum(unmet.get((ward, need), {}).values())
            if not counted and not entries:
                continue
            shown = referrals_shown.get((ward, need), NONE_SHOWN)
            recorded = unmet_shown.get((ward, need), NONE_SHOWN)
            matching = _listings_for(listings, ward, need)
            lines.append(Line(name, need, shown, recorded, matching, rule.flags(shown, recorded, matching)))
    return lines, constraints


def _referrals_shown(
    referrals: dict[tuple[str | None, str], int], wards: dict[str, str], settings: Settings
) -> dict[tuple[str, str], Shown]:
    """Each ward's referrals with each need, suppressed with each need's total over the whole
    area (people elsewhere included) as a line: "Referrals received by need" gives those
    totals for a rolling year, so no single hidden ward could be worked out from them."""
    rows = [ward for ward in wards if any(referrals.get((ward, need), 0) for need in NEEDS)]
    elsewhere = [
        sum(n for (ward, need), n in referrals.items() if need == code and ward not in wards) for code in NEEDS
    ]
    counts = [[referrals.get((ward, need), 0) for need in NEEDS] for ward in rows] + [elsewhere]
    if not rows:
        return {}
    grid = suppress(counts, settings.threshold, row_totals=False, column_totals=True)
    return {(ward, need): grid.shown[i][j] for i, ward in enumerate(rows) for j, need in enumerate(NEEDS)}


def _constraints_table(
    unmet: dict[tuple[str, str], dict[str, int]], wards: dict[str, str], settings: Settings, window: q.Window
) -> tuple[ReportTable, dict[tuple[str, str], Shown]]:
    keys = [(ward, need) for ward in wards for need in NEEDS if (ward, need) in unmet]
    table, shown = count_table(
        "unmet-need-constraints",
        f"Unmet-need entries by what stood in the way, {window.label}",
        "Ward",
        [wards[ward] for ward, _ in keys],
        list(CONSTRAINT_HEADINGS.values()),
        [[unmet[key].get(code, 0) for code in CONSTRAINT_HEADINGS] for key in keys],
        settings,
        notes=[
            "Recorded by navigators when nothing suitable existed for a person's need: the need, the ward where "
            "nothing was found and what stood in the way (withdrawn entries left out)."
        ],
    )
    table.header.insert(1, "Need")
    for row, (_, need) in zip(table.rows, keys, strict=True):
        row.insert(1, NEEDS[need])
    if table.total_row is not None:
        table.total_row.insert(1, "")
    table.label_columns = 2
    return table, {key: figures[-1] for key, figures in zip(keys, shown[: len(keys)], strict=True)}


def _group_lines(period: Period, filters: Filters, settings: Settings, rule: GapRule) -> list[Line]:
    window, snapshot = q.window_of(period), snapshot_of(period)
    groups = [filters.target_group] if filters.target_group is not None else list(RULES)
    referrals = q.referrals_by_group_and_need(window, filters.ward_code)
    unmet = q.unmet_by_group_and_need(window, filters.ward_code)
    listings = q.listings_by_group_and_category(snapshot, filters.ward_code)
    keys = [(group, need) for group in groups for need in NEEDS if referrals[(group, need)] or unmet[(group, need)]]
    if not keys:
        return []
    # A person can be in several groups: no line of this table adds up to a total, so each
    # count is suppressed on its own (small counts).
    grid = suppress(
        [[referrals[key], unmet[key]] for key in keys], settings.threshold, row_totals=False, column_totals=False
    )
    lines = []
    for (group, need), (referred, recorded) in zip(keys, grid.shown, strict=True):
        matching = listings[(group, CATEGORIES_FOR_NEED.get(need, q.ANY_CATEGORY))]
        name = TARGET_GROUPS_BY_CODE[group].name
        lines.append(Line(name, need, referred, recorded, matching, rule.flags(referred, recorded, matching)))
    return lines

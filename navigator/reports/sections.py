"""The report's sections as tables (domain.md 7.1, 7.2): the figures from queries.py,
suppressed and written out by tables.py. The page and the CSV downloads use these alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from navigator.clock import LONDON
from navigator.models import ReferralState, TimePoint
from navigator.reports import coverage, directory_health, queries, statistics
from navigator.reports.groups import ETHNIC_GROUP_LABELS, TARGET_GROUP_NAMES
from navigator.reports.periods import Period, month_label
from navigator.reports.sql import AGE_BAND_LABELS, AGE_BANDS, AGE_NOT_KNOWN, Filters
from navigator.reports.suppression import Shown
from navigator.reports.tables import (
    NOT_SHOWN,
    ChartSpec,
    ReportTable,
    Settings,
    count,
    count_table,
    figure,
    interval,
    mean_over,
    percent,
)
from navigator.screening.instruments import DIRECT_QUESTION_OPTIONS, ONS4
from navigator.screening.model import DECLINED
from navigator.vocabularies import NEEDS, REJECTION_REASONS
from navigator.working_days import working_days_each

S = ReferralState
NOT_KNOWN = "Not known"


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    build: Callable[[Period, Filters, Settings], list[ReportTable]]
    notes: tuple[str, ...] = ()


def _months(period: Period) -> list[str]:
    return [month_label(month) for month in period.months]


def _ordered(counts: dict[str, list[int]], labels: dict[str, str]) -> tuple[list[str], list[list[int]]]:
    keys = sorted(counts, key=lambda key: labels.get(key, key))
    return [labels.get(key, key) for key in keys], [counts[key] for key in keys]


def _team_labels(keys: list[tuple[str | None, str]]) -> dict[tuple[str | None, str], str]:
    teams, sources = queries.team_names(), queries.source_names()
    return {key: teams.get(key[0] or "", "") or f"{sources.get(key[1], key[1])} (no team)" for key in keys}


def _by_team_name(counts: dict[tuple[str | None, str], Any]) -> dict[str, list[Any]]:
    """Rows by team name: a team's referrals under another source (entered by proxy, say)
    join its row; referrals with no team are shown by their source."""
    labels = _team_labels(list(counts))
    merged: dict[str, list[Any]] = {}
    for key, value in counts.items():
        merged.setdefault(labels[key], []).append(value)
    return dict(sorted(merged.items()))


# -- 1 -----------------------------------------------------------------------------------------


def received(period: Period, filters: Filters, settings: Settings) -> list[ReportTable]:
    figures = queries.referrals_received(period, filters)
    months = _months(period)
    teams = {
        name: [sum(column) for column in zip(*rows, strict=True)]
        for name, rows in _by_team_name(figures.by_team).items()
    }
    wards = queries.ward_names()
    ward_keys = sorted(figures.by_ward, key=lambda code: (code is None, wards.get(code or "", code or "")))
    ages = [code for code, *_ in AGE_BANDS] + [AGE_NOT_KNOWN]
    ages = [code for code in ages if code in figures.by_age]
    needs = [code for code in NEEDS if any(figures.by_need[code])]
    groups = [code for code in figures.by_target_group if any(figures.by_target_group[code])]
    ethnic_groups = [name for name in ETHNIC_GROUP_LABELS if name in figures.by_ethnic_group]
    return [
        unique_people(period, filters, settings),
        count_table(
            "referrals-by-source-team",
            "Referrals received by source team and month",
            "Source team",
            list(teams),
            months,
            list(teams.values()),
            settings,
            chart=ChartSpec("line", measure="referrals received"),
        )[0],
        count_table(
            "referrals-by-ward",
            "Referrals received by ward and month",
            "Ward (where the person lives)",
            [wards.get(code, code) if code else "Not known or outside the area" for code in ward_keys],
            months,
            [figures.by_ward[code] for code in ward_keys],
            settings,
            chart=ChartSpec("bars"),
        )[0],
        count_table(
            "referrals-by-age-band",
            "Referrals received by age band and month",
            "Age band when referred",
            [AGE_BAND_LABELS[code] for code in ages],
            months,
            [figures.by_age[code] for code in ages],
            settings,
            chart=ChartSpec("bars"),
        )[0],
        count_table(
            "referrals-by-need",
            "Referrals received by need and month",
            "Need",
            [NEEDS[code] for code in needs],
            months,
            [figures.by_need[code] for code in needs],
            settings,
            column_totals=False,
            chart=ChartSpec("bars"),
            notes=[
                "A referral with more than one need counts under each, so the needs add up to more than the referrals."
            ],
        )[0],
        count_table(
            "referrals-by-target-group",
            "Referrals received by target group and month",
            "Target group (when referred)",
            [TARGET_GROUP_NAMES.get(code, "In none of the groups, as far as was recorded") for code in groups],
            months,
            [figures.by_target_group[code] for code in groups],
            settings,
            column_totals=False,
            chart=ChartSpec("bars"),
            notes=[
                "A person can be in several groups (men are a cross-cut of the others), so the groups add up "
                "to more than the referrals.",
                "Groups are derived from the equality answers and the age when referred (domain.md 4.1); "
                "answers are optional, so the groups count at least this many.",
            ],
        )[0],
        count_table(
            "referrals-by-ethnic-group",
            "Referrals received by ethnic group and month",
            "Ethnic group",
            ethnic_groups,
            months,
            [figures.by_ethnic_group[name] for name in ethnic_groups],
            settings,
            chart=ChartSpec("bars"),
            notes=["Ethnic groups are the GSS harmonised groups (Census 2021), as the person described themselves."],
        )[0],
    ]


def unique_people(period: Period, filters: Filters, settings: Settings) -> ReportTable:
    """Referrals, the unique people they were for (by person key) and re-referrals."""
    people = queries.people_referred(period, filters)
    return ReportTable(
        "unique-people",
        "Referrals received, unique people and re-referrals",
        ["Measure", "Number"],
        [
            ["Referrals received", count(people.referrals, settings)],
            ["Unique people (by person key)", count(people.people, settings)],
            ["Re-referrals (the person had been referred before, at any time)", count(people.re_referrals, settings)],
        ],
        [
            "A person is known by their person key: the NHS number, or name and date of birth, or a link "
            "a team lead confirmed at triage."
        ],
        chart=ChartSpec("bars", "Number"),
    )


# -- 2 -----------------------------------------------------------------------------------------


def decisions(period: Period, filters: Filters, settings: Settings) -> list[ReportTable]:
    figures = queries.decisions(period, filters)
    states = queries.DECISIONS
    teams = {
        name: [sum(decided.get(state, 0) for decided in rows) for state in states]
        for name, rows in _by_team_name(figures.by_team).items()
    }
    table, shown = count_table(
        "decisions-by-source-team",
        "Triage decisions made in the period, by source team",
        "Source team",
        list(teams),
        ["Accepted", "Rejected", "Redirected"],
        list(teams.values()),
        settings,
        notes=["Acceptance rate: accepted ÷ (accepted + rejected + redirected), of decisions made in the period."],
        chart=ChartSpec("bars", "Acceptance rate"),
    )
    table.header.append("Acceptance rate")
    for row, figures_shown in zip(table.all_rows, shown, strict=True):
        row.append(percent(figures_shown[0], figures_shown[-1], settings))
    reasons = sorted(figures.rejection_reasons, key=lambda code: -figures.rejection_reasons[code])
    reasons_table = count_table(
        "rejection-reasons",
        "Reasons for rejecting referrals",
        "Reason",
        [REJECTION_REASONS.get(code, code) for code in reasons],
        ["Rejected"],
        [[figures.rejection_reasons[code]] for code in reasons],
        settings,
        row_totals=False,
        chart=ChartSpec("bars", "Rejected"),
        notes=[
            "Redirections are counted above; where a referral was redirected to is written by staff, "
            "so it is not reported."
        ],
    )[0]
    return [table, reasons_table]


# -- 3 -----------------------------------------------------------------------------------------


def contact_and_waits(period: Period, filters: Filters, settings: Settings) -> list[ReportTable]:
    by_month = queries.contact_by_month_accepted(period, filters)
    table, shown = count_table(
        "contact-rate",
        "Contact rate, by month accepted",
        "Month accepted",
        _months(period),
        ["Accepted", "Engaged since"],
        [list(pair) for pair in by_month],
        settings,
        row_totals=False,
        notes=["Contact rate: referrals engaged ÷ referrals accepted, by the month they were accepted."],
        chart=ChartSpec("bars", "Contact rate"),
    )
    table.header.append("Contact rate")
    for row, figures_shown in zip(table.all_rows, shown, strict=True):
        row.append(percent(figures_shown[1], figures_shown[0], settings))

    contact_days = working_days_each(queries.first_contacts(period, filters))
    activity_days = [
        (day - submitted.astimezone(LONDON).date()).days for submitted, day in queries.first_activities(period, filters)
    ]
    contact = statistics.waits(contact_days, settings.first_contact_target)
    activity = statistics.waits(activity_days, settings.first_activity_target)
    waits = ReportTable(
        "waits",
        "Time to first contact and to first activity, for referrals received in the period",
        ["Measure", "Referrals", "Median", "Target", "Within target"],
        [
            [
                "Submission to first successful contact (working days)",
                count(contact.count, settings),
                mean_over(contact.median, contact.count, settings),
                f"{settings.first_contact_target} working days",
                percent(contact.within_target, contact.count, settings),
            ],
            [
                "Submission to first activity attended (days)",
                count(activity.count, settings),
                mean_over(activity.median, activity.count, settings),
                f"{settings.first_activity_target} days",
                percent(activity.within_target, activity.count, settings),
            ],
        ],
        [
            "Working days leave out weekends and England and Wales bank holidays; a referral "
            "received after 17:00 counts from the next working day. Referrals still waiting are not counted.",
            "Medians are shown only over more people than the suppression threshold.",
        ],
        chart=ChartSpec("bars", "Within target"),
    )
    return [table, waits]


# -- 4 -----------------------------------------------------------------------------------------


def connections(period: Period, filters: Filters, settings: Settings) -> list[ReportTable]:
    by_ward = queries.connected_by_ward(period, filters)
    wards = queries.ward_names()
    keys = sorted(by_ward, key=lambda code: (code is None, wards.get(code or "", code or "")))
    table, shown = count_table(
        "connections-by-ward",
        "Episodes closed in the period after the person engaged: connected to activities, by ward",
        "Ward",
        [wards.get(code, code) if code else "Not known or outside the area" for code in keys],
        ["Closed after engaging", "Connected to ≥1 activity", "Sustained connection"],
        [list(by_ward[code]) for code in keys],
        settings,
        row_totals=False,
        notes=[
            "Connected: at least one connection reached the first session. Sustained: at least one is "
            "attending regularly (as last recorded).",
        ],
        chart=ChartSpec("bars", "% connected"),
    )
    table.header += ["% connected", "% sustained"]
    for row, figures_shown in zip(table.all_rows, shown, strict=True):
        row += [
            percent(figures_shown[1], figures_shown[0], settings),
            percent(figures_shown[2], figures_shown[0], settings),
        ]
    by_category = queries.connections_by_category(period, filters)
    categories = list(by_category)
    category_table = count_table(
        "connections-by-category",
        "Connections whose first session was in the period, by the activity's category",
        "Category",
        [by_category[code][0] for code in categories],
        ["First sessions", "Attending regularly now"],
        [list(by_category[code][1:]) for code in categories],
        settings,
        row_totals=False,
        column_totals=False,
        notes=["An activity in two categories counts in each, so categories add up to more than the connections."],
        chart=ChartSpec("bars", "First sessions"),
    )[0]
    return [table, category_table]


# -- 5 -----------------------------------------------------------------------------------------

TIME_POINTS = (TimePoint.THREE_MONTH, TimePoint.CLOSURE)
DIRECT_LABELS = {option.value: option.label for option in DIRECT_QUESTION_OPTIONS} | {DECLINED: "Declined"}


def baseline(period: Period, filters: Filters, settings: Settings) -> list[ReportTable]:
    direct = queries.baseline_distribution(period, filters, "ons_direct")
    codes = [code for code in DIRECT_LABELS if code in direct]
    direct_table, shown = count_table(
        "baseline-ons-direct",
        "Baseline: “How often do you feel lonely?” (ONS direct question)",
        "Answer",
        [DIRECT_LABELS[code] for code in codes],
        ["People"],
        [[direct[code]] for code in codes],
        settings,
        row_totals=False,
        chart=ChartSpec("bars", "People"),
    )
    if codes:
        direct_table.notes.append(f"Often/always (chronic loneliness): {_often_always_share(codes, shown, settings)}.")
    ucla = queries.baseline_distribution(period, filters, "ucla3")
    scores = [str(score) for score in range(3, 10)]
    ucla_table = count_table(
        "baseline-ucla3",
        "Baseline: UCLA-3 loneliness score (3 to 9, higher is lonelier)",
        "Score",
        scores,
        ["People"],
        [[ucla.get(score, 0)] for score in scores],
        settings,
        row_totals=False,
        notes=["Episode baselines of referrals received in the period; proxy answers and Easy Read screens left out."],
        chart=ChartSpec("bars", "People"),
    )[0]
    return [direct_table, ucla_table]


def _often_always_share(codes: list[str], shown: list[list[Shown]], settings: Settings) -> str:
    """The share answering "Often/always" of those who answered (declined is not
    classified); not shown when the declined count is hidden, as it could be worked out."""
    if "often_always" not in codes:
        return "none of those who answered"
    often, total = shown[codes.index("often_always")][0], shown[-1][0]
    if DECLINED in codes:
        declined = shown[codes.index(DECLINED)][0]
        if declined.hidden or total.hidden or declined.value is None or total.value is None:
            return f"{NOT_SHOWN} (some answers were declined)"
        return percent(often, total.value - declined.value, settings) + " of those who answered"
    return percent(often, total, settings) + " of those who answered"


def paired(period: Period, filters: Filters, settings: Settings) -> list[ReportTable]:
    changes = {point: statistics.paired_change(*queries.ucla3_pairs(period, filters, point)) for point in TIME_POINTS}
    rows: list[list[str]] = [[label] for label in PAIRED_ROWS]
    for point in TIME_POINTS:
        scores = changes[point].scores
        # Pairs and episodes without a follow-up add up to the episodes: suppressed together.
        _, shown = count_table(
            "episodes",
            "",
            "",
            [""],
            ["Pairs", "No follow-up"],
            [[scores.pairs, scores.without_follow_up]],
            settings,
            column_totals=False,
        )
        pairs, without, episodes = shown[0]
        column = [
            figure(episodes, settings),
            figure(pairs, settings),
            figure(without, settings),
            percent(pairs, episodes, settings),
            mean_over(scores.baseline_mean, scores.pairs, settings),
            mean_over(scores.follow_up_mean, scores.pairs, settings),
            mean_over(scores.mean_change, scores.pairs, settings),
            interval(changes[point].confidence_interval, scores.pairs, settings),
            percent(scores.improved, pairs, settings),
            mean_over(scores.without_follow_up_baseline_mean, scores.without_follow_up, settings),
        ]
        for row, cell in zip(rows, column, strict=True):
            row.append(cell)
    ucla = ReportTable(
        "paired-ucla3",
        "UCLA-3: change observed between the baseline and the follow-up of the same people",
        ["Measure", TimePoint.THREE_MONTH.label, "Closure"],
        rows,
        [
            "Episodes: those whose 3-month follow-up date, or whose closure, fell in the period, "
            "with a UCLA-3 baseline.",
            "Only comparable pairs (same questions, version and way of asking); proxy answers and "
            "Easy Read screens left out.",
            "Change observed, not impact caused: there is no comparison group, and people are referred at a low "
            "point, so some improvement happens anyway (regression to the mean).",
        ],
        chart=ChartSpec("before_after"),
    )
    tables = [ucla]
    for point in TIME_POINTS:
        table, p_value = statistics.often_always(queries.often_always_pairs(period, filters, point))
        two_by_two, shown = count_table(
            f"often-always-{point.value.replace('_', '-')}",
            f"“Often/always” lonely at baseline and at {point.label.lower()}",
            "At baseline",
            ["Often/always", "Less often"],
            [f"At {point.label.lower()}: often/always", "Less often"],
            [[table.stayed, table.moved_out], [table.moved_in, table.never]],
            settings,
            chart=ChartSpec("cells", measure="people"),
        )
        hidden = shown[0][1].hidden or shown[1][0].hidden
        test = NOT_SHOWN if hidden or p_value is None else f"{p_value:.3f}"
        two_by_two.notes.append(f"McNemar's exact test (moved out against moved in), p = {test}.")
        tables.append(two_by_two)
    tables.append(ons4(period, filters, settings))
    return tables


PAIRED_ROWS = (
    "Episodes with a baseline",
    "Pairs",
    "No comparable follow-up",
    "Follow-up completion",
    "Baseline mean (people with a follow-up)",
    "Follow-up mean",
    "Mean paired change (lower is less lonely)",
    "95% confidence interval of the change",
    "Improved by at least 1 point",
    "Baseline mean of those without a follow-up",
)


ONS4_LABELS = {
    "life_satisfaction": "Life satisfaction",
    "worthwhile": "Worthwhile",
    "happiness": "Happiness",
    "anxiety": "Anxiety (a fall is better)",
}


def ons4(period: Period, filters: Filters, settings: Settings) -> ReportTable:
    rows = [[ONS4_LABELS[item.code]] for item in ONS4.items]
    for point in TIME_POINTS:
        pairs = queries.ons4_pairs(period, filters, point)
        for n, item in enumerate(ONS4.items):
            values = [
                (row[2 * n], row[2 * n + 1]) for row in pairs if row[2 * n] is not None and row[2 * n + 1] is not None
            ]
            change = statistics.item_change(item.code, values, bool(item.higher_is_better))  # type: ignore[arg-type]
            rows[n] += [count(change.pairs, settings), mean_over(change.mean_change, change.pairs, settings)]
    return ReportTable(
        "paired-ons4",
        "ONS4 personal wellbeing: mean paired change per item (0 to 10)",
        ["Item", "3-month pairs", "3-month mean change", "Closure pairs", "Closure mean change"],
        rows,
        ["A rise is better, except for anxiety, where a fall is better. The four items are never added together."],
        chart=ChartSpec("bars", "3-month mean change"),
    )


SECTIONS = (
    Section("received", "Referrals received", received),
    Section("decisions", "Decisions", decisions),
    Section("contact", "Contact and waits", contact_and_waits),
    Section("connections", "Connections to activities", connections),
    Section("baseline", "Loneliness at baseline", baseline),
    Section("paired", "Loneliness: change observed", paired),
    Section("coverage", "Coverage gaps", coverage.gaps),
    Section("directory", "Directory health", directory_health.health),
)


def section_of(table_key: str) -> Section | None:
    """The section a download's table is in (tables are named by fixed keys)."""
    for section in SECTIONS:
        if table_key in TABLE_KEYS[section.key]:
            return section
    return None


TABLE_KEYS = {
    "received": (
        "unique-people",
        "referrals-by-source-team",
        "referrals-by-ward",
        "referrals-by-age-band",
        "referrals-by-need",
        "referrals-by-target-group",
        "referrals-by-ethnic-group",
    ),
    "decisions": ("decisions-by-source-team", "rejection-reasons"),
    "contact": ("contact-rate", "waits"),
    "connections": ("connections-by-ward", "connections-by-category"),
    "baseline": ("baseline-ons-direct", "baseline-ucla3"),
    "paired": ("paired-ucla3", "often-always-three-month", "often-always-closure", "paired-ons4"),
    "coverage": (
        "coverage-gaps-flagged",
        "coverage-by-ward-and-need",
        "unmet-need-constraints",
        "coverage-by-target-group-and-need",
    ),
    "directory": (
        "listing-freshness-by-organisation",
        "listing-freshness-by-category",
        "active-listings-by-ward-and-category",
        "community-spaces-by-ward",
        "activities-per-space",
    ),
}

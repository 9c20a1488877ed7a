"""The report's charts: drawn from the suppressed table only, so no chart shows what the
table hides; bars in proportion; accessible SVG on the page."""

from __future__ import annotations

import re

import pytest

from navigator.reports.charts import BAR_ROW, LABEL_ROOM, WIDTH, chart_for, value_of
from navigator.reports.tables import ChartSpec, ReportTable, Settings, count_table

SETTINGS = Settings(
    threshold=7,
    suppressed_wording="fewer than {n}",
    hidden_wording="hidden",
    first_contact_target=10,
    first_activity_target=42,
)


def test_cells_are_read_as_the_table_shows_them():
    assert value_of("1,234") == 1234
    assert value_of("75%") == 75
    assert value_of("\u22120.8") == -0.8
    assert value_of("+1.5") == 1.5
    for words in ("fewer than 8", "hidden", "not shown", "3 to 9", ""):
        assert value_of(words) is None


def test_a_bar_chart_draws_no_bar_for_a_small_or_hidden_count_and_keeps_the_rest_in_proportion():
    table, _ = count_table(
        "by-ward",
        "Referrals by ward",
        "Ward",
        ["Hoxton", "Dalston", "Clissold", "Homerton"],
        ["Apr", "May"],
        [[10, 10], [3, 0], [6, 6], [20, 20]],
        SETTINGS,
        chart=ChartSpec("bars"),
    )
    drawn = chart_for(table)
    assert drawn is not None and drawn.kind == "bars"
    bars = {bar.label: bar for bar in drawn.bars}
    assert bars["Dalston"].text == "fewer than 8" and bars["Dalston"].width == 0
    # Clissold's 12 would give Dalston's 3 away from the total: hidden, so no bar either.
    assert bars["Clissold"].text == "hidden" and bars["Clissold"].width == 0
    assert bars["Homerton"].width == pytest.approx(WIDTH - LABEL_ROOM)
    assert bars["Hoxton"].width == pytest.approx((WIDTH - LABEL_ROOM) / 2)
    assert "No bar is drawn for 2" in drawn.description
    assert drawn.height == len(drawn.bars) * BAR_ROW + 10


def test_rates_are_drawn_against_100_percent_and_falls_to_the_left_of_the_middle():
    rates = ReportTable(
        "rates", "Rates", ["Team", "Rate"], [["A", "50%"], ["B", "not shown"]], chart=ChartSpec("bars", "Rate")
    )
    drawn = chart_for(rates)
    assert drawn is not None
    assert drawn.bars[0].width == pytest.approx((WIDTH - LABEL_ROOM) / 2)
    change = ReportTable(
        "change",
        "Change",
        ["Item", "Mean"],
        [["Anxiety", "\u22121.0"], ["Happiness", "+0.5"]],
        chart=ChartSpec("bars", "Mean"),
    )
    drawn = chart_for(change)
    assert drawn is not None
    anxiety, happiness = drawn.bars
    assert anxiety.x + anxiety.width == pytest.approx(drawn.zero_x)
    assert happiness.x == pytest.approx(drawn.zero_x) and happiness.width == pytest.approx(anxiety.width / 2)


def test_the_line_leaves_out_a_month_whose_total_is_small():
    table, _ = count_table(
        "per-month",
        "Referrals per month",
        "Team",
        ["A", "B"],
        ["Apr 2026", "May 2026", "Jun 2026", "Jul 2026"],
        [[10, 2, 30, 40], [10, 1, 30, 40]],
        SETTINGS,
        chart=ChartSpec("line", measure="referrals received"),
    )
    drawn = chart_for(table)
    assert drawn is not None and drawn.kind == "line"
    assert [point.label for point in drawn.points] == ["Apr", "May", "Jun", "Jul"]
    april, may, june, july = drawn.points
    assert may.y is None and may.text == "fewer than 8"
    # April's total would give May's away from the grand total: hidden, not drawn either.
    assert april.y is None and april.text == "hidden"
    assert drawn.segments == [(june, july)]  # no line crosses a month not drawn
    assert june.y is not None and july.y is not None and july.y < june.y


def test_the_before_and_after_chart_places_the_means_on_the_3_to_9_scale():
    table = ReportTable(
        "paired",
        "Paired",
        ["Measure", "3 months", "Closure"],
        [["Baseline mean (people with a follow-up)", "6.0", "not shown"], ["Follow-up mean", "4.5", "not shown"]],
        chart=ChartSpec("before_after"),
    )
    drawn = chart_for(table)
    assert drawn is not None
    three_months, closure = drawn.dumbbells
    assert three_months.before_x is not None and three_months.after_x is not None
    assert three_months.after_x < three_months.before_x
    assert (closure.before_x, closure.after_x) == (None, None)


def test_every_chart_on_the_page_is_labelled_and_sits_beside_its_table(known, staff, login_as, frozen_now):
    from tests.reports.conftest import at

    frozen_now(at("2026-12-03T10:00:00"))
    page = login_as(staff["lead"]).get("/reports?from=2026-04&to=2026-09").get_data(as_text=True)
    charts = re.findall(r'<svg class="app-chart__svg"[^>]*aria-labelledby="([^"]+)"', page)
    assert len(charts) >= 15
    for labels in charts:
        for label in labels.split():
            assert f'id="{label}"' in page
    assert page.count('<table class="govuk-table"') >= len(charts)
    assert "<script" not in page.split("<main")[1].split("</main>")[0]

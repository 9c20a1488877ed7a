"""The board analyst's journey in Chromium (issue 10): the impact report from staff home,
the filters with the keyboard, charts and tables that fit the screen, a CSV download, a bad
period, and the board paper as it prints, at 1280 px and 320 px."""

from __future__ import annotations

from tests.browser.conftest import Visit


def test_analyst_reads_filters_downloads_and_prints_the_impact_report(visit: Visit) -> None:
    visit.sign_in("analyst")
    page = visit.page
    page.locator("main").get_by_role("link", name="Impact report").first.click()
    assert visit.url_path().startswith("/reports")
    visit.check("the report")

    # Every chart is an image with a name and a description, and fits the screen.
    charts = page.locator("svg.app-chart__svg")
    assert charts.count() >= 15
    for n in range(charts.count()):
        chart = charts.nth(n)
        assert chart.get_attribute("role") == "img"
        box = chart.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= visit.width
    assert "fewer than" in page.locator("main").inner_text()

    # The filters, with the keyboard only: open, choose, submit.
    visit.tab_to("summary.govuk-details__summary")
    page.keyboard.press("Enter")
    visit.tab_to("select#period")
    page.select_option("select#period", "rolling")
    visit.tab_to("select#target_group")
    page.select_option("select#target_group", label="Men")
    visit.tab_to("button.govuk-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visit.check("the report for men over 12 months")
    assert "Target group: Men" in page.locator("main").inner_text()
    assert "target_group=men" in page.url and "period=rolling" in page.url

    # A table downloads as CSV with the same filters.
    link = page.locator("a[href*='/reports/referrals-by-ward.csv']")
    assert "Referrals received by ward and month" in link.inner_text()
    download = page.request.get(visit.site.base + str(link.get_attribute("href")))
    assert download.status == 200 and download.headers["content-type"].startswith("text/csv")
    assert download.text().splitlines()[0].startswith("Ward")

    # A period that cannot be reported: the message links to the field, the default report shows.
    visit.go("/reports?period=2026Q9", check=False)
    visit.check("a bad period")
    assert page.title().startswith("Error: ")
    page.locator('.govuk-error-summary a[href="#period"]').click()
    assert visit.focused_id() == "period"

    # The board paper: every section starts a printed page that names the period.
    visit.go("/reports/paper?period=rolling")
    page.emulate_media(media="print")
    sections = page.locator("section.app-paper__page")
    assert sections.count() >= 7
    breaks = page.evaluate(
        "() => [...document.querySelectorAll('section.app-paper__page')].map((s) => getComputedStyle(s).breakBefore)"
    )
    assert breaks[0] != "page" and all(value == "page" for value in breaks[1:]), breaks
    heads = page.locator(".app-paper__running-head").all_inner_texts()
    assert len(heads) == sections.count() and all("The 12 months to" in head for head in heads)
    assert not page.locator(".govuk-header").count()
    assert not page.get_by_text("Download this table").count()
    page.emulate_media(media="screen")

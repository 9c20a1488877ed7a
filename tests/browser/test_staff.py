"""Each kind of staff user through their main pages in Chromium, signed in through the real
sign-in pages (with the security code step where the role has one), at 1280 px and 320 px,
every page and error state passing checks.Checker's checks. One test per role, so each
demo account signs in once per width (a security code works once)."""

from __future__ import annotations

import re

from tests.browser.conftest import Visit


def waiting_counts(visit: Visit) -> dict[str, int]:
    """Staff home's "Waiting for you" lines: text after the count, and the count (fault 12)."""
    found = {}
    for line in visit.page.locator(".app-waiting__item").all_inner_texts():
        count, text = line.strip().split(" ", 1)
        found[text] = int(count)
    return found


def fully_on_screen(visit: Visit, locator_text: str) -> None:
    """The first element with this text lies within the window's width."""
    box = visit.page.get_by_text(locator_text).first.bounding_box()
    assert box is not None, locator_text
    assert box["x"] >= 0 and box["x"] + box["width"] <= visit.width, (locator_text, box)


def test_referrer_sees_questions_waiting_and_follows_referrals(visit: Visit) -> None:
    visit.sign_in("referrer")
    page = visit.page
    counts = waiting_counts(visit)
    assert any("answer" in text for text in counts), counts
    page.locator(".app-waiting__item a").first.click()
    visit.check("referrals with a question waiting")
    assert "status=more_info_requested" in page.url
    page.locator("main table a").first.click()
    visit.check("a referral's status")
    page.get_by_role("button", name="Send answer").click()
    visit.check("answer left empty")
    assert page.title().startswith("Error: ")

    page.goto(visit.site.base + "/referrals?submitted_from-day=31&submitted_from-month=2&submitted_from-year=2026")
    visit.check("a date filter that does not exist")
    link = page.locator('.govuk-error-summary a[href="#submitted_from-day"]')
    link.click()
    assert visit.focused_id() == "submitted_from-day"  # fault 3: the link moves focus into the date

    visit.go("/referrals/new")
    page.locator("#referral-form button.govuk-button").last.click()
    visit.check("staff referral form left empty")


def test_navigator_caseload_case_and_suggesting_an_activity(visit: Visit) -> None:
    visit.sign_in("navigator")
    page = visit.page
    assert any("caseload" in text for text in waiting_counts(visit))
    visit.go("/casework/caseload")
    # Fault 4: on a phone the table gives way to cards and the lone-working risk is on screen.
    fully_on_screen(visit, "Lone-working risk")
    row = page.locator("tbody tr", has_text="Lone-working risk").first
    reference = row.locator("a").first.inner_text()
    row.locator("a").first.click()
    visit.check("a case")
    # Fault 15: the reference, not the name, in the tab title; numbers and addresses are links.
    assert page.title().startswith(f"Case {reference}")
    name = page.locator("#person + dl .govuk-summary-list__value").first.inner_text()
    assert name.split()[-1] not in page.title()
    assert page.locator('main a[href^="tel:"]').count() >= 1
    assert page.get_by_role("heading", name="Risk flags", exact=True).count() == 1
    case_url = page.url

    page.goto(case_url + "/contacts/new")
    visit.check("contact attempt form")
    page.locator("main form button.govuk-button").last.click()
    visit.check("contact attempt left empty")
    assert page.title().startswith("Error: ")

    page.goto(case_url)
    page.locator("#find-activities").click()
    visit.check("finding activities for the case")
    result = page.locator(".app-result").filter(has=page.get_by_role("button", name=re.compile(r"^Suggest for"))).first
    listing = result.locator("h3").inner_text()
    result.get_by_role("button", name=re.compile(r"^Suggest for")).click()  # fault 1: its own form
    assert "csrf_token" not in page.url
    visit.check("after suggesting")
    page.goto(case_url)
    assert listing in page.locator("main").inner_text()

    visit.go("/casework/unallocated")
    visit.go("/casework/follow-ups")


def test_lead_triages_and_reads_the_audit_log(visit: Visit) -> None:
    visit.sign_in("lead")
    page = visit.page
    counts = waiting_counts(visit)
    waiting = [count for text, count in counts.items() if "triage" in text]
    assert waiting and waiting[0] > 0, counts
    page.locator(".app-waiting__item a", has_text="triage").click()
    visit.check("triage queue")
    fully_on_screen(visit, "Safeguarding")
    page.locator("main table tbody a").first.click()
    visit.check("a referral to triage")
    page.get_by_role("button", name="Save decision").click()
    visit.check("no decision chosen")
    assert page.title().startswith("Error: ")

    visit.go("/casework/caseloads")
    visit.go("/casework/unallocated")
    page.locator("main table tbody a").first.click()
    visit.check("allocating")

    page.goto(visit.site.base + "/admin/audit?start-day=40&start-month=1&start-year=2026")
    visit.check("audit log with a wrong date")
    page.locator('.govuk-error-summary a[href="#start-day"]').click()
    assert visit.focused_id() == "start-day"


def test_moderator_reviews_listings_reports_and_registrations(visit: Visit) -> None:
    visit.sign_in("moderator")
    page = visit.page
    counts = waiting_counts(visit)
    assert (
        counts.get("organisation registration to decide", 0) + counts.get("organisation registrations to decide", 0)
        >= 1
    ), counts
    page.locator(".app-waiting__item a", has_text="registration").click()
    visit.check("organisations")
    page.locator("main").get_by_role("link", name=re.compile("Homerton Grove")).first.click()
    visit.check("a registration")
    visit.go("/moderation")
    to_review = counts.get("listing or change to review", 0) + counts.get("listings or changes to review", 0)
    if to_review:
        page.locator("main table tbody a").first.click()
        visit.check("a listing to review")
    visit.go("/moderation/reports")
    visit.go("/moderation/freshness")
    visit.go("/listings")


def test_editor_signs_in_with_a_password_and_sees_their_listings(visit: Visit) -> None:
    visit.sign_in("editor")
    page = visit.page
    assert waiting_counts(visit) == {}
    page.get_by_role("link", name="Your listings").click()
    visit.check("your listings")
    page.locator("main table tbody a").first.click()
    visit.check("a listing")

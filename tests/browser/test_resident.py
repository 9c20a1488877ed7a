"""A resident, signed out: finds activities, shortlists and shares them, reads the service's
own pages, asks a navigator for help and registers a group, with a mouse and with the
keyboard alone, at 1280 px and 320 px. Every page seen passes checks.Checker's checks."""

from __future__ import annotations

import re

from tests.browser.conftest import Visit


def shortlist_count(visit: Visit) -> int:
    text = visit.page.locator(".govuk-service-navigation").text_content() or ""
    match = re.search(r"Your shortlist \((\d+)\)", text)
    assert match, text
    return int(match.group(1))


def test_home_offers_help_without_opening_the_menu(visit: Visit) -> None:
    """Fault 9: asking a navigator for help is on the home page itself, visible on a phone."""
    page = visit.go("/")
    on_page = page.locator("main").get_by_role("button", name="Ask for help")
    assert on_page.is_visible()
    on_page.click()
    assert visit.url_path() == "/ask-for-help"
    visit.check()
    current = page.locator(".govuk-service-navigation__item--active")
    assert current.count() == 1 and "Ask for help" in current.inner_text()


def test_search_shortlist_share_and_print(visit: Visit) -> None:
    """Faults 1, 11, 14 and "Also": a result's own button works, its page leads back to the
    same search, the share link is this site's address, the printed list says how to join;
    result titles sit under the results count."""
    page = visit.go("/")
    page.get_by_label("What are you looking for?").fill("lunch")
    page.get_by_label("Postcode (optional)").fill("E8 1DY")
    page.get_by_role("button", name="Search").click()
    visit.check("results")
    assert "q=lunch" in page.url
    levels = page.evaluate(
        """() => [document.querySelector('#results-heading').tagName,
                  document.querySelector('.app-result h2, .app-result h3').tagName]"""
    )
    assert levels == ["H2", "H3"]
    assert page.locator("main [role=search] .app-result").count() == 0  # results sit outside the search

    first = page.locator(".app-result:has(.app-next-session)").first  # an activity
    name = first.locator("h3").inner_text()
    assert shortlist_count(visit) == 0
    first.get_by_role("button", name=re.compile("^Add to shortlist")).click()
    visit.check("after adding to the shortlist")
    assert "csrf_token" not in page.url
    assert shortlist_count(visit) == 1

    page.get_by_role("link", name=name, exact=True).first.click()
    visit.check("a listing")
    back = page.get_by_role("link", name="Back to your search")
    back.click()
    assert "q=lunch" in page.url and "postcode=E8" in page.url
    assert page.get_by_label("What are you looking for?").input_value() == "lunch"

    visit.go("/shortlist")
    page.get_by_role("button", name="Share as a link").click()
    visit.check("share")
    link = page.locator("#share-link").input_value()
    assert link.startswith(visit.site.base + "/shortlist/shared/"), link
    visit.go(link.removeprefix(visit.site.base))

    visit.go("/shortlist/print")
    assert page.locator(".app-sheet__item").count() == 1
    assert "How to join" in page.locator(".app-sheet").inner_text()


def test_search_date_is_three_boxes_shown_only_for_on_a_date(visit: Visit) -> None:
    """Fault 13, and fault 3 on the search's date: day, month and year boxes like every other
    date, revealed by "On a date"; a wrong date is an error whose link moves focus to the day."""
    page = visit.go("/search")
    day = page.get_by_label("Day", exact=True)
    assert day.get_attribute("type") == "text" and not day.is_visible()
    page.get_by_label("On a date").check()
    assert day.is_visible()
    day.fill("30")
    page.get_by_label("Month", exact=True).fill("2")
    page.get_by_label("Year", exact=True).fill("2027")
    page.get_by_role("button", name="Search").click()
    visit.check("a date that does not exist")
    assert page.title().startswith("Error: ")
    page.locator(".govuk-error-summary").get_by_role("link", name=re.compile("real date")).click()
    assert visit.focused_id() == "date-day"


def test_search_with_the_keyboard_alone(visit: Visit) -> None:
    page = visit.go("/")
    visit.tab_to("#q")
    page.keyboard.type("walk")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=walk" in page.url
    visit.check("results by keyboard")
    assert page.locator(".app-result").count() > 0
    visit.tab_to(".app-result .app-shortlist-button button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visit.check("shortlisted by keyboard")
    assert shortlist_count(visit) == 1


def test_ask_for_help_with_the_keyboard_alone(visit: Visit) -> None:
    """Keyboard only, with a mistake first: every error is shown, the date's error link moves
    focus into the day box (fault 3), and what was typed is kept."""
    page = visit.go("/ask-for-help")
    visit.tab_to("#given_name")
    page.keyboard.type("Winifred")
    visit.tab_to("#date_of_birth-day")
    page.keyboard.type("31")
    page.keyboard.press("Tab")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.type("1950")
    visit.tab_to("form button.govuk-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visit.check("with mistakes")
    assert page.title().startswith("Error: ")
    assert page.locator("#given_name").input_value() == "Winifred"
    summary_links = page.locator(".govuk-error-summary a")
    assert summary_links.count() >= 4
    visit.tab_to('.govuk-error-summary a[href="#date_of_birth-day"]')
    page.keyboard.press("Enter")
    assert visit.focused_id() == "date_of_birth-day"

    page.keyboard.press("Control+a")
    page.keyboard.type("28")
    visit.tab_to("#family_name")
    page.keyboard.type("Okafor-Browser")
    visit.tab_to("#postcode")
    page.keyboard.type("E8 1DY")
    visit.tab_to("#phone")
    page.keyboard.type("020 7946 0123")
    visit.tab_to("#what_would_help")
    page.keyboard.type("I would like to meet people nearby.")
    visit.tab_to("#agree")
    page.keyboard.press("Space")
    visit.tab_to("form button.govuk-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert visit.url_path() == "/ask-for-help/sent", page.url
    visit.check("sent")
    text = page.locator("main").inner_text()
    assert re.search(r"within \d+ working days", text)
    assert "020 7946 0000" in text and page.locator('main a[href^="tel:"]').count() >= 1


def test_register_an_organisation_error_state_and_sent(visit: Visit) -> None:
    page = visit.go("/organisations/register")
    page.locator("form button.govuk-button").click()
    visit.check("empty")
    assert page.title().startswith("Error: ")
    page.get_by_label("Organisation name").fill(f"Browser Test Bowls Club {visit.width}")
    page.get_by_label(re.compile("What does your organisation do")).fill("Lawn bowls for all ages on Sundays.")
    page.get_by_label("Your full name").fill("Ada Lovelace")
    page.get_by_label("Your email address").fill(f"ada{visit.width}@example.org")
    page.get_by_label("I am allowed to list activities for this organisation").check()
    page.locator("form button.govuk-button").click()
    assert visit.url_path() == "/organisations/register/sent", page.url
    visit.check("sent")


def test_service_pages_from_the_footer(visit: Visit) -> None:
    """Fault 8: contact and feedback, accessibility statement, privacy and cookies, from
    configuration; no raw JSON behind "Service status"."""
    page = visit.go("/")
    footer = page.locator("footer")
    assert footer.get_by_role("link", name="Service status").count() == 0
    for name, path, words in (
        ("Contact us and feedback", "/contact", "020 7946 0000"),
        ("Accessibility statement", "/accessibility", "Enforcement procedure"),
        ("Privacy", "/privacy", "Your rights"),
        ("Cookies", "/cookies", "Essential cookies"),
    ):
        page.locator("footer").get_by_role("link", name=name, exact=True).click()
        assert visit.url_path() == path
        visit.check()
        assert words in page.locator("main").inner_text()
    visit.go("/contact")
    assert "Monday to Friday, 9am to 5pm" in page.locator("main").inner_text()


def test_whats_on_and_sign_in(visit: Visit) -> None:
    """ "Also": the noticeboard's navigation landmarks each have their own name; fault 9: the
    sign-in page tells organisation editors it is for them too."""
    page = visit.go("/whats-on")
    labels = page.evaluate(
        """() => [...document.querySelectorAll('nav, [role=navigation]')]
              .map((nav) => nav.getAttribute('aria-label') || '')"""
    )
    assert len(labels) == len(set(labels)), labels
    page.get_by_role("link", name=re.compile("Next week")).first.click()
    visit.check("next week")
    page = visit.go("/sign-in")
    assert "organisation editors" in page.locator("main").inner_text()
    page.get_by_role("button", name="Sign in").click()
    visit.check("empty")

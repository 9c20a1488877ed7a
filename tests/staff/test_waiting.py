"""Staff home says what waits for each person, with counts that link to where it is done."""

from __future__ import annotations

import html
import re

from navigator.services import organisations
from navigator.services import referrals as service
from tests.factories import make_referral


def waiting(client) -> dict[str, str]:
    """Each "Waiting for you" line as its text (count first) and link."""
    page = client.get("/staff/").get_data(as_text=True)
    section = page.split("Waiting for you", 1)[1].split("What you can do", 1)[0] if "Waiting for you" in page else ""
    found = {}
    for href, inner in re.findall(r'<a class="govuk-link" href="([^"]+)">(.*?)</a>', section, re.S):
        found[html.unescape(" ".join(re.sub(r"<[^>]+>", " ", inner).split()))] = html.unescape(href)
    return found


def test_the_lead_and_the_referrer_are_told_what_waits(staff, login_as):
    first = make_referral(referrer=staff["referrer"])
    lead_sees = waiting(login_as(staff["lead"]))
    assert lead_sees["1 referral waits for triage"] == "/casework/triage"

    service.request_more_information(first.id, by=staff["lead"], question="Does she use a hearing aid?")
    assert "0 referrals wait for triage" in waiting(login_as(staff["lead"]))
    referrer_sees = waiting(login_as(staff["referrer"]))
    assert referrer_sees["1 question waits for your team's answer"] == "/referrals?status=more_info_requested"
    assert not any("triage" in text for text in referrer_sees)


def test_the_moderator_is_told_of_registrations_and_reports(staff, login_as):
    organisations.register_organisation(
        organisations.Registration(
            name="Homerton Knit Circle",
            description="Knitting and tea.",
            contact_name="Ada Quill",
            contact_email="ada@example.org",
        )
    )
    moderator_sees = waiting(login_as(staff["moderator"]))
    assert moderator_sees["1 organisation registration to decide"] == "/organisations"
    assert moderator_sees["0 listings or changes to review"] == "/moderation"
    assert moderator_sees["0 problem reports to look at"] == "/moderation/reports"
    assert waiting(login_as(staff["editor"])) == {}

"""The triage queue, the unallocated queue, caseloads and follow-ups: who sees what,
in which order, and how long each referral has waited in working days."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from navigator import clock
from navigator.clock import LONDON
from navigator.extensions import db
from navigator.models import ContactChannel, ContactOutcome, Referral, ReferralState
from navigator.services import referrals as service
from tests.factories import count_queries, in_support_since, make_referral, make_user

S = ReferralState


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def text_of(response) -> str:
    """The page's visible text, whitespace collapsed."""
    html = response.get_data(as_text=True)
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def row_for(response, reference: str) -> str:
    """The text of the table row that holds this reference."""
    html = response.get_data(as_text=True)
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for row in re.findall(r"<tr.*?</tr>", html, re.S)]
    matches = [row for row in rows if reference in row]
    assert len(matches) == 1, f"{reference} is in {len(matches)} rows"
    return matches[0]


# -- access ------------------------------------------------------------------------

QUEUE_PAGES = [
    "/casework/triage",
    "/casework/unallocated",
    "/casework/caseload",
    "/casework/caseloads",
    "/casework/follow-ups",
]


@pytest.mark.parametrize("who", ["referrer", "admin"])
def test_referrers_and_admins_get_404_on_every_queue_and_decision_page(staff, login_as, who):
    referral = make_referral(S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"])
    client = login_as(staff[who])
    pages = [*QUEUE_PAGES, f"/casework/referrals/{referral.id}/triage", f"/casework/referrals/{referral.id}/allocate"]
    for page in pages:
        assert client.get(page).status_code == 404, page
    for page in pages[-2:]:
        assert client.post(page, data={"expected_version": referral.version}).status_code == 404, page
    assert db.session.get(Referral, referral.id).state is S.ACCEPTED


def test_signed_out_visitors_are_sent_to_sign_in(client, staff):
    for page in QUEUE_PAGES:
        response = client.get(page)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], page


def test_navigators_see_their_pages_but_not_triage_or_everyone_s_caseloads(staff, login_as):
    referral = make_referral(referrer=staff["referrer"])
    client = login_as(staff["navigator"])
    for page in ["/casework/unallocated", "/casework/caseload", "/casework/follow-ups"]:
        assert client.get(page).status_code == 200, page
    for page in ["/casework/triage", "/casework/caseloads", f"/casework/referrals/{referral.id}/triage"]:
        assert client.get(page).status_code == 404, page


def test_team_leads_see_every_queue_page(staff, login_as):
    client = login_as(staff["lead"])
    for page in QUEUE_PAGES:
        response = client.get(page)
        assert response.status_code == 200, page
        assert response.get_data(as_text=True).count("<h1") == 1


def test_the_staff_home_page_links_to_the_queues(staff, login_as):
    page = login_as(staff["lead"]).get("/staff/").get_data(as_text=True)
    for href in ["/casework/triage", "/casework/unallocated", "/casework/caseload", "/casework/follow-ups"]:
        assert f'href="{href}"' in page


# -- triage queue --------------------------------------------------------------------


def test_triage_queue_lists_submitted_referrals_oldest_first(staff, login_as, frozen_now):
    frozen_now(london(2026, 11, 23, 9, 0))
    newer_first_made = make_referral(referrer=staff["referrer"], given_name="Beatrice")
    frozen_now(london(2026, 11, 20, 9, 0))
    oldest = make_referral(referrer=staff["referrer"], given_name="Agnes")
    frozen_now(london(2026, 11, 24, 9, 0))
    accepted = make_referral(S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"], given_name="Cyril")
    waiting = make_referral(S.MORE_INFO_REQUESTED, referrer=staff["referrer"], lead=staff["lead"], given_name="Dora")

    response = login_as(staff["lead"]).get("/casework/triage")
    page, awaiting_answers = text_of(response).split("Waiting for the referrer's answer")
    assert page.index(oldest.reference) < page.index(newer_first_made.reference)
    assert accepted.reference not in page + awaiting_answers
    assert waiting.reference not in page and waiting.reference in awaiting_answers
    assert "2 referrals waiting for a decision" in page
    assert "Agnes Okonkwo-Test" in page
    assert "Adult social care" in page or "adult social care" in page.lower()
    assert "Hackney Adult Social Care North" in page
    assert f'href="/casework/referrals/{oldest.id}/triage"' in response.get_data(as_text=True)


def test_triage_queue_age_is_in_working_days(staff, login_as, frozen_now):
    frozen_now(london(2026, 11, 27, 18, 0))  # a Friday, after the 17:00 cut-off
    make_referral(referrer=staff["referrer"])
    client = login_as(staff["lead"])

    frozen_now(london(2026, 11, 30, 10, 0))  # Monday
    assert "0 working days" in text_of(client.get("/casework/triage"))
    frozen_now(london(2026, 12, 1, 10, 0))  # Tuesday
    assert "1 working day " in text_of(client.get("/casework/triage"))
    frozen_now(london(2026, 12, 4, 16, 0))  # Friday
    assert "4 working days" in text_of(client.get("/casework/triage"))


def test_triage_queue_age_skips_bank_holidays(staff, login_as, frozen_now):
    frozen_now(london(2026, 12, 24, 10, 0))  # Thursday before Christmas
    make_referral(referrer=staff["referrer"])
    frozen_now(london(2026, 12, 29, 10, 0))  # Tuesday: 25th and 28th are bank holidays, 26-27 a weekend
    assert "1 working day " in text_of(login_as(staff["lead"]).get("/casework/triage"))


def test_triage_queue_shows_risk_flags_prominently(staff, login_as):
    risky = make_referral(
        referrer=staff["referrer"], safeguarding_concern=True, lone_working_risk=True, risk_to_self_or_others=True
    )
    calm = make_referral(referrer=staff["referrer"], given_name="Calm")
    response = login_as(staff["lead"]).get("/casework/triage")
    assert response.get_data(as_text=True).count('class="govuk-tag govuk-tag--red') == 3
    risky_row = row_for(response, risky.reference)
    for flag in ["Safeguarding concern", "Lone-working risk", "Risk to self or others"]:
        assert flag in risky_row
    assert "Safeguarding concern" not in row_for(response, calm.reference)


def test_triage_queue_marks_possible_duplicates(staff, login_as):
    first = make_referral(referrer=staff["referrer"], nhs_number="9434765919", given_name="Ada")
    same_nhs = make_referral(referrer=staff["referrer"], nhs_number="9434765919", given_name="Adaline")
    unrelated = make_referral(referrer=staff["referrer"], given_name="Unrelated", date_of_birth=date(1990, 1, 1))
    response = login_as(staff["lead"]).get("/casework/triage")
    assert text_of(response).count("Possible duplicate") == 2
    assert "Possible duplicate" in row_for(response, first.reference)
    assert "Possible duplicate" in row_for(response, same_nhs.reference)
    assert "Possible duplicate" not in row_for(response, unrelated.reference)


def test_names_in_any_script_match_whatever_their_case(staff, login_as):
    born = date(1958, 4, 12)
    first = make_referral(referrer=staff["referrer"], given_name="Özlem", family_name="Çelik", date_of_birth=born)
    again = make_referral(referrer=staff["referrer"], given_name="ÖZLEM", family_name="ÇELIK ", date_of_birth=born)
    namesake = make_referral(
        referrer=staff["referrer"], given_name="Özlem", family_name="Çelik", date_of_birth=date(1990, 1, 1)
    )
    assert [r.id for r in service.possible_duplicates(first)] == [again.id]
    response = login_as(staff["lead"]).get("/casework/triage")
    assert "Possible duplicate" in row_for(response, again.reference)
    assert "Possible duplicate" not in row_for(response, namesake.reference)


def test_the_triage_queue_does_not_query_per_referral(staff, login_as):
    lead = login_as(staff["lead"])
    for n in range(2):
        make_referral(referrer=staff["referrer"], given_name=f"Early{n}", nhs_number="9434765919" if n else "")
    few = count_queries(lead, "/casework/triage")
    for n in range(6):
        make_referral(referrer=staff["referrer"], given_name=f"Later{n}", nhs_number="9434765919" if n % 2 else "")
    assert count_queries(lead, "/casework/triage") == few


# -- the unallocated queue ---------------------------------------------------------------


def test_unallocated_queue_lists_accepted_referrals_longest_waiting_first(staff, login_as, frozen_now):
    frozen_now(london(2026, 11, 18, 9, 0))
    older = make_referral(S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"])
    frozen_now(london(2026, 11, 16, 9, 0))
    oldest = make_referral(S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"])
    frozen_now(london(2026, 11, 20, 9, 0))
    new = make_referral(referrer=staff["referrer"])
    allocated = make_referral(
        S.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["other_navigator"]
    )
    page = text_of(login_as(staff["navigator"]).get("/casework/unallocated"))
    assert page.index(oldest.reference) < page.index(older.reference)
    assert new.reference not in page and allocated.reference not in page
    assert "4 working days" in page and "2 working days" in page


def test_navigators_see_only_what_they_need_to_pick_a_case(staff, login_as):
    referral = make_referral(
        S.ACCEPTED,
        referrer=staff["referrer"],
        lead=staff["lead"],
        given_name="Zebedee",
        family_name="Quillfeather",
        nhs_number="9434765919",
        lone_working_risk=True,
    )
    referral.person.languages = ["tr", "en"]
    referral.person.interpreter_needed = True
    referral.person.interpreter_language = "tr"
    db.session.commit()

    response = login_as(staff["navigator"]).get("/casework/unallocated")
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert referral.reference in page
    assert "Hackney Central" in page  # the ward of E8 1DY, not the postcode
    assert "Loneliness or isolation" in page and "Bereavement" in page
    assert "Turkish, English" in page and "Interpreter needed (Turkish)" in page
    assert "Adult social care" in page or "adult social care" in page.lower()
    assert "Lone-working risk" in page
    assert "0 working days" in page
    for private in ["Zebedee", "Quillfeather", "E8 1DY"]:
        assert private not in html, private
    # Numbers are checked in the visible text: ids and tokens in the markup are random hex and base64.
    for private in ["943 476 5919", "9434765919", "020 7946 0999", "1948"]:
        assert private not in page, private
    assert "Take this referral" in page


def test_team_leads_see_names_and_an_allocate_link(staff, login_as):
    referral = make_referral(
        S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"], given_name="Zebedee", family_name="Quillfeather"
    )
    response = login_as(staff["lead"]).get("/casework/unallocated")
    html = response.get_data(as_text=True)
    assert "Zebedee Quillfeather" in text_of(response)
    assert f'href="/casework/referrals/{referral.id}/allocate"' in html
    assert "Take this referral" not in html


def test_no_take_button_when_self_allocation_is_switched_off(app, staff, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "NAVIGATOR_SELF_ALLOCATION", False)
    make_referral(S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"])
    html = login_as(staff["navigator"]).get("/casework/unallocated").get_data(as_text=True)
    assert "Take this referral" not in html and "/allocate" not in html


# -- my caseload -------------------------------------------------------------------------


def test_my_caseload_groups_open_cases_by_stage(staff, login_as):
    nav, lead, referrer = staff["navigator"], staff["lead"], staff["referrer"]
    cases = {
        state: make_referral(state, referrer=referrer, lead=lead, navigator=nav, given_name=name)
        for state, name in [
            (S.ALLOCATED, "Alma"),
            (S.CONTACTING, "Bert"),
            (S.ENGAGED, "Cleo"),
            (S.IN_SUPPORT, "Dev"),
        ]
    }
    closed = make_referral(S.CLOSED, referrer=referrer, lead=lead, navigator=nav, given_name="Ezra")
    someone_elses = make_referral(
        S.ALLOCATED, referrer=referrer, lead=lead, navigator=staff["other_navigator"], given_name="Fay"
    )
    cases[S.ALLOCATED].safeguarding_concern = True
    db.session.commit()

    response = login_as(nav).get("/casework/caseload")
    page = text_of(response)
    assert "You have 4 open cases" in page
    headings = ["Allocated (1)", "Trying to contact (1)", "Engaged (1)", "In support (1)"]
    positions = [page.index(heading) for heading in headings]
    assert positions == sorted(positions)
    bounds = [*positions, len(page)]
    for n, (state, referral) in enumerate(cases.items()):
        assert bounds[n] < page.index(referral.reference) < bounds[n + 1], state
        assert f'href="/casework/cases/{referral.id}"' in response.get_data(as_text=True)
    assert closed.reference not in page and someone_elses.reference not in page
    assert "Safeguarding concern" in page
    assert "No contact attempts yet" in page  # the allocated case


def test_contact_is_overdue_after_five_working_days_without_an_attempt(app, staff, login_as, frozen_now):
    frozen_now(london(2026, 11, 23, 10, 0))  # Monday
    referral = make_referral(S.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    client = login_as(staff["navigator"])

    frozen_now(london(2026, 11, 30, 10, 0))  # next Monday: 5 working days, still within the target
    assert "Contact overdue" not in text_of(client.get("/casework/caseload"))
    frozen_now(london(2026, 12, 1, 10, 0))  # Tuesday: 6 working days
    assert "Contact overdue" in text_of(client.get("/casework/caseload"))

    # An attempt restarts the count.
    service.log_contact_attempt(
        referral.id,
        by=staff["navigator"],
        at=clock.now() - timedelta(hours=1),
        channel=ContactChannel.PHONE,
        outcome=ContactOutcome.NO_ANSWER,
    )
    page = text_of(client.get("/casework/caseload"))
    assert "Contact overdue" not in page
    assert "Trying to contact (1)" in page
    assert "1 December 2026, 9am" in page  # last contact


def test_overdue_contact_limit_is_configurable(app, staff, login_as, frozen_now, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_OVERDUE_WORKING_DAYS", 2)
    frozen_now(london(2026, 11, 23, 10, 0))  # Monday
    make_referral(S.ALLOCATED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    client = login_as(staff["navigator"])
    frozen_now(london(2026, 11, 25, 10, 0))  # 2 working days
    assert "Contact overdue" not in text_of(client.get("/casework/caseload"))
    frozen_now(london(2026, 11, 26, 10, 0))  # 3 working days
    assert "Contact overdue" in text_of(client.get("/casework/caseload"))


def test_review_due_is_shown_on_and_after_the_due_date(staff, login_as, frozen_now):
    frozen_now(london(2026, 10, 1, 10, 0))
    referral = make_referral(S.IN_SUPPORT, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    due = referral.next_review_due
    assert due == date(2026, 11, 12)
    client = login_as(staff["navigator"])
    frozen_now(london(2026, 11, 11, 10, 0))
    page = text_of(client.get("/casework/caseload"))
    assert "Review due" not in page and "Next review 12 November 2026" in page
    frozen_now(london(2026, 11, 12, 10, 0))
    assert "Review due" in text_of(client.get("/casework/caseload"))


def test_team_leads_see_every_navigator_s_caseload_by_stage(staff, login_as):
    lead, referrer = staff["lead"], staff["referrer"]
    for state in (S.ALLOCATED, S.ALLOCATED, S.CONTACTING, S.IN_SUPPORT):
        make_referral(state, referrer=referrer, lead=lead, navigator=staff["navigator"])
    make_referral(S.ENGAGED, referrer=referrer, lead=lead, navigator=staff["other_navigator"])
    make_referral(S.CLOSED, referrer=referrer, lead=lead, navigator=staff["other_navigator"])
    inactive = make_user("navigator", name="Ivy Inactive", active=False)

    response = login_as(lead).get("/casework/caseloads")
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", response.get_data(as_text=True), re.S)
    cells = {re.sub(r"<[^>]+>|\s+", " ", row).split()[0]: re.findall(r"numeric\"[^>]*>(\d+)<", row) for row in rows[1:]}
    # Allocated, trying to contact, engaged, in support, total, limit.
    assert cells["Nadia"] == ["2", "1", "0", "1", "4", "25"]
    assert cells["Nico"] == ["0", "0", "1", "0", "1", "25"]
    assert inactive.name not in text_of(response)
    assert staff["lead"].name not in re.sub(r"Signed in as [^(]*", "", text_of(response))


# -- follow-ups ----------------------------------------------------------------------------


def _closed_with_follow_up(staff, navigator, baseline_days_ago: int) -> Referral:
    """Closed today, with the person's agreement to be contacted for the 3-month follow-up."""
    referral = in_support_since(baseline_days_ago, referrer=staff["referrer"], lead=staff["lead"], navigator=navigator)
    return service.close_referral(
        referral.id,
        by=navigator,
        reason="goals_met",
        summary="Joined a choir.",
        contact_again_agreed=True,
        follow_up_not_obtained_reason="not_yet_due",
    )


def test_follow_ups_lists_the_navigator_s_closed_cases_that_are_due(staff, login_as):
    due = _closed_with_follow_up(staff, staff["navigator"], 96)  # 3 months were up a few days ago
    not_yet = _closed_with_follow_up(staff, staff["navigator"], 40)
    someone_elses = _closed_with_follow_up(staff, staff["other_navigator"], 96)

    response = login_as(staff["navigator"]).get("/casework/follow-ups")
    page = text_of(response)
    assert due.reference in page and "Closed: goals met" in page and "Overdue" in page
    assert f'href="/casework/cases/{due.id}"' in response.get_data(as_text=True)
    assert not_yet.reference not in page and someone_elses.reference not in page

    lead_page = text_of(login_as(staff["lead"]).get("/casework/follow-ups"))
    assert due.reference in lead_page and someone_elses.reference in lead_page


def test_empty_queues_say_so(staff, login_as):
    client = login_as(staff["lead"])
    assert "No referrals are waiting for triage" in text_of(client.get("/casework/triage"))
    assert "No referrals are waiting for a navigator" in text_of(client.get("/casework/unallocated"))
    assert "No follow-ups are due" in text_of(client.get("/casework/follow-ups"))


def test_working_days_read_the_bank_holidays_once_a_page(staff, login_as, frozen_now):
    def make_on(day: int) -> None:
        frozen_now(london(2026, 11, day, 9, 0))
        make_referral(referrer=staff["referrer"], given_name=f"Born{day}")

    make_on(2)
    make_on(3)
    frozen_now(london(2026, 12, 1, 10, 0))
    lead = login_as(staff["lead"])
    few = count_queries(lead, "/casework/triage")
    for day in (4, 5, 6, 9, 10, 11):
        make_on(day)
    frozen_now(london(2026, 12, 1, 10, 0))
    assert count_queries(lead, "/casework/triage") == few

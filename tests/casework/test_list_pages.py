"""The casework lists a page at a time: counts, GOV.UK pagination, filters (GET forms), the
order each list promises, what a bad page number or filter value gets, and a bounded number
of queries whatever the number of rows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from navigator import clock
from navigator.extensions import db
from navigator.models import Referral, ReferralState, Screening, ScreeningOccasion
from navigator.services import referrals as service
from tests.casework.test_queues import london, row_for, text_of
from tests.factories import ADULT_BASELINE, count_queries, in_support_since, make_referral, make_team, make_user

S = ReferralState


@pytest.fixture
def page_size(app, monkeypatch):
    def set_size(size: int) -> None:
        monkeypatch.setitem(app.config, "CASEWORK_PAGE_SIZE", size)

    return set_size


def links(response) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', response.get_data(as_text=True))]


def made_on(frozen_now, day: int, **kwargs) -> Referral:
    frozen_now(london(2026, 11, day, 10, 0))
    return make_referral(**kwargs)


# -- team referrals (/referrals) --------------------------------------------------------------


def test_team_referrals_come_a_page_at_a_time_newest_first(staff, login_as, frozen_now, page_size):
    page_size(2)
    made = [made_on(frozen_now, day, referrer=staff["referrer"], given_name=f"P{day}") for day in (2, 3, 4, 5, 6)]
    client = login_as(staff["referrer"])

    first = client.get("/referrals")
    page = text_of(first)
    assert "Showing 1 to 2 of 5 referrals" in page
    assert page.index(made[4].reference) < page.index(made[3].reference)
    assert made[2].reference not in page
    assert "/referrals?page=2" in links(first) and "/referrals?page=3" in links(first)
    assert 'class="govuk-pagination' in first.get_data(as_text=True)

    last = text_of(client.get("/referrals?page=3"))
    assert "Showing 5 to 5 of 5 referrals" in last and made[0].reference in last


def test_a_referrer_in_several_teams_pages_through_all_their_teams_newest_first(staff, frozen_now):
    teams = [make_team(f"Merged team {n}") for n in range(3)]
    referrer = make_user("referrer", teams=teams, name="Mo Merged")
    made = []
    for n, day in enumerate((2, 3, 3, 4, 5, 5, 5, 6, 9, 10, 11)):  # some sent at the same moment
        frozen_now(london(2026, 11, day, 10, 0))
        made.append(make_referral(referrer=make_user("referrer", teams=[teams[n % 3]])))
    expected = [r.id for r in sorted(made, key=lambda r: (r.submitted_at, r.id), reverse=True)]

    shown = []
    for number in (1, 2, 3):
        page = service.team_referrals(referrer, page=number, size=4)
        assert page.total == len(made) and page.pages == 3
        shown += [r.id for r in page.items]
    assert shown == expected
    one_team = service.team_referrals(referrer, service.ListFilters(team_id=teams[0].id), size=100)
    assert [r.id for r in one_team.items] == [
        i for i in expected if i in {r.id for r in made if r.team_id == teams[0].id}
    ]
    accepted = service.team_referrals(referrer, service.ListFilters(states=frozenset({S.ACCEPTED})), size=4)
    assert accepted.total == 0 and accepted.items == []


def test_team_referrals_filter_by_status_team_and_date_sent(staff, login_as, frozen_now):
    lead = staff["lead"]
    both = make_user("referrer", teams=[staff["team"], staff["other_team"]], name="Bea Both")
    early = made_on(frozen_now, 2, referrer=staff["referrer"])
    rejected = made_on(frozen_now, 4, state=S.REJECTED, referrer=staff["referrer"], lead=lead)
    other = made_on(frozen_now, 6, referrer=staff["other_referrer"])
    client = login_as(both)

    everything = text_of(client.get("/referrals"))
    assert all(r.reference in everything for r in (early, rejected, other))
    assert "All your teams" in everything  # several teams: the team filter is offered

    not_accepted = text_of(client.get("/referrals?status=rejected"))
    assert rejected.reference in not_accepted and early.reference not in not_accepted
    assert "Showing 1 to 1 of 1 referral" in not_accepted

    one_team = text_of(client.get(f"/referrals?team={staff['other_team'].id}"))
    assert other.reference in one_team and early.reference not in one_team

    sent = "submitted_from-day=3&submitted_from-month=11&submitted_from-year=2026"
    sent += "&submitted_to-day=5&submitted_to-month=11&submitted_to-year=2026"
    window = text_of(client.get(f"/referrals?{sent}"))
    assert rejected.reference in window and early.reference not in window and other.reference not in window

    nothing = text_of(client.get("/referrals?status=closed"))
    assert "No referrals match these filters" in nothing and "Clear filters" in nothing


def test_a_referrer_with_one_team_is_not_offered_a_team_filter(staff, login_as):
    make_referral(referrer=staff["referrer"])
    assert "All your teams" not in text_of(login_as(staff["referrer"]).get("/referrals"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=lost", "There is no status ‘lost’. Choose one from the list"),
        ("team=not-a-team", "There is no team of yours called ‘not-a-team’. Choose one from the list"),
        (
            "submitted_from-day=31&submitted_from-month=2&submitted_from-year=2026",
            "Sent from must be a real date",
        ),
        ("submitted_to-day=3&submitted_to-month=11", "Sent to must include a year"),
        (
            "submitted_from-day=5&submitted_from-month=11&submitted_from-year=2026"
            "&submitted_to-day=1&submitted_to-month=11&submitted_to-year=2026",
            "‘Sent to’ must be the same as or after ‘Sent from’",
        ),
    ],
)
def test_a_bad_filter_is_said_back_not_ignored(staff, login_as, query, message):
    referral = make_referral(referrer=staff["referrer"])
    response = login_as(staff["referrer"]).get(f"/referrals?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html and "There is a problem" in html
    assert message in text_of(response)
    assert referral.reference not in text_of(response)  # nothing listed as if the filter were not there


def test_someone_else_s_team_is_not_a_filter_value(staff, login_as):
    make_referral(referrer=staff["other_referrer"])
    response = login_as(staff["referrer"]).get(f"/referrals?team={staff['other_team'].id}")
    assert "There is no team of yours called" in text_of(response)


@pytest.mark.parametrize("typed", ["abc", "0", "-1", "2.5", "9999999999999"])
def test_a_page_that_is_not_a_number_shows_page_one_and_says_so(staff, login_as, page_size, typed):
    page_size(1)
    newest = [make_referral(referrer=staff["referrer"]) for _ in range(2)][-1]
    response = login_as(staff["referrer"]).get("/referrals", query_string={"page": typed})
    assert response.status_code == 200
    page = text_of(response)
    assert f"‘{typed}’ is not a page number. This is page 1 of the referrals." in page
    assert "Showing 1 to 1 of 2 referrals" in page and newest.reference in page


def test_a_page_past_the_end_shows_the_last_page_and_says_so(staff, login_as, page_size):
    page_size(2)
    oldest = make_referral(referrer=staff["referrer"])
    for _ in range(2):
        make_referral(referrer=staff["referrer"])
    page = text_of(login_as(staff["referrer"]).get("/referrals?page=40"))
    assert "There is no page 40: the referrals fill 2 pages. This is the last page." in page
    assert "Showing 3 to 3 of 3 referrals" in page and oldest.reference in page


def test_team_referrals_take_the_same_number_of_queries_for_any_number_of_rows(staff, login_as, frozen_now):
    teams = [make_team(f"Busy team {n}") for n in range(4)]
    referrer = make_user("referrer", teams=teams, name="Rory Many")
    client = login_as(referrer)

    def add(n: int) -> None:
        for day in range(2, 2 + n):
            frozen_now(london(2026, 11, day, 10, 0))
            team = teams[day % len(teams)]
            make_referral(referrer=make_user("referrer", teams=[team]), given_name=f"T{day}")

    add(2)
    few = count_queries(client, "/referrals")
    add(10)
    assert count_queries(client, "/referrals") == few


# -- triage -----------------------------------------------------------------------------------


def test_triage_puts_safeguarding_and_risk_first_then_oldest(staff, login_as, frozen_now):
    oldest = made_on(frozen_now, 2, referrer=staff["referrer"], given_name="Old")
    calm = made_on(frozen_now, 3, referrer=staff["referrer"], given_name="Calm")
    risk = made_on(frozen_now, 5, referrer=staff["referrer"], given_name="Risk", lone_working_risk=True)
    safeguarding = made_on(frozen_now, 4, referrer=staff["referrer"], given_name="Safe", safeguarding_concern=True)
    page = text_of(login_as(staff["lead"]).get("/casework/triage")).split("Waiting for the referrer's answer")[0]
    order = sorted((page.index(r.reference), r.person.given_name) for r in (oldest, calm, risk, safeguarding))
    assert [name for _, name in order] == ["Safe", "Risk", "Old", "Calm"]


def test_triage_filters_by_source_and_team_and_pages(staff, login_as, page_size):
    page_size(1)
    ours = [make_referral(referrer=staff["referrer"]) for _ in range(2)]
    theirs = make_referral(referrer=staff["other_referrer"])
    client = login_as(staff["lead"])

    first = client.get("/casework/triage")
    assert "Showing 1 to 1 of 3 referrals" in text_of(first)
    assert "/casework/triage?page=3" in links(first)

    mental_health = text_of(client.get("/casework/triage?source=mental_health"))
    assert theirs.reference in mental_health and "Showing 1 to 1 of 1 referral" in mental_health

    team = client.get(f"/casework/triage?team={staff['team'].id}")
    assert "Showing 1 to 1 of 2 referrals" in text_of(team)
    assert f"/casework/triage?team={staff['team'].id}&page=2" in links(team)  # paging keeps the filter
    assert ours[1].reference in text_of(client.get(f"/casework/triage?team={staff['team'].id}&page=2"))

    wrong = client.get("/casework/triage?source=martians")
    assert "There is no referral source ‘martians’" in text_of(wrong)
    assert "<title>Error: " in wrong.get_data(as_text=True)


def test_triage_pages_the_referrals_waiting_for_an_answer_on_their_own(staff, login_as, page_size):
    page_size(1)
    waiting = [make_referral(S.MORE_INFO_REQUESTED, referrer=staff["referrer"], lead=staff["lead"]) for _ in range(2)]
    new = make_referral(referrer=staff["referrer"])
    client = login_as(staff["lead"])
    first = client.get("/casework/triage")
    _, answers = text_of(first).split("Waiting for the referrer's answer")
    assert waiting[0].reference in answers and waiting[1].reference not in answers
    assert "/casework/triage?answers_page=2" in links(first)
    second = text_of(client.get("/casework/triage?answers_page=2"))
    triage, answers = second.split("Waiting for the referrer's answer")
    assert waiting[1].reference in answers and new.reference in triage


def test_the_triage_queue_takes_the_same_number_of_queries_for_any_number_of_rows(staff, login_as, frozen_now):
    teams = [make_team(f"Triage team {n}") for n in range(5)]
    lead = login_as(staff["lead"])

    def add(days: range) -> None:
        for day in days:
            frozen_now(london(2026, 11, day, 10, 0))
            referrer = make_user("referrer", teams=[teams[day % len(teams)]])
            make_referral(referrer=referrer, given_name=f"D{day}", nhs_number="9434765919" if day % 2 else "")
        make_referral(S.MORE_INFO_REQUESTED, referrer=staff["referrer"], lead=staff["lead"])
        frozen_now(london(2026, 12, 1, 10, 0))

    add(range(2, 4))
    few = count_queries(lead, "/casework/triage")
    add(range(4, 14))
    assert count_queries(lead, "/casework/triage") == few


# -- the unallocated queue --------------------------------------------------------------------


def test_unallocated_queue_filters_by_source_and_area(staff, login_as):
    ours = make_referral(S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"])
    theirs = make_referral(S.ACCEPTED, referrer=staff["other_referrer"], lead=staff["lead"])
    ward = ours.person.ward_code
    theirs.person.ward_code = None
    db.session.commit()
    client = login_as(staff["navigator"])

    page = text_of(client.get("/casework/unallocated?source=mental_health"))
    assert theirs.reference in page and ours.reference not in page
    page = text_of(client.get(f"/casework/unallocated?ward={ward}"))
    assert ours.reference in page and theirs.reference not in page
    assert "Any team" not in page  # navigators pick by area, need and source, not the referring team
    assert "There is no area (ward) ‘nowhere’" in text_of(client.get("/casework/unallocated?ward=nowhere"))


# -- caseloads and the navigators to allocate to ---------------------------------------------------


def test_caseloads_list_the_lead_s_own_team_first_a_page_at_a_time(staff, login_as, page_size):
    page_size(2)
    home, away = make_team("Navigation North", source_code=None), make_team("Navigation South", source_code=None)
    lead = make_user("team_lead", teams=[home], name="Lou Lead")
    zoe = make_user("navigator", teams=[home], name="Zoe Zephyr")  # last by name, first as a teammate
    alf = make_user("navigator", teams=[away], name="Alf Away")
    client = login_as(lead)

    first = client.get("/casework/caseloads")
    names = re.findall(r'<th scope="row" class="govuk-table__header"[^>]*>([^<]+)', first.get_data(as_text=True))
    assert names[0].strip() == zoe.name and "Showing 1 to 2 of 4 navigators" in text_of(first)
    assert "/casework/caseloads?page=2" in links(first)

    south = text_of(client.get(f"/casework/caseloads?team={away.id}"))
    assert alf.name in south and zoe.name not in south and "Showing 1 to 1 of 1 navigator" in south
    assert "There is no navigation team ‘x’" in text_of(client.get("/casework/caseloads?team=x"))


def test_the_allocate_page_lists_navigators_a_page_at_a_time(staff, login_as, page_size):
    page_size(1)
    referral = make_referral(S.ACCEPTED, referrer=staff["referrer"], lead=staff["lead"])
    client = login_as(staff["lead"])
    first = client.get(f"/casework/referrals/{referral.id}/allocate")
    page = text_of(first)
    assert "Showing 1 to 1 of 2 navigators" in page
    assert staff["navigator"].name in page and staff["other_navigator"].name not in page
    assert f"/casework/referrals/{referral.id}/allocate?page=2" in links(first)
    second = client.get(f"/casework/referrals/{referral.id}/allocate?page=2")
    assert staff["other_navigator"].name in text_of(second)

    # Allocating from the second page works as from the first.
    response = client.post(
        f"/casework/referrals/{referral.id}/allocate?page=2",
        data={"navigator_id": str(staff["other_navigator"].id), "expected_version": referral.version},
    )
    assert response.status_code == 302
    assert db.session.get(Referral, referral.id).navigator_id == staff["other_navigator"].id


# -- follow-ups ---------------------------------------------------------------------------------


def _closed(staff, navigator, baseline_days_ago: int, *, agreed: bool = True, screened: bool = False) -> Referral:
    """Baseline `baseline_days_ago` days ago, closed today; contact again if `agreed`."""
    referral = in_support_since(baseline_days_ago, referrer=staff["referrer"], lead=staff["lead"], navigator=navigator)
    service.close_referral(
        referral.id,
        by=navigator,
        reason="goals_met",
        summary="Joined a choir.",
        contact_again_agreed=agreed,
        follow_up_not_obtained_reason="not_yet_due",
    )
    if screened:
        for code, answers in ADULT_BASELINE.items():
            service.record_screening(
                referral.id, by=navigator, instrument_code=code, answers=answers, occasion=ScreeningOccasion.FOLLOW_UP
            )
    return referral


def _by_the_rule(user) -> list[Referral]:
    """The follow-ups by domain.md 2.6 said in Python over every case the user may see: the
    3-month window has opened, no later screen since it opened, and the case is in support
    or closed with the person's agreement to be contacted again; soonest due first."""
    today = clock.today()
    window = timedelta(days=14)
    rows = []
    for referral in db.session.scalars(service.visible_referrals(user)):
        if referral.follow_up_due is None or not service.can_work_case(user, referral):
            continue
        opens = referral.follow_up_due - window
        later = db.session.scalars(
            select(Screening.recorded_at).where(
                Screening.referral_id == referral.id, Screening.occasion != ScreeningOccasion.BASELINE
            )
        ).all()
        taken = any(at.astimezone(clock.LONDON).date() >= opens for at in later)
        wanted = referral.state is S.IN_SUPPORT or (referral.state is S.CLOSED and referral.contact_again_agreed)
        if wanted and not taken and opens <= today:
            rows.append(referral)
    return sorted(rows, key=lambda r: (r.follow_up_due, r.id))


def test_follow_ups_are_the_cases_the_rule_says(staff):
    nav, other = staff["navigator"], staff["other_navigator"]
    _closed(staff, nav, 100)
    _closed(staff, nav, 104)
    _closed(staff, nav, 91)
    _closed(staff, nav, 97, screened=True)
    _closed(staff, nav, 60)  # its window opens in about a fortnight
    _closed(staff, nav, 100, agreed=False)
    _closed(staff, other, 98)
    in_support_since(95, referrer=staff["referrer"], lead=staff["lead"], navigator=nav)  # ask at a review
    make_referral(S.IN_SUPPORT, referrer=staff["referrer"], lead=staff["lead"], navigator=nav)

    for user in (nav, other, staff["lead"], staff["referrer"], staff["admin"]):
        expected = [r.id for r in _by_the_rule(user)]
        assert [r.id for r in service.due_for_follow_up(user, size=100).items] == expected, user.name
    assert len(service.due_for_follow_up(nav).items) == 4
    assert len(service.due_for_follow_up(staff["lead"]).items) == 5


def test_follow_ups_come_a_page_at_a_time_with_an_exact_count(staff, login_as, page_size):
    page_size(2)
    made = [_closed(staff, staff["navigator"], days) for days in (100, 99, 98)]
    client = login_as(staff["navigator"])
    first = client.get("/casework/follow-ups")
    page = text_of(first)
    assert "Showing 1 to 2 of 3 follow-ups due" in page
    assert page.index(made[0].reference) < page.index(made[1].reference)  # longest overdue first
    assert "/casework/follow-ups?page=2" in links(first)
    second = client.get("/casework/follow-ups?page=2")
    assert "Showing 3 to 3 of 3 follow-ups due" in text_of(second)
    assert made[2].reference in row_for(second, made[2].reference)


def test_a_long_follow_up_list_counts_a_little_past_the_page_then_says_more_than(
    staff, login_as, page_size, monkeypatch
):
    # A team lead sees every case in the service: counting tens of thousands would cost each
    # page more than the page itself, so the count stops a set number of rows past the page.
    page_size(2)
    monkeypatch.setattr("navigator.services.referrals.queues.FOLLOW_UPS_COUNTED_AHEAD", 1)
    made = [_closed(staff, staff["navigator"], days) for days in (100, 99, 98, 97, 96)]
    client = login_as(staff["lead"])
    first = client.get("/casework/follow-ups")
    assert "Showing 1 to 2 of more than 3 follow-ups due" in text_of(first)
    assert "/casework/follow-ups?page=2" in links(first)
    assert "/casework/follow-ups?page=3" not in links(first)  # no "last page": it is not known
    # Further on, the count reaches the end and is exact again.
    last = client.get("/casework/follow-ups?page=3")
    assert "Showing 5 to 5 of 5 follow-ups due" in text_of(last)
    assert made[4].reference in row_for(last, made[4].reference)
    beyond = client.get("/casework/follow-ups?page=9")
    assert "There is no page 9" in text_of(beyond)


def _pending(referral: Referral) -> bool:
    return db.session.scalar(select(Referral.follow_up_pending).where(Referral.id == referral.id))


def test_a_follow_up_is_pending_from_the_baseline_until_its_screen_is_recorded(staff):
    nav = staff["navigator"]
    due = _closed(staff, nav, 92)
    assert _pending(due)
    assert _pending(_closed(staff, nav, 30))  # on the list once its window opens
    assert not _pending(_closed(staff, nav, 92, agreed=False))  # not agreed to be contacted again

    service.record_screening(
        due.id, by=nav, instrument_code="ucla3", answers=ADULT_BASELINE["ucla3"], occasion=ScreeningOccasion.FOLLOW_UP
    )
    assert not _pending(due)
    assert due.id not in {r.id for r in service.due_for_follow_up(nav).items}

    # Taken at a review while the case is open: nothing is left to do at closure.
    early = in_support_since(90, referrer=staff["referrer"], lead=staff["lead"], navigator=nav)
    assert _pending(early)
    service.record_screening(
        early.id, by=nav, instrument_code="ucla3", answers=ADULT_BASELINE["ucla3"], occasion=ScreeningOccasion.REVIEW
    )
    assert not _pending(early)
    service.close_referral(early.id, by=nav, reason="goals_met", follow_up_not_obtained_reason="not_yet_due")
    assert not _pending(early)


def test_the_triage_team_filter_offers_the_teams_with_referrals_waiting(staff, login_as):
    """A county has hundreds of referring teams; the filter lists those the queue can show,
    and keeps a team chosen from an older link even when nothing of it waits now."""
    make_team("Quiet Team With Nothing Waiting")
    make_referral(referrer=staff["referrer"])
    make_referral(ReferralState.ACCEPTED, referrer=staff["other_referrer"], lead=staff["lead"])
    client = login_as(staff["lead"])

    options = re.findall(r"<option[^>]*>([^<]+)</option>", client.get("/casework/triage").get_data(as_text=True))
    assert staff["team"].name in options
    assert staff["other_team"].name not in options  # its referral is accepted, not waiting for triage
    assert "Quiet Team With Nothing Waiting" not in options

    chosen = client.get(f"/casework/triage?team={staff['other_team'].id}")
    assert chosen.status_code == 200 and "There is a problem" not in text_of(chosen)
    assert re.search(rf'value="{staff["other_team"].id}"[^>]*selected', chosen.get_data(as_text=True))

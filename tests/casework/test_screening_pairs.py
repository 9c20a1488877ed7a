"""Screens that pair (issue 9): instruments that fit the person's age band, the baseline's
questions and mode repeated later, proxy answers marked, the closure guard, the 3-month
follow-up and the change shown to staff who work the case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from navigator import clock
from navigator.extensions import db
from navigator.models import Referral, ReferralState, Screening, ScreeningOccasion, TimePoint
from navigator.screening import AdministrationMode
from navigator.services import referrals as service
from tests.factories import ADULT_BASELINE, clock_at, in_support_since, make_referral

S = ReferralState
CYP = {
    "no_one_to_talk_to": "some_of_the_time",
    "left_out": "often",
    "alone": "some_of_the_time",
    "lonely": "often_always",
}
UCLA_BETTER = {
    "lack_companionship": "some_of_the_time",
    "left_out": "hardly_ever_or_never",
    "isolated": "some_of_the_time",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def case(staff, state: ReferralState, **changes) -> Referral:
    return make_referral(state, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"], **changes)


def screens_of(referral: Referral) -> list[Screening]:
    db.session.expire_all()
    query = select(Screening).where(Screening.referral_id == referral.id).order_by(Screening.recorded_at)
    return list(db.session.scalars(query))


def post_screen(client, referral, instrument, answers, occasion="baseline", **data):
    form = {f"item_{code}": value for code, value in answers.items()}
    form.update({"mode": "self-completed", "answered_by": "person"} | data)
    url = f"/casework/cases/{referral.id}/screenings/new?instrument={instrument}&occasion={occasion}"
    return client.post(url, data=form)


def born_aged(years: int) -> date:
    today = clock.today()
    return date(today.year - years, 1, 1) if today.month > 1 else date(today.year - years - 1, 1, 1)


# -- instruments that fit ------------------------------------------------------------------


def test_instruments_that_do_not_fit_the_age_band_are_refused_with_the_ones_that_do(staff, login_as):
    child = case(staff, S.ENGAGED, date_of_birth=born_aged(12))
    client = login_as(staff["navigator"])
    url = f"/casework/cases/{child.id}/screenings/new?instrument=lsns6&occasion=baseline"
    refused = client.get(url)
    assert refused.status_code == 400
    assert "is not for this person (10 to 15)" in text(refused)
    assert "instrument=cyp_loneliness" in text(refused)
    response = post_screen(client, child, "ucla3", ADULT_BASELINE["ucla3"])
    assert response.status_code == 400 and "not for this person" in text(response)
    assert screens_of(child) == []
    assert post_screen(client, child, "cyp_loneliness", CYP).status_code == 302
    [screen] = screens_of(child)
    assert screen.age_band == "10_15" and screen.episode_baseline and screen.time_point is TimePoint.BASELINE


def test_an_unknown_age_is_asked_for_before_any_questions(staff, login_as):
    unknown = case(staff, S.ENGAGED, date_of_birth=None)
    client = login_as(staff["navigator"])
    page = text(client.get(f"/casework/cases/{unknown.id}"))
    assert "Say how old they are" in page and "occasion=baseline" not in page
    assert not service.has_complete_baseline(unknown)

    asked = client.get(f"/casework/cases/{unknown.id}/screenings/new?instrument=ucla3&occasion=baseline")
    assert asked.status_code == 302 and "/age-band?instrument=ucla3" in asked.headers["Location"]
    blank = client.post(asked.headers["Location"], data={})
    assert "Choose how old the person is" in text(blank)
    answered = client.post(asked.headers["Location"], data={"age_band": "10_15"})
    assert answered.status_code == 302 and "instrument=ucla3" in answered.headers["Location"]
    # A child's band: the adult questions are refused, the children's set is offered.
    assert client.get(answered.headers["Location"]).status_code == 400
    assert post_screen(client, unknown, "cyp_loneliness", CYP).status_code == 302
    db.session.expire_all()
    assert service.has_complete_baseline(db.session.get(Referral, unknown.id))


def test_a_second_complete_baseline_of_the_same_questions_is_refused(staff, login_as):
    referral = case(staff, S.IN_SUPPORT)
    response = post_screen(login_as(staff["navigator"]), referral, "ucla3", ADULT_BASELINE["ucla3"])
    assert "A complete baseline UCLA 3-item" in text(response)
    assert len(screens_of(referral)) == 2  # the two baseline screens make_referral took


def test_a_child_who_turns_16_is_asked_the_children_s_questions_again(staff, login_as):
    today = clock.today()
    sixteenth_birthday = today - timedelta(days=20)
    born = sixteenth_birthday.replace(year=sixteenth_birthday.year - 16)
    with clock_at(clock.now() - timedelta(days=60)):
        referral = case(staff, S.ENGAGED, date_of_birth=born)
        service.record_screening(
            referral.id,
            by=staff["navigator"],
            instrument_code="cyp_loneliness",
            answers=CYP,
            occasion=ScreeningOccasion.BASELINE,
        )
        service.start_support(referral.id, by=staff["navigator"])
    client = login_as(staff["navigator"])
    page = text(client.get(f"/casework/cases/{referral.id}"))
    assert (
        "instrument=cyp_loneliness&amp;occasion=review" in page and "instrument=ucla3&amp;occasion=review" not in page
    )
    refused = post_screen(client, referral, "ucla3", UCLA_BETTER, occasion="review")
    assert refused.status_code == 400 and "There is no baseline UCLA" in text(refused)
    better = CYP | {"left_out": "some_of_the_time", "lonely": "some_of_the_time"}
    assert post_screen(client, referral, "cyp_loneliness", better, occasion="review").status_code == 302
    baseline, review = screens_of(referral)
    assert review.baseline_id == baseline.id and review.comparable is True
    assert baseline.age_band == "10_15"


# -- mode, proxy ------------------------------------------------------------------------------


def test_another_mode_needs_a_reason_and_the_pair_is_not_comparable(staff, login_as):
    referral = case(staff, S.IN_SUPPORT)
    client = login_as(staff["navigator"])
    form = text(client.get(f"/casework/cases/{referral.id}/screenings/new?instrument=ucla3&occasion=review"))
    assert 'value="self-completed" checked' in form  # the baseline's mode, chosen already
    response = post_screen(client, referral, "ucla3", UCLA_BETTER, occasion="review", mode="via interpreter")
    assert response.status_code == 200
    assert "The baseline questions were asked another way" in text(response)
    assert 'value="hardly_ever_or_never" checked' in text(response)  # what was typed is kept
    assert len(screens_of(referral)) == 2
    reason = "Her English is weaker when tired; the interpreter was there"
    response = post_screen(
        client, referral, "ucla3", UCLA_BETTER, occasion="review", mode="via interpreter", mode_change_reason=reason
    )
    assert response.status_code == 302
    review = screens_of(referral)[-1]
    assert review.comparable is False and review.mode_change_reason == reason
    assert review.mode is AdministrationMode.VIA_INTERPRETER
    page = text(client.get(f"/casework/cases/{referral.id}"))
    assert "Not comparable" in page and reason in page


def test_answers_given_by_a_carer_are_proxy_answers(staff, login_as):
    referral = case(staff, S.IN_SUPPORT)
    client = login_as(staff["navigator"])
    response = post_screen(client, referral, "ucla3", UCLA_BETTER, occasion="review", answered_by="parent_carer")
    assert response.status_code == 302
    review = screens_of(referral)[-1]
    assert review.proxy and review.answered_by == "parent_carer"
    assert not any(screen.proxy for screen in screens_of(referral)[:-1])
    page = text(client.get(f"/casework/cases/{referral.id}"))
    assert "Proxy answers" in page and "left out of pooled figures" in page


# -- closure ----------------------------------------------------------------------------------


def test_closing_from_support_needs_complete_closure_screens_of_the_baseline_questions(staff, login_as):
    referral = case(staff, S.IN_SUPPORT)
    client = login_as(staff["navigator"])
    close_url = f"/casework/cases/{referral.id}/close"
    # Questions that were not asked at baseline cannot stand in for them.
    refused = post_screen(client, referral, "ons4", {"anxiety": "3"}, occasion="closure")
    assert refused.status_code == 400 and "There is no baseline ONS4" in text(refused)
    # An incomplete UCLA-3 and a complete direct question are not enough.
    post_screen(client, referral, "ucla3", {"left_out": "often"}, occasion="closure")
    post_screen(client, referral, "ons_direct", {"lonely": "occasionally"}, occasion="closure")
    response = client.post(close_url, data={"reason": "goals_met", "contact_again": "no"})
    assert "Record a complete closure screen of the UCLA 3-item Loneliness Scale" in text(response)
    assert "ONS direct" not in text(response).split("Record a complete closure screen")[1].split(".")[0]
    assert db.session.get(Referral, referral.id).state is S.IN_SUPPORT
    post_screen(client, referral, "ucla3", UCLA_BETTER, occasion="closure")
    response = client.post(close_url, data={"reason": "goals_met"})
    assert "Say whether the person agreed to be contacted again" in text(response)
    assert 'value="goals_met" checked' in text(response)
    assert client.post(close_url, data={"reason": "goals_met", "contact_again": "no"}).status_code == 302
    db.session.expire_all()
    closed = db.session.get(Referral, referral.id)
    assert closed.state is S.CLOSED and closed.contact_again_agreed is False and not closed.follow_up_pending


def test_a_reason_instead_of_the_closure_screen_and_no_screen_after_a_death(staff, login_as):
    client = login_as(staff["navigator"])
    declined = case(staff, S.IN_SUPPORT)
    response = client.post(
        f"/casework/cases/{declined.id}/close",
        data={"reason": "disengaged", "follow_up_not_obtained_reason": "nonsense"},
    )
    assert "Choose why the screen was not obtained" in text(response)
    response = client.post(
        f"/casework/cases/{declined.id}/close",
        data={"reason": "disengaged", "follow_up_not_obtained_reason": "declined"},
    )
    assert response.status_code == 302
    died = case(staff, S.IN_SUPPORT)
    assert client.post(f"/casework/cases/{died.id}/close", data={"reason": "deceased"}).status_code == 302
    db.session.expire_all()
    record = db.session.get(Referral, died.id)
    assert record.follow_up_not_obtained_reason == "deceased" and not record.follow_up_pending


# -- the 3-month follow-up and the change -------------------------------------------------------


def test_the_3_month_follow_up_is_worked_out_from_the_baseline_and_shown_when_due(staff, login_as):
    recent = case(staff, S.IN_SUPPORT)
    baseline_day = screens_of(recent)[0].recorded_at.astimezone(clock.LONDON).date()
    assert recent.follow_up_due.month == (baseline_day.month + 2) % 12 + 1  # three months on
    due = in_support_since(80, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    client = login_as(staff["navigator"])
    caseload = text(client.get("/casework/caseload"))
    rows = {ref: caseload.split(ref)[1].split("</tr>")[0] for ref in (recent.reference, due.reference)}
    assert "Follow-up due" in rows[due.reference] and "Follow-up due" not in rows[recent.reference]
    assert "3-month follow-up due" in text(client.get(f"/casework/cases/{due.id}"))
    follow_ups = text(client.get("/casework/follow-ups"))
    assert due.reference in follow_ups and recent.reference not in follow_ups


def test_a_3_month_pair_and_its_change_are_shown_to_the_navigator_only(staff, login_as):
    referral = in_support_since(91, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])
    client = login_as(staff["navigator"])
    assert post_screen(client, referral, "ucla3", UCLA_BETTER, occasion="review").status_code == 302
    assert (
        post_screen(client, referral, "ons_direct", {"lonely": "some_of_the_time"}, occasion="review").status_code
        == 302
    )
    screens = screens_of(referral)
    baselines = {s.instrument_code: s for s in screens if s.episode_baseline}
    reviews = [s for s in screens if s.occasion is ScreeningOccasion.REVIEW]
    assert {s.time_point for s in reviews} == {TimePoint.THREE_MONTH}
    assert all(s.baseline_id == baselines[s.instrument_code].id for s in reviews)
    db.session.expire_all()
    assert not db.session.get(Referral, referral.id).follow_up_pending

    page = text(client.get(f"/casework/cases/{referral.id}"))
    assert "Change since baseline" in page and "3-month follow-up" in page
    assert "Total: 8 → 5 (−3, better)" in page
    assert "improved by at least 1 point (local convention)" in page
    assert "moved out of “Often/always”" in page
    assert "Baseline (navigator, first conversation)" in page
    assert "navigator’s screen at the first conversation" in page  # the rule, stated

    status = text(login_as(staff["referrer"]).get(f"/referrals/{referral.id}"))
    assert "Change since baseline" not in status and "→" not in status and "UCLA" not in status


def test_the_referrer_s_screen_is_the_baseline_until_the_navigator_takes_one(staff, login_as):
    referral = case(staff, S.ENGAGED)
    service.record_screening(
        referral.id,
        by=staff["navigator"],
        instrument_code="ucla3",
        answers=ADULT_BASELINE["ucla3"],
        occasion=ScreeningOccasion.BASELINE,
    )
    # The referrer's screen was taken on the referral form (submission): mark one as if it had been.
    at_referral = Screening(
        referral_id=referral.id,
        instrument_code="ons_direct",
        instrument_version="1",
        scoring_version="ons_direct/1",
        occasion=ScreeningOccasion.BASELINE,
        time_point=TimePoint.BASELINE,
        at_referral=True,
        mode=AdministrationMode.SELF_COMPLETED,
        answers={"lonely": "often_always"},
        complete=True,
        recorded_at=datetime.now(UTC) - timedelta(days=3),
    )
    db.session.add(at_referral)
    db.session.commit()
    service.start_support(referral.id, by=staff["navigator"])
    assert db.session.get(Screening, at_referral.id).episode_baseline
    service.record_screening(
        referral.id,
        by=staff["navigator"],
        instrument_code="ons_direct",
        answers={"lonely": "never"},
        occasion=ScreeningOccasion.BASELINE,
    )
    db.session.expire_all()
    assert not db.session.get(Screening, at_referral.id).episode_baseline
    navigator_s = db.session.scalar(
        select(Screening).where(
            Screening.referral_id == referral.id,
            Screening.instrument_code == "ons_direct",
            Screening.at_referral.is_(False),
        )
    )
    assert navigator_s.episode_baseline
    count = db.session.scalar(
        select(func.count())
        .select_from(Screening)
        .where(Screening.referral_id == referral.id, Screening.episode_baseline)
    )
    assert count == 2  # one baseline per instrument

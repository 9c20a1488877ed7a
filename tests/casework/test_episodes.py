"""One person, several episodes (domain.md 2.3, 6.8): at triage a lead confirms that a referral
is the same person as an earlier one; the new episode is linked to the last one and shares
the person key; the case page shows earlier episodes on a need-to-know basis; reports count
unique people and re-referrals."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from navigator import clock
from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, Person, PersonKeySource, Referral, ReferralState
from navigator.reports import queries
from navigator.reports.periods import current_quarter
from navigator.reports.sql import Filters
from navigator.services import referrals as service
from navigator.services import subject_access
from navigator.services.referrals import episodes
from tests.factories import make_referral

S = ReferralState
NHS = "9434765919"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def fresh(referral: Referral) -> Referral:
    db.session.expire_all()
    found = db.session.get(Referral, referral.id)
    assert found is not None
    return found


def link_updates(referral: Referral) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.referral_id == referral.id,
                AuditEntry.record_type == "referral",
                AuditEntry.action == AuditAction.UPDATE,
            )
            .order_by(AuditEntry.id)
        )
    )


def same_person_url(referral: Referral) -> str:
    return f"/casework/referrals/{referral.id}/same-person"


@pytest.fixture
def lead(staff, login_as):
    return login_as(staff["lead"])


@pytest.fixture
def earlier(staff) -> Referral:
    """A closed episode: Edna, with her NHS number."""
    return make_referral(
        S.CLOSED, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["other_navigator"], nhs_number=NHS
    )


@pytest.fixture
def again(staff, earlier) -> Referral:
    """Edna referred again, without her NHS number: a possible duplicate by name and date of birth."""
    return make_referral(referrer=staff["referrer"])


def test_triage_links_a_re_referral_to_the_earlier_episode_and_its_person_key(staff, lead, earlier, again):
    assert fresh(again).person.person_key != fresh(earlier).person.person_key  # NHS number vs name
    triage = text_of(lead.get(f"/casework/referrals/{again.id}/triage"))
    assert "Confirm the same person as an earlier referral" in triage
    page = lead.get(same_person_url(again))
    assert page.status_code == 200
    assert earlier.reference in text_of(page)

    response = lead.post(same_person_url(again), data={"duplicate": str(earlier.id)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/casework/referrals/{again.id}/triage")
    linked, before = fresh(again), fresh(earlier)
    assert linked.previous_referral_id == earlier.id
    assert linked.person.person_key == before.person.person_key
    assert linked.person.person_key_source is PersonKeySource.LINKED
    assert before.person.person_key_source is PersonKeySource.LINKED
    [entry] = link_updates(again)
    assert entry.user_id == staff["lead"].id
    assert entry.new_values == {"previous_referral": earlier.reference, "same_person_as": earlier.reference}
    assert f"Linked as the same person as {earlier.reference}" in text_of(
        lead.get(f"/casework/referrals/{again.id}/triage")
    )

    # Confirming again changes nothing and writes nothing.
    response = lead.post(same_person_url(again), data={"duplicate": str(earlier.id)}, follow_redirects=True)
    assert "already linked" in text_of(response)
    assert len(link_updates(again)) == 1


def test_a_name_spelled_differently_stays_joined_after_a_correction(staff, lead, earlier):
    again = make_referral(referrer=staff["referrer"], nhs_number=NHS, given_name="Ednah")
    assert lead.post(same_person_url(again), data={"duplicate": str(earlier.id)}).status_code == 302
    key = fresh(earlier).person.person_key
    person = fresh(again).person
    person.given_name, person.nhs_number = "Edna", None
    db.session.commit()
    earlier_person = fresh(earlier).person
    earlier_person.nhs_number = "9434765870"
    db.session.commit()
    assert fresh(again).person.person_key == key == fresh(earlier).person.person_key


def test_the_new_episode_is_linked_to_the_most_recent_earlier_one(staff, lead):
    first = make_referral(S.REJECTED, referrer=staff["referrer"], lead=staff["lead"], nhs_number=NHS)
    second = make_referral(S.REJECTED, referrer=staff["referrer"], lead=staff["lead"], nhs_number=NHS)
    third = make_referral(referrer=staff["referrer"], nhs_number=NHS)
    assert lead.post(same_person_url(third), data={"duplicate": str(first.id)}).status_code == 302
    assert fresh(third).previous_referral_id == second.id


@pytest.mark.parametrize("target", ["itself", "later", "not_a_duplicate", "unknown", "not_an_id"])
def test_linking_is_refused_to_anything_but_an_earlier_possible_duplicate(staff, lead, earlier, again, target):
    later = make_referral(referrer=staff["referrer"])
    stranger = make_referral(referrer=staff["referrer"], given_name="Someone", family_name="Else")
    chosen = {
        "itself": str(again.id),
        "later": str(later.id),
        "not_a_duplicate": str(stranger.id),
        "unknown": str(uuid.uuid4()),
        "not_an_id": "CN-2026-000001",
    }[target]
    key = fresh(again).person.person_key
    response = lead.post(same_person_url(again), data={"duplicate": chosen})
    assert response.status_code == 400
    page = text_of(response)
    assert re.search(r"<title>\s*Error:", response.get_data(as_text=True))
    message = {
        "itself": "cannot be an earlier episode of itself",
        "later": f"{later.reference} was received after {again.reference}",
        "not_a_duplicate": "Choose one of the possible duplicates shown",
        "unknown": "Choose one of the possible duplicates shown",
        "not_an_id": "Choose one of the possible duplicates shown",
    }[target]
    assert message in page
    assert fresh(again).previous_referral_id is None
    assert fresh(again).person.person_key == key
    assert link_updates(again) == []


def test_not_the_same_person_undoes_the_link_while_in_triage(staff, lead, earlier, again):
    own_key = fresh(again).person.person_key
    lead.post(same_person_url(again), data={"duplicate": str(earlier.id)})
    page = text_of(lead.get(same_person_url(again)))
    assert "None of these: not the same person" in page

    response = lead.post(same_person_url(again), data={"duplicate": "none"}, follow_redirects=True)
    assert f"no longer linked to {earlier.reference}" in text_of(response)
    undone, before = fresh(again), fresh(earlier)
    assert undone.previous_referral_id is None
    assert undone.person.person_key == own_key
    assert undone.person.person_key_source is PersonKeySource.NAME_AND_DATE_OF_BIRTH
    assert before.person.person_key_source is PersonKeySource.NHS_NUMBER  # follows its details again
    assert [entry.new_values for entry in link_updates(again)][-1] == {"previous_referral": None}


def test_links_change_only_in_triage(staff, lead, earlier, again):
    lead.post(same_person_url(again), data={"duplicate": str(earlier.id)})
    service.accept_referral(again.id, by=staff["lead"])
    assert "linked only while it is in triage" in text_of(lead.get(same_person_url(again)))
    response = lead.post(same_person_url(again), data={"duplicate": "none"})
    assert response.status_code == 400
    assert "linked only while it is in triage" in text_of(response)
    assert fresh(again).previous_referral_id == earlier.id


def test_only_those_who_triage_may_link(staff, login_as, earlier, again):
    for role in ("navigator", "referrer"):
        client = login_as(staff[role])
        assert client.get(same_person_url(again)).status_code == 404
        assert client.post(same_person_url(again), data={"duplicate": str(earlier.id)}).status_code == 404
    assert fresh(again).previous_referral_id is None


# -- earlier episodes on the case page ------------------------------------------------------


def test_earlier_episodes_show_on_the_case_page_with_a_link_only_where_it_opens(staff, login_as, earlier, again):
    episodes.confirm_same_person(again.id, by=staff["lead"], duplicate_id=earlier.id)
    service.accept_referral(again.id, by=staff["lead"])
    service.allocate_referral(again.id, staff["navigator"].id, by=staff["lead"])
    earlier_link = f'href="/casework/cases/{earlier.id}"'

    navigator = login_as(staff["navigator"])
    response = navigator.get(f"/casework/cases/{again.id}")
    page = response.get_data(as_text=True)
    assert "Earlier episodes" in page
    assert earlier.reference in page and "Closed: goals met" in text_of(response)
    assert earlier_link not in page  # the earlier case is another navigator's
    assert navigator.get(f"/casework/cases/{earlier.id}").status_code == 404
    shown = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.referral_id == earlier.id,
            AuditEntry.action == AuditAction.VIEW,
            AuditEntry.user_id == staff["navigator"].id,
        )
    ).all()
    assert [entry.reason for entry in shown] == [f"Earlier episode shown on {again.reference}"]

    # The earlier navigator, who cannot work this case, is told nothing about it.
    other = login_as(staff["other_navigator"])
    assert other.get(f"/casework/cases/{again.id}").status_code == 404

    lead_page = login_as(staff["lead"]).get(f"/casework/cases/{again.id}").get_data(as_text=True)
    assert earlier_link in lead_page


def test_a_case_with_no_earlier_episode_shows_none(staff, login_as, earlier):
    page = login_as(staff["lead"]).get(f"/casework/cases/{earlier.id}").get_data(as_text=True)
    assert "Earlier episodes" not in page


# -- for reports --------------------------------------------------------------------------------


def test_unique_people_and_re_referrals_in_a_period(staff, earlier, again):
    make_referral(referrer=staff["referrer"], given_name="Someone", family_name="Else")
    make_referral(referrer=staff["referrer"], nhs_number=NHS, given_name="E.")
    today = clock.today()
    this_quarter, everyone = current_quarter(today), Filters()
    counted = queries.people_referred(this_quarter, everyone)
    # earlier and same_nhs share the NHS key; again is Edna by name only until triage links it.
    assert (counted.referrals, counted.people, counted.re_referrals) == (4, 3, 1)

    episodes.confirm_same_person(again.id, by=staff["lead"], duplicate_id=earlier.id)
    counted = queries.people_referred(this_quarter, everyone)
    assert (counted.referrals, counted.people, counted.re_referrals) == (4, 2, 2)

    assert queries.people_referred(current_quarter(this_quarter.start - timedelta(days=1)), everyone).referrals == 0
    assert db.session.scalar(select(func.count(func.distinct(Person.person_key)))) == 2


def test_a_subject_access_export_can_include_episodes_joined_by_the_key(staff, earlier, again):
    episodes.confirm_same_person(again.id, by=staff["lead"], duplicate_id=earlier.id)
    fresh(again).person.given_name = "Edwina"  # corrected: no longer a possible duplicate by name
    db.session.commit()
    assert earlier.id not in [other.id for other in service.possible_duplicates(fresh(again))]
    _, offered = subject_access.candidates(again.id, staff["lead"])
    assert earlier.id in [other.id for other in offered]
    document = subject_access.export_person(again.id, [earlier.id], by=staff["lead"], reason="SAR-2026-101 by post")
    assert [record["reference"] for record in document["referrals"]] == [again.reference, earlier.reference]
    assert document["referrals"][0]["previous_referral"] == earlier.reference

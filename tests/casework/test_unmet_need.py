"""Unmet need (domain.md 2.5, 7.3): the navigator records on a case that nothing suitable
exists, corrects it, marks it resolved or withdraws it; each change is audited without the
note; only staff who may work the case see or change entries; reports count them."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from navigator import clock
from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, Referral, ReferralState, UnmetNeed, UnmetNeedStatus
from navigator.services import subject_access
from navigator.services.referrals import unmet_need as service
from tests.factories import make_referral

S = ReferralState
NOTE = "Looked for a Turkish-speaking walking group for women on weekday mornings"


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def audit_rows(entry_id) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.record_type == "unmet_need", AuditEntry.record_id == str(entry_id))
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def entries(referral: Referral) -> list[UnmetNeed]:
    db.session.expire_all()
    return list(db.session.scalars(select(UnmetNeed).where(UnmetNeed.referral_id == referral.id)))


@pytest.fixture
def case(staff) -> Referral:
    return make_referral(S.IN_SUPPORT, referrer=staff["referrer"], lead=staff["lead"], navigator=staff["navigator"])


@pytest.fixture
def navigator(staff, login_as):
    return login_as(staff["navigator"])


def answers(referral: Referral, **changes: str) -> dict[str, str]:
    data = {"need": "loneliness", "ward_code": referral.person.ward_code or "", "constraint": "language", "note": NOTE}
    data.update(changes)
    return data


def new_url(referral: Referral) -> str:
    return f"/casework/cases/{referral.id}/unmet-needs/new"


def test_a_navigator_records_an_unmet_need_on_the_case(staff, case, navigator):
    assert case.person.ward_code
    page = navigator.get(f"/casework/cases/{case.id}")
    assert "No unmet need recorded." in text_of(page)
    assert new_url(case) in page.get_data(as_text=True)
    form = navigator.get(new_url(case)).get_data(as_text=True)
    assert re.search(rf'<option value="{case.person.ward_code}" selected', form)  # the person's ward

    response = navigator.post(new_url(case), data=answers(case))
    assert response.status_code == 302
    [entry] = entries(case)
    assert (entry.need, entry.ward_code, entry.constraint, entry.note) == (
        "loneliness",
        case.person.ward_code,
        "language",
        NOTE,
    )
    assert entry.status is UnmetNeedStatus.STILL_UNMET and entry.recorded_by_id == staff["navigator"].id
    [created] = audit_rows(entry.id)
    assert created.action is AuditAction.CREATE and created.referral_id == case.id
    assert created.new_values == {
        "need": "loneliness",
        "ward_code": case.person.ward_code,
        "constraint": "language",
        "status": "still_unmet",
        "with_note": True,
    }
    shown = text_of(navigator.get(f"/casework/cases/{case.id}"))
    assert "Loneliness or isolation" in shown and "Not in the person's language" in shown and NOTE in shown


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"need": ""}, "Choose the need that could not be met"),
        ({"need": "flying"}, "Choose the need that could not be met"),
        ({"ward_code": ""}, "Choose the ward where nothing suitable was found"),
        ({"ward_code": "E05999999"}, "Choose the ward where nothing suitable was found"),
        ({"constraint": ""}, "Choose what stands in the way"),
        ({"note": "x" * 2001}, "The note must be 2000 characters or fewer"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_what_was_typed_is_kept(case, navigator, changes, message):
    data = answers(case, **changes)
    response = navigator.post(new_url(case), data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r"<title>\s*Error:", page)
    assert page.count(message) >= 2  # in the summary and next to the field
    if "note" not in changes:
        assert NOTE in page
    assert entries(case) == []


def test_editing_records_what_changed_but_never_the_note(case, navigator):
    navigator.post(new_url(case), data=answers(case))
    [entry] = entries(case)
    edit_url = f"/casework/unmet-needs/{entry.id}/edit"
    assert f'href="{edit_url}"' in navigator.get(f"/casework/cases/{case.id}").get_data(as_text=True)
    form = navigator.get(edit_url).get_data(as_text=True)
    assert NOTE in form and 'name="revision" type="hidden" value="1"' in form

    data = answers(case, constraint="time_of_day", note="Only evening groups exist", status="resolved", revision="1")
    assert navigator.post(edit_url, data=data).status_code == 302
    [entry] = entries(case)
    assert (entry.constraint, entry.status, entry.note) == ("time_of_day", UnmetNeedStatus.RESOLVED, data["note"])
    update = audit_rows(entry.id)[-1]
    assert update.action is AuditAction.UPDATE
    assert update.old_values == {"constraint": "language", "status": "still_unmet"}
    assert update.new_values == {"constraint": "time_of_day", "status": "resolved", "note_changed": True}
    for row in audit_rows(entry.id):
        stored = json.dumps([row.old_values, row.new_values, row.reason])
        assert "Turkish" not in stored and "evening" not in stored


def test_an_edit_from_a_page_loaded_before_another_change_is_refused(case, navigator):
    navigator.post(new_url(case), data=answers(case))
    [entry] = entries(case)
    edit_url = f"/casework/unmet-needs/{entry.id}/edit"
    navigator.post(edit_url, data=answers(case, constraint="cost", status="still_unmet", revision="1"))
    response = navigator.post(edit_url, data=answers(case, constraint="access", status="still_unmet", revision="1"))
    assert response.status_code == 400
    assert "was changed by" in text_of(response)
    assert entries(case)[0].constraint == "cost"


def test_an_entry_recorded_in_error_is_withdrawn(case, navigator):
    navigator.post(new_url(case), data=answers(case))
    [entry] = entries(case)
    response = navigator.post(f"/casework/unmet-needs/{entry.id}/withdraw", data={"revision": "1"})
    assert response.status_code == 302
    [entry] = entries(case)
    assert entry.status is UnmetNeedStatus.WITHDRAWN  # kept, for the audit trail
    withdrawn = audit_rows(entry.id)[-1]
    assert withdrawn.new_values == {"status": "withdrawn"} and withdrawn.reason == "Recorded in error"
    assert "No unmet need recorded." in text_of(navigator.get(f"/casework/cases/{case.id}"))
    assert navigator.get(f"/casework/unmet-needs/{entry.id}/edit").status_code == 404


def test_a_stale_withdrawal_is_refused(case, navigator):
    navigator.post(new_url(case), data=answers(case))
    [entry] = entries(case)
    navigator.post(f"/casework/unmet-needs/{entry.id}/edit", data=answers(case, status="resolved", revision="1"))
    response = navigator.post(f"/casework/unmet-needs/{entry.id}/withdraw", data={"revision": "1"})
    assert response.status_code == 400
    assert "was changed by" in text_of(response)
    assert entries(case)[0].status is UnmetNeedStatus.RESOLVED


def test_staff_who_cannot_work_the_case_get_404(staff, case, navigator, login_as):
    navigator.post(new_url(case), data=answers(case))
    [entry] = entries(case)
    other = login_as(staff["other_navigator"])
    assert other.get(new_url(case)).status_code == 404
    assert other.post(new_url(case), data=answers(case)).status_code == 404
    assert other.get(f"/casework/unmet-needs/{entry.id}/edit").status_code == 404
    data = answers(case, status="resolved", revision="1")
    assert other.post(f"/casework/unmet-needs/{entry.id}/edit", data=data).status_code == 404
    assert other.post(f"/casework/unmet-needs/{entry.id}/withdraw", data={"revision": "1"}).status_code == 404
    assert [e.status for e in entries(case)] == [UnmetNeedStatus.STILL_UNMET]
    assert len(audit_rows(entry.id)) == 1
    # The team lead may work any case.
    lead = login_as(staff["lead"])
    assert lead.get(f"/casework/unmet-needs/{entry.id}/edit").status_code == 200


def test_unmet_need_is_recorded_once_engaged_and_at_closure(staff, login_as):
    navigator = login_as(staff["navigator"])
    people = {"referrer": staff["referrer"], "lead": staff["lead"], "navigator": staff["navigator"]}
    allocated = make_referral(S.ALLOCATED, **people)
    assert navigator.get(new_url(allocated)).status_code == 404
    assert "Record an unmet need" not in text_of(navigator.get(f"/casework/cases/{allocated.id}"))
    engaged = make_referral(S.ENGAGED, **people)
    assert navigator.post(new_url(engaged), data=answers(engaged)).status_code == 302
    closed = make_referral(S.CLOSED, **people)
    assert navigator.post(new_url(closed), data=answers(closed)).status_code == 302


def test_reports_count_entries_by_ward_need_and_constraint(staff, case, navigator):
    ward = case.person.ward_code
    navigator.post(new_url(case), data=answers(case))
    navigator.post(new_url(case), data=answers(case))
    navigator.post(new_url(case), data=answers(case, constraint="cost"))
    navigator.post(new_url(case), data=answers(case, need="bereavement", constraint="cost"))
    withdrawn = next(entry for entry in entries(case) if entry.need == "bereavement")
    service.withdraw_unmet_need(withdrawn.id, by=staff["navigator"])
    today = clock.today()
    counts = {(c.ward_code, c.need, c.constraint): c.entries for c in service.unmet_need_counts(today, today)}
    assert counts == {(ward, "loneliness", "language"): 2, (ward, "loneliness", "cost"): 1}
    assert service.unmet_need_counts(today - timedelta(days=30), today - timedelta(days=1)) == []


def test_the_subject_access_export_includes_unmet_need(staff, case, navigator):
    navigator.post(new_url(case), data=answers(case))
    document = subject_access.export_person(case.id, [], by=staff["lead"], reason="SAR-2026-099 received today")
    [record] = document["referrals"]
    [exported] = record["unmet_needs"]
    assert exported["need"] == "Loneliness or isolation"
    assert exported["constraint"] == "Not in the person's language"
    assert exported["note"] == NOTE and exported["status"] == "Still unmet"
    assert record["previous_referral"] is None

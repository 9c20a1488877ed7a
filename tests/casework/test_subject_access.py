"""Subject access (domain.md 6.7): a team lead exports everything held about one person,
with a reason; the export is audited; nobody else can."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, ReferralState
from navigator.presenters import readable_when
from navigator.services import subject_access
from navigator.services.referrals import ReferralError
from tests.factories import make_referral

S = ReferralState
REASON = "SAR-2026-014 received 20 November 2026"


@pytest.fixture
def case(staff):
    return make_referral(
        S.IN_SUPPORT,
        referrer=staff["referrer"],
        lead=staff["lead"],
        navigator=staff["navigator"],
        nhs_number="9434765919",
    )


def exports(referral) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.referral_id == referral.id, AuditEntry.action == AuditAction.EXPORT)
    return list(db.session.scalars(query))


def export_url(referral) -> str:
    return f"/casework/referrals/{referral.id}/subject-access"


def test_the_lead_downloads_everything_held_about_the_person(staff, case, login_as):
    lead = login_as(staff["lead"])
    assert "subject access request" in lead.get(f"/casework/cases/{case.id}").get_data(as_text=True)
    assert lead.get(export_url(case)).status_code == 200

    response = lead.post(export_url(case), data={"reason": REASON})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert f'filename="subject-access-{case.reference}-' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.get_data(as_text=True))
    assert document["reason"] == REASON and document["exported_by"]["email"] == staff["lead"].email
    [record] = document["referrals"]
    assert record["reference"] == case.reference
    assert record["person"]["nhs_number"] == "9434765919"
    assert record["person"]["given_name"] == case.person.given_name
    assert record["status"] == "In support"
    assert [step["status"] for step in record["timeline"]][-1] == "In support"
    assert record["screenings"] and all(screen["answers"] for screen in record["screenings"])
    # Questions, answers and choices as the forms showed them, not stored codes.
    first_answer = record["screenings"][0]["answers"][0]
    assert first_answer["question"].endswith("?") and first_answer["answer"] and "=" in first_answer["code"]
    assert record["needs"] and all("_" not in need for need in record["needs"])
    assert any(entry["action"] == "view" for entry in record["access_log"])

    [entry] = exports(case)
    assert entry.reason == REASON and entry.user_id == staff["lead"].id


def test_a_copy_to_print_holds_the_same_and_is_audited(staff, case, login_as):
    response = login_as(staff["lead"]).post(export_url(case), data={"reason": REASON, "format": "print"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert f"Referral {case.reference}" in page and "9434765919" in page
    assert "Loneliness questions and answers" in page and "Who has looked at or changed this record" in page
    assert "+00:00" not in page  # dates and times as people read them
    assert len(exports(case)) == 1


def test_a_reason_is_required_and_nothing_is_exported_without_one(staff, case, login_as):
    response = login_as(staff["lead"]).post(export_url(case), data={"reason": "  "})
    assert response.status_code == 400
    assert "Give the reason for the export" in response.get_data(as_text=True)
    assert exports(case) == []


def test_the_lead_may_add_referrals_checked_to_be_the_same_person(staff, case, login_as):
    again = make_referral(referrer=staff["referrer"], given_name="Another", nhs_number="9434765919")
    stranger = make_referral(referrer=staff["referrer"], given_name="Stranger", family_name="Else")
    lead = login_as(staff["lead"])
    page = lead.get(export_url(case)).get_data(as_text=True)
    assert again.reference in page and stranger.reference not in page

    response = lead.post(export_url(case), data={"reason": REASON, "also": [str(again.id)]})
    document = json.loads(response.get_data(as_text=True))
    assert [record["reference"] for record in document["referrals"]] == [case.reference, again.reference]
    assert len(exports(case)) == 1 and len(exports(again)) == 1

    refused = lead.post(export_url(case), data={"reason": REASON, "also": [str(stranger.id)]})
    assert refused.status_code == 400 and exports(stranger) == []
    assert "Choose only referrals listed as possible duplicates" in refused.get_data(as_text=True)


def test_only_listed_duplicates_can_be_added(staff, case):
    with pytest.raises(ReferralError, match="possible duplicates"):
        subject_access.export_person(case.id, [uuid.uuid4()], by=staff["lead"], reason=REASON)
    assert exports(case) == []


@pytest.mark.parametrize("role", ["navigator", "referrer", "admin"])
def test_nobody_else_can_export(staff, case, login_as, role):
    client = login_as(staff[role])
    assert client.get(export_url(case)).status_code == 404
    assert client.post(export_url(case), data={"reason": REASON}).status_code == 404
    assert "subject access request" not in client.get(f"/casework/cases/{case.id}").get_data(as_text=True)
    assert exports(case) == []


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2026-07-24T15:20:00+00:00", "24 July 2026, 4:20pm"),  # London summer time
        ("1949-02-11", "11 February 1949"),
        ("SAR 2026-11-24", "SAR 2026-11-24"),
        ("2026-13-45", "2026-13-45"),
    ],
)
def test_export_dates_read_as_people_write_them(text, shown):
    assert readable_when(text) == shown

"""A subject access export (domain.md 6.7) includes the person's equality monitoring answers
and the target groups derived from them, in the file and in the copy to print."""

from __future__ import annotations

import json

from navigator.models import ReferralState
from navigator.monitoring.answers import MonitoringAnswers
from tests.factories import make_referral

REASON = "SAR-2026-031 received 1 December 2026"


def test_the_export_includes_the_monitoring_answers(staff, login_as):
    referral = make_referral(
        ReferralState.IN_SUPPORT,
        referrer=staff["referrer"],
        lead=staff["lead"],
        navigator=staff["navigator"],
        monitoring=MonitoringAnswers(
            religion="other", religion_write_in="Quaker", unpaid_carer="yes", sex="prefer_not_to_say"
        ),
        target_groups=["carers"],
    )
    client = login_as(staff["lead"])
    url = f"/casework/referrals/{referral.id}/subject-access"

    document = json.loads(client.post(url, data={"reason": REASON}).get_data(as_text=True))
    [record] = document["referrals"]
    answers = {item["question"]: item["answer"] for item in record["equality_monitoring"]}
    assert answers["Religion"] == "Any other religion: Quaker"
    assert answers["Unpaid carer"] == "Yes" and answers["Sex"] == "Prefer not to say"
    assert answers["Ethnic group"] == "Not answered"
    assert record["target_groups_derived"] == [{"group": "Carers", "how": "Provides unpaid care"}]
    assert record["groups_stated_by_referrer"] == ["Carers"]

    copy = client.post(url, data={"reason": REASON, "format": "print"}).get_data(as_text=True)
    assert "Equality monitoring answers" in copy and "Any other religion: Quaker" in copy


def test_a_person_with_no_answers_has_none_in_the_export(staff, login_as):
    referral = make_referral(ReferralState.SUBMITTED, referrer=staff["referrer"])
    client = login_as(staff["lead"])
    document = client.post(f"/casework/referrals/{referral.id}/subject-access", data={"reason": REASON}).get_json()
    [record] = document["referrals"]
    assert record["equality_monitoring"] is None and record["target_groups_derived"] == []

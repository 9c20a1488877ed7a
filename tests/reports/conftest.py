"""A small, hand-built set of referrals with known answers, made through the real services
at moments in April to July 2026 (clock_at), for the report's measures."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from navigator.models import ConnectionStatus, ContactChannel, ContactOutcome, Referral, ScreeningOccasion
from navigator.reports.service import settings
from navigator.services import referrals as service
from tests.factories import ADULT_BASELINE, clock_at, referral_details

UCLA_5 = {"lack_companionship": "some_of_the_time", "left_out": "hardly_ever_or_never", "isolated": "some_of_the_time"}


@pytest.fixture
def unsuppressed(app, monkeypatch):
    """The report's settings with suppression off (threshold 0), to check measures."""
    monkeypatch.setitem(app.config, "REPORT_SUPPRESS_UP_TO", 0)
    return settings()


def rows(table) -> dict[str, list[str]]:
    """A report table's rows by their first cell."""
    return {row[0]: row[1:] for row in table.all_rows}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Journey:
    """Build one referral's journey, each step at its own moment."""

    staff: dict[str, Any]
    listing_id: uuid.UUID | None = None

    def submit(self, moment: str, *, other_team: bool = False, **changes: Any) -> Referral:
        referrer = self.staff["other_referrer" if other_team else "referrer"]
        with clock_at(at(moment)):
            return service.submit_referral(
                referral_details(referrer.teams[0], **changes), by=referrer, idempotency_key=uuid.uuid4().hex
            )

    def accept(self, referral: Referral, moment: str) -> None:
        with clock_at(at(moment)):
            service.accept_referral(referral.id, by=self.staff["lead"])
            service.allocate_referral(referral.id, self.staff["navigator"].id, by=self.staff["lead"])

    def contact(self, referral: Referral, moment: str, *, reached: bool = True, baseline: bool = True) -> None:
        navigator = self.staff["navigator"]
        with clock_at(at(moment)):
            service.log_contact_attempt(
                referral.id,
                by=navigator,
                at=at(moment),
                channel=ContactChannel.PHONE,
                outcome=ContactOutcome.REACHED if reached else ContactOutcome.NO_ANSWER,
                person_agrees=reached,
            )
            if reached and baseline:
                for code, answers in ADULT_BASELINE.items():
                    service.record_screening(
                        referral.id,
                        by=navigator,
                        instrument_code=code,
                        answers=answers,
                        occasion=ScreeningOccasion.BASELINE,
                    )
                service.start_support(referral.id, by=navigator)

    def attend(self, referral: Referral, moment: str, *, regularly: bool = False) -> None:
        navigator = self.staff["navigator"]
        assert self.listing_id is not None
        with clock_at(at(moment)):
            connection = service.suggest_connection(referral.id, by=navigator, listing_id=self.listing_id)
            connection = service.update_connection(
                connection.id, by=navigator, status=ConnectionStatus.ATTENDED_FIRST_SESSION
            )
            if regularly:
                service.update_connection(connection.id, by=navigator, status=ConnectionStatus.ATTENDING_REGULARLY)

    def review(self, referral: Referral, moment: str, answers: dict[str, dict[str, str]]) -> None:
        with clock_at(at(moment)):
            for code, given in answers.items():
                service.record_screening(
                    referral.id,
                    by=self.staff["navigator"],
                    instrument_code=code,
                    answers=given,
                    occasion=ScreeningOccasion.REVIEW,
                )

    def close(self, referral: Referral, moment: str) -> None:
        with clock_at(at(moment)):
            service.close_referral(
                referral.id,
                by=self.staff["navigator"],
                reason="goals_met",
                summary="Joined a choir.",
                follow_up_not_obtained_reason="declined",
            )


@pytest.fixture
def journey(staff, make_listing) -> Journey:
    listing = make_listing("Clapton lunch club", categories=("lunch-clubs",))
    return Journey(staff, listing.id)


@pytest.fixture
def known(journey: Journey) -> dict[str, Referral]:
    """Five referrals between April and June 2026, with the answers the tests expect:

    - first: team, Mon 13 Apr 09:00; reached Wed 15 Apr (2 working days); baseline UCLA-3 8,
      often/always; first session Mon 20 Apr (7 days), then regularly; 3-month review on
      14 Jul: UCLA-3 5, some of the time; closed 20 Jul.
    - second: team, Fri 22 May; reached Thu 28 May (3 working days: the Spring bank holiday
      on 25 May is skipped); baseline 8; no follow-up (due 28 Aug).
    - third: other team, Tue 14 Apr, rejected (out of area) the next day.
    - fourth: other team, Tue 2 Jun, redirected the next day.
    - fifth: team, Wed 10 Jun, accepted, one unanswered call: not engaged.
    """
    first = journey.submit("2026-04-13T08:00:00")
    journey.accept(first, "2026-04-13T10:00:00")
    journey.contact(first, "2026-04-15T09:00:00")
    journey.attend(first, "2026-04-20T12:00:00", regularly=True)
    journey.review(first, "2026-07-14T10:00:00", {"ucla3": UCLA_5, "ons_direct": {"lonely": "some_of_the_time"}})
    journey.close(first, "2026-07-20T10:00:00")

    second = journey.submit("2026-05-22T08:00:00")
    journey.accept(second, "2026-05-22T10:00:00")
    journey.contact(second, "2026-05-28T09:00:00")

    third = journey.submit("2026-04-14T08:00:00", other_team=True)
    with clock_at(at("2026-04-15T08:00:00")):
        service.reject_referral(third.id, by=journey.staff["lead"], reason="out_of_area")

    fourth = journey.submit("2026-06-02T08:00:00", other_team=True)
    with clock_at(at("2026-06-03T08:00:00")):
        service.redirect_referral(fourth.id, by=journey.staff["lead"], service="Memory clinic", reason="Assessment")

    fifth = journey.submit("2026-06-10T08:00:00")
    journey.accept(fifth, "2026-06-10T10:00:00")
    journey.contact(fifth, "2026-06-11T09:00:00", reached=False)
    return {"first": first, "second": second, "third": third, "fourth": fourth, "fifth": fifth}

"""A year of demo referrals for the outcome and impact pages (issue 9): several hundred
fictional people referred over the last twelve months, taken along the pathway through the
same service functions the pages use, with the clock moved to each step's moment.

Most engaged people have a baseline screen and a 3-month screen (some less lonely, some not,
some lost to follow-up). Deterministic: the same seed gives the same year. Names are fictional;
postcodes are real (the postcode table)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from navigator import clock
from navigator.extensions import db
from navigator.models import (
    Agreement,
    BankHoliday,
    ConnectionStatus,
    ContactChannel,
    ContactOutcome,
    Listing,
    ListingKind,
    Referral,
    ScreeningOccasion,
    User,
)
from navigator.models.geo import Postcode
from navigator.monitoring.answers import answers_from_mapping
from navigator.screening import AdministrationMode
from navigator.seeding.year_answers import baseline_answers, monitoring_answers, moved_answers
from navigator.services import referrals as service
from navigator.services.referrals import NotFound, PersonDetails, ReferralDetails, ReferralError
from navigator.services.referrals.episodes import confirm_same_person
from navigator.services.referrals.unmet_need import UnmetNeedDetails, add_unmet_need
from navigator.working_days import is_working_day

YEAR_REFERRALS = 320
HACKNEY = "E09000012"

NEEDS = ("loneliness", "bereavement", "low_mood", "new_to_area", "carer_strain", "activity_or_hobby", "learn_english")
CHILDREN_S_SOURCES = ("camhs", "cyp_family", "childrens_social_care")
LANGUAGES = ("tr", "bn", "yi", "pl", "es")


@dataclass(order=True)
class _Event:
    at: datetime
    order: int
    label: str = field(compare=False)
    run: Callable[[], object] = field(compare=False)
    case: _Case = field(compare=False)


@dataclass
class _Case:
    """One demo referral being built: its id once submitted, and what happened to it."""

    key: str
    referrer: User | None
    navigator: User | None = None
    referral_id: uuid.UUID | None = None
    baseline: dict[str, dict[str, str]] = field(default_factory=dict)
    mode: AdministrationMode = AdministrationMode.READ_OUT
    proxy: bool = False
    connection_ids: list[uuid.UUID] = field(default_factory=list)
    stopped: bool = False
    person: PersonDetails | None = None
    age: int = 0
    easy_read: bool = False
    # A re-referral: the earlier episode, confirmed as the same person at triage.
    previous: _Case | None = None

    @property
    def rid(self) -> uuid.UUID:
        assert self.referral_id is not None, "a step ran before the referral was submitted"
        return self.referral_id


class DemoYear:
    """Plans every referral of the year as timed steps, then runs them in time order."""

    def __init__(self, users: dict[str, User], *, seed: int = 2026, count: int = YEAR_REFERRALS) -> None:
        self.rng = random.Random(seed)
        self.count = count
        self.now = clock.now()
        self.today = clock.today()
        self.referrers = [u for u in users.values() if u.has_role("referrer") and u.teams]
        self.navigators = [u for u in users.values() if u.has_role("navigator")]
        leads = [u for u in users.values() if u.has_role("team_lead")]
        if not (self.referrers and self.navigators and leads):
            raise ValueError("the demo year needs referrers in teams, navigators and a team lead")
        self.lead = leads[0]
        self.events: list[_Event] = []
        self.order = 0
        rows = db.session.execute(
            select(Postcode.postcode, Postcode.ward_code)
            .where(Postcode.local_authority == HACKNEY)
            .order_by(Postcode.postcode)
        )
        self.ward_of: dict[str, str | None] = {postcode: ward for postcode, ward in rows}
        self.postcodes = list(self.ward_of)
        # Where activities are missing: most unmet need is recorded in these few wards.
        wards = sorted({ward for ward in self.ward_of.values() if ward})
        self.gap_wards = set(self.rng.sample(wards, min(3, len(wards))))
        self.listings = list(
            db.session.scalars(
                select(Listing.id).where(Listing.kind == ListingKind.ACTIVITY).order_by(Listing.name).limit(40)
            )
        )
        self.skipped = 0
        self.holidays = set(db.session.scalars(select(BankHoliday.day)))
        self.words: dict[str, list[str]] = _read_words()

    # -- times -----------------------------------------------------------------------------

    def _moment(self, day: date, earliest: time = time(9, 0), latest: time = time(16, 30)) -> datetime:
        minutes = self.rng.randint(earliest.hour * 60 + earliest.minute, latest.hour * 60 + latest.minute)
        return clock.in_london(day, time(minutes // 60, minutes % 60)).astimezone(UTC)

    def _working_day(self, day: date) -> date:
        while not is_working_day(day, self.holidays):
            day += timedelta(days=1)
        return day

    def _after(self, moment: datetime, days: float) -> datetime:
        day = self._working_day(moment.astimezone(clock.LONDON).date() + timedelta(days=int(days)))
        later = self._moment(day)
        return later if later > moment else moment + timedelta(minutes=30)

    def _add(self, case: _Case, at: datetime, label: str, run: Callable[[], object]) -> datetime | None:
        """A step at `at`, unless that is still to come (the case stops where today is)."""
        if at >= self.now - timedelta(minutes=10):
            return None
        self.order += 1
        self.events.append(_Event(at, self.order, f"{case.key} {label}", run, case))
        return at

    # -- the year ----------------------------------------------------------------------------

    def plan(self) -> None:
        for number in range(self.count):
            days_ago = self.rng.randint(21, 365)
            self._plan_referral(f"year-{number:03d}", self.today - timedelta(days=days_ago))

    def run(self) -> int:
        """Run every step in time order with the clock at its moment; returns referrals made."""
        original = clock.now
        made = 0
        try:
            for event in sorted(self.events):
                if event.case.stopped:
                    continue  # it waits in a queue: nothing more happens to it
                setattr(clock, "now", lambda moment=event.at: moment)  # noqa: B010  (moved on purpose)
                try:
                    event.run()
                except (ReferralError, NotFound) as error:
                    db.session.rollback()
                    raise ValueError(f"demo year, {event.label}: {error!r}") from error
                if event.label.endswith(" submit"):
                    made += 1
        finally:
            setattr(clock, "now", original)  # noqa: B010
        return made

    def _person(self) -> tuple[PersonDetails, int, bool]:
        rng = self.rng
        roll = rng.random()
        age = (
            rng.randint(10, 15)
            if roll < 0.08
            else rng.randint(16, 34)
            if roll < 0.28
            else rng.randint(35, 64)
            if roll < 0.63
            else rng.randint(65, 92)
        )
        born = date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        if born > self.today.replace(year=self.today.year - age):
            born = born.replace(year=born.year - 1)
        interpreter = rng.choice(LANGUAGES) if rng.random() < 0.12 else ""
        easy_read = age >= 16 and rng.random() < 0.04
        person = PersonDetails(
            given_name=rng.choice(self.words["given_names"]),
            family_name=rng.choice(self.words["family_names"]),
            date_of_birth=born if rng.random() > 0.03 else None,
            phone=f"020 7946 {rng.randint(0, 999):04d}",
            postcode=rng.choice(self.postcodes) if self.postcodes else "E8 1DY",
            preferred_contact_method="phone",
            languages=[interpreter or "en"],
            interpreter_needed=bool(interpreter),
            interpreter_language=interpreter,
            communication_needs=["easy_read"] if easy_read else [],
        )
        return person, age, easy_read

    def _plan_referral(self, key: str, day: date, previous: _Case | None = None) -> None:
        rng = self.rng
        self_referral = rng.random() < 0.08
        if previous is not None and previous.person is not None:
            person, age, easy_read = previous.person, previous.age, previous.easy_read
        else:
            person, age, easy_read = self._person()
        # Children's teams refer children; adults' teams (and GPs, and LD services) adults.
        teams_for_age = [u for u in self.referrers if (u.teams[0].source_code in CHILDREN_S_SOURCES) == (age < 16)]
        referrer = None if self_referral else rng.choice(teams_for_age or self.referrers)
        case = _Case(key, referrer, person=person, age=age, easy_read=easy_read, previous=previous)
        if easy_read:
            case.mode = AdministrationMode.EASY_READ
        elif person.interpreter_needed:
            case.mode = AdministrationMode.VIA_INTERPRETER
        else:
            case.mode = rng.choice((AdministrationMode.READ_OUT, AdministrationMode.SELF_COMPLETED))
        case.proxy = age < 16 and rng.random() < 0.2
        submitted = self._moment(day if self_referral else self._working_day(day), time(8, 30), time(18, 0))

        def submit() -> None:
            team = referrer.teams[0] if referrer else None
            details = ReferralDetails(
                person=person,
                source_code=team.source_code if team and team.source_code else "self_referral",
                team_id=team.id if team else None,
                reason=rng.choice(self.words["reasons"]),
                what_matters=rng.choice(self.words["what_matters"]),
                needs=sorted(
                    {*rng.sample(NEEDS, rng.randint(1, 2)), "loneliness"}
                    - (set() if person.interpreter_needed else {"learn_english"})
                ),
                agreement=Agreement.YES,
                agreed_by="person" if age >= 16 else "parent_carer",
                agreement_date=clock.today(),
                agreement_obtained_by=referrer.name if referrer else "",
                information_sharing_agreed=True,
                gillick_competent=None if age >= 16 else True,
                referrer_name=referrer.name if referrer else "",
                referrer_email=referrer.email if referrer else "",
                screening_not_completed_reason="Screened by the navigator at the first conversation",
                monitoring=answers_from_mapping(
                    monitoring_answers(
                        rng,
                        age=age,
                        born=person.date_of_birth,
                        today=clock.today(),
                        language=person.languages[0] if person.languages else "en",
                        source=team.source_code if team and team.source_code else "self_referral",
                    ),
                    born=person.date_of_birth,
                    today=clock.today(),
                ),
            )
            referral = service.submit_referral(details, by=referrer, idempotency_key=f"demo-{key}")
            case.referral_id = referral.id

        if self._add(case, submitted, "submit", submit) is None:
            return
        self._plan_triage(case, submitted, age)

    def _call(self, case: _Case, function: Callable[..., object], **kwargs: Any) -> Callable[[], object]:
        return lambda: function(case.rid, **kwargs)

    def _plan_triage(self, case: _Case, submitted: datetime, age: int) -> None:
        rng, lead = self.rng, self.lead
        decided = self._after(submitted, rng.choice((1, 1, 2)))
        previous = case.previous
        if previous is not None:
            # The triager sees the earlier episode among the possible duplicates and confirms it.
            def link() -> None:
                confirm_same_person(case.rid, by=lead, duplicate_id=previous.rid)

            self._add(case, decided - timedelta(minutes=5), "same person", link)
        roll = rng.random() if previous is None else 0.5
        if roll < 0.07:
            self._add(
                case, decided, "reject", self._call(case, service.reject_referral, by=lead, reason="outside_service")
            )
            return
        if roll < 0.13:
            redirect = self._call(
                case,
                service.redirect_referral,
                by=lead,
                service="Talking Therapies",
                reason="Needs psychological support",
            )
            self._add(case, decided, "redirect", redirect)
            return
        if self._add(case, decided, "accept", self._call(case, service.accept_referral, by=lead)) is None:
            return
        allocated = self._after(decided, rng.choice((0, 1, 2)))

        def allocate() -> None:
            navigator = min(self.navigators, key=lambda n: (service.open_case_count(n.id), n.email))
            if service.open_case_count(navigator.id) >= service.caseload_cap(navigator):
                case.stopped = True  # nobody free: it waits in the unallocated queue
                self.skipped += 1
                return
            case.navigator = navigator
            service.allocate_referral(case.rid, navigator.id, by=lead)

        if self._add(case, allocated, "allocate", allocate) is None:
            return
        self._plan_contact(case, allocated, age)

    def _navigator(self, case: _Case) -> User:
        assert case.navigator is not None
        return case.navigator

    def _plan_contact(self, case: _Case, allocated: datetime, age: int) -> None:
        rng = self.rng
        at = allocated
        failures = rng.choice((0, 0, 0, 1, 1, 2))
        unreachable = rng.random() < 0.1
        for _ in range(3 if unreachable else failures):
            at = self._after(at, rng.choice((1, 2, 3)))
            self._add(case, at, "no answer", self._contact(case, at, ContactOutcome.NO_ANSWER))
        if unreachable:
            return  # the third failed attempt closes it as unable to contact
        at = self._after(at, rng.choice((1, 2)))
        if rng.random() < 0.07:
            self._add(case, at, "declined", self._contact(case, at, ContactOutcome.DECLINED))
            return
        if self._add(case, at, "reached", self._contact(case, at, ContactOutcome.REACHED, agrees=True)) is None:
            return
        self._plan_support(case, self._after(at, rng.choice((2, 3, 5))), age)

    def _contact(
        self, case: _Case, at: datetime, outcome: ContactOutcome, agrees: bool = False
    ) -> Callable[[], object]:
        return lambda: service.log_contact_attempt(
            case.rid,
            by=self._navigator(case),
            at=at,
            channel=ContactChannel.PHONE,
            outcome=outcome,
            person_agrees=agrees,
            interpreter_used=case.mode is AdministrationMode.VIA_INTERPRETER,
        )

    # -- support, screens and closure ---------------------------------------------------------

    def _screens(self, case: _Case, occasion: ScreeningOccasion, change: str | None) -> Callable[[], object]:
        """The episode's baseline set (the service says which fits), answered at baseline or
        moved by `change` (better, same, worse) from the baseline's answers."""

        def run() -> None:
            referral = db.session.get(Referral, case.rid)
            assert referral is not None
            if referral.stated_age_band is None and referral.person.date_of_birth is None:
                service.record_age_band(referral.id, by=self._navigator(case), band=_band_for_demo(self.rng))
            codes = list(service.screening_offer(referral, occasion).instruments)
            if occasion is ScreeningOccasion.BASELINE and self.rng.random() < 0.3 and "ucla3" in codes:
                codes.append("ons4")
            for code in codes:
                if change is None:
                    answers = baseline_answers(code, self.rng)
                    case.baseline[code] = answers
                else:
                    answers = moved_answers(
                        code, case.baseline.get(code) or baseline_answers(code, self.rng), change, self.rng
                    )
                service.record_screening(
                    referral.id,
                    by=self._navigator(case),
                    instrument_code=code,
                    answers=answers,
                    occasion=occasion,
                    mode=case.mode,
                    answered_by="parent_carer" if case.proxy else "person",
                )

        return run

    def _plan_support(self, case: _Case, conversation: datetime, age: int) -> None:
        rng = self.rng
        nav = self._navigator
        if self._add(case, conversation, "baseline", self._screens(case, ScreeningOccasion.BASELINE, None)) is None:
            return
        started = conversation + timedelta(minutes=30)
        if self._add(case, started, "start support", lambda: service.start_support(case.rid, by=nav(case))) is None:
            return
        self._plan_unmet_need(case, started)
        change = rng.choices(("better", "same", "worse"), weights=(60, 25, 15))[0]
        three_months = conversation + timedelta(days=91 + rng.randint(-6, 8))
        roll = rng.random()
        if roll < 0.55:  # screened again at about 3 months, at closure
            end = three_months
        elif roll < 0.75:  # closed early, followed up at 3 months if they agreed
            end = self._after(started, rng.randint(30, 50))
        elif roll < 0.9:  # lost to follow-up
            end = self._after(started, rng.randint(25, 60))
        else:
            end = self._after(started, rng.randint(20, 70))
        goal_at = started + timedelta(minutes=5)
        text = rng.choice(self.words["goals"])
        self._add(case, goal_at, "goal", lambda: service.add_goal(case.rid, by=nav(case), text=text))
        self._plan_connections(case, started, until=end)
        review = self._after(started, 42)
        if review < end - timedelta(days=1):
            progress = "Talked through how the groups are going."
            self._add(
                case,
                review,
                "review",
                lambda: service.record_review(case.rid, by=nav(case), progress=progress, next_review_due=None),
            )
        if roll < 0.55:
            at = self._add(case, end, "closure screens", self._screens(case, ScreeningOccasion.CLOSURE, change))
            if at is not None:
                self._close(case, at + timedelta(minutes=20), rng.choice(("goals_met", "goals_met", "referred_on")))
        elif roll < 0.75:
            at = self._add(case, end, "closure screens", self._screens(case, ScreeningOccasion.CLOSURE, change))
            if at is None:
                return
            agreed = rng.random() < 0.85
            self._close(case, at + timedelta(minutes=20), "goals_met", agreed=agreed)
            if agreed and rng.random() < 0.7:
                later = rng.choices(("better", "same", "worse"), weights=(55, 30, 15))[0]
                follow_up = self._screens(case, ScreeningOccasion.FOLLOW_UP, later)
                self._add(case, three_months, "follow-up screens", follow_up)
        elif roll < 0.9:
            self._close(case, end, "disengaged", not_obtained="unable_to_contact")
        else:
            reason = rng.choice(("moved_away", "declined"))
            self._close(case, end, reason, not_obtained=reason)

    def _close(self, case: _Case, at: datetime, reason: str, *, agreed: bool = False, not_obtained: str = "") -> None:
        def run() -> None:
            service.close_referral(
                case.rid,
                by=self._navigator(case),
                reason=reason,
                summary="Closed with the person's agreement. They know how to get back in touch.",
                contact_again_agreed=agreed,
                follow_up_not_obtained_reason=not_obtained,
            )

        if self._add(case, at, f"close {reason}", run) is None or case.previous is not None:
            return
        again = at + timedelta(days=self.rng.randint(30, 120))
        known = case.person is not None and case.person.date_of_birth is not None  # shown as a possible duplicate
        if known and self.rng.random() < 0.12 and again < self.now - timedelta(days=21):
            # Referred again later: the same person, a new episode.
            self._plan_referral(f"{case.key}-again", again.astimezone(clock.LONDON).date(), previous=case)

    def _plan_unmet_need(self, case: _Case, started: datetime) -> None:
        """Nothing suitable exists: mostly in the gap wards, for language, time of day or cost."""
        person = case.person
        ward = self.ward_of.get(person.postcode) if person else None
        if person is None or ward is None:
            return
        if self.rng.random() >= (0.6 if ward in self.gap_wards else 0.06):
            return
        if person.interpreter_needed:
            constraint, need = "language", "learn_english"
        else:
            constraint = self.rng.choice(("no_activity", "time_of_day", "cost", "too_far", "access"))
            need = self.rng.choice(("loneliness", "activity_or_hobby", "bereavement", "carer_strain"))
        details = UnmetNeedDetails(need=need, ward_code=ward, constraint=constraint)

        def record() -> None:
            add_unmet_need(case.rid, by=self._navigator(case), details=details)

        self._add(case, self._after(started, self.rng.randint(3, 10)), "unmet need", record)

    def _plan_connections(self, case: _Case, started: datetime, *, until: datetime) -> None:
        rng = self.rng
        if not self.listings:
            return
        for number, listing_id in enumerate(rng.sample(self.listings, rng.randint(1, 2))):
            suggested = started + timedelta(minutes=10 + number)

            def suggest(listing_id: uuid.UUID = listing_id) -> None:
                connection = service.suggest_connection(case.rid, by=self._navigator(case), listing_id=listing_id)
                case.connection_ids.append(connection.id)

            if self._add(case, suggested, "suggest", suggest) is None:
                return
            roll = rng.random()
            path = []
            if roll < 0.75:
                path = [ConnectionStatus.CONTACTED, ConnectionStatus.ATTENDED_FIRST_SESSION]
                if roll < 0.45:
                    path.append(ConnectionStatus.ATTENDING_REGULARLY)
            elif roll < 0.9:
                path = [ConnectionStatus.CONTACTED, ConnectionStatus.STOPPED]
            at = suggested
            for status in path:
                at = self._after(at, rng.randint(3, 15))
                if at >= until - timedelta(hours=1):
                    break  # the case closes first

                def move(status: ConnectionStatus = status, number: int = number) -> None:
                    service.update_connection(
                        case.connection_ids[number],
                        by=self._navigator(case),
                        status=status,
                        details_shared_agreed=True,
                        stopped_reason="timing" if status is ConnectionStatus.STOPPED else "",
                    )

                if self._add(case, at, f"connection {status.value}", move) is None:
                    break


def _read_words() -> dict[str, list[str]]:
    from navigator.seeding.files import PEOPLE_DIR, read

    return dict(read(PEOPLE_DIR / "year.yaml"))


def _band_for_demo(rng: random.Random) -> Any:
    from navigator.screening.pairing import AgeBand

    return AgeBand.ADULT if rng.random() < 0.9 else AgeBand.CHILD


def load_demo_year(users: dict[str, User], *, count: int = YEAR_REFERRALS) -> int:
    """Plan and run the year; returns how many referrals it made."""
    year = DemoYear(users, count=count)
    year.plan()
    return year.run()

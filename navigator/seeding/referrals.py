"""The demo referrals written in seed/people/referrals.yaml, each taken to its state through the
real services as timed steps."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from navigator import clock
from navigator.extensions import db
from navigator.geo.postcodes import lookup_postcode
from navigator.models import (
    Agreement,
    BankHoliday,
    ConnectionStatus,
    ContactChannel,
    ContactOutcome,
    GoalStatus,
    Listing,
    Referral,
    ReferralState,
    ScreeningOccasion,
    TaxonomyTerm,
    User,
    Vocabulary,
)
from navigator.monitoring.answers import MonitoringAnswers, MonitoringError, answers_from_mapping
from navigator.screening import DECLINED, AdministrationMode
from navigator.seeding.answers import LONELINESS_ANSWERS, ONS4_ITEMS
from navigator.seeding.files import SeedError, time_of_day
from navigator.services import referrals as service
from navigator.services.referrals import PersonDetails, ReferralDetails
from navigator.vocabularies import AGREED_BY, BARRIERS, COMMUNICATION_NEEDS, CONTACT_METHODS, NEEDS, SUPPORT_NEEDED
from navigator.working_days import is_working_day


@dataclass
class _Step:
    at: datetime
    label: str
    run: Callable[[datetime], object]


SPEC_KEYS = {
    "key",
    "state",
    "submitted_days_ago",
    "submitted_at",
    "referrer",
    "entered_by",
    "source",
    "referrer_details",
    "person",
    "reason",
    "what_matters",
    "needs",
    "target_groups",
    "monitoring",
    "barriers",
    "support_needed",
    "risks",
    "agreement",
    "screening_not_completed_reason",
    "more_info",
    "triage",
    "navigator",
    "self_allocated",
    "contacts",
    "baseline",
    "goals",
    "connections",
    "reviews",
    "notes",
    "closure",
}
PERSON_KEYS = {
    "given_name",
    "family_name",
    "age",
    "birthday",
    "date_of_birth",
    "nhs_number",
    "phone",
    "email",
    "address",
    "postcode",
    "contact",
    "contact_times",
    "languages",
    "interpreter",
    "communication_needs",
}


@dataclass
class ReferralSpec:
    """One demo referral as written in referrals.yaml: its target state and its details."""

    key: str
    state: ReferralState
    data: dict[str, Any]

    @classmethod
    def parse(cls, item: dict[str, Any]) -> ReferralSpec:
        key = str(item.get("key", ""))
        unknown = set(item) - SPEC_KEYS | set(item.get("person", {})) - PERSON_KEYS
        if not key or unknown:
            raise SeedError(f"Referral {key!r}: unknown fields {sorted(unknown)}")
        try:
            state = ReferralState(item["state"])
        except (KeyError, ValueError) as error:
            raise SeedError(f"Referral {key!r}: state must be one of {[s.value for s in ReferralState]}") from error
        return cls(key=key, state=state, data=item)

    def get(self, name: str, default: Any = None) -> Any:
        value = self.data.get(name)
        return default if value is None else value

    def listing_names(self) -> list[str]:
        return [str(connection["listing"]) for connection in self.get("connections", [])]

    @property
    def closure(self) -> dict[str, Any]:
        return dict(self.get("closure", {}))


class _Plan:
    """The timed steps of one demo referral. Each step calls one service function as a demo
    user; the referral's id is known once the first step (submission) has run."""

    def __init__(self, builder: DemoReferrals, spec: ReferralSpec) -> None:
        self.builder, self.spec = builder, spec
        self.steps: list[_Step] = []
        self.goal_ids: list[uuid.UUID] = []
        self.connection_ids: dict[int, uuid.UUID] = {}

    @property
    def referral_id(self) -> uuid.UUID:
        return self.builder.referrals[self.spec.key]

    def add(self, at: datetime, label: str, run: Callable[[datetime], object]) -> datetime:
        self.steps.append(_Step(at, label, run))
        return at

    def call(self, function: Callable[..., object], **kwargs: Any) -> Callable[[datetime], object]:
        """A step calling a referral service function with this referral's id."""
        return lambda at: function(self.referral_id, **kwargs)

    def contact(
        self, by: User, channel: ContactChannel, outcome: ContactOutcome, **kwargs: Any
    ) -> Callable[[datetime], object]:
        return lambda at: service.log_contact_attempt(
            self.referral_id, by=by, at=at, channel=channel, outcome=outcome, **kwargs
        )

    def goal(self, by: User, text: str, target: date) -> Callable[[datetime], object]:
        def run(at: datetime) -> None:
            self.goal_ids.append(service.add_goal(self.referral_id, by=by, text=text, target_date=target).id)

        return run

    def goal_status(self, by: User, number: int, status: GoalStatus) -> Callable[[datetime], object]:
        return lambda at: service.update_goal(self.goal_ids[number], by=by, status=status)

    def suggest(self, by: User, number: int, listing: Listing, note: str) -> Callable[[datetime], object]:
        def run(at: datetime) -> None:
            connection = service.suggest_connection(self.referral_id, by=by, listing_id=listing.id, note=note)
            self.connection_ids[number] = connection.id

        return run

    def move_connection(
        self, by: User, number: int, status: ConnectionStatus, change: dict[str, Any]
    ) -> Callable[[datetime], object]:
        return lambda at: service.update_connection(
            self.connection_ids[number], by=by, status=status, details_shared_agreed=True, **change
        )

    def review(self, by: User, progress: str) -> Callable[[datetime], object]:
        def run(at: datetime) -> None:
            interval = timedelta(days=current_app.config["REVIEW_INTERVAL_DAYS"])
            next_due = at.astimezone(clock.LONDON).date() + interval
            service.record_review(self.referral_id, by=by, progress=progress, next_review_due=next_due)

        return run

    def screen(self, by: User, occasion: ScreeningOccasion, answers: dict[str, Any]) -> Callable[[datetime], object]:
        """The loneliness screen due for this person's age and needs, at the given level."""

        def run(at: datetime) -> None:
            referral = db.session.get(Referral, self.referral_id)
            assert referral is not None
            person = referral.person
            if "easy_read" in person.communication_needs:
                mode = AdministrationMode.EASY_READ
            elif person.interpreter_needed:
                mode = AdministrationMode.VIA_INTERPRETER
            else:
                mode = AdministrationMode.READ_OUT
            level = str(answers.get("loneliness", "high"))
            declined = set(answers.get("declined", []))
            for code in service.baseline_instruments(referral):
                given = {
                    item: DECLINED if item in declined else value
                    for item, value in LONELINESS_ANSWERS[code][level].items()
                }
                service.record_screening(
                    referral.id, by=by, instrument_code=code, answers=given, occasion=occasion, mode=mode
                )
            if answers.get("ons4"):
                wellbeing = {item: str(value) for item, value in zip(ONS4_ITEMS, answers["ons4"], strict=True)}
                service.record_screening(
                    referral.id, by=by, instrument_code="ons4", answers=wellbeing, occasion=occasion, mode=mode
                )

        return run


class DemoReferrals:
    """Plans each demo referral as timed steps through the real services, then checks it."""

    def __init__(self, users: dict[str, User], listings: dict[str, Listing]) -> None:
        self.users = users
        self.listings = listings
        leads = [user for user in users.values() if user.has_role("team_lead")]
        if not leads:
            raise SeedError("staff.yaml needs a team lead to triage the demo referrals")
        self.lead = leads[0]
        self.referrals: dict[str, uuid.UUID] = {}
        self.today = clock.today()  # ages are as of the day the demo is loaded
        self.holidays = set(db.session.scalars(select(BankHoliday.day)))
        self.target_groups = set(
            db.session.scalars(select(TaxonomyTerm.code).where(TaxonomyTerm.vocabulary == Vocabulary.TARGET_GROUP))
        )

    # -- people and times ----------------------------------------------------------------

    def user(self, email: str | None, key: str) -> User:
        user = self.users.get(str(email).lower())
        if user is None:
            raise SeedError(f"Referral {key!r}: no demo account {email!r} in staff.yaml")
        return user

    def after(self, base: datetime, working_days: float, at: str) -> datetime:
        """`working_days` working days after `base`, at `at` London time, never before `base`."""
        day = base.astimezone(clock.LONDON).date()
        remaining = int(working_days)
        while remaining > 0:
            day += timedelta(days=1)
            if is_working_day(day, self.holidays):
                remaining -= 1
        moment = clock.in_london(day, time_of_day(at)).astimezone(UTC)
        return moment if moment > base else base + timedelta(minutes=20)

    def submitted_at(self, spec: ReferralSpec, now: datetime) -> datetime:
        day = now.astimezone(clock.LONDON).date() - timedelta(days=int(spec.get("submitted_days_ago", 0)))
        # Staff refer on working days; residents refer themselves any day.
        while spec.get("source") != "self_referral" and not is_working_day(day, self.holidays):
            day -= timedelta(days=1)
        moment = clock.in_london(day, time_of_day(spec.get("submitted_at", "10:00"))).astimezone(UTC)
        return min(moment, now - timedelta(minutes=45))

    # -- what the referrer writes ---------------------------------------------------------

    def details(self, spec: ReferralSpec, referrer: User | None, submitted: datetime) -> ReferralDetails:
        person = dict(spec.get("person", {}))
        interpreter = str(person.get("interpreter", ""))
        today = submitted.astimezone(clock.LONDON).date()
        if person.get("postcode") and lookup_postcode(str(person["postcode"])) is None:
            raise SeedError(f"Referral {spec.key!r}: postcode {person['postcode']!r} is not in the postcode table")
        people = PersonDetails(
            given_name=str(person["given_name"]),
            family_name=str(person["family_name"]),
            date_of_birth=_date_of_birth(person, self.today),
            nhs_number=str(person.get("nhs_number", "")),
            phone=str(person.get("phone", "")),
            email=str(person.get("email", "")),
            address=str(person.get("address", "")),
            postcode=str(person.get("postcode", "")),
            preferred_contact_method=str(person.get("contact", "phone")),
            preferred_contact_times=str(person.get("contact_times", "")),
            languages=list(person.get("languages") or [interpreter or "en"]),
            interpreter_needed=bool(interpreter),
            interpreter_language=interpreter,
            communication_needs=list(person.get("communication_needs", [])),
        )
        team = referrer.teams[0] if referrer and referrer.teams and not spec.get("entered_by") else None
        source = spec.get("source") or (team.source_code if team else None)
        if source is None:
            raise SeedError(f"Referral {spec.key!r}: say which source it comes from")
        risks = dict(spec.get("risks", {}))
        agreement = dict(spec.get("agreement", {}))
        on_behalf = dict(spec.get("referrer_details", {}))
        by_name = on_behalf.get("name", referrer.name if referrer and not spec.get("entered_by") else "")
        details = ReferralDetails(
            person=people,
            source_code=source,
            team_id=team.id if team else None,
            reason=str(spec.get("reason", "")).strip(),
            what_matters=str(spec.get("what_matters", "")).strip(),
            needs=list(spec.get("needs", [])),
            target_groups=list(spec.get("target_groups", [])),
            barriers=list(spec.get("barriers", [])),
            support_needed=list(spec.get("support_needed", [])),
            safeguarding_concern=bool(risks.get("safeguarding", False)),
            safeguarding_reference=str(risks.get("safeguarding_reference", "")),
            lone_working_risk=bool(risks.get("lone_working", False)),
            risk_to_self_or_others=bool(risks.get("risk_to_self_or_others", False)),
            risk_detail=str(risks.get("detail", "")).strip(),
            agreement=Agreement(agreement.get("agreement", "yes")),
            agreed_by=str(agreement.get("agreed_by", "person")),
            agreement_date=today if agreement.get("agreement", "yes") == "yes" else None,
            agreement_obtained_by=by_name if agreement.get("agreement", "yes") == "yes" else "",
            information_sharing_agreed=bool(agreement.get("information_sharing", True)),
            gillick_competent=agreement.get("gillick_competent"),
            referrer_name=by_name,
            referrer_role=on_behalf.get("role", referrer.job_title if referrer and not spec.get("entered_by") else ""),
            referrer_phone=on_behalf.get("phone", referrer.phone if referrer and not spec.get("entered_by") else ""),
            referrer_email=on_behalf.get("email", referrer.email if referrer and not spec.get("entered_by") else ""),
            entered_by_proxy=bool(spec.get("entered_by")),
            screening_not_completed_reason=str(spec.get("screening_not_completed_reason", "")),
            monitoring=self.monitoring(spec, people.date_of_birth, today),
        )
        self._check_codes(spec, details)
        return details

    def monitoring(self, spec: ReferralSpec, born: date | None, today: date) -> MonitoringAnswers | None:
        """The person's equality monitoring answers, checked against the lists."""
        try:
            return answers_from_mapping(dict(spec.get("monitoring", {})), born=born, today=today)
        except MonitoringError as error:
            raise SeedError(f"Referral {spec.key!r}: monitoring answers not on the lists: {error}") from error

    def _check_codes(self, spec: ReferralSpec, details: ReferralDetails) -> None:
        lists = [
            ("needs", details.needs, set(NEEDS)),
            ("barriers", details.barriers, set(BARRIERS)),
            ("support_needed", details.support_needed, set(SUPPORT_NEEDED)),
            ("communication_needs", details.person.communication_needs, set(COMMUNICATION_NEEDS)),
            ("target_groups", details.target_groups, self.target_groups),
        ]
        for name, values, known in lists:
            if set(values) - known:
                raise SeedError(f"Referral {spec.key!r}: unknown {name} {sorted(set(values) - known)}")
        if details.agreed_by not in AGREED_BY or details.person.preferred_contact_method not in CONTACT_METHODS:
            raise SeedError(f"Referral {spec.key!r}: unknown agreed_by or contact method")

    # -- the plan -------------------------------------------------------------------------

    def plan(self, spec: ReferralSpec, now: datetime) -> list[_Step]:
        """Timed steps that take the referral to its target state along the usual path."""
        plan = _Plan(self, spec)
        state, key, lead = spec.state, spec.key, self.lead
        referrer = self.user(spec.get("referrer"), key) if spec.get("referrer") else None
        entered_by = self.user(spec.get("entered_by"), key) if spec.get("entered_by") else None

        def submit(at: datetime) -> None:
            details = self.details(spec, referrer, at)
            referral = service.submit_referral(details, by=entered_by or referrer, idempotency_key=f"demo-{key}")
            self.referrals[key] = referral.id

        cursor = plan.add(self.submitted_at(spec, now), "submit", submit)
        more_info = dict(spec.get("more_info", {}))
        if more_info:
            cursor = plan.add(
                self.after(cursor, 1, "11:15"),
                "ask for more information",
                plan.call(service.request_more_information, by=lead, question=str(more_info["question"]).strip()),
            )
            if more_info.get("answer"):
                cursor = plan.add(
                    self.after(cursor, 2, "15:40"),
                    "answer",
                    plan.call(
                        service.answer_more_information, by=referrer or lead, answer=str(more_info["answer"]).strip()
                    ),
                )
        if state in (ReferralState.SUBMITTED, ReferralState.MORE_INFO_REQUESTED):
            return self._fit(plan.steps, now)

        triage = dict(spec.get("triage", {}))
        triage_at = self.after(cursor, float(triage.get("after", 1)), str(triage.get("at", "10:30")))
        note = str(triage.get("note", "")).strip()
        if state is ReferralState.REJECTED:
            reject = plan.call(service.reject_referral, by=lead, reason=str(triage["reject"]), note=note)
            plan.add(triage_at, "reject", reject)
            return self._fit(plan.steps, now)
        if state is ReferralState.REDIRECTED:
            redirect = plan.call(service.redirect_referral, by=lead, service=str(triage["redirect"]), reason=note)
            plan.add(triage_at, "redirect", redirect)
            return self._fit(plan.steps, now)
        cursor = plan.add(triage_at, "accept", plan.call(service.accept_referral, by=lead, note=note))
        if state is ReferralState.ACCEPTED:
            return self._fit(plan.steps, now)

        navigator = self.user(spec.get("navigator"), key)
        allocate = plan.call(
            lambda referral_id, **kwargs: service.allocate_referral(referral_id, navigator.id, **kwargs),
            by=navigator if spec.get("self_allocated") else lead,
        )
        cursor = plan.add(self.after(cursor, float(triage.get("allocate_after", 1)), "14:05"), "allocate", allocate)
        for number, text in enumerate(spec.get("notes", [])):
            note_step = plan.call(service.add_case_note, by=navigator, text=str(text).strip())
            plan.add(self.after(cursor, 2 * number + 1, "16:45"), "case note", note_step)
        if state is ReferralState.ALLOCATED:
            return self._fit(plan.steps, now)

        closure = spec.closure
        closed_at_contact = state is ReferralState.CLOSED and (
            closure.get("reason") == "unable_to_contact"
            or (closure.get("reason") == "declined" and closure.get("from", "allocated") != "engaged")
        )
        contacts = [dict(attempt) for attempt in spec.get("contacts", [])]
        if not contacts and state is ReferralState.CONTACTING:
            contacts = [{"outcome": "no_answer"}]
        if not contacts and closure.get("reason") == "unable_to_contact":
            contacts = [
                {"outcome": "no_answer"},
                {"outcome": "voicemail", "at": "17:20"},
                {"outcome": "no_answer", "channel": "letter", "note": "Letter sent asking them to call us."},
            ]
        if closed_at_contact and closure.get("reason") == "declined":
            contacts.append({"outcome": "declined", "note": closure.get("summary", "")})
        interpreter_needed = bool(dict(spec.get("person", {})).get("interpreter"))
        times = ["10:15", "16:30", "12:40", "18:05"]
        for number, attempt in enumerate(contacts):
            outcome = ContactOutcome(attempt["outcome"])
            when = self.after(cursor, float(attempt.get("after", 1)), str(attempt.get("at", times[number % 4])))
            cursor = plan.add(
                when,
                f"contact attempt ({outcome.value})",
                plan.contact(
                    navigator,
                    ContactChannel(attempt.get("channel", "phone")),
                    outcome,
                    note=str(attempt.get("note", "")).strip(),
                    interpreter_used=bool(attempt.get("interpreter", interpreter_needed)),
                ),
            )
        if state is ReferralState.CONTACTING or closed_at_contact:
            return self._fit(plan.steps, now)

        baseline = dict(spec.get("baseline", {}))
        reached = plan.contact(
            navigator,
            ContactChannel.PHONE,
            ContactOutcome.REACHED,
            note=str(baseline.get("reached_note", "Spoke to them and they would like to meet.")).strip(),
            interpreter_used=interpreter_needed,
            person_agrees=True,
        )
        cursor = plan.add(self.after(cursor, 1, "11:30"), "reached", reached)
        if state is ReferralState.ENGAGED:
            return self._fit(plan.steps, now)
        if closure.get("from") == "engaged":
            close = plan.call(
                service.close_referral,
                by=navigator,
                reason=str(closure["reason"]),
                summary=str(closure.get("summary", "")).strip(),
            )
            plan.add(self.after(cursor, int(closure.get("after", 8)), "15:30"), "close", close)
            return self._fit(plan.steps, now)

        conversation = self.after(cursor, float(baseline.get("after", 3)), str(baseline.get("at", "10:00")))
        plan.add(conversation, "baseline screen", plan.screen(navigator, ScreeningOccasion.BASELINE, baseline))
        last = plan.add(
            conversation + timedelta(minutes=25), "start support", plan.call(service.start_support, by=navigator)
        )
        for number, item in enumerate(spec.get("goals", [])):
            goal = {"text": item} if isinstance(item, str) else dict(item)
            target = (conversation + timedelta(weeks=int(goal.get("weeks", 8)))).astimezone(clock.LONDON).date()
            last = max(
                last,
                plan.add(
                    conversation + timedelta(minutes=30 + number),
                    "goal",
                    plan.goal(navigator, str(goal["text"]).strip(), target),
                ),
            )
            if goal.get("status", "not_started") != "not_started":
                last = max(
                    last,
                    plan.add(
                        self.after(conversation, int(goal.get("updated_after", 10)), "11:10"),
                        "goal status",
                        plan.goal_status(navigator, number, GoalStatus(goal["status"])),
                    ),
                )
        for number, connection in enumerate(spec.get("connections", [])):
            last = max(last, self._plan_connection(plan, navigator, conversation, number, dict(connection)))
        for number, progress in enumerate(spec.get("reviews", [])):
            when = self.after(conversation, 15 * (number + 1), "14:20")
            last = max(last, plan.add(when, "review", plan.review(navigator, str(progress).strip())))
        if state is ReferralState.IN_SUPPORT:
            return self._fit(plan.steps, now)

        closing = self.after(last, int(closure.get("after", 2)), "15:00")
        if closure.get("loneliness"):
            closure_screen = plan.screen(navigator, ScreeningOccasion.CLOSURE, closure)
            plan.add(closing - timedelta(minutes=20), "closure screen", closure_screen)
        close = plan.call(
            service.close_referral,
            by=navigator,
            reason=str(closure["reason"]),
            summary=str(closure.get("summary", "")).strip(),
            contact_again_agreed=bool(closure.get("follow_up_agreed")),
            follow_up_not_obtained_reason=str(closure.get("follow_up_not_obtained", "")),
        )
        plan.add(closing, "close", close)
        return self._fit(plan.steps, now)

    def _plan_connection(
        self, plan: _Plan, navigator: User, conversation: datetime, number: int, connection: dict[str, Any]
    ) -> datetime:
        """Suggest a listing at the first conversation, then move it along to its status."""
        listing = self.listings[str(connection["listing"])]
        last = plan.add(
            conversation + timedelta(minutes=40 + number),
            "suggest connection",
            plan.suggest(navigator, number, listing, str(connection.get("note", "")).strip()),
        )
        target = ConnectionStatus(connection.get("status", "suggested"))
        moves = [ConnectionStatus.CONTACTED, ConnectionStatus.ATTENDED_FIRST_SESSION]
        path = {
            ConnectionStatus.SUGGESTED: [],
            ConnectionStatus.CONTACTED: moves[:1],
            ConnectionStatus.ATTENDED_FIRST_SESSION: moves,
            ConnectionStatus.ATTENDING_REGULARLY: [*moves, ConnectionStatus.ATTENDING_REGULARLY],
            ConnectionStatus.STOPPED: [*moves[: int(connection.get("stopped_after", 2))], ConnectionStatus.STOPPED],
        }[target]
        # Working days after the first conversation at which each move usually happens.
        days = {
            ConnectionStatus.CONTACTED: 2 + number,
            ConnectionStatus.ATTENDED_FIRST_SESSION: 6 + 2 * number,
            ConnectionStatus.ATTENDING_REGULARLY: 22 + 2 * number,
        }
        for status in path:
            when = self.after(conversation, days[status], "13:15") if status in days else self.after(last, 4, "16:10")
            change = {
                "buddy_went": bool(connection.get("buddy_went", False)),
                "other_support": str(connection.get("other_support", "")),
                "stopped_reason": str(connection.get("stopped_reason", "")),
                "note": str(connection.get("update", "")).strip() if status is target else "",
            }
            last = plan.add(when, f"connection {status.value}", plan.move_connection(navigator, number, status, change))
        return last

    def _fit(self, steps: list[_Step], now: datetime) -> list[_Step]:
        """Squeeze a plan that would run past now into the time since submission."""
        limit = now - timedelta(minutes=15)
        start, end = steps[0].at, max(step.at for step in steps)
        if end > limit:
            ratio = (limit - start) / (end - start)
            for step in steps[1:]:
                step.at = start + (step.at - start) * ratio
        steps.sort(key=lambda step: step.at)
        for before, after in itertools.pairwise(steps):
            if after.at <= before.at:
                after.at = before.at + timedelta(seconds=1)
        return steps

    def check(self, spec: ReferralSpec) -> None:
        referral = db.session.get(Referral, self.referrals[spec.key])
        if referral is None or referral.state is not spec.state:
            got = referral.state.value if referral else "missing"
            raise SeedError(f"Referral {spec.key!r} ended {got}, not {spec.state.value}: check its steps")


def _date_of_birth(person: dict[str, Any], today: date) -> date | None:
    """A fixed date, or an age and birthday ("MM-DD") so the demo people never grow up."""
    if person.get("date_of_birth"):
        return date.fromisoformat(str(person["date_of_birth"]))
    if person.get("age") is None:
        return None
    month, day = (int(part) for part in str(person.get("birthday", "06-15")).split("-"))
    born = date(today.year - int(person["age"]), month, day)
    return born if (month, day) <= (today.month, today.day) else born.replace(year=born.year - 1)

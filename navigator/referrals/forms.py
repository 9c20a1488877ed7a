"""Referral forms: staff referrals (a referrer for their team, or a navigator entering one
by proxy) and the public self-referral.

Rules that depend on other answers (safeguarding, age, the chosen contact method) live in
each form's `validate`, so they can be switched off together: with a safeguarding concern
ticked, only what identifies the person is required (domain.md 6.9).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError

from navigator.forms import (
    DateInputField,
    at_most,
    choices,
    email_address,
    known_postcode,
    nhs_number,
    strip_whitespace,
    uk_phone,
)
from navigator.geo.postcodes import PostcodeError, normalise_postcode
from navigator.models import Agreement
from navigator.models.referrals import AGREEMENT_LABELS
from navigator.monitoring.forms import MonitoringQuestions, add_monitoring_fields
from navigator.referrals.form_helpers import (
    IDEMPOTENCY_KEY,
    OLDEST_AGE,
    SELF_REFERRAL_CONTACT_METHODS,
    YES_NO,
    add_error,
    age_on,
    blank,
    check_preferred_method,
    new_idempotency_key,
    person_details,
)
from navigator.referrals.screening_fields import MODE_LABELS, ScreeningAtReferral, screening_fields
from navigator.screening import STANDARD_MODES, AdministrationMode
from navigator.screening.instruments import ADULT_AGE
from navigator.services.referrals import ReferralDetails
from navigator.vocabularies import AGREED_BY, BARRIERS, COMMUNICATION_NEEDS, CONTACT_METHODS, NEEDS, SUPPORT_NEEDED

# -- staff referral -------------------------------------------------------------


class StaffReferralForm(ScreeningAtReferral, MonitoringQuestions, FlaskForm):
    """A referral made by a referrer for their team, or entered by proxy by the navigation team."""

    idempotency_key = HiddenField()

    # Who is referring. Choices are set by the view: a referrer's own teams; for proxy
    # entry, every referral source and every team.
    team = SelectField("Team", validators=[Optional()], invalid_choice_message="Choose a team from the list")
    source = SelectField(
        "Where the referral comes from",
        validators=[Optional()],
        invalid_choice_message="Choose where the referral comes from",
    )
    referrer_name = StringField("Referrer's name", filters=[strip_whitespace], validators=[at_most(120)])
    referrer_role = StringField("Job title or role (optional)", filters=[strip_whitespace], validators=[at_most(120)])
    referrer_phone = StringField("Phone number", filters=[strip_whitespace], validators=[at_most(40), uk_phone])
    referrer_email = StringField("Email address", filters=[strip_whitespace], validators=[at_most(254), email_address])

    # The person.
    given_name = StringField("First name", filters=[strip_whitespace], validators=[at_most(100)])
    family_name = StringField("Last name", filters=[strip_whitespace], validators=[at_most(100)])
    date_of_birth = DateInputField("Date of birth")
    nhs_number = StringField("NHS number (optional)", filters=[strip_whitespace], validators=[at_most(20), nhs_number])
    address = TextAreaField("Address", filters=[strip_whitespace], validators=[at_most(500)])
    postcode = StringField("Postcode", filters=[strip_whitespace], validators=[at_most(20)])
    phone = StringField("Phone number", filters=[strip_whitespace], validators=[at_most(40), uk_phone])
    email = StringField("Email address", filters=[strip_whitespace], validators=[at_most(254), email_address])
    preferred_contact_method = RadioField(
        "How does the person prefer to be contacted? (optional)",
        choices=choices(CONTACT_METHODS.items()),
        validators=[Optional()],
        invalid_choice_message="Choose how the person prefers to be contacted",
    )
    preferred_contact_times = StringField(
        "Best days or times to contact them (optional)", filters=[strip_whitespace], validators=[at_most(200)]
    )
    languages = SelectMultipleField("Languages the person speaks (optional)")
    interpreter_needed = RadioField(
        "Does the person need an interpreter?",
        choices=YES_NO,
        validators=[Optional()],
        invalid_choice_message="Say whether the person needs an interpreter",
    )
    interpreter_language = SelectField(
        "Language for the interpreter", validators=[Optional()], invalid_choice_message="Choose a language"
    )
    communication_needs = SelectMultipleField(
        "Communication needs (optional)", choices=choices(COMMUNICATION_NEEDS.items())
    )

    # Why they are referred. (Target groups are derived from the monitoring answers, never ticked.)
    reason = TextAreaField("Reason for referral", filters=[strip_whitespace], validators=[at_most(5000)])
    what_matters = TextAreaField(
        "What matters to the person (optional)", filters=[strip_whitespace], validators=[at_most(5000)]
    )
    needs = SelectMultipleField("What would the person like help with?", choices=choices(NEEDS.items()))
    barriers = SelectMultipleField(
        "What makes it hard for them to take part? (optional)", choices=choices(BARRIERS.items())
    )
    support_needed = SelectMultipleField(
        "Support they may need to get started (optional)", choices=choices(SUPPORT_NEEDED.items())
    )

    # Risks and safeguarding.
    safeguarding_concern = BooleanField("There is a safeguarding concern")
    safeguarding_reference = StringField(
        "Safeguarding referral reference (optional)", filters=[strip_whitespace], validators=[at_most(60)]
    )
    lone_working_risk = BooleanField("Lone-working risk (for example, do not visit alone)")
    risk_to_self_or_others = BooleanField("Risk to self or others")
    risk_detail = TextAreaField("Details of the risks", filters=[strip_whitespace], validators=[at_most(5000)])

    # Agreement (domain.md 2.1, 6.1): "Person agrees to referral", not "GDPR consent".
    agreement = RadioField(
        "Does the person agree to the referral?",
        choices=choices((member.value, AGREEMENT_LABELS[member]) for member in Agreement),
        validators=[Optional()],
        invalid_choice_message="Say whether the person agrees to the referral",
    )
    agreed_by = RadioField(
        "Who agreed?",
        choices=choices(AGREED_BY.items()),
        validators=[Optional()],
        invalid_choice_message="Say who agreed",
    )
    agreement_date = DateInputField("Date they agreed")
    agreement_obtained_by = StringField(
        "Name of the person who asked them", filters=[strip_whitespace], validators=[at_most(120)]
    )
    information_sharing_agreed = BooleanField("They agree to their information being shared with the navigation team")
    gillick_competent = RadioField(
        "If the person is under 16: were they judged competent to agree for themselves (Gillick competence)?",
        choices=YES_NO,
        validators=[Optional()],
        invalid_choice_message="Say whether the young person was judged competent to agree",
    )

    # Loneliness screening at referral: the question fields are added below, then these.
    screening_mode = RadioField(
        "How were the questions asked?",
        choices=choices((mode.value, MODE_LABELS[mode]) for mode in STANDARD_MODES),
        validators=[Optional()],
        invalid_choice_message="Choose how the questions were asked",
    )
    screening_not_completed: BooleanField
    screening_not_completed_reason: TextAreaField

    def setup(
        self,
        *,
        proxy: bool,
        teams: Sequence[tuple[str, str, str | None]],
        sources: Sequence[tuple[str, str]],
        languages: Sequence[tuple[str, str]],
        today: date,
    ) -> None:
        """Choices and context from the view. `teams` are (id, name, source code)."""
        self.proxy = proxy
        self.today = today
        self.team_sources = {team_id: source for team_id, _, source in teams}
        team_choices = [(team_id, name) for team_id, name, _ in teams]
        if proxy or len(team_choices) != 1:
            first = "No team (for example a GP practice without an account)" if proxy else "Choose your team"
            team_choices.insert(0, ("", first))
        self.team.choices = choices(team_choices)
        self.source.choices = choices([("", "Choose where the referral comes from"), *sources])
        self.languages.choices = choices(languages)
        self.interpreter_language.choices = choices([("", "Choose a language"), *languages])
        self.setup_monitoring(languages)
        # A referrer's source comes from their team; ask only if a team has none.
        self.asks_source = proxy or any(source is None for source in self.team_sources.values())

    # -- reading the answers --

    @property
    def safeguarding(self) -> bool:
        return bool(self.safeguarding_concern.data)

    @property
    def age(self) -> int | None:
        born = self.date_of_birth.data
        return age_on(born, self.today) if isinstance(born, date) else None

    @property
    def easy_read(self) -> bool:
        return "easy_read" in (self.communication_needs.data or [])

    def source_code(self) -> str:
        team_source = self.team_sources.get(self.team.data or "") or ""
        if self.proxy:
            return self.source.data or team_source
        return team_source or self.source.data or ""

    def key(self) -> str:
        return self.idempotency_key.data or ""

    # -- validation --

    def validate(self, extra_validators: Any = None) -> bool:
        if not IDEMPOTENCY_KEY.match(self.idempotency_key.data or ""):
            self.idempotency_key.data = new_idempotency_key()
        super().validate(extra_validators)
        self._check_who_is_referring()
        self._check_person()
        if not self.safeguarding:
            self._check_required_details()
            self._check_agreement()
            self.check_screening()
        # Monitoring is optional: only answers outside the lists get a message (domain.md 4.2).
        self.check_monitoring(age=self.age, today=self.today)
        return not self.errors

    def _check_who_is_referring(self) -> None:
        if not self.proxy and not self.team.data:
            add_error(self.team, "Choose your team")
        if self.asks_source and not self.source_code():
            add_error(self.source, "Choose where the referral comes from")

    def _check_person(self) -> None:
        """What identifies the person: asked even when safeguarding is ticked."""
        if blank(self.given_name):
            add_error(self.given_name, "Enter the person's first name")
        if blank(self.family_name):
            add_error(self.family_name, "Enter the person's last name")
        born = self.date_of_birth.data
        if isinstance(born, date):
            if born > self.today:
                add_error(self.date_of_birth, "Date of birth must be in the past")
            elif age_on(born, self.today) > OLDEST_AGE:
                add_error(self.date_of_birth, f"Date of birth must be less than {OLDEST_AGE} years ago")
        agreed = self.agreement_date.data
        if isinstance(agreed, date) and agreed > self.today:
            add_error(self.agreement_date, "The date they agreed must be today or in the past")
        self._check_postcode()

    def _check_postcode(self) -> None:
        if not self.postcode.data or self.postcode.errors:
            return
        if self.safeguarding:
            # A postcode outside our area must not stop a safeguarding referral: keep it as typed.
            try:
                self.postcode.data = normalise_postcode(self.postcode.data)
            except PostcodeError as error:
                add_error(self.postcode, str(error))
            return
        try:
            known_postcode(self, self.postcode)
        except ValidationError as error:
            add_error(self.postcode, str(error))

    def _check_required_details(self) -> None:
        if self.date_of_birth.data is None:
            add_error(self.date_of_birth, "Enter the person's date of birth")
        if not (self.phone.data or self.email.data or self.address.data):
            add_error(self.phone, "Enter a phone number, email address or address so a navigator can contact them")
        check_preferred_method(
            self,
            {
                "phone": "Enter a phone number, or choose another way to contact them",
                "email": "Enter an email address, or choose another way to contact them",
                "address": "Enter their address, or choose another way to contact them",
            },
        )
        if self.interpreter_needed.data == "yes" and not self.interpreter_language.data:
            add_error(self.interpreter_language, "Choose the language the interpreter should speak")
        if blank(self.reason):
            add_error(self.reason, "Enter the reason for the referral")
        if not self.needs.data:
            add_error(self.needs, "Choose at least one thing the person would like help with")
        if (self.lone_working_risk.data or self.risk_to_self_or_others.data) and blank(self.risk_detail):
            add_error(self.risk_detail, "Describe the risks so the navigator can plan a safe visit")
        if blank(self.referrer_name):
            add_error(self.referrer_name, "Enter the referrer's name")
        if not (self.referrer_phone.data or self.referrer_email.data):
            add_error(self.referrer_phone, "Enter a phone number or email address for the referrer")

    def _check_agreement(self) -> None:
        agreement = self.agreement.data
        if not agreement:
            add_error(self.agreement, "Say whether the person agrees to the referral")
            return
        if agreement != Agreement.YES.value:
            add_error(
                self.agreement,
                "The person must agree to the referral. If you have a safeguarding concern, tick "
                "“There is a safeguarding concern”",
            )
            return
        if not self.agreed_by.data:
            add_error(self.agreed_by, "Say who agreed")
        if self.agreement_date.data is None:
            add_error(self.agreement_date, "Enter the date they agreed")
        if blank(self.agreement_obtained_by):
            add_error(self.agreement_obtained_by, "Enter the name of the person who asked them")
        age = self.age
        if age is not None and age < ADULT_AGE and self.agreed_by.data == "person":
            if not self.gillick_competent.data:
                add_error(self.gillick_competent, "Say whether the young person was judged competent to agree")
            elif self.gillick_competent.data == "no":
                add_error(
                    self.agreed_by,
                    "A young person not judged competent to agree cannot agree for themselves: "
                    "a parent or carer must agree",
                )

    # -- what the service needs --

    def referral_details(self) -> ReferralDetails:
        age = self.age
        agreement = Agreement(self.agreement.data) if self.agreement.data else Agreement.NOT_OBTAINED_SAFEGUARDING
        asked = agreement is not Agreement.NOT_OBTAINED_SAFEGUARDING
        due = self.due_instruments()
        mode = AdministrationMode.EASY_READ if due == ["easy_read"] else AdministrationMode.READ_OUT
        if mode is not AdministrationMode.EASY_READ and self.screening_mode.data:
            mode = AdministrationMode(self.screening_mode.data)
        not_completed_reason = ""
        if self.screening_not_completed.data:
            not_completed_reason = self.screening_not_completed_reason.data or "No reason given"
        team_id = uuid.UUID(self.team.data) if self.team.data else None
        person = person_details(
            self,
            nhs_number=self.nhs_number.data or "",
            address=self.address.data or "",
            communication_needs=list(self.communication_needs.data or []),
        )
        return ReferralDetails(
            person=person,
            source_code=self.source_code(),
            team_id=team_id,
            reason=self.reason.data or "",
            what_matters=self.what_matters.data or "",
            needs=list(self.needs.data or []),
            monitoring=self.monitoring_answers(),
            barriers=list(self.barriers.data or []),
            support_needed=list(self.support_needed.data or []),
            safeguarding_concern=self.safeguarding,
            safeguarding_reference=self.safeguarding_reference.data or "",
            lone_working_risk=bool(self.lone_working_risk.data),
            risk_to_self_or_others=bool(self.risk_to_self_or_others.data),
            risk_detail=self.risk_detail.data or "",
            agreement=agreement,
            agreed_by=self.agreed_by.data or "person",
            # Nobody was asked when agreement was not obtained: no date or asker to record.
            agreement_date=self.agreement_date.data if asked else None,
            agreement_obtained_by=(self.agreement_obtained_by.data or "") if asked else "",
            information_sharing_agreed=bool(self.information_sharing_agreed.data),
            gillick_competent=(
                {"yes": True, "no": False}.get(self.gillick_competent.data or "")
                if age is not None and age < ADULT_AGE
                else None
            ),
            referrer_name=self.referrer_name.data or "",
            referrer_role=self.referrer_role.data or "",
            referrer_phone=self.referrer_phone.data or "",
            referrer_email=self.referrer_email.data or "",
            entered_by_proxy=self.proxy,
            screenings=self.screening_answers(),
            screening_mode=mode,
            screening_not_completed_reason=not_completed_reason[:300],
        )


# The screening questions come after every other field (and before "not completed"), so
# the error summary lists problems in the order the page shows them.
for _name, _field in screening_fields().items():
    setattr(StaffReferralForm, _name, _field)
StaffReferralForm.screening_not_completed = BooleanField("Screening not completed")  # type: ignore[assignment]
StaffReferralForm.screening_not_completed_reason = TextAreaField(  # type: ignore[assignment]
    "Why was the screening not completed?", filters=[strip_whitespace], validators=[at_most(300)]
)
# "About the person (optional)" comes last, after the screening questions.
add_monitoring_fields(StaffReferralForm, to_person=False)


# -- self-referral --------------------------------------------------------------


class SelfReferralForm(MonitoringQuestions, FlaskForm):
    """A resident asks a navigator to contact them. No account; CSRF on; a honeypot field."""

    idempotency_key = HiddenField()
    given_name = StringField("First name", filters=[strip_whitespace], validators=[at_most(100)])
    family_name = StringField("Last name", filters=[strip_whitespace], validators=[at_most(100)])
    date_of_birth = DateInputField("Date of birth")
    phone = StringField("Phone number", filters=[strip_whitespace], validators=[at_most(40), uk_phone])
    email = StringField("Email address", filters=[strip_whitespace], validators=[at_most(254), email_address])
    preferred_contact_method = RadioField(
        "How would you like us to contact you?",
        choices=choices((code, CONTACT_METHODS[code]) for code in SELF_REFERRAL_CONTACT_METHODS),
        validators=[Optional()],
        invalid_choice_message="Choose how you would like us to contact you",
    )
    preferred_contact_times = StringField(
        "Best days or times to contact you (optional)", filters=[strip_whitespace], validators=[at_most(200)]
    )
    postcode = StringField("Postcode (optional)", filters=[strip_whitespace], validators=[at_most(20), known_postcode])
    languages = SelectMultipleField("Languages you speak (optional)")
    interpreter_needed = RadioField(
        "Would you like an interpreter?",
        choices=YES_NO,
        validators=[Optional()],
        invalid_choice_message="Say whether you would like an interpreter",
    )
    interpreter_language = SelectField(
        "Language for the interpreter", validators=[Optional()], invalid_choice_message="Choose a language"
    )
    what_would_help = TextAreaField("What would help you?", filters=[strip_whitespace], validators=[at_most(5000)])
    what_matters = TextAreaField(
        "What matters to you? (optional)", filters=[strip_whitespace], validators=[at_most(5000)]
    )
    # "About you (optional)" and the agreement are added below, in the order the page shows them.
    agree: BooleanField
    # Honeypot: hidden from people (and screen readers); bots fill it in.
    website = StringField("Leave this field empty")

    def setup(self, *, languages: Sequence[tuple[str, str]], today: date) -> None:
        self.today = today
        self.languages.choices = choices(languages)
        self.interpreter_language.choices = choices([("", "Choose a language"), *languages])
        self.setup_monitoring(languages)

    @property
    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())

    def key(self) -> str:
        return self.idempotency_key.data or ""

    def validate(self, extra_validators: Any = None) -> bool:
        if not IDEMPOTENCY_KEY.match(self.idempotency_key.data or ""):
            self.idempotency_key.data = new_idempotency_key()
        super().validate(extra_validators)
        if blank(self.given_name):
            add_error(self.given_name, "Enter your first name")
        if blank(self.family_name):
            add_error(self.family_name, "Enter your last name")
        born = self.date_of_birth.data
        if isinstance(born, date) and born > self.today:
            add_error(self.date_of_birth, "Date of birth must be in the past")
        if not (self.phone.data or self.email.data):
            add_error(self.phone, "Enter a phone number or email address so a navigator can contact you")
        check_preferred_method(
            self,
            {
                "phone": "Enter your phone number, or choose another way for us to contact you",
                "email": "Enter your email address, or choose another way for us to contact you",
            },
        )
        if self.interpreter_needed.data == "yes" and not self.interpreter_language.data:
            add_error(self.interpreter_language, "Choose the language you would like an interpreter for")
        if blank(self.what_would_help):
            add_error(self.what_would_help, "Tell us what would help you")
        if not self.agree.data:
            add_error(self.agree, "Tick the box to agree to a navigator contacting you")
        born = self.date_of_birth.data
        age = age_on(born, self.today) if isinstance(born, date) and born <= self.today else None
        self.check_monitoring(age=age, today=self.today)
        return not self.errors

    def referral_details(self) -> ReferralDetails:
        return ReferralDetails(
            person=person_details(self),
            source_code="self_referral",
            reason=self.what_would_help.data or "",
            what_matters=self.what_matters.data or "",
            agreement=Agreement.YES,
            agreed_by="person",
            agreement_date=self.today,
            information_sharing_agreed=True,
            monitoring=self.monitoring_answers(),
        )


add_monitoring_fields(SelfReferralForm, to_person=True)
SelfReferralForm.agree = BooleanField(  # type: ignore[assignment]
    "I agree to a navigator contacting me and to my information being shared with the navigation team"
)


class AnswerForm(FlaskForm):
    """The referrer answers the navigation team's question."""

    answer = TextAreaField("Your answer", filters=[strip_whitespace], validators=[at_most(5000)])

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        if blank(self.answer):
            add_error(self.answer, "Enter your answer")
        return not self.errors

"""The equality monitoring questions (domain.md 4.2) and the source answers the strategy's
target groups are derived from (4.1), as data in one place.

Wording follows the GSS harmonised standards as used in Census 2021 where one exists
(sex, gender identity, sexual orientation, ethnic group, religion, long-term conditions,
unpaid care, main language). Every question is optional and has "Prefer not to say",
stored as its own value: a stored `None` means the question was not asked or not answered.
Each question reads two ways: to the person ("What is your sex?") on the self-referral
form, and about them ("What is the person's sex?") on the staff pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PREFER_NOT_TO_SAY = "prefer_not_to_say"
PREFER_NOT_TO_SAY_LABEL = "Prefer not to say"
YES, NO = "yes", "no"
# Main language: any language in the taxonomy's language vocabulary (ISO 639 codes), or this.
ANOTHER_LANGUAGE = "other"
ANOTHER_LANGUAGE_LABEL = "Another language"
ENGLISH = "en"
BRITISH_SIGN_LANGUAGE = "bfi"
# Sexual orientation and gender identity are asked of people aged 16 or over (Census 2021).
ADULT_QUESTIONS_FROM_AGE = 16


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    write_in: bool = False  # the option takes a free-text write-in ("Any other ... background")


@dataclass(frozen=True)
class Question:
    """One optional question. `code` is the column the answer is stored in."""

    code: str
    to_person: str  # "What is your sex?"
    about_person: str  # "What is the person's sex?"
    options: tuple[Option, ...] = ()
    hint: str = ""
    min_age: int | None = None
    on_self_referral: bool = True  # False: a referrer's or navigator's judgement, not asked of the public
    write_in_label: str = ""
    follows: str = ""  # shown as a follow-up to this question (for example the migration status)

    def label(self, to_person: bool) -> str:
        return self.to_person if to_person else self.about_person

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(option.code for option in self.options)

    @property
    def write_in_codes(self) -> frozenset[str]:
        return frozenset(option.code for option in self.options if option.write_in)

    @property
    def has_write_in(self) -> bool:
        return bool(self.write_in_codes)

    def option_label(self, code: str) -> str:
        return next((option.label for option in self.options if option.code == code), code)


def _with_prefer_not_to_say(*options: Option) -> tuple[Option, ...]:
    return (*options, Option(PREFER_NOT_TO_SAY, PREFER_NOT_TO_SAY_LABEL))


YES_NO_OPTIONS = _with_prefer_not_to_say(Option(YES, "Yes"), Option(NO, "No"))


@dataclass(frozen=True)
class EthnicGroup:
    name: str
    options: tuple[Option, ...] = field(default_factory=tuple)


# GSS harmonised ethnic groups for England (Census 2021), in the census's order.
WHITE = EthnicGroup(
    "White",
    (
        Option("white_british", "English, Welsh, Scottish, Northern Irish or British"),
        Option("white_irish", "Irish"),
        Option("white_gypsy_irish_traveller", "Gypsy or Irish Traveller"),
        Option("white_roma", "Roma"),
        Option("white_other", "Any other White background", write_in=True),
    ),
)
ETHNIC_GROUPS = (
    WHITE,
    EthnicGroup(
        "Mixed or Multiple ethnic groups",
        (
            Option("mixed_white_black_caribbean", "White and Black Caribbean"),
            Option("mixed_white_black_african", "White and Black African"),
            Option("mixed_white_asian", "White and Asian"),
            Option("mixed_other", "Any other Mixed or Multiple ethnic background", write_in=True),
        ),
    ),
    EthnicGroup(
        "Asian or Asian British",
        (
            Option("asian_indian", "Indian"),
            Option("asian_pakistani", "Pakistani"),
            Option("asian_bangladeshi", "Bangladeshi"),
            Option("asian_chinese", "Chinese"),
            Option("asian_other", "Any other Asian background", write_in=True),
        ),
    ),
    EthnicGroup(
        "Black, Black British, Caribbean or African",
        (
            Option("black_caribbean", "Caribbean"),
            Option("black_african", "African"),
            Option("black_other", "Any other Black, Black British, or Caribbean background", write_in=True),
        ),
    ),
    EthnicGroup(
        "Other ethnic group",
        (
            Option("other_arab", "Arab"),
            Option("other_any", "Any other ethnic group", write_in=True),
        ),
    ),
)
WHITE_ETHNICITIES = frozenset(option.code for option in WHITE.options)
TRAVELLER_ETHNICITIES = frozenset({"white_gypsy_irish_traveller", "white_roma"})


def _ethnicity_options() -> tuple[Option, ...]:
    # Each option names its group, so one list of radios reads right without JavaScript.
    return _with_prefer_not_to_say(
        *(
            Option(option.code, f"{group.name}: {option.label}", option.write_in)
            for group in ETHNIC_GROUPS
            for option in group.options
        )
    )


TENURE_OWNER = "owner"
TENURE_PRIVATE_RENT = "private_rent"
TENURE_SOCIAL_RENT = "social_rent"

QUESTIONS: tuple[Question, ...] = (
    Question(
        "sex",
        "What is your sex?",
        "What is the person's sex?",
        _with_prefer_not_to_say(Option("female", "Female"), Option("male", "Male")),
        hint="A question about gender identity follows.",
    ),
    Question(
        "gender_identity_same",
        "Is the gender you identify with the same as your sex registered at birth?",
        "Is the gender the person identifies with the same as their sex registered at birth?",
        _with_prefer_not_to_say(Option(YES, "Yes"), Option(NO, "No, write in gender identity", write_in=True)),
        hint="Only for people aged 16 or over.",
        min_age=ADULT_QUESTIONS_FROM_AGE,
        write_in_label="Gender identity (optional)",
    ),
    Question(
        "sexual_orientation",
        "Which of the following best describes your sexual orientation?",
        "Which of the following best describes the person's sexual orientation?",
        _with_prefer_not_to_say(
            Option("straight", "Straight or Heterosexual"),
            Option("gay_lesbian", "Gay or Lesbian"),
            Option("bisexual", "Bisexual"),
            Option("other", "Other sexual orientation, write in", write_in=True),
        ),
        hint="Only for people aged 16 or over.",
        min_age=ADULT_QUESTIONS_FROM_AGE,
        write_in_label="Sexual orientation (optional)",
    ),
    Question(
        "ethnicity",
        "What is your ethnic group?",
        "What is the person's ethnic group?",
        _ethnicity_options(),
        hint="Choose the option that best describes the ethnic group or background.",
        write_in_label="Ethnic group or background (optional)",
    ),
    Question(
        "religion",
        "What is your religion?",
        "What is the person's religion?",
        _with_prefer_not_to_say(
            Option("none", "No religion"),
            Option(
                "christian",
                "Christian (including Church of England, Catholic, Protestant and all other Christian denominations)",
            ),
            Option("buddhist", "Buddhist"),
            Option("hindu", "Hindu"),
            Option("jewish", "Jewish"),
            Option("muslim", "Muslim"),
            Option("sikh", "Sikh"),
            Option("other", "Any other religion, write in", write_in=True),
        ),
        write_in_label="Religion (optional)",
    ),
    Question(
        "long_term_condition",
        "Do you have any physical or mental health conditions or illnesses lasting or expected to last "
        "12 months or more?",
        "Does the person have any physical or mental health conditions or illnesses lasting or expected to last "
        "12 months or more?",
        YES_NO_OPTIONS,
        hint="Including a disability.",
    ),
    Question("lives_alone", "Do you live alone?", "Does the person live alone?", YES_NO_OPTIONS),
    Question(
        "tenure",
        "Do you own or rent your home?",
        "Does the person own or rent their home?",
        _with_prefer_not_to_say(
            Option(TENURE_OWNER, "Owns it (outright or with a mortgage or loan)"),
            Option(TENURE_PRIVATE_RENT, "Rents from a private landlord or letting agency"),
            Option(TENURE_SOCIAL_RENT, "Rents from the council or a housing association"),
            Option("temporary", "Lives in temporary accommodation"),
            Option("other", "Other"),
        ),
    ),
    Question(
        "recently_bereaved",
        "Has someone close to you died in the last 2 years?",
        "Has someone close to the person died in the last 2 years?",
        YES_NO_OPTIONS,
        hint="If you want to, you can say when below.",
    ),
    Question(
        "serious_mental_illness",
        "Have you been diagnosed with a serious mental illness?",
        "Has the person been diagnosed with a serious mental illness?",
        YES_NO_OPTIONS,
        hint="For example schizophrenia, bipolar disorder or another psychosis. Usually known from the referring "
        "service.",
        on_self_referral=False,
    ),
    Question(
        "not_engaging_health_services",
        "Do you not engage with health services?",
        "In your judgement, does the person not engage with health services?",
        YES_NO_OPTIONS,
        hint="For example not registered with a GP, or rarely goes to appointments.",
        on_self_referral=False,
    ),
    Question(
        "migrant",
        "Did you come to live in the UK as a migrant, refugee or asylum seeker?",
        "Did the person come to live in the UK as a migrant, refugee or asylum seeker?",
        YES_NO_OPTIONS,
    ),
    Question(
        "migration_status",
        "If yes, which best describes your situation? (optional)",
        "If yes, which best describes their situation? (optional)",
        _with_prefer_not_to_say(
            Option("refugee", "Refugee or humanitarian protection"),
            Option("asylum_seeker", "Asylum seeker"),
            Option("other_migrant", "Other migrant (for example a work, study or family visa, or settled status)"),
        ),
        follows="migrant",
    ),
    Question(
        "main_language",
        "What is your main language?",
        "What is the person's main language?",
        hint="The language used most at home. Whether an interpreter is needed is asked separately.",
    ),
    Question(
        "unpaid_carer",
        "Do you look after, or give any help or support to, anyone because they have long-term physical or "
        "mental health conditions or illnesses, or problems related to old age?",
        "Does the person look after, or give any help or support to, anyone because they have long-term "
        "physical or mental health conditions or illnesses, or problems related to old age?",
        YES_NO_OPTIONS,
        hint="Do not count anything done as part of paid work.",
    ),
    Question(
        "family_referral",
        "Is this a referral for a family?",
        "Is this a referral for a family?",
        YES_NO_OPTIONS,
        hint="For example a parent and their children, referred together.",
        on_self_referral=False,
    ),
)
QUESTIONS_BY_CODE = {question.code: question for question in QUESTIONS}
# The answers that have a write-in, the column each write-in is stored in.
WRITE_IN_FIELDS = {question.code: f"{question.code}_write_in" for question in QUESTIONS if question.has_write_in}
BEREAVEMENT_DATE = "bereavement_date"
# Every column of an answer set, in the order the questions are asked.
ANSWER_FIELDS: tuple[str, ...] = tuple(
    name
    for question in QUESTIONS
    for name in (
        question.code,
        *([WRITE_IN_FIELDS[question.code]] if question.code in WRITE_IN_FIELDS else []),
        *([BEREAVEMENT_DATE] if question.code == "recently_bereaved" else []),
    )
)
WRITE_IN_MAX = 100

"""Configuration from environment variables, with safe embedded defaults.

Every variable is documented in README.md.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))

DEV_SECRET_KEY = "dev-only-not-secret"
# Not secret: for the demo and tests only. A deployment sets its own and never changes it
# (every person key is a hash made with it: another value splits each person's episodes).
DEV_PERSON_KEY_SECRET = "dev-only-person-key-not-secret"
# Not secret either: `flask reports extract` refuses it in production (navigator/reports/extract.py).
DEV_REPORT_EXTRACT_KEY = "dev-only-extract-key-not-secret"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'navigator.db'}")
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # Keys the pseudonymous person key (models/person_key.py, domain.md 6.8).
    PERSON_KEY_SECRET = os.environ.get("PERSON_KEY_SECRET", DEV_PERSON_KEY_SECRET)
    # Keys the pseudonyms of `flask reports extract`: apart from PERSON_KEY_SECRET, so that an
    # extract cannot be joined back to the keys in the database.
    REPORT_EXTRACT_KEY = os.environ.get("REPORT_EXTRACT_KEY", DEV_REPORT_EXTRACT_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "search-index"))
    GOVUK_FRONTEND_DIR = os.environ.get(
        "GOVUK_FRONTEND_DIR", str(PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk")
    )
    SERVICE_NAME = "Community Navigator"
    RESULTS_PER_PAGE = int(os.environ.get("RESULTS_PER_PAGE", "20"))
    # Distances offered on the search form, in miles.
    DISTANCE_CHOICES = (0.5, 1, 2, 3, 5)
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # tokens last as long as the session: long forms are typed slowly

    # Mail: "console" prints messages to the log; "smtp" sends through SMTP_HOST.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Community Navigator <no-reply@navigator.example.org>")
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "true").lower() == "true"
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
    # Public address used in emailed links (password resets, invitations). Links shown on
    # pages use the address the page was asked for, unless BASE_URL is set.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    BASE_URL_SET = bool(os.environ.get("BASE_URL"))

    # How people reach the team (contact page, confirmations, accessibility statement).
    SERVICE_PHONE = os.environ.get("SERVICE_PHONE", "020 7946 0000")
    SERVICE_EMAIL = os.environ.get("SERVICE_EMAIL", "navigators@navigator.example.org")
    SERVICE_HOURS = os.environ.get("SERVICE_HOURS", "Monday to Friday, 9am to 5pm (not bank holidays)")
    SERVICE_RESPONSE_DAYS = int(os.environ.get("SERVICE_RESPONSE_DAYS", "5"))  # working days to a first call
    SERVICE_OPERATOR = os.environ.get("SERVICE_OPERATOR", "the City and Hackney health and wellbeing partnership")
    ACCESSIBILITY_STATEMENT_DATE = os.environ.get("ACCESSIBILITY_STATEMENT_DATE", "3 December 2026")

    # Referral pathway (local conventions, domain.md 2.3-2.9).
    UNABLE_TO_CONTACT_ATTEMPTS = int(os.environ.get("UNABLE_TO_CONTACT_ATTEMPTS", "3"))
    # Working days a referrer has to answer a triage question before the lead may close it.
    MORE_INFO_ANSWER_DAYS = int(os.environ.get("MORE_INFO_ANSWER_DAYS", "10"))
    NAVIGATOR_SELF_ALLOCATION = os.environ.get("NAVIGATOR_SELF_ALLOCATION", "true").lower() == "true"
    DEFAULT_CASELOAD_CAP = int(os.environ.get("DEFAULT_CASELOAD_CAP", "25"))
    # Rows on each page of the casework lists (team referrals, queues, caseloads, follow-ups).
    CASEWORK_PAGE_SIZE = max(1, int(os.environ.get("CASEWORK_PAGE_SIZE", "25")))
    REVIEW_INTERVAL_DAYS = int(os.environ.get("REVIEW_INTERVAL_DAYS", "42"))
    # The 3-month follow-up screen (domain.md 2.6): months after the baseline, and the days
    # either side of that day in which a later screen counts as the 3-month one.
    FOLLOW_UP_AFTER_MONTHS = int(os.environ.get("FOLLOW_UP_AFTER_MONTHS", "3"))
    FOLLOW_UP_WINDOW_DAYS = int(os.environ.get("FOLLOW_UP_WINDOW_DAYS", "14"))
    # How many referrals the demo seed generates over the last twelve months (navigator/seeding/year.py).
    DEMO_YEAR_REFERRALS = int(os.environ.get("DEMO_YEAR_REFERRALS", "320"))
    # Impact report (domain.md 2.9, 6.8; local conventions). Counts 1..REPORT_SUPPRESS_UP_TO are
    # not shown; {n} in the wording is the threshold plus one ("fewer than 8").
    REPORT_SUPPRESS_UP_TO = max(1, int(os.environ.get("REPORT_SUPPRESS_UP_TO", "7")))
    REPORT_SUPPRESSED_WORDING = os.environ.get("REPORT_SUPPRESSED_WORDING", "fewer than {n}")
    REPORT_HIDDEN_WORDING = os.environ.get("REPORT_HIDDEN_WORDING", "hidden")
    REPORT_TARGET_FIRST_CONTACT_WORKING_DAYS = int(os.environ.get("REPORT_TARGET_FIRST_CONTACT_WORKING_DAYS", "10"))
    REPORT_TARGET_FIRST_ACTIVITY_DAYS = int(os.environ.get("REPORT_TARGET_FIRST_ACTIVITY_DAYS", "42"))
    # Coverage gaps (domain.md 7.3): flag a ward or target group and need where referrals or
    # unmet-need entries over 12 months reach R while matching listings are at most L.
    REPORT_GAP_REFERRALS = int(os.environ.get("REPORT_GAP_REFERRALS", "10"))
    REPORT_GAP_LISTINGS = int(os.environ.get("REPORT_GAP_LISTINGS", "2"))
    # argon2id (time cost, memory in KiB, parallelism): the library's recommended defaults.
    ARGON2_PARAMETERS = (3, 65536, 4)
    # Staff with case access sign in with a second factor (NHS DSPT asks for MFA).
    REQUIRE_TWO_FACTOR = os.environ.get("REQUIRE_TWO_FACTOR", "true").lower() == "true"
    # Listing freshness (domain.md 5.5): ask owners to confirm after ASK_AFTER months, remind
    # REMINDER_WEEKS after that first mail (the last one is marked urgent), rank lower from
    # STALE_AFTER months, hide from the public from HIDE_AFTER months (never deleted).
    FRESHNESS_ASK_AFTER_MONTHS = int(os.environ.get("FRESHNESS_ASK_AFTER_MONTHS", "6"))
    FRESHNESS_REMINDER_WEEKS = tuple(
        int(weeks) for weeks in os.environ.get("FRESHNESS_REMINDER_WEEKS", "2,4").split(",") if weeks.strip()
    )
    FRESHNESS_STALE_AFTER_MONTHS = int(os.environ.get("FRESHNESS_STALE_AFTER_MONTHS", "12"))
    FRESHNESS_HIDE_AFTER_MONTHS = int(os.environ.get("FRESHNESS_HIDE_AFTER_MONTHS", "15"))
    FRESHNESS_LINK_MAX_AGE_DAYS = int(os.environ.get("FRESHNESS_LINK_MAX_AGE_DAYS", "60"))
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", str(60 * 60)))
    INVITATION_MAX_AGE = int(os.environ.get("INVITATION_MAX_AGE", str(7 * 24 * 60 * 60)))

    # Rate limits (flask-limiter). memory:// suits one process; use redis:// for several.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Successful submissions from one address (a library or care home shares one): a form
    # with mistakes does not count, and a refused one keeps what was typed.
    SELF_REFERRAL_RATE_LIMIT = os.environ.get("SELF_REFERRAL_RATE_LIMIT", "10 per hour")
    REGISTRATION_RATE_LIMIT = os.environ.get("REGISTRATION_RATE_LIMIT", "10 per hour")  # organisations register
    # Every post to those public forms, right or wrong: only a robot sends this many.
    PUBLIC_FORM_ATTEMPT_LIMIT = os.environ.get("PUBLIC_FORM_ATTEMPT_LIMIT", "100 per hour")
    SIGN_IN_RATE_LIMIT = os.environ.get("SIGN_IN_RATE_LIMIT", "10 per minute")
    REPORT_PROBLEM_RATE_LIMIT = os.environ.get("REPORT_PROBLEM_RATE_LIMIT", "10 per hour")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    TESTING = False


class TestConfig(Config):
    TESTING = True
    # Tests post forms without tokens; tests/foundation/test_csrf.py turns it back on.
    WTF_CSRF_ENABLED = False
    # Cheap hashing keeps the suite fast; the real parameters are tested in tests/auth.
    ARGON2_PARAMETERS = (1, 1024, 1)
    RATELIMIT_ENABLED = False
    MAIL_BACKEND = "console"
    BASE_URL = "http://localhost"
    SECRET_KEY = "test-secret"
    PERSON_KEY_SECRET = "test-person-key-not-secret"
    REPORT_EXTRACT_KEY = "test-extract-key-not-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # The demo seed's generated year, smaller: tests/test_seed.py loads the full one once.
    DEMO_YEAR_REFERRALS = 40


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True

    def __init__(self) -> None:
        if self.SECRET_KEY == DEV_SECRET_KEY:
            raise RuntimeError("Set SECRET_KEY: the development default must not be used in production.")
        if self.PERSON_KEY_SECRET in ("", DEV_PERSON_KEY_SECRET):
            raise RuntimeError("Set PERSON_KEY_SECRET: the development default must not be used in production.")


def is_production() -> bool:
    """NAVIGATOR_ENV=production: read at call time, so commands see the environment they run in."""
    return os.environ.get("NAVIGATOR_ENV", "development") == "production"


def config_from_environment() -> type[Config] | Config:
    if is_production():
        return ProductionConfig()
    return Config

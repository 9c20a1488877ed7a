"""Fill a demo database with many more referrals in the demo's shape, for the casework benchmark.

    .venv/bin/python bench/casework_data.py --referrals 1000000            # DATABASE_URL, or instance/
    .venv/bin/python bench/casework_data.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/x

The database is first migrated to head and given the demo (`flask db upgrade`, `flask postcodes
import --if-empty`, `flask seed`: run with --no-setup to skip). Then N referrals are added over
the last three years, in the demo's shape (issue 18): about 3 % open, 20-36 open cases per
navigator (fictional navigators are added to the demo's navigation team to hold them), a triage
queue and an unallocated queue of a few hundred at 1,000,000, most of the rest closed, some
rejected or redirected; closed cases with follow-ups due, many with the follow-up screen done.
Each referral gets what the services would have written: its person, the timeline
(referral_events), audit_log rows (create, state_change, update, view), contact attempts,
screenings (scored by the real instruments), goals, connections to demo listings, reviews and
case notes where its state implies them. Referrals are spread over the demo's referring teams
and, past --referrals-per-team, over fictional teams of the same sources (with their referrers).

Rows go in with bulk inserts: SQLAlchemy Core insert() statements run with the driver's
executemany in big batches on SQLite (journal off while loading), COPY on PostgreSQL. The
loaded tables' secondary indexes are dropped during the load and rebuilt after, then ANALYZE.
Everything is fictional; postcodes and wards are real, from the postcode table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import queue
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from navigator.config import DEV_PERSON_KEY_SECRET
from navigator.models.person_key import computed_person_key
from navigator.models.referrals import person_name_key
from navigator.monitoring.questions import ANSWER_FIELDS, PREFER_NOT_TO_SAY, QUESTIONS, YES
from navigator.screening import score
from navigator.screening.instruments import get_instrument
from navigator.seeding import LONELINESS_ANSWERS
from navigator.vocabularies import CLOSURE_REASONS

FOLLOW_UP_AFTER = relativedelta(months=3)
FOLLOW_UP_WINDOW_DAYS = 14

ROOT = Path(__file__).resolve().parent.parent

POSTCODE_FILES = ["seed/data/wards_hackney_city.csv", "seed/data/postcode_districts_uk.csv"]
POSTCODE_FILES.append("seed/data/postcodes_hackney_city.csv")
YEARS = 3
BATCH = 20_000  # referrals per batch (with all their rows)
REFERRER_SOURCES = [
    "adult_social_care",
    "childrens_social_care",
    "mental_health",
    "camhs",
    "cyp_family",
    "ld_services",
    "gp_primary_care",
]
NAVIGATION_TEAM = "City & Hackney Community Navigation Team"


def _words(text: str) -> list[str]:
    return text.split()


# Fictional names from small lists.
GIVEN = _words(
    "Ada Adebayo Aisha Alan Amir Ana Anthony Barbara Bilal Bronwyn Carmen Chidi Daniel Deborah Derek "
    "Dolores Edith Efua Emre Esther Fatima Frank Gareth Gloria Hamid Helen Ibrahim Irene Jacob Janet "
    "Joseph Kemal Kofi Leon Lina Malka Marek Margaret Mehmet Miriam Nadia Nkechi Oluwaseun Patrick "
    "Precious Rahel Rashid Rivka Roy Ruth Sadia Samuel Selin Shanice Stanley Tariq Teresa Valentina "
    "Vincent Winston Yusuf Zofia"
)
FAMILY = _words(
    "Abimbola Ahmed Akhtar Aydin Banerjee Begum Bennett Brown Campbell Clarke Cohen Davies Demir Dubois "
    "Edwards Evans Friedman Goldberg Green Hall Hassan Hughes Hussain Jackson James Kaya Khan Kowalski "
    "Lewis Mensah Miah Morris Nowak Nwachukwu Ogunleye Okafor Owusu Patel Phillips Quinn Rahman Reid "
    "Roberts Rosen Santos Schwartz Shah Silva Smith Taylor Thompson Turner Uddin Walker Ward Weiss White "
    "Williams Wilson Wright Yilmaz"
)
STREETS = [
    "Amhurst Road",
    "Mare Street",
    "Clapton Common",
    "Stamford Hill",
    "Dalston Lane",
    "Kingsland Road",
    "Lower Clapton Road",
    "Homerton High Street",
    "Well Street",
    "Victoria Park Road",
    "Chatsworth Road",
    "Stoke Newington Church Street",
    "Hoxton Street",
    "Pitfield Street",
    "Morning Lane",
    "Northwold Road",
    "Cazenove Road",
    "Brooke Road",
]
REASONS = [
    "Lives alone since a bereavement and rarely goes out.",
    "Recently moved to the area and knows nobody locally.",
    "Caring full time for a parent and has lost touch with friends.",
    "Low mood since leaving work; would like something to do in the week.",
    "Finds it hard to leave the flat after a fall; wants company.",
    "Young person who feels left out at school and spends evenings alone.",
    "Wants to practise English and meet people.",
    "Lost confidence after a hospital stay; family live abroad.",
]
WHAT_MATTERS = [
    "Being useful again.",
    "Getting back to singing.",
    "Somewhere to go on weekdays.",
    "Meeting people who speak my language.",
    "Getting out of the house.",
    "Learning something new.",
]
GOALS = [
    "Go to a group once a week",
    "Feel less on my own in the evenings",
    "Make one new friend",
    "Get out of the house twice a week",
    "Find a volunteering role",
    "Use the bus on my own again",
    "Join an English conversation class",
]
REVIEWS = [
    "Going to the group most weeks; enjoys it.",
    "Missed two sessions while unwell, back now.",
    "Settling in at the activity; wants to try a second one.",
    "Finding travel hard; buddy arranged for the next month.",
]
NOTES = [
    "Prefers calls after 11am.",
    "Daughter is the main contact on weekdays.",
    "Spoke to the referrer about the best time to visit.",
    "Interpreter booked for the next call.",
]
REDIRECTS = [
    "Hackney Council money and benefits advice",
    "Talking Therapies Hackney",
    "Age UK East London befriending",
    "Hackney Carers Centre",
]
REJECTIONS = ["out_of_area", "duplicate", "did_not_agree", "outside_service", "no_answer"]
REJECTION_LABELS = {
    "out_of_area": "Out of area",
    "duplicate": "Duplicate of an open referral",
    "did_not_agree": "The person did not agree",
    "outside_service": "Needs are outside the service",
    "no_answer": "No answer to our question",
}
NEEDS = ["loneliness", "bereavement", "low_mood", "new_to_area", "carer_strain", "activity_or_hobby"]
BARRIERS = ["mobility", "anxiety", "cost", "transport", "language", "caring_responsibilities"]
SUPPORT = ["volunteer_buddy", "travel_support", "reminder_calls", "help_with_cost"]
LANGUAGES = [("tr", True), ("bn", True), ("yi", True), ("pl", True), ("so", False), ("es", False)]

# Share of the N referrals in each queue (a few hundred each at 1,000,000), and of the rest.
TRIAGE_SHARE, MORE_INFO_SHARE, UNALLOCATED_SHARE = 0.0003, 0.0001, 0.0003
OPEN_SHARE = 0.03
OPEN_MIX = [("allocated", 0.15), ("contacting", 0.15), ("engaged", 0.15), ("in_support", 0.55)]
FINAL_MIX = [("rejected", 0.06), ("redirected", 0.04), ("closed", 0.90)]
# How closed cases ended: the path taken and the closure reason.
CLOSED_MIX = [
    (("contact", "unable_to_contact"), 0.18),
    (("contact", "declined"), 0.07),
    (("engaged", "disengaged"), 0.06),
    (("engaged", "moved_away"), 0.02),
    (("engaged", "declined"), 0.02),
    (("support", "goals_met"), 0.42),
    (("support", "referred_on"), 0.09),
    (("support", "disengaged"), 0.09),
    (("support", "moved_away"), 0.03),
    (("support", "deceased"), 0.02),
]
SELF_REFERRAL_SHARE, PROXY_SHARE = 0.07, 0.04
# Equality monitoring: people who answer nothing, questions left unanswered, "Prefer not to say".
ANSWERS_SKIPPED, QUESTION_SKIPPED, PREFER_NOT_TO_SAY_SHARE = 0.15, 0.25, 0.05


def _pick(rng: random.Random, mix: Sequence[tuple[Any, float]]) -> Any:
    roll = rng.random()
    for value, share in mix:
        roll -= share
        if roll < 0:
            return value
    return mix[-1][0]


# -- the database -------------------------------------------------------------------------


class Writer:
    """Bulk inserts for one dialect: values are strings already in the column's stored form."""

    null: str | None = None
    true, false = "1", "0"
    placeholder = "?"

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.raw: Any = engine.raw_connection()
        self.dropped: list[tuple[str, str]] = []

    def ts(self, moment: datetime) -> str:
        return moment.isoformat(" ", "microseconds")

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def scalar(self, sql: str) -> Any:
        cursor = self.raw.cursor()
        cursor.execute(sql)
        row = cursor.fetchone()
        return row[0] if row else None

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self.raw.cursor()
        cursor.execute(sql)
        return list(cursor.fetchall())

    def commit(self) -> None:
        self.raw.commit()

    def wait(self) -> None:
        """Until every row handed over is written (a no-op where inserts are synchronous)."""

    def drop_indexes(self, tables: Iterable[str]) -> None:
        raise NotImplementedError

    def rebuild_indexes(self) -> None:
        cursor = self.raw.cursor()
        for _, sql in self.dropped:
            cursor.execute(sql)
        self.dropped = []
        self.raw.commit()

    def analyze(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.raw.close()


def _insert_sql(table: str, columns: Sequence[str], dialect: sa.Dialect) -> str:
    statement = sa.insert(sa.table(table, *(sa.column(name) for name in columns)))
    return str(statement.compile(dialect=dialect, column_keys=list(columns)))


class SQLiteWriter(Writer):
    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        cursor = self.raw.cursor()
        # A bulk load into a scratch copy: no journal (unless another connection is open, as
        # in the test suite, when the database stays in WAL mode), no fsync, a big page cache.
        with contextlib.suppress(sqlite3.OperationalError):
            cursor.execute("PRAGMA journal_mode = OFF")
        for pragma in (
            "busy_timeout = 10000",
            "synchronous = OFF",
            "cache_size = -3000000",
            "temp_store = MEMORY",
            "foreign_keys = OFF",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        self.statements: dict[str, str] = {}

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        sql = self.statements.get(table)
        if sql is None:
            sql = self.statements[table] = _insert_sql(table, columns, self.engine.dialect)
        self.raw.cursor().executemany(sql, rows)

    def drop_indexes(self, tables: Iterable[str]) -> None:
        names = ",".join(f"'{table}'" for table in tables)
        found = self.rows(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({names})"
        )
        cursor = self.raw.cursor()
        for name, _ in found:
            cursor.execute(f'DROP INDEX "{name}"')
        self.dropped = [(name, sql) for name, sql in found]
        self.raw.commit()

    def analyze(self) -> None:
        cursor = self.raw.cursor()
        cursor.execute("ANALYZE")
        self.raw.commit()
        cursor.execute("PRAGMA journal_mode = WAL")  # as the app runs it


class PostgresWriter(Writer):
    """COPY on a worker thread, so one batch goes into the server while the next is generated
    (two cores: Python on one, the server's backend on the other). During the load the loaded
    tables have no index and no constraint at all (the random uuid primary keys were the slow
    part: each row an insert at a random place in a B-tree larger than shared_buffers); they
    are rebuilt by sorting afterwards and the foreign keys checked once."""

    null = "\\N"
    true, false = "t", "f"
    placeholder = "%s"

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        cursor = self.raw.cursor()
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        # Foreign keys are checked by triggers: the loader writes consistent rows, so skip them
        # (those to the loaded tables are dropped anyway and validated when added back).
        cursor.execute("SET session_replication_role = replica")
        self.raw.commit()
        # One batch ahead at most: (COPY statement, rows as COPY text), or None for a commit.
        self._jobs: queue.Queue[tuple[str, str] | None] = queue.Queue(maxsize=len(TABLES) + 2)
        self._failure: BaseException | None = None
        threading.Thread(target=self._copy_jobs, name="copy", daemon=True).start()

    def _copy_jobs(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if self._failure is not None:
                    continue  # drain what is queued; the main thread raises the failure
                if job is None:
                    self.raw.commit()
                else:
                    statement, text = job
                    with self.raw.cursor().copy(statement) as copy:
                        copy.write(text)
            except BaseException as error:  # handed to the main thread
                self._failure = error
            finally:
                self._jobs.task_done()

    def wait(self) -> None:
        """Until every queued COPY and commit is done; the connection is then the caller's."""
        self._jobs.join()
        if self._failure is not None:
            raise RuntimeError("COPY failed") from self._failure

    def ts(self, moment: datetime) -> str:
        return moment.isoformat(" ", "microseconds") + "+00"

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if self._failure is not None:
            self.wait()
        if not rows:
            return
        # COPY text format: the generated values hold no tab, newline or backslash.
        text = "".join(["\t".join(row) + "\n" for row in rows])
        self._jobs.put((f"COPY {table} ({', '.join(columns)}) FROM STDIN", text))

    def commit(self) -> None:
        self._jobs.put(None)

    def scalar(self, sql: str) -> Any:
        self.wait()
        return super().scalar(sql)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        self.wait()
        return super().rows(sql)

    def drop_indexes(self, tables: Iterable[str]) -> None:
        """Drop the tables' indexes, primary keys, unique constraints and the foreign keys to
        or from them, remembering how to add each back (constraints first, then indexes, then
        foreign keys: what a foreign key refers to needs its unique index)."""
        self.wait()
        names = ",".join(f"'{table}'" for table in tables)
        loaded = (
            "(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE n.nspname = current_schema() AND c.relname IN ({names}))"
        )
        foreign_keys = self.rows(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE contype = 'f' AND (conrelid IN {loaded} OR confrelid IN {loaded}) ORDER BY 1, 2"
        )
        keys = self.rows(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE contype IN ('p', 'u') AND conrelid IN {loaded} ORDER BY 1, contype, 2"
        )
        indexes = self.rows(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            f"WHERE i.schemaname = current_schema() AND i.tablename IN ({names}) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY 1"
        )
        cursor = self.raw.cursor()
        for table, name, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for table, name, _ in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        self.dropped = [(name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {sql}') for table, name, sql in keys]
        self.dropped += indexes
        self.dropped += [
            (name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {sql}') for table, name, sql in foreign_keys
        ]
        self.raw.commit()

    def rebuild_indexes(self) -> None:
        self.wait()
        super().rebuild_indexes()

    def analyze(self) -> None:
        self.wait()
        self.raw.commit()
        connection = self.raw.dbapi_connection
        connection.autocommit = True
        connection.cursor().execute("VACUUM ANALYZE")

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.wait()
        super().close()


# -- what the demo holds ------------------------------------------------------------------


@dataclass
class Staff:
    id: str
    email: str
    name: str
    roles: str


@dataclass
class Demo:
    lead: Staff
    navigators: list[Staff]
    open_load: dict[str, int]
    teams: list[tuple[str, str, list[Staff]]]  # (team id, source code, referrers)
    navigation_team: str
    listings: list[tuple[str, str]]  # (id, name)
    postcodes: list[tuple[str, str]]
    password_hash: str
    references: dict[int, int]


def _staff(writer: Writer, where: str) -> list[Staff]:
    rows = writer.rows(
        "SELECT u.id, u.email, u.name FROM users u JOIN user_roles r ON r.user_id = u.id "
        f"WHERE {where} GROUP BY u.id, u.email, u.name ORDER BY u.email"
    )
    staff = []
    for user_id, email, name in rows:
        roles = writer.rows(f"SELECT role_code FROM user_roles WHERE user_id = '{_hex(user_id)}' ORDER BY role_code")
        staff.append(Staff(_hex(user_id), email, name, ",".join(role for (role,) in roles)))
    return staff


def _hex(value: Any) -> str:
    return value.hex if hasattr(value, "hex") and not isinstance(value, str) else str(value).replace("-", "")


def read_demo(writer: Writer) -> Demo:
    leads = _staff(writer, "r.role_code = 'team_lead'")
    navigators = _staff(writer, "r.role_code = 'navigator'")
    if not leads or not navigators:
        raise SystemExit("No demo team lead or navigators: run `flask seed` on an empty database first")
    loads = writer.rows(
        "SELECT navigator_id, count(*) FROM referrals "
        "WHERE state IN ('allocated', 'contacting', 'engaged', 'in_support') GROUP BY navigator_id"
    )
    teams = []
    for team_id, source in writer.rows(
        "SELECT id, source_code FROM teams WHERE source_code IS NOT NULL AND active ORDER BY name"
    ):
        members = _staff(writer, f"u.id IN (SELECT user_id FROM team_members WHERE team_id = '{_hex(team_id)}')")
        teams.append((_hex(team_id), source, [member for member in members if "referrer" in member.roles.split(",")]))
    navigation = writer.scalar(f"SELECT id FROM teams WHERE name = '{NAVIGATION_TEAM}'")
    listings = [
        (_hex(row[0]), row[1])
        for row in writer.rows("SELECT id, name FROM listings WHERE status = 'published' AND kind = 'activity'")
    ]
    postcodes = [
        (row[0], row[1]) for row in writer.rows("SELECT postcode, ward_code FROM postcodes WHERE ward_code IS NOT NULL")
    ]
    if not postcodes or not listings:
        raise SystemExit("No postcodes or demo listings: run `flask postcodes import` and `flask seed` first")
    references: dict[int, int] = {}
    for (reference,) in writer.rows("SELECT reference FROM referrals"):
        year, number = int(reference[3:7]), int(reference[8:])
        references[year] = max(references.get(year, 0), number)
    return Demo(
        lead=leads[0],
        navigators=navigators,
        open_load={_hex(row[0]): row[1] for row in loads},
        teams=teams,
        navigation_team=_hex(navigation),
        listings=listings,
        postcodes=postcodes,
        password_hash=writer.scalar("SELECT password_hash FROM users WHERE password_hash IS NOT NULL LIMIT 1"),
        references=references,
    )


# -- the load -----------------------------------------------------------------------------

PERSON_COLUMNS = _words(
    "id given_name family_name date_of_birth nhs_number phone email address postcode ward_code "
    "preferred_contact_method preferred_contact_times languages interpreter_needed interpreter_language "
    "communication_needs created_at name_key person_key person_key_source"
)
REFERRAL_COLUMNS = _words(
    "id reference person_id state version idempotency_key source_code team_id referred_by_id "
    "entered_by_proxy referrer_name referrer_role referrer_phone referrer_email reason what_matters needs "
    "target_groups barriers support_needed safeguarding_concern safeguarding_reference lone_working_risk "
    "risk_to_self_or_others risk_detail agreement agreed_by agreement_date agreement_obtained_by "
    "information_sharing_agreed gillick_competent screening_not_completed_reason submitted_at updated_at "
    "navigator_id allocated_at decision_reason decision_note redirected_to more_info_question "
    "closure_reason closure_summary follow_up_due follow_up_not_obtained_reason follow_up_pending next_review_due "
    "previous_referral_id contact_again_agreed stated_age_band"
)
EVENT_COLUMNS = _words("referral_id at by_id from_state to_state summary referrer_note")
AUDIT_COLUMNS = _words(
    "at user_id user_email user_roles action record_type record_id referral_id ip_address old_values new_values reason"
)
CONTACT_COLUMNS = _words("id referral_id at channel outcome interpreter_used note by_id recorded_at")
SCREENING_COLUMNS = _words(
    "id referral_id instrument_code instrument_version scoring_version occasion mode answered_by answers "
    "score band details complete recorded_by_id recorded_at time_point episode_baseline baseline_id comparable "
    "mode_change_reason at_referral proxy age_band"
)
GOAL_COLUMNS = _words("id referral_id text target_date status created_at updated_at")
CONNECTION_COLUMNS = _words(
    "id referral_id listing_id status details_shared_agreed buddy_went other_support stopped_reason note "
    "created_at first_attended_at updated_at"
)
REVIEW_COLUMNS = _words("id referral_id at by_id progress next_review_due")
NOTE_COLUMNS = _words("id referral_id at author_id text corrects_id")
EQUALITY_COLUMNS = ["person_id", *ANSWER_FIELDS, "created_at", "updated_at"]
USER_COLUMNS = _words("id email name job_title phone password_hash active caseload_cap created_at session_token")
TABLES = {
    "people": PERSON_COLUMNS,
    "equality_monitoring": EQUALITY_COLUMNS,
    "referrals": REFERRAL_COLUMNS,
    "referral_events": EVENT_COLUMNS,
    "audit_log": AUDIT_COLUMNS,
    "contact_attempts": CONTACT_COLUMNS,
    "screenings": SCREENING_COLUMNS,
    "goals": GOAL_COLUMNS,
    "connections": CONNECTION_COLUMNS,
    "reviews": REVIEW_COLUMNS,
    "case_notes": NOTE_COLUMNS,
}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass
class ScreenRow:
    instrument: str
    version: str
    scoring_version: str
    answers: str
    score: str | None
    band: str | None
    details: str
    audit_new: dict[str, str] = field(default_factory=dict)


# The demo seed's answers for each loneliness level, and the wellbeing scale's.
LEVEL_ANSWERS: dict[str, dict[str, dict[str, str]]] = {
    **LONELINESS_ANSWERS,
    "ons4": {
        "high": {"life_satisfaction": "4", "worthwhile": "5", "happiness": "4", "anxiety": "7"},
        "medium": {"life_satisfaction": "6", "worthwhile": "6", "happiness": "6", "anxiety": "5"},
        "low": {"life_satisfaction": "8", "worthwhile": "8", "happiness": "7", "anxiety": "2"},
    },
}


def scored_screens() -> dict[tuple[str, str], ScreenRow]:
    """Each instrument at each loneliness level, scored once by the real scoring code."""
    screens = {}
    for code, levels in LEVEL_ANSWERS.items():
        instrument = get_instrument(code)
        for level, answers in levels.items():
            result = score(code, answers)
            details = result.details
            screens[code, level] = ScreenRow(
                instrument=instrument.code,
                version=instrument.version,
                scoring_version=instrument.scoring_version,
                answers=_json(answers),
                score=None if result.score is None else str(result.score),
                band=result.band,
                details=_json(details),
            )
    return screens


class Loader:
    """Generates the rows of N referrals batch by batch and hands them to the writer."""

    def __init__(self, writer: Writer, demo: Demo, *, seed: int, now: datetime, review_screens: float = 0.0) -> None:
        self.w = writer
        # Share of reviews at which the loneliness screen is taken again.
        self.review_screens = review_screens
        self.demo = demo
        self.rng = random.Random(seed)
        # Equality monitoring answers draw from their own stream, so adding them left the rest
        # of the data as it was.
        self.answers_rng = random.Random(f"{seed}:answers")
        self.now = now.replace(microsecond=0, tzinfo=None)  # naive UTC inside the loader
        self.today = self.now.date()
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}
        self.counts: dict[str, int] = dict.fromkeys(TABLES, 0)
        self.screens = scored_screens()
        self.person_key_secret = os.environ.get("PERSON_KEY_SECRET", DEV_PERSON_KEY_SECRET)
        self._ids = ""
        self._id_at = 0
        self.listings = demo.listings

    def start_batch(self, seed: int, number: int) -> None:
        """Each batch its own random streams: the same data whichever process generates it."""
        self.rng = _batch_rng(seed, number)
        self.answers_rng = _batch_rng(seed, number, "answers")

    # ids, times and formatting

    def new_id(self) -> str:
        if self._id_at >= len(self._ids):
            self._ids = os.urandom(16 * 4096).hex()
            self._id_at = 0
        value = self._ids[self._id_at : self._id_at + 32]
        self._id_at += 32
        return value

    @staticmethod
    def dashed(hex_id: str) -> str:
        return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"

    def opt(self, value: str | None) -> str | None:
        return self.w.null if value is None else value

    def bool(self, value: bool) -> str:
        return self.w.true if value else self.w.false

    # the bench's own staff

    def add_staff(self, navigators_needed: int, teams_needed: int, source_names: dict[str, str]) -> None:
        """Fictional navigators in the navigation team, and referring teams of the demo's sources."""
        w, stamp = self.w, self.w.ts(self.now - timedelta(days=YEARS * 366))
        users, roles, members, audit, teams = [], [], [], [], []
        total_navigators = len(self.demo.navigators) + navigators_needed
        for number in range(navigators_needed):
            user_id = self.new_id()
            email = f"navigator.bench{number + 1:04d}@demo.example.org"
            name = f"{GIVEN[number % len(GIVEN)]} {FAMILY[(number * 7) % len(FAMILY)]}"
            users.append(
                (
                    user_id,
                    email,
                    name,
                    "Community navigator",
                    "020 7946 0300",
                    self.demo.password_hash,
                    w.true,
                    "36",
                    stamp,
                    self.new_id(),
                )
            )
            roles.append((user_id, "navigator"))
            members.append((user_id, self.demo.navigation_team))
            audit.append(self._user_audit(stamp, user_id, email, "navigator"))
            self.demo.navigators.append(Staff(user_id, email, name, "navigator"))
        for number in range(teams_needed):
            team_id = self.new_id()
            source = REFERRER_SOURCES[number % len(REFERRER_SOURCES)]
            teams.append(
                (
                    team_id,
                    f"{source_names[source]} – bench team {number + 1:04d}",
                    source,
                    f"bench-team-{number + 1:04d}@demo.example.org",
                    w.true,
                )
            )
            referrers = []
            for k in range(2):
                user_id = self.new_id()
                email = f"referrer.bench{number + 1:04d}.{k + 1}@demo.example.org"
                name = f"{GIVEN[(number + k * 31) % len(GIVEN)]} {FAMILY[(number * 3 + k) % len(FAMILY)]}"
                users.append(
                    (
                        user_id,
                        email,
                        name,
                        "Social worker",
                        "020 7946 0400",
                        self.demo.password_hash,
                        w.true,
                        w.null,
                        stamp,
                        self.new_id(),
                    )
                )
                roles.append((user_id, "referrer"))
                members.append((user_id, team_id))
                audit.append(self._user_audit(stamp, user_id, email, "referrer"))
                referrers.append(Staff(user_id, email, name, "referrer"))
            self.demo.teams.append((team_id, source, referrers))
        w.insert("teams", ["id", "name", "source_code", "email", "active"], teams)
        w.insert("users", USER_COLUMNS, users)
        w.insert("user_roles", ["user_id", "role_code"], roles)
        w.insert("team_members", ["user_id", "team_id"], members)
        w.insert("audit_log", AUDIT_COLUMNS, audit)
        w.commit()
        print(f"  added {navigators_needed} navigators ({total_navigators} in all) and {teams_needed} referring teams")

    def _user_audit(self, stamp: str, user_id: str, email: str, role: str) -> tuple[str, ...]:
        new = _json({"email": email, "roles": [role]})
        return (
            stamp,
            self.w.null,
            "",
            "",
            "create",
            "user",
            self.dashed(user_id),
            self.w.null,
            "",
            "null",
            new,
            "casework benchmark data",
        )

    # one referral

    def monitoring(self, pid: str, age: int, language: str, stamp: str) -> None:
        """Equality monitoring as the forms store it (navigator/monitoring/questions.py): most
        people answer some questions, a few prefer not to say, some skip them all; the
        questions for 16 and over only from 16; a migration status only for migrants."""
        rng, null = self.answers_rng, self.w.null
        if rng.random() < ANSWERS_SKIPPED:
            return
        answers: dict[str, str] = {}
        for question in QUESTIONS:
            if (question.min_age and age < question.min_age) or rng.random() < QUESTION_SKIPPED:
                continue
            if question.follows and answers.get(question.follows) != YES:
                continue
            if question.code == "main_language":
                answers[question.code] = language
            elif rng.random() < PREFER_NOT_TO_SAY_SHARE:
                answers[question.code] = PREFER_NOT_TO_SAY
            else:
                codes = [option.code for option in question.options if option.code != PREFER_NOT_TO_SAY]
                answers[question.code] = codes[rng.randrange(len(codes))]
        self.rows["equality_monitoring"].append(
            (pid, *(answers.get(name, null) for name in ANSWER_FIELDS), stamp, stamp)  # type: ignore[arg-type]
        )

    def audit(
        self,
        at: str,
        by: Staff | None,
        action: str,
        record_type: str,
        record_id: str,
        referral_id: str,
        old: str = "null",
        new: str = "null",
        reason: str = "",
    ) -> None:
        w = self.w
        self.rows["audit_log"].append(
            (
                at,
                by.id if by else w.null,
                by.email if by else "",
                by.roles if by else "",
                action,
                record_type,
                record_id,
                referral_id,
                "127.0.0.1",
                old,
                new,
                reason,
            )
        )

    def event(
        self,
        rid: str,
        dashed: str,
        at: datetime,
        by: Staff | None,
        before: str | None,
        after: str,
        summary: str,
        note: str = "",
        reason: str = "",
    ) -> None:
        stamp = self.w.ts(at)
        self.rows["referral_events"].append(
            (rid, stamp, by.id if by else self.w.null, self.opt(before), after, summary, note)
        )
        if before is not None:
            self.audit(
                stamp,
                by,
                "state_change",
                "referral",
                dashed,
                rid,
                STATE_JSON[before],
                STATE_JSON[after],
                reason or summary,
            )

    def referral(self, reference: str, submitted: datetime, state: str, plan: Any, navigator: Staff | None) -> None:
        rng, w = self.rng, self.w
        rid, pid = self.new_id(), self.new_id()
        dashed = self.dashed(rid)
        lead = self.demo.lead
        # Who refers: a referring team's referrer, a self-referral, or the navigation team by proxy.
        roll = rng.random()
        proxy = False
        if roll < SELF_REFERRAL_SHARE:
            source, team_id, referrer = "self_referral", None, None
        elif roll < SELF_REFERRAL_SHARE + PROXY_SHARE:
            source, team_id, referrer, proxy = "vcs", None, lead, True
        else:
            team_id, source, referrers = self.demo.teams[rng.randrange(len(self.demo.teams))]
            referrer = referrers[rng.randrange(len(referrers))] if referrers else None
        young = source in ("camhs", "childrens_social_care", "cyp_family") and rng.random() < 0.8
        age = rng.randint(10, 17) if young else rng.randint(18, 94)
        born = date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        easy_read = source == "ld_services" and rng.random() < 0.6
        language, interpreter = ("en", False)
        if rng.random() < 0.12:
            language, interpreter = LANGUAGES[rng.randrange(len(LANGUAGES))]
        postcode, ward = self.demo.postcodes[rng.randrange(len(self.demo.postcodes))]
        given, family = GIVEN[rng.randrange(len(GIVEN))], FAMILY[rng.randrange(len(FAMILY))]
        nhs_number = _nhs_number(rng) if rng.random() < 0.4 else None
        # As the model's listener keys a person (models/person_key.py), with the app's secret.
        keyed = computed_person_key(
            self.person_key_secret, nhs_number=nhs_number, given_name=given, family_name=family, date_of_birth=born
        )
        assert keyed is not None  # everyone here has a date of birth
        sub = w.ts(submitted)
        self.rows["people"].append(
            (
                pid,
                given,
                family,
                born.isoformat(),
                nhs_number if nhs_number is not None else w.null,
                f"020 7946 {rng.randrange(10000):04d}",
                "",
                f"{rng.randint(1, 180)} {STREETS[rng.randrange(len(STREETS))]}",
                postcode,
                ward,
                "phone",
                "",
                _json([language] if language == "en" else [language, "en"]),
                self.bool(interpreter),
                language if interpreter else "",
                '["easy_read"]' if easy_read else "[]",
                sub,
                person_name_key(given, family),
                keyed[0],
                keyed[1].value,
            )
        )
        self.monitoring(pid, age, language, sub)
        # Timeline: submitted, then the state's path.
        self.event(rid, dashed, submitted, referrer if not proxy else lead, None, "submitted", "Referral received")
        self.audit(
            sub,
            referrer if not proxy else lead,
            "create",
            "referral",
            dashed,
            rid,
            "null",
            f'{{"reference": "{reference}", "source": "{source}", "proxy": {"true" if proxy else "false"}}}',
        )
        fields: dict[str, str | None] = {}
        cursor = submitted
        version = 1
        by_nav = navigator
        screens_done: list[tuple[str, str]] = []
        # As services/referrals/pairs.py places them: each instrument's first baseline, and
        # the first later screen inside the 3-month window is the 3-month one.
        baselines: dict[str, tuple[str, date]] = {}
        three_month: set[str] = set()
        age_band = "under_10" if age < 10 else "10_15" if age < 16 else "16_plus"

        def step(hours_low: float, hours_high: float) -> datetime:
            nonlocal cursor
            cursor = min(
                cursor + timedelta(seconds=int(3600 * rng.uniform(hours_low, hours_high))),
                self.now - timedelta(minutes=5),
            )
            return cursor

        def move(at: datetime, by: Staff | None, before: str, after: str, summary: str, **kw: str) -> None:
            nonlocal version
            version += 1
            self.event(rid, dashed, at, by, before, after, summary, **kw)

        def contact(at: datetime, outcome: str, channel: str = "phone") -> None:
            cid = self.new_id()
            stamp = w.ts(at)
            self.rows["contact_attempts"].append(
                (cid, rid, stamp, channel, outcome, self.bool(interpreter), "", by_nav.id, stamp)  # type: ignore[union-attr]
            )
            self.audit(
                stamp,
                by_nav,
                "create",
                "contact_attempt",
                self.dashed(cid),
                rid,
                "null",
                f'{{"channel": "{channel}", "outcome": "{outcome}"}}',
            )

        def screen(at: datetime, occasion: str, level: str, by: Staff | None) -> None:
            if age < 16:
                codes = ["cyp_loneliness"]
            elif easy_read:
                codes = ["easy_read"]
            else:
                codes = ["ucla3", "ons_direct"] + (["ons4"] if rng.random() < 0.4 else [])
            mode = "easy-read adaptation" if easy_read else "via interpreter" if interpreter else "read out"
            stamp = w.ts(at)
            day = at.date()
            for code in codes:
                row = self.screens[code, level]
                sid = self.new_id()
                time_point, baseline_id = occasion, None
                if occasion == "baseline":
                    if code not in baselines:
                        baselines[code] = (sid, day)
                else:
                    time_point = "after_closure" if occasion == "follow_up" else occasion
                    base = baselines.get(code)
                    if base is not None:
                        baseline_id = base[0]
                        due = base[1] + FOLLOW_UP_AFTER
                        if code not in three_month and abs((day - due).days) <= FOLLOW_UP_WINDOW_DAYS:
                            time_point = "three_month"
                            three_month.add(code)
                self.rows["screenings"].append(
                    (
                        sid,
                        rid,
                        row.instrument,
                        row.version,
                        row.scoring_version,
                        occasion,
                        mode,
                        "person",
                        row.answers,
                        self.opt(row.score),
                        self.opt(row.band),
                        row.details,
                        w.true,
                        by.id if by else w.null,
                        stamp,
                        time_point,
                        self.bool(occasion == "baseline" and baselines[code][0] == sid),
                        baseline_id or w.null,
                        w.null if baseline_id is None else w.true,
                        "",
                        self.bool(occasion == "baseline" and by is referrer),
                        w.false,
                        age_band,
                    )
                )
                self.audit(
                    stamp,
                    by,
                    "create",
                    "screening",
                    self.dashed(sid),
                    rid,
                    "null",
                    f'{{"instrument": "{code}", "occasion": "{occasion}", "complete": true}}',
                )
                screens_done.append((code, occasion))

        def view(at: datetime, by: Staff) -> None:
            self.audit(w.ts(at), by, "view", "referral", dashed, rid)

        if rng.random() < 0.25:
            screen(submitted, "baseline", "high", referrer)
        if state == "submitted":
            pass
        elif state == "more_info_requested" or plan == "no_answer":
            question = "Has the person agreed to this referral, and which days suit them?"
            view(step(2, 30), lead)
            move(cursor, lead, "submitted", "more_info_requested", "More information requested", note=question)
            fields["more_info_question"] = question
            if plan == "no_answer":
                note = "No answer to our question after 10 working days."
                move(
                    step(240, 400),
                    lead,
                    "more_info_requested",
                    "rejected",
                    "Not accepted",
                    note=f"No answer to our question: {note}",
                    reason=f"No answer to our question: {note}",
                )
                fields["decision_reason"], fields["decision_note"] = "no_answer", note
        elif state == "rejected":
            reason = plan
            note = "Please see the reason given; you are welcome to refer again."
            view(step(2, 40), lead)
            move(
                cursor,
                lead,
                "submitted",
                "rejected",
                "Not accepted",
                note=f"{REJECTION_LABELS[reason]}: {note}",
                reason=f"{REJECTION_LABELS[reason]}: {note}",
            )
            fields["decision_reason"], fields["decision_note"] = reason, note
        elif state == "redirected":
            target = REDIRECTS[rng.randrange(len(REDIRECTS))]
            note = "Their main need is better met there."
            view(step(2, 40), lead)
            move(
                cursor,
                lead,
                "submitted",
                "redirected",
                f"Redirected to {target}",
                note=f"Redirected to {target}: {note}",
                reason=note,
            )
            fields["redirected_to"], fields["decision_note"] = target, note
        else:
            view(step(2, 30), lead)
            move(cursor, lead, "submitted", "accepted", "Accepted at triage")
        if state in ("accepted",) or navigator is None:
            self._finish(
                rid,
                pid,
                reference,
                state,
                version,
                source,
                team_id,
                referrer,
                proxy,
                submitted,
                cursor,
                None,
                fields,
                age,
            )
            return
        # Allocation, by the lead or by the navigator from the queue.
        allocated = step(4, 60)
        allocator = navigator if rng.random() < 0.2 else lead
        move(allocated, allocator, "accepted", "allocated", f"Allocated to {navigator.name}")
        self.audit(
            w.ts(allocated),
            allocator,
            "update",
            "referral",
            dashed,
            rid,
            '{"navigator": null}',
            f'{{"navigator": "{navigator.email}"}}',
        )
        view(step(1, 20), navigator)
        if rng.random() < 0.3:
            nid = self.new_id()
            stamp = w.ts(step(1, 30))
            self.rows["case_notes"].append((nid, rid, stamp, navigator.id, NOTES[rng.randrange(len(NOTES))], w.null))
            self.audit(stamp, navigator, "create", "case_note", self.dashed(nid), rid)
        path, reason = plan if isinstance(plan, tuple) else (None, None)
        if state == "allocated":
            pass
        elif state == "contacting" or path == "contact":
            failures = 3 if reason == "unable_to_contact" else rng.randint(1, 2) if state == "contacting" else 1
            for number in range(failures):
                outcome = "voicemail" if number == 1 else "no_answer"
                contact(step(20, 60), outcome, "letter" if number == 2 else "phone")
                if number == 0:
                    move(cursor, navigator, "allocated", "contacting", "First contact attempt")
            if reason == "unable_to_contact":
                move(
                    cursor, None, "contacting", "closed", "Closed", note="Unable to contact", reason="Unable to contact"
                )
            elif reason == "declined":
                contact(step(20, 60), "declined")
                move(cursor, navigator, "contacting", "closed", "Closed", note="Declined", reason="Declined")
        else:
            if rng.random() < 0.4:
                contact(step(20, 50), "no_answer")
                move(cursor, navigator, "allocated", "contacting", "First contact attempt")
                before = "contacting"
            else:
                before = "allocated"
            contact(step(20, 50), "reached")
            move(cursor, navigator, before, "engaged", "Person reached and agreed to work with a navigator")
            if path == "engaged":
                move(
                    step(100, 400),
                    navigator,
                    "engaged",
                    "closed",
                    "Closed",
                    note=CLOSURE_REASONS[reason],
                    reason=CLOSURE_REASONS[reason],
                )  # type: ignore[index]
            elif state == "in_support" or path == "support":
                self._support(rid, dashed, state, reason, navigator, step, move, screen, view, fields, screens_done)
        if reason:
            fields["closure_reason"] = reason
            fields["closure_summary"] = "" if rng.random() < 0.5 else "Closure summary shared with the referrer."
        self._finish(
            rid,
            pid,
            reference,
            state,
            version,
            source,
            team_id,
            referrer,
            proxy,
            submitted,
            cursor,
            navigator,
            fields,
            age,
            allocated,
        )

    def _support(self, rid, dashed, state, reason, navigator, step, move, screen, view, fields, screens_done):  # type: ignore[no-untyped-def]
        """Baseline, plan, connections and reviews; closure screens and follow-up for closed cases."""
        rng, w = self.rng, self.w
        conversation = step(24, 120)
        if not any(occasion == "baseline" for _, occasion in screens_done):
            screen(conversation, "baseline", "high" if rng.random() < 0.6 else "medium", navigator)
        move(step(0.3, 0.5), navigator, "engaged", "in_support", "Baseline screen recorded; support started")
        for _ in range(rng.randint(1, 3)):
            gid = self.new_id()
            created = step(0.01, 0.05)
            status = "not_started"
            updated = created
            if state == "closed" or rng.random() < 0.5:
                status = "achieved" if reason == "goals_met" or rng.random() < 0.4 else "in_progress"
                updated = created + timedelta(days=rng.randint(7, 40))
                if updated >= self.now:
                    updated, status = created, "not_started"
            self.rows["goals"].append(
                (
                    gid,
                    rid,
                    GOALS[rng.randrange(len(GOALS))],
                    (created + timedelta(weeks=8)).date().isoformat(),
                    status,
                    w.ts(created),
                    w.ts(updated),
                )
            )
            self.audit(w.ts(created), navigator, "create", "goal", self.dashed(gid), rid)
            if status != "not_started":
                self.audit(
                    w.ts(updated),
                    navigator,
                    "update",
                    "goal",
                    self.dashed(gid),
                    rid,
                    '{"status": "not_started"}',
                    f'{{"status": "{status}"}}',
                )
        # Different activities: one is on a person's plan once at a time (uq_connections_open_listing).
        for listing_id, listing_name in rng.sample(self.listings, rng.randint(1, 3)):
            cid = self.new_id()
            created = step(0.01, 0.05)
            status = rng.choice(("suggested", "contacted", "attended_first_session", "attending_regularly", "stopped"))
            first = (created + timedelta(days=rng.randint(5, 20))).date()
            attended = status in ("attended_first_session", "attending_regularly") and first < self.today
            updated = (
                created
                if status == "suggested"
                else min(created + timedelta(days=rng.randint(3, 30)), self.now - timedelta(minutes=1))
            )
            self.rows["connections"].append(
                (
                    cid,
                    rid,
                    listing_id,
                    status,
                    self.bool(status != "suggested"),
                    self.bool(rng.random() < 0.2),
                    "",
                    "persons_choice" if status == "stopped" else "",
                    "",
                    w.ts(created),
                    first.isoformat() if attended else w.null,
                    w.ts(updated),
                )
            )
            self.audit(
                w.ts(created),
                navigator,
                "create",
                "connection",
                self.dashed(cid),
                rid,
                "null",
                _json({"listing": listing_name, "status": "suggested"}),
            )
            if status != "suggested":
                self.audit(
                    w.ts(updated),
                    navigator,
                    "update",
                    "connection",
                    self.dashed(cid),
                    rid,
                    '{"status": "suggested"}',
                    f'{{"status": "{status}", "buddy_went": false}}',
                )
        next_review = None
        for _ in range(rng.randint(0, 2) if state == "closed" else rng.randint(0, 1)):
            review_at = step(200, 500)
            next_review = (review_at + timedelta(days=42)).date()
            vid = self.new_id()
            self.rows["reviews"].append(
                (vid, rid, w.ts(review_at), navigator.id, REVIEWS[rng.randrange(len(REVIEWS))], next_review.isoformat())
            )
            self.audit(w.ts(review_at), navigator, "create", "review", self.dashed(vid), rid)
            # Only when asked for (the report benchmark): otherwise the stream stays as it was.
            if self.review_screens and rng.random() < self.review_screens:
                screen(review_at, "review", "medium", navigator)
        view(step(2, 48), navigator)
        if state == "in_support":
            fields["next_review_due"] = (next_review or (conversation + timedelta(days=42)).date()).isoformat()
            # Open in support: the 3-month follow-up is pending from the baseline (pairs.py).
            fields["follow_up_due"] = (conversation.date() + FOLLOW_UP_AFTER).isoformat()
            fields["follow_up_pending"] = "yes"
            return
        fields["next_review_due"] = (next_review or (conversation + timedelta(days=42)).date()).isoformat()
        closing = step(100, 600)
        screened = reason in ("goals_met", "referred_on") or (reason == "disengaged" and rng.random() < 0.5)
        if screened:
            screen(closing - timedelta(minutes=20), "closure", "low" if reason == "goals_met" else "medium", navigator)
        else:
            fields["follow_up_not_obtained_reason"] = {"deceased": "deceased", "moved_away": "moved_away"}.get(
                reason, "declined"
            )
        move(
            closing,
            navigator,
            "in_support",
            "closed",
            "Closed",
            note=CLOSURE_REASONS[reason],
            reason=CLOSURE_REASONS[reason],
        )
        if screened and reason != "disengaged" and rng.random() < 0.7:
            due = conversation.date() + FOLLOW_UP_AFTER
            fields["follow_up_due"] = due.isoformat()
            fields["contact_again_agreed"] = "yes"
            fields["follow_up_pending"] = "yes"  # as close_referral sets it, until the screen is recorded
            if due < self.today - timedelta(days=3) and rng.random() < 0.75:
                at = datetime.combine(due + timedelta(days=rng.randint(-10, 14)), datetime.min.time()) + timedelta(
                    hours=rng.randint(9, 17)
                )
                screen(min(at, self.now - timedelta(minutes=2)), "follow_up", "low", navigator)
                fields["follow_up_pending"] = ""

    def _finish(
        self,
        rid: str,
        pid: str,
        reference: str,
        state: str,
        version: int,
        source: str,
        team_id: str | None,
        referrer: Staff | None,
        proxy: bool,
        submitted: datetime,
        last: datetime,
        navigator: Staff | None,
        fields: dict[str, str | None],
        age: int,
        allocated: datetime | None = None,
    ) -> None:
        rng, w, null = self.rng, self.w, self.w.null
        needs = rng.sample(NEEDS, rng.randint(1, 3))
        name = referrer.name if referrer and not proxy else "Community group worker"
        self.rows["referrals"].append(
            (
                rid,
                reference,
                pid,
                state,
                str(version),
                self.new_id(),
                source,
                team_id or null,
                referrer.id if referrer else null,
                self.bool(proxy),
                name if referrer else "",
                "Social worker" if referrer else "",
                "020 7946 0500" if referrer else "",
                referrer.email if referrer and not proxy else "",
                REASONS[rng.randrange(len(REASONS))],
                WHAT_MATTERS[rng.randrange(len(WHAT_MATTERS))],
                _json(needs),
                "[]",
                _json(rng.sample(BARRIERS, rng.randint(0, 2))),
                _json(rng.sample(SUPPORT, rng.randint(0, 1))),
                self.bool(rng.random() < 0.02),
                "",
                self.bool(rng.random() < 0.05),
                self.bool(False),
                "",
                "yes",
                "person" if age >= 16 else "parent_carer",
                submitted.date().isoformat(),
                name if referrer else "",
                w.true,
                null if age >= 16 else w.true,
                "",
                w.ts(submitted),
                w.ts(last),
                navigator.id if navigator else null,
                w.ts(allocated) if allocated else null,
                fields.get("decision_reason", ""),
                fields.get("decision_note", ""),
                fields.get("redirected_to", ""),
                fields.get("more_info_question", ""),
                fields.get("closure_reason", ""),
                fields.get("closure_summary", ""),
                self.opt(fields.get("follow_up_due")),
                fields.get("follow_up_not_obtained_reason", ""),
                self.bool(bool(fields.get("follow_up_pending"))),
                self.opt(fields.get("next_review_due")),
                null,
                w.true if fields.get("contact_again_agreed") else null,
                null,
            )
        )

    def flush(self) -> None:
        for table, columns in TABLES.items():
            rows = self.rows[table]
            self.w.insert(table, columns, rows)
            self.counts[table] += len(rows)
            self.rows[table] = []
        self.w.commit()


STATE_JSON = {
    state: _json({"state": state})
    for state in [
        "submitted",
        "more_info_requested",
        "rejected",
        "redirected",
        "accepted",
        "allocated",
        "contacting",
        "engaged",
        "in_support",
        "closed",
    ]
}


def _nhs_number(rng: random.Random) -> str:
    """A fictional NHS number in the 999 test range with a valid check digit."""
    while True:
        digits = [9, 9, 9] + [rng.randrange(10) for _ in range(6)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


# -- the plan: how many of each, and when -------------------------------------------------


@dataclass
class Plan:
    states: list[tuple[str, Any]]  # (state, path) per referral
    navigator_loads: list[int]  # open cases per bench navigator
    demo_loads: dict[str, int]  # extra open cases per demo navigator


def make_plan(total: int, demo: Demo, rng: random.Random) -> Plan:
    triage = max(5, round(total * TRIAGE_SHARE))
    more_info = max(2, round(total * MORE_INFO_SHARE))
    unallocated = max(5, round(total * UNALLOCATED_SHARE))
    open_target = max(0, round(total * OPEN_SHARE) - triage - more_info - unallocated)
    # Demo navigators are filled to 20-25 open cases (their cap); bench navigators hold 20-36 each.
    demo_loads = {}
    for navigator in demo.navigators:
        already = demo.open_load.get(navigator.id, 0)
        demo_loads[navigator.id] = max(0, rng.randint(20, 25) - already)
    remaining = open_target - sum(demo_loads.values())
    loads = []
    while remaining > 0:
        load = rng.randint(20, 36)
        loads.append(load)
        remaining -= load
    open_cases = sum(demo_loads.values()) + sum(loads)
    states: list[tuple[str, Any]] = [("submitted", None)] * triage
    states += [("more_info_requested", None)] * more_info
    states += [("accepted", None)] * unallocated
    states += [(_pick(rng, OPEN_MIX), None) for _ in range(open_cases)]
    rest = total - len(states)
    if rest < 0:
        raise SystemExit(f"{total} referrals cannot hold the queues and {open_cases} open cases: load more")
    for _ in range(rest):
        state = _pick(rng, FINAL_MIX)
        if state == "closed":
            states.append(("closed", _pick(rng, CLOSED_MIX)))
        elif state == "rejected":
            states.append(("rejected", "no_answer" if rng.random() < 0.15 else rng.choice(REJECTIONS[:4])))
        else:
            states.append(("redirected", None))
    return Plan(states=states, navigator_loads=loads, demo_loads=demo_loads)


# How long before now each state's referrals were submitted (days): (earliest, latest; None:
# as long ago as the data goes back, `years`).
AGE_DAYS: dict[str, tuple[float, float | None]] = {
    "submitted": (0.02, 4),
    "more_info_requested": (2, 14),
    "accepted": (1, 12),
    "allocated": (3, 20),
    "contacting": (5, 30),
    "engaged": (8, 45),
    "in_support": (20, 150),
    "rejected": (3, None),
    "redirected": (3, None),
    "closed": (30, None),
}


def _submitted_at(rng: random.Random, state: str, now: datetime, years: float = YEARS) -> datetime:
    low, latest = AGE_DAYS[state]
    high = years * 365 if latest is None else latest
    moment = now - timedelta(seconds=int(rng.uniform(low, high) * 86400))
    # Staff refer in working hours on weekdays (London time is near enough UTC for the shape).
    moment = moment.replace(hour=rng.randint(8, 17), minute=rng.randrange(60), second=rng.randrange(60))
    while moment.weekday() >= 5:
        moment -= timedelta(days=1)
    return min(moment, now - timedelta(minutes=30))


# -- running it ---------------------------------------------------------------------------


def prepare(url: str, env: dict[str, str]) -> None:
    """Migrate to head, load postcodes and the demo (kept if already there)."""
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "navigator"]
    if not Path(flask[0]).exists():
        flask = [sys.executable, "-m", "flask", "--app", "navigator"]
    run_env = {**os.environ, **env, "DATABASE_URL": url}
    for command in (["db", "upgrade"], ["postcodes", "import", "--if-empty", *POSTCODE_FILES], ["seed"]):
        subprocess.run([*flask, *command], cwd=ROOT, env=run_env, check=True, capture_output=True)


def load(
    url: str,
    total: int,
    *,
    seed: int = 1,
    per_team: int = 1500,
    quiet: bool = False,
    jobs: int | None = None,
    years: float = YEARS,
    review_screens: float = 0.0,
) -> dict[str, int]:
    """Add `total` referrals to a migrated, seeded database, submitted over the last `years`
    (the open ones recently), with the loneliness screen taken again at `review_screens` of
    the reviews. Returns rows added per table.
    On PostgreSQL the rows are generated and copied in `jobs` processes (default: one a core,
    at most two), each with its own connection; SQLite has one writer, so one process."""
    started = time.perf_counter()
    say: Callable[..., None] = (lambda *a, **k: None) if quiet else print
    engine = sa.create_engine(url)
    writer: Writer = PostgresWriter(engine) if engine.dialect.name == "postgresql" else SQLiteWriter(engine)
    try:
        demo = read_demo(writer)
        rng = random.Random(seed)
        plan = make_plan(total, demo, rng)
        loader = Loader(writer, demo, seed=seed + 1, now=datetime.now(UTC), review_screens=review_screens)
        staff_share = 1 - SELF_REFERRAL_SHARE - PROXY_SHARE
        teams_needed = max(0, round(total * staff_share / per_team) - len(demo.teams)) if per_team else 0
        source_names = dict(writer.rows("SELECT code, name FROM referral_sources"))
        loader.add_staff(len(plan.navigator_loads), teams_needed, source_names)
        # Who holds each open case: every navigator gets exactly their load.
        holders: list[Staff] = []
        by_id = {navigator.id: navigator for navigator in demo.navigators}
        for navigator_id, extra in plan.demo_loads.items():
            holders += [by_id[navigator_id]] * extra
        bench_navigators = demo.navigators[len(plan.demo_loads) :]
        for navigator, count in zip(bench_navigators, plan.navigator_loads, strict=True):
            holders += [navigator] * count
        rng.shuffle(holders)
        # Submission times, then references numbered in date order within each year.
        timed = sorted(
            ((_submitted_at(rng, state, loader.now, years), state, path) for state, path in plan.states),
            key=lambda item: item[0],
        )
        numbers = dict(demo.references)
        say(
            f"  {total:,} referrals: {sum(1 for s, _ in plan.states if s not in FINAL)} not final "
            f"({len(holders):,} open cases), {len(demo.navigators)} navigators, {len(demo.teams)} referring teams"
        )
        # Each referral's reference and navigator, in date order; then their rows, batch by batch.
        planned: list[Planned] = []
        for submitted, state, path in timed:
            year = submitted.year
            numbers[year] = numbers.get(year, 0) + 1
            reference = f"CN-{year}-{numbers[year]:06d}"
            if state in OPEN or (state == "closed"):
                navigator = holders.pop() if state in OPEN else demo.navigators[rng.randrange(len(demo.navigators))]
            else:
                navigator = None
            planned.append((reference, submitted, state, path, navigator))
        batches = [planned[start : start + BATCH] for start in range(0, total, BATCH)]
        writer.drop_indexes(TABLES)
        if jobs is None:
            jobs = min(2, os.cpu_count() or 1) if isinstance(writer, PostgresWriter) else 1
        if jobs > 1 and isinstance(writer, PostgresWriter):
            say(f"  generating and copying in {jobs} processes ...", flush=True)
            added = _load_in_processes(
                url, demo, batches, seed=seed + 1, now=loader.now, jobs=jobs, say=say, review_screens=review_screens
            )
            for table, count in added.items():
                loader.counts[table] += count
        else:
            done = 0
            for number, batch in enumerate(batches):
                loader.start_batch(seed + 1, number)
                for item in batch:
                    loader.referral(*item)
                loader.flush()
                done += len(batch)
                elapsed = time.perf_counter() - started
                say(f"  {done:>9,} referrals  {sum(loader.counts.values()):>11,} rows  {elapsed:6.0f} s", flush=True)
        # New referrals carry on from the loaded ones (services/numbering.py claims from these rows).
        writer.wait()
        cursor = writer.raw.cursor()
        mark = writer.placeholder
        upsert = (
            f"INSERT INTO counters (name, value) VALUES ({mark}, {mark}) "
            f"ON CONFLICT (name) DO UPDATE SET value = {mark}"
        )
        for year, last in numbers.items():
            cursor.execute(upsert, (f"referral:{year}", last, last))
        writer.commit()
        say("  rebuilding indexes ...", flush=True)
        writer.rebuild_indexes()
        say(f"  indexes rebuilt at {time.perf_counter() - started:.0f} s; ANALYZE ...", flush=True)
        writer.analyze()
    finally:
        writer.close()
        engine.dispose()
    say(f"Loaded {total:,} referrals ({sum(loader.counts.values()):,} rows) in {time.perf_counter() - started:.0f} s")
    for table, count in loader.counts.items():
        say(f"  {table:<18} {count:>11,}")
    return loader.counts


# (reference, submitted at, state, path, navigator): one referral to generate.
Planned = tuple[str, datetime, str, Any, "Staff | None"]


def _batch_rng(seed: int, number: int, stream: str = "") -> random.Random:
    """Each batch its own random stream: the same data whichever process generates it."""
    return random.Random(f"{seed}:{number}" + (f":{stream}" if stream else ""))


def _load_in_processes(
    url: str,
    demo: Demo,
    batches: list[list[Planned]],
    *,
    seed: int,
    now: datetime,
    jobs: int,
    say: Callable[..., None],
    review_screens: float = 0.0,
) -> dict[str, int]:
    """Generate and COPY the batches in `jobs` processes (spawned: no connection is shared)."""
    context = multiprocessing.get_context("spawn")
    tasks: Any = context.Queue()
    results: Any = context.Queue()
    for number, batch in enumerate(batches):
        tasks.put((number, batch))
    workers = [
        context.Process(
            target=_generate_and_copy, args=(url, demo, seed, now, tasks, results, review_screens), daemon=True
        )
        for _ in range(jobs)
    ]
    for worker in workers:
        tasks.put(None)
        worker.start()
    started, done, rows, finished = time.perf_counter(), 0, 0, 0
    counts: dict[str, int] = dict.fromkeys(TABLES, 0)
    while finished < jobs:
        kind, value = results.get()
        if kind == "failed":
            for worker in workers:
                worker.terminate()
            raise RuntimeError(f"A loading process failed: {value}")
        if kind == "batch":
            done, rows = done + value[0], rows + value[1]
            say(f"  {done:>9,} referrals  {rows:>11,} rows  {time.perf_counter() - started:6.0f} s", flush=True)
        else:
            finished += 1
            for table, count in value.items():
                counts[table] += count
    for worker in workers:
        worker.join()
    return counts


def _generate_and_copy(
    url: str, demo: Demo, seed: int, now: datetime, tasks: Any, results: Any, review_screens: float = 0.0
) -> None:
    """One loading process: takes batches until told to stop, reports each, then its totals."""
    engine = sa.create_engine(url)
    writer = PostgresWriter(engine)
    try:
        loader = Loader(writer, demo, seed=seed, now=now, review_screens=review_screens)
        while (task := tasks.get()) is not None:
            number, batch = task
            before = sum(loader.counts.values())
            loader.start_batch(seed, number)
            for item in batch:
                loader.referral(*item)
            loader.flush()
            results.put(("batch", (len(batch), sum(loader.counts.values()) - before)))
        writer.wait()
        results.put(("counts", loader.counts))
    except BaseException as error:  # reported to the parent, which stops the others
        results.put(("failed", repr(error)))
    finally:
        writer.close()
        engine.dispose()


OPEN = frozenset({"allocated", "contacting", "engaged", "in_support"})
FINAL = frozenset({"closed", "rejected", "redirected"})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1_000_000, help="referrals to add (default 1,000,000)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""), help="default: DATABASE_URL")
    parser.add_argument("--no-setup", action="store_true", help="the database is already migrated and seeded")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--years", type=float, default=YEARS, help=f"years of submissions (default {YEARS})")
    parser.add_argument(
        "--referrals-per-team",
        type=int,
        default=1500,
        help="add fictional referring teams so each holds about this many (0: demo teams only)",
    )
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{ROOT / 'instance' / 'navigator.db'}"
    started = time.perf_counter()
    if not args.no_setup:
        print("Migrating and loading the demo ...", flush=True)
        prepare(url, {})
    load(url, args.referrals, seed=args.seed, per_team=args.referrals_per_team, years=args.years)
    print(f"Total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

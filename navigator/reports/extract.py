"""The pseudonymised extract for analysts (issue 10, domain.md 6.8): `flask reports extract`.

Row-level data for analysts inside the service, so it is pseudonymised rather than
suppressed: a keyed hash stands for each person, referral and screen (HMAC-SHA256 with
REPORT_EXTRACT_KEY, apart from PERSON_KEY_SECRET, so an extract cannot be joined back to the
database), the age band when referred instead of the date of birth, the ward instead of the
postcode, dates, and coded values only. No names, addresses, postcodes, dates of birth,
contact details, NHS numbers, references, staff, or any column people type into.

Three files go into a new directory:

- referrals.csv: every referral the period's report counts (received in the period, or
  with a decision, closure or other step in it, or its 3-month follow-up falling due in it);
- screens.csv: every screen of those referrals, whenever taken, so pairs are complete;
- summary.csv: the report's "Referrals received by source team and month" table, with the
  page's suppression (primary and secondary), for a figure that may be passed on as it is.

Rows are streamed from the database in batches (server-side on PostgreSQL), never loaded
all at once; the extract is audited (period and row counts, never content).
"""

from __future__ import annotations

import contextlib
import csv
import getpass
import hashlib
import hmac
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from navigator.clock import LONDON
from navigator.config import DEV_REPORT_EXTRACT_KEY, is_production
from navigator.extensions import db
from navigator.models import (
    AuditAction,
    Connection,
    ContactAttempt,
    ContactOutcome,
    Person,
    Referral,
    ReferralEvent,
    ReferralState,
    Screening,
    Team,
)
from navigator.reports.periods import Period
from navigator.reports.sections import section_of
from navigator.reports.service import RECORD_TYPE, safe_cell, settings
from navigator.reports.sql import Filters, age_band, submitted_in
from navigator.services import audit
from navigator.vocabularies import CLOSURE_REASONS, FOLLOW_UP_NOT_OBTAINED, NEEDS, REJECTION_REASONS
from navigator.working_days import working_days_between

S = ReferralState
REFERRALS_FILE, SCREENS_FILE, SUMMARY_FILE = "referrals.csv", "screens.csv", "summary.csv"
FILES = (REFERRALS_FILE, SCREENS_FILE, SUMMARY_FILE)
SUMMARY_TABLE = "referrals-by-source-team"
# Rows fetched from the database at a time.
BATCH_SIZE = 2000
MINIMUM_KEY_LENGTH = 16
# What a coded value looks like: no spaces, no capitals, nothing anyone typed.
CODE = re.compile(r"^[a-z0-9_]{1,60}$")
WARD_CODE = re.compile(r"^[A-Z][0-9]{8}$")  # GSS codes: E05009367

REFERRAL_COLUMNS = (
    "person_pseudonym",
    "referral_pseudonym",
    "re_referral",
    "received_in_period",
    "submitted_date",
    "age_band",
    "ward_code",
    "source_code",
    "source_team",
    "entered_by_proxy",
    "needs",
    "interpreter_needed",
    "state",
    "decision",
    "decision_date",
    "rejection_reason",
    "first_contact_date",
    "first_contact_working_days",
    "engaged_date",
    "first_activity_date",
    "first_activity_days",
    "closed_date",
    "closure_reason",
    "follow_up_due",
    "follow_up_not_obtained_reason",
)
SCREEN_COLUMNS = (
    "person_pseudonym",
    "referral_pseudonym",
    "screen_pseudonym",
    "baseline_screen_pseudonym",
    "instrument_code",
    "instrument_version",
    "scoring_version",
    "mode",
    "time_point",
    "occasion",
    "episode_baseline",
    "at_referral",
    "proxy",
    "comparable",
    "complete",
    "screen_age_band",
    "recorded_date",
    "total_score",
    "often_always",
    "item_scores",
    "subscores",
    "answers",
)


class ExtractError(Exception):
    """An extract that cannot be written as asked: the message says what to do."""


@dataclass(frozen=True)
class Written:
    directory: Path
    referrals: int
    screens: int
    key_fingerprint: str


# -- the key and the pseudonyms ---------------------------------------------------------------


def extract_key() -> str:
    """The key the pseudonyms are made with; refused in production unless it was set."""
    key = str(current_app.config.get("REPORT_EXTRACT_KEY") or "")
    if is_production():
        if not key or key == DEV_REPORT_EXTRACT_KEY:
            raise ExtractError("Set REPORT_EXTRACT_KEY: the development default must not be used in production.")
        if len(key) < MINIMUM_KEY_LENGTH:
            raise ExtractError(f"REPORT_EXTRACT_KEY is too short: use {MINIMUM_KEY_LENGTH} characters or more.")
    if key and key in (current_app.config.get("PERSON_KEY_SECRET"), current_app.config.get("SECRET_KEY")):
        raise ExtractError("REPORT_EXTRACT_KEY must differ from PERSON_KEY_SECRET and SECRET_KEY.")
    if not key:
        raise ExtractError("Set REPORT_EXTRACT_KEY.")
    return key


class Pseudonyms:
    """Keyed hashes: the same input and key always give the same pseudonym, and nobody
    without the key can tell what it stands for or make one to match."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def _of(self, kind: str, value: object) -> str:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def person(self, person_key: str) -> str:
        return self._of("person", person_key)

    def referral(self, referral_id: uuid.UUID) -> str:
        return self._of("referral", referral_id)

    def screen(self, screen_id: uuid.UUID | None) -> str:
        return self._of("screen", screen_id) if screen_id is not None else ""

    @property
    def fingerprint(self) -> str:
        """Which key made an extract (extracts made with the same key link up), not the key."""
        return self._of("fingerprint", "")[:12]


# -- which referrals, and their rows -----------------------------------------------------------


def _counted(period: Period) -> Any:
    """The referrals the period's report counts: received in it, a step taken in it, or the
    3-month follow-up falling due in it (as queries.anything_in)."""
    stepped = select(ReferralEvent.referral_id).where(
        ReferralEvent.at >= period.starts_at, ReferralEvent.at < period.ends_at
    )
    return sa.or_(
        submitted_in(period.starts_at, period.ends_at),
        Referral.id.in_(stepped),
        sa.and_(Referral.follow_up_due >= period.start, Referral.follow_up_due < period.end),
    )


def _when(state: ReferralState, first: bool = True) -> Any:
    event = aliased(ReferralEvent)
    moment = sa.func.min(event.at) if first else sa.func.max(event.at)
    return select(moment).where(event.referral_id == Referral.id, event.to_state == state).scalar_subquery()


def _referred_before() -> Any:
    """True for a referral whose person (by key) was referred before it: earlier, or at the
    same moment with a lower reference. The report counts the same (queries.people_referred)."""
    before, before_person = aliased(Referral), aliased(Person)
    return (
        sa.exists()
        .where(
            before.person_id == before_person.id,
            before_person.person_key == Person.person_key,
            sa.or_(
                before.submitted_at < Referral.submitted_at,
                sa.and_(before.submitted_at == Referral.submitted_at, before.reference < Referral.reference),
            ),
        )
        .correlate(Referral, Person)
    )


def referral_rows(period: Period) -> Any:
    """One row a referral: codes, moments and keys only (never names or text)."""
    first_contact = (
        select(sa.func.min(ContactAttempt.at))
        .where(ContactAttempt.referral_id == Referral.id, ContactAttempt.outcome == ContactOutcome.REACHED)
        .scalar_subquery()
    )
    first_activity = (
        select(sa.func.min(Connection.first_attended_at)).where(Connection.referral_id == Referral.id).scalar_subquery()
    )
    return (
        select(
            Person.person_key,
            Referral.id,
            sa.case((_referred_before(), True), else_=False),
            Referral.submitted_at,
            age_band(),
            Person.ward_code,
            Referral.source_code,
            Team.name,
            Referral.entered_by_proxy,
            Referral.needs,
            Person.interpreter_needed,
            Referral.state,
            _when(S.ACCEPTED),
            _when(S.REJECTED),
            _when(S.REDIRECTED),
            Referral.decision_reason,
            first_contact,
            _when(S.ENGAGED),
            first_activity,
            _when(S.CLOSED, first=False),
            Referral.closure_reason,
            Referral.follow_up_due,
            Referral.follow_up_not_obtained_reason,
        )
        .select_from(Referral)
        .join(Person, Person.id == Referral.person_id)
        .outerjoin(Team, Team.id == Referral.team_id)
        .where(_counted(period))
        .order_by(Referral.submitted_at, Referral.id)
    )


def screen_rows(period: Period) -> Any:
    """Every screen of the extract's referrals, in the order they were taken."""
    return (
        select(
            Person.person_key,
            Screening.referral_id,
            Screening.id,
            Screening.baseline_id,
            Screening.instrument_code,
            Screening.instrument_version,
            Screening.scoring_version,
            Screening.mode,
            Screening.time_point,
            Screening.occasion,
            Screening.episode_baseline,
            Screening.at_referral,
            Screening.proxy,
            Screening.comparable,
            Screening.complete,
            Screening.age_band,
            Screening.recorded_at,
            Screening.score,
            Screening.details,
        )
        .select_from(Screening)
        .join(Referral, Referral.id == Screening.referral_id)
        .join(Person, Person.id == Referral.person_id)
        .where(_counted(period))
        .order_by(Referral.submitted_at, Referral.id, Screening.recorded_at, Screening.id)
    )


def _streamed(query: Any) -> Iterator[Any]:
    """The rows a batch at a time: PostgreSQL keeps the rest on the server."""
    yield from db.session.execute(query, execution_options={"yield_per": BATCH_SIZE})


# -- cells -------------------------------------------------------------------------------------


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _day(moment: datetime | date | None) -> date | None:
    if isinstance(moment, datetime):
        return moment.astimezone(LONDON).date()
    return moment


def _date(moment: datetime | date | None) -> str:
    day = _day(moment)
    return day.isoformat() if day else ""


def _code(value: Any, allowed: Iterable[str] | None = None) -> str:
    """A code as stored, when it is one (in the vocabulary, if one is given); else blank."""
    text = getattr(value, "value", value)
    if not isinstance(text, str) or not CODE.match(text):
        return ""
    return text if allowed is None or text in allowed else ""


def _number(value: Any) -> str:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def _pairs(values: Any) -> str:
    """`item=value;item=value` of coded items with a number or a code (missing ones left out)."""
    if not isinstance(values, dict):
        return ""
    cells = []
    for item, value in values.items():
        shown = _number(value) or _code(value)
        if _code(item) and shown:
            cells.append(f"{item}={shown}")
    return ";".join(cells)


def referral_cells(row: Any, period: Period, pseudonyms: Pseudonyms) -> list[str]:
    (
        person_key,
        referral_id,
        re_referral,
        submitted,
        band,
        ward,
        source,
        team,
        proxy,
        needs,
        interpreter,
        state,
        accepted,
        rejected,
        redirected,
        reason,
        contacted,
        engaged,
        first_session,
        closed,
        closure_reason,
        follow_up_due,
        not_obtained,
    ) = row
    decided = min(
        (
            (moment, decision)
            for decision, moment in ((S.ACCEPTED, accepted), (S.REJECTED, rejected), (S.REDIRECTED, redirected))
            if moment
        ),
        key=lambda pair: pair[0],
        default=(None, None),
    )
    submitted_day = _day(submitted)
    first_day = _day(first_session)
    return [
        pseudonyms.person(person_key),
        pseudonyms.referral(referral_id),
        _flag(bool(re_referral)),
        _flag(period.starts_at <= submitted < period.ends_at),
        _date(submitted),
        _code(band),
        ward if isinstance(ward, str) and WARD_CODE.match(ward) else "",
        _code(source),
        team or "",
        _flag(proxy),
        ";".join(code for code in (needs or []) if code in NEEDS),
        _flag(interpreter),
        _code(state),
        _code(decided[1]),
        _date(decided[0]),
        _code(reason, REJECTION_REASONS) if rejected else "",
        _date(contacted),
        str(working_days_between(submitted, contacted)) if contacted else "",
        _date(engaged),
        _date(first_session),
        str((first_day - submitted_day).days) if first_day and submitted_day else "",
        _date(closed),
        _code(closure_reason, CLOSURE_REASONS),
        _date(follow_up_due),
        _code(not_obtained, FOLLOW_UP_NOT_OBTAINED),
    ]


def screen_cells(row: Any, pseudonyms: Pseudonyms) -> list[str]:
    (
        person_key,
        referral_id,
        screen_id,
        baseline_id,
        instrument,
        version,
        scoring_version,
        mode,
        time_point,
        occasion,
        episode_baseline,
        at_referral,
        proxy,
        comparable,
        complete,
        band,
        recorded,
        score,
        details,
    ) = row
    details = details if isinstance(details, dict) else {}
    chronic = details.get("chronic_loneliness")
    return [
        pseudonyms.person(person_key),
        pseudonyms.referral(referral_id),
        pseudonyms.screen(screen_id),
        pseudonyms.screen(baseline_id),
        _code(instrument),
        _version(version),
        _version(scoring_version),
        mode.value if mode is not None else "",  # the stored codes: "self-completed", "read out" ...
        _code(time_point),
        _code(occasion),
        _flag(episode_baseline),
        _flag(at_referral),
        _flag(proxy),
        _flag(comparable),
        _flag(complete),
        _code(band),
        _date(recorded),
        _number(score),
        _flag(chronic if isinstance(chronic, bool) else None),
        _pairs(details.get("item_scores")),
        _pairs(details.get("subscores")),
        _pairs(details.get("categories")),
    ]


VERSION = re.compile(r"^[a-z0-9_./-]{1,40}$")


def _version(value: Any) -> str:
    return value if isinstance(value, str) and VERSION.match(value) else ""


# -- writing -----------------------------------------------------------------------------------


def check_directory(directory: Path, *, overwrite: bool) -> None:
    """Refuse a path that is a file, a missing parent, or files already there (unless told
    to replace them)."""
    if directory.exists() and not directory.is_dir():
        raise ExtractError(f"{directory} is a file: give the name of a directory for the extract's files.")
    if not directory.parent.is_dir():
        raise ExtractError(f"{directory.parent} does not exist: create it first, or choose another place.")
    there = [name for name in FILES if (directory / name).exists()]
    if there and not overwrite:
        raise ExtractError(
            f"{directory} already has {', '.join(there)}: choose a new directory, or add --force to replace them."
        )


def _open_private(path: Path) -> Any:
    """A new file only its owner can read (the extract is personal data)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return open(descriptor, "w", encoding="utf-8", newline="")


def _write(path: Path, header: Iterable[str], rows: Iterable[list[str]]) -> int:
    written = 0
    with _open_private(path) as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(list(header))
        for cells in rows:
            writer.writerow([safe_cell(cell) for cell in cells])
            written += 1
    return written


def _summary_rows(period: Period) -> list[list[str]]:
    section = section_of(SUMMARY_TABLE)
    assert section is not None, "the report lost its referrals-by-source-team table"
    table = next(table for table in section.build(period, Filters(), settings()) if table.key == SUMMARY_TABLE)
    return [table.header, *table.all_rows]


def write_extract(period: Period, directory: Path, *, overwrite: bool = False) -> Written:
    """Write the period's pseudonymised extract into `directory` (made if missing, only its
    owner may open it). Audited: the period, the row counts and the key's fingerprint."""
    pseudonyms = Pseudonyms(extract_key())
    check_directory(directory, overwrite=overwrite)
    if not directory.exists():
        directory.mkdir(mode=0o700)
    parts = {name: directory / f".{name}.part" for name in FILES}
    try:
        referrals = _write(
            parts[REFERRALS_FILE],
            REFERRAL_COLUMNS,
            (referral_cells(row, period, pseudonyms) for row in _streamed(referral_rows(period))),
        )
        screens = _write(
            parts[SCREENS_FILE],
            SCREEN_COLUMNS,
            (screen_cells(row, pseudonyms) for row in _streamed(screen_rows(period))),
        )
        header, *summary = _summary_rows(period)
        _write(parts[SUMMARY_FILE], header, summary)
        audit.record(
            AuditAction.EXPORT,
            RECORD_TYPE,
            period.key,
            by=None,
            new={
                "period": period.key,
                "extract": "pseudonymised",
                "referrals": referrals,
                "screens": screens,
                "key_fingerprint": pseudonyms.fingerprint,
                "run_by": _account(),
            },
            reason="flask reports extract",
        )
        db.session.commit()
        for name, part in parts.items():
            part.replace(directory / name)
    finally:
        for part in parts.values():
            part.unlink(missing_ok=True)
    return Written(directory, referrals, screens, pseudonyms.fingerprint)


def _account() -> str:
    """The operating-system account that ran the command: the CLI has no signed-in user."""
    with contextlib.suppress(Exception):  # getpass raises whatever the platform's lookup does
        return getpass.getuser()[:60]
    return ""

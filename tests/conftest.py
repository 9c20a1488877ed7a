"""Shared fixtures: a real database built by migrations (SQLite, or PostgreSQL from
TEST_DATABASE_URL), a real search index in a temp dir, the Flask test client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from navigator import clock, create_app
from navigator.config import PROJECT_ROOT, TestConfig
from navigator.extensions import db
from navigator.geo.importer import import_file
from navigator.models import Cost, HowToJoin, Listing, ListingKind, Organisation, Vocabulary
from navigator.models.audit import APPEND_ONLY_TRIGGERS
from navigator.search.whoosh_backend import WhooshBackend
from navigator.seeding import load_taxonomy
from navigator.services.listings import ListingData, WeeklySession, add_listings, create_venue

SEED_DATA = PROJECT_ROOT / "seed" / "data"
# Tables loaded once per test session and kept between tests.
REFERENCE_TABLES = {
    "postcodes",
    "postcode_districts",
    "wards",
    "postcode_imports",
    "taxonomy_terms",
    "alembic_version",
    # Seeded by migration 0002: emptying them would leave later tests without roles or sources.
    "roles",
    "role_permissions",
    "referral_sources",
    "bank_holidays",
}


def database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


def reset_database(url: str) -> None:
    """Start from an empty database (PostgreSQL keeps its schema between runs)."""
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


@pytest.fixture(scope="session")
def session_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp_dir = tmp_path_factory.mktemp("app")
    url = database_url(tmp_dir)
    reset_database(url)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, SEARCH_INDEX_DIR=str(tmp_dir / "index"))
    with app.app_context():
        upgrade()
        for name in ("wards_hackney_city.csv", "postcode_districts_uk.csv", "postcodes_hackney_city.csv"):
            import_file(SEED_DATA / name)
        load_taxonomy()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(session_app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The app with an empty directory and a fresh search index for each test."""
    session_app.extensions["search"] = WhooshBackend(tmp_path / "index")
    session_app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    with session_app.app_context():
        yield session_app
        db.session.rollback()
        db.session.remove()
        empty_tables()


def empty_tables() -> None:
    """Delete every row the test made. The audit log refuses deletes (append-only), so
    PostgreSQL truncates (row triggers do not fire) and SQLite lifts its triggers briefly."""
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        triggers = (
            connection.execute(
                sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
            )
            .scalars()
            .all()
        )
        for name in APPEND_ONLY_TRIGGERS["sqlite"]:
            connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        for table in tables:
            connection.execute(table.delete())
        for sql in triggers:
            connection.execute(sa.text(sql))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(autouse=True)
def clock_at(monkeypatch: pytest.MonkeyPatch) -> None:
    """TEST_CLOCK_AT=2026-03-29T00:30:00+00:00 runs every test as if it started at that
    moment (time still passes): finds code and tests that only work at some hours,
    weekdays or seasons, such as just after midnight or on the day the clocks change."""
    start = os.environ.get("TEST_CLOCK_AT")
    if not start:
        return
    offset = datetime.fromisoformat(start) - datetime.now(UTC)
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset)


@pytest.fixture
def rate_limited(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Flask]]:
    """rate_limited(SELF_REFERRAL_RATE_LIMIT="5 per hour"): a second app on the same
    database with rate limiting on. Flask-Limiter reads its settings into the shared
    limiter when an app is created: they are put back afterwards."""
    from navigator.extensions import limiter

    for attribute in ("enabled", "initialized", "_storage", "_limiter"):
        if hasattr(limiter, attribute):
            monkeypatch.setattr(limiter, attribute, getattr(limiter, attribute))
    made: list[Flask] = []

    def make(**limits: str) -> Flask:
        limited = create_app(
            TestConfig,
            RATELIMIT_ENABLED=True,
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            SEARCH_INDEX_DIR=str(tmp_path / "limited-index"),
            **limits,
        )
        made.append(limited)
        return limited

    yield make
    for limited in made:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Set the application's clock: frozen_now(datetime(..., tzinfo=UTC))."""

    def freeze(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    return freeze


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Organisation]:
    def make(name: str | None = None, **fields: Any) -> Organisation:
        org = Organisation(name=name or f"Test group {uuid.uuid4().hex[:8]}", description="A test group", **fields)
        db.session.add(org)
        db.session.commit()
        return org

    return make


@pytest.fixture
def make_listing(app: Flask, make_org: Callable[..., Organisation]) -> Callable[..., Listing]:
    """Publish a listing through the service layer (so it is indexed too)."""
    default_org: list[Organisation] = []

    def make(
        name: str = "Test activity",
        *,
        kind: ListingKind = ListingKind.ACTIVITY,
        postcode: str | None = "E8 1DY",
        categories: tuple[str, ...] = (),
        groups: tuple[str, ...] = (),
        languages: tuple[str, ...] = (),
        access: tuple[str, ...] = (),
        days: tuple[str, ...] = ("tuesday",),
        starts_in: timedelta | None = None,
        lasts: timedelta = timedelta(hours=2),
        **fields: Any,
    ) -> Listing:
        if not default_org:
            default_org.append(make_org("Hackney Test Network"))
        venue_id = None
        if postcode:
            venue = create_venue(name=f"{name} venue", address_1="1 Test Street", postcode=postcode)
            db.session.flush()
            venue_id = venue.id
        data = ListingData(
            kind=kind,
            name=name,
            organisation_id=fields.pop("organisation_id", default_org[0].id),
            venue_id=venue_id,
            terms={
                Vocabulary.CATEGORY: list(categories),
                Vocabulary.TARGET_GROUP: list(groups),
                Vocabulary.LANGUAGE: list(languages),
                Vocabulary.ACCESSIBILITY: list(access),
            },
            cost=fields.pop("cost", Cost.FREE),
            how_to_join=fields.pop("how_to_join", HowToJoin.DROP_IN),
            **fields,
        )
        if kind is ListingKind.ACTIVITY:
            data.sessions = [WeeklySession(day, time(10, 30), time(12, 0)) for day in days]
        if kind is ListingKind.EVENT:
            start = clock.now() + (starts_in if starts_in is not None else timedelta(days=2))
            data.starts_at = start.astimezone(UTC).replace(microsecond=0)
            data.ends_at = data.starts_at + lasts
        return add_listings([data])[0]

    return make


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run in which no test passed (all skipped, none collected) is a failure."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    passed = len(reporter.stats.get("passed", [])) if reporter else 0
    if exitstatus == 0 and passed == 0 and not session.config.option.collectonly:
        session.exitstatus = 1


@pytest.fixture
def staff(app: Flask) -> dict[str, Any]:
    """One of each kind of staff: a referrer in a team, a navigator, a team lead, an admin,
    a directory moderator, an editor of one organisation and an analyst."""
    from tests.factories import make_team, make_user

    team = make_team("Hackney Adult Social Care North", email="ascn@example.org")
    other_team = make_team("City Mental Health Team", source_code="mental_health")
    organisation = Organisation(name="Clapton Lunch Club Collective", email="hello@clapton-lunch.example.org")
    db.session.add(organisation)
    db.session.commit()
    return {
        "organisation": organisation,
        "editor": make_user("organisation_editor", organisations=[organisation], name="Esme Editor"),
        "moderator": make_user("moderator", name="Moira Moderator"),
        "team": team,
        "other_team": other_team,
        "referrer": make_user("referrer", teams=[team], name="Rita Referrer"),
        "other_referrer": make_user("referrer", teams=[other_team], name="Omar Otherteam"),
        "navigator": make_user("navigator", name="Nadia Navigator"),
        "other_navigator": make_user("navigator", name="Nico Navigator"),
        "lead": make_user("team_lead", name="Lena Lead"),
        "admin": make_user("admin", name="Adam Admin"),
        "analyst": make_user("analyst", name="Ana Analyst"),
    }


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[[Any], FlaskClient]:
    """Sign in through the real sign-in form."""
    from tests.factories import sign_in

    def login(user: Any) -> FlaskClient:
        client.post("/sign-out")
        response = sign_in(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert response.headers["Location"].endswith("/staff/"), response.headers["Location"]
        return client

    return login


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A brand-new empty database of the kind under test (TEST_DATABASE_URL, or SQLite), for
    tests that run migrations themselves."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

"""Community Navigator: the City & Hackney community navigation service."""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import Engine, event

from navigator.config import INSTANCE_DIR, PROJECT_ROOT, Config, config_from_environment
from navigator.extensions import csrf, db, limiter, login_manager, migrate


def create_app(config: type[Config] | Config | None = None, **overrides: Any) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI and error pages."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "navigator" / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config or config_from_environment())
    app.config.update(overrides)
    _ensure_sqlite_directory(app.config["SQLALCHEMY_DATABASE_URI"])

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")

    import navigator.models  # noqa: F401  (register every table)

    db.init_app(app)
    with app.app_context():
        _tune_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.session_protection = "strong"

    from navigator.services.accounts import load_user

    login_manager.user_loader(load_user)

    from navigator.working_days import forget_bank_holidays

    @app.teardown_request
    def forget_user(_error: BaseException | None = None) -> None:
        # Flask-Login caches the user on g, which lives as long as the app context: with
        # an app context around several requests (tests, CLI), never carry it over; nor
        # the bank holidays read for the request.
        g.pop("_login_user", None)
        forget_bank_holidays()

    from navigator.search import init_search

    init_search(app)

    from navigator.admin import bp as admin_bp
    from navigator.assets import bp as assets_bp
    from navigator.auth.views import bp as auth_bp
    from navigator.casework import bp as casework_bp
    from navigator.directory import bp as directory_bp
    from navigator.health import bp as health_bp
    from navigator.info import bp as info_bp
    from navigator.listings import bp as listings_bp
    from navigator.moderation import bp as moderation_bp
    from navigator.organisations import bp as organisations_bp
    from navigator.referrals import bp as referrals_bp
    from navigator.reports import bp as reports_bp
    from navigator.shortlist import bp as shortlist_bp
    from navigator.staff import bp as staff_bp

    app.register_blueprint(assets_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(referrals_bp)
    app.register_blueprint(casework_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(info_bp)
    app.register_blueprint(shortlist_bp)
    app.register_blueprint(listings_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(reports_bp)

    from navigator.errors import register_error_handlers

    register_error_handlers(app)

    from navigator.cli import register_cli

    register_cli(app)

    from navigator.presenters import register_template_helpers

    register_template_helpers(app)
    _add_security_headers(app)
    return app


def _tune_sqlite(engine: Engine) -> None:
    """SQLite: enforce foreign keys as PostgreSQL does, let readers and a writer work at
    once (WAL), wait for a lock instead of failing at once, and keep the statistics the
    planner needs (SQLite's advice: PRAGMA optimize before a connection closes)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "close")
    def on_close(connection, _record):  # type: ignore[no-untyped-def]
        with contextlib.suppress(sqlite3.Error):  # a broken connection is being thrown away
            connection.execute("PRAGMA optimize")

    @event.listens_for(engine, "connect")
    def on_connect(connection, _record):  # type: ignore[no-untyped-def]
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        # PRAGMA optimize samples this many rows of each index, so it stays quick on big tables.
        cursor.execute("PRAGMA analysis_limit = 1000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()


def _ensure_sqlite_directory(uri: str) -> None:
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _add_security_headers(app: Flask) -> None:
    @app.before_request
    def make_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def inject_nonce() -> dict[str, str]:
        return {"csp_nonce": g.get("csp_nonce", "")}

    @app.after_request
    def set_headers(response):  # type: ignore[no-untyped-def]
        nonce = g.get("csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/assets/"):
            response.headers.setdefault("Cache-Control", "public, max-age=86400")
        return response

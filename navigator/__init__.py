"""Community Navigator: the City & Hackney community navigation service."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from navigator.config import PROJECT_ROOT, Config, config_from_environment
from navigator.extensions import csrf, db, migrate


def create_app(config: type[Config] | Config | None = None, **overrides: Any) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI and error pages."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "navigator" / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_object(config or config_from_environment())
    app.config.update(overrides)
    Path(app.config["SEARCH_INDEX_DIR"]).parent.mkdir(parents=True, exist_ok=True)
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
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)

    from navigator.search import init_search

    init_search(app)

    from navigator.assets import bp as assets_bp
    from navigator.directory import bp as directory_bp
    from navigator.health import bp as health_bp

    app.register_blueprint(assets_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(health_bp)

    from navigator.errors import register_error_handlers

    register_error_handlers(app)

    from navigator.cli import register_cli

    register_cli(app)

    from navigator.presenters import register_template_helpers

    register_template_helpers(app)
    _add_security_headers(app)
    return app


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

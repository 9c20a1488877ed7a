"""Configuration from environment variables, with safe embedded defaults.

Every variable is documented in README.md.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))

DEV_SECRET_KEY = "dev-only-not-secret"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'navigator.db'}")
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
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
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    TESTING = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True

    def __init__(self) -> None:
        if self.SECRET_KEY == DEV_SECRET_KEY:
            raise RuntimeError("Set SECRET_KEY: the development default must not be used in production.")


def config_from_environment() -> type[Config] | Config:
    if os.environ.get("NAVIGATOR_ENV", "development") == "production":
        return ProductionConfig()
    return Config

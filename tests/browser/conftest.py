"""The browser suite: Debian's Chromium, driven by Playwright, against the app served by
gunicorn on a loopback port with the demo data (`make setup-data`'s steps) and two-factor
sign-in on. Run by `make test-browser`; the plain `pytest` run leaves it out (marker
`browser`). Each journey runs at 1280 px and at 320 px, and every page it visits passes
checks.Checker's checks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from navigator import clock
from navigator.config import PROJECT_ROOT, TestConfig
from navigator.extensions import db
from navigator.seeding import DEMO_PASSWORD_DEFAULT
from tests.browser.checks import Checker
from tests.live_server import live_server

CHROMIUM = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
POSTCODE_FILES = [
    "seed/data/wards_hackney_city.csv",
    "seed/data/postcode_districts_uk.csv",
    "seed/data/postcodes_hackney_city.csv",
]
WIDTHS = [1280, 320]
# The demo accounts (seed/people/staff.yaml) standing for each kind of user.
ACCOUNTS = {
    "referrer": "referrer.asc@demo.example.org",
    "navigator": "navigator.amara@demo.example.org",
    "lead": "lead@demo.example.org",
    "analyst": "analyst@demo.example.org",
    "moderator": "moderator@demo.example.org",
    "editor": "editor@demo.example.org",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class Site:
    base: str
    app: Flask  # the same database, for reading what was stored and the security codes
    server_log: Path

    def security_code(self, email: str) -> str:
        """The code the person's authenticator app shows: set up (as `flask users
        demo-security-code` does) on first use, and a step not used yet (a code works once)."""
        from navigator.services.accounts import find_user_by_email, new_totp_secret

        with self.app.app_context():
            user = find_user_by_email(email)
            assert user is not None, email
            if not user.totp_secret:
                user.totp_secret = new_totp_secret()
                db.session.commit()
            totp = pyotp.TOTP(user.totp_secret)
            step = totp.timecode(clock.now())
            if user.totp_last_step is not None and user.totp_last_step >= step:
                step = user.totp_last_step + 1  # one step ahead is accepted (clock drift)
            code = totp.generate_otp(step)
            db.session.remove()
            return code


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'browser.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SEARCH_INDEX_DIR": str(tmp / "index"),
        "INSTANCE_PATH": str(tmp / "instance"),
    }
    env.pop("NAVIGATOR_ENV", None)
    env.pop("DEMO_PASSWORD", None)
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "navigator"]
    for command in (["db", "upgrade"], ["postcodes", "import", *POSTCODE_FILES], ["seed"], ["search", "reindex"]):
        subprocess.run([*flask, *command], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    app = create_data_app(url, tmp)
    server_env = {
        "REQUIRE_TWO_FACTOR": "true",
        "REGISTRATION_RATE_LIMIT": "10000 per hour",
        "REPORT_PROBLEM_RATE_LIMIT": "10000 per hour",
        "SERVICE_PHONE": "020 7946 0000",
        "SERVICE_EMAIL": "navigators@hackney.example.org",
        "SERVICE_HOURS": "Monday to Friday, 9am to 5pm",
    }
    with live_server(url, tmp, workers=2, threads=4, env=server_env) as base:
        yield Site(base=base, app=app, server_log=tmp / "server.log")
    with app.app_context():
        db.engine.dispose()


def create_data_app(url: str, tmp: Path) -> Flask:
    from navigator import create_app

    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, SEARCH_INDEX_DIR=str(tmp / "index"))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
    yield chromium
    chromium.close()


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def width(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@dataclass
class Visit:
    """One person at one screen width: go to pages, sign in, and check every page seen."""

    site: Site
    context: BrowserContext
    page: Page
    checker: Checker
    signed_in_as: str | None = None
    seen: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.checker.width

    @property
    def narrow(self) -> bool:
        return self.width < 641

    def go(self, path: str, *, check: bool = True, status: int = 200) -> Page:
        response = self.page.goto(self.site.base + path)
        assert response is not None and response.status == status, (path, response and response.status)
        if check:
            self.check()
        return self.page

    def check(self, label: str = "") -> None:
        self.checker.check(label)

    def tab_to(self, selector: str, *, limit: int = 200) -> None:
        """Press Tab until the element matching `selector` has focus (keyboard only)."""
        for _ in range(limit):
            if self.page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {selector} on {self.page.url}")

    def focused_id(self) -> str:
        return str(self.page.evaluate("() => document.activeElement ? document.activeElement.id : ''"))

    def url_path(self) -> str:
        return self.page.url.removeprefix(self.site.base)

    def sign_in(self, role: str) -> None:
        """Sign in as a demo account through the real pages, with the second step where the
        role has one (organisation editors sign in with a password alone)."""
        email = ACCOUNTS[role]
        self.site.security_code(email)  # the app is set up on the person's phone
        self.go("/sign-in")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD_DEFAULT)
        self.page.get_by_role("button", name="Sign in").click()
        if "/sign-in/security-code" in self.page.url:
            self.check("asking for the security code")
            field_ = self.page.get_by_label("Security code")
            assert field_.get_attribute("inputmode") == "numeric"
            assert field_.get_attribute("autocomplete") == "one-time-code"
            field_.fill(self.site.security_code(email))
            self.page.get_by_role("button", name="Continue").click()
        assert self.url_path().startswith("/staff"), self.page.url
        self.check("staff home")
        self.signed_in_as = role


@pytest.fixture
def visit(site: Site, browser: Browser, width: int) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=site.base)
    context.set_default_timeout(15_000)
    page = context.new_page()
    checker = Checker(page, width)
    yield Visit(site=site, context=context, page=page, checker=checker)
    checker.assert_no_console_errors()
    context.close()


def pytest_runtest_makereport(item: pytest.Item, call: Any) -> None:
    """On failure, the page's address and the server's last lines help say why."""
    if call.when == "call" and call.excinfo is not None and "visit" in getattr(item, "funcargs", {}):
        found = item.funcargs["visit"]
        item.add_report_section("call", "browser", f"page: {found.page.url}\nchecked: {found.checker.checked[-5:]}")

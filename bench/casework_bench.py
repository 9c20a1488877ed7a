"""Casework pages at scale: full-HTTP p50/p95 at demo size, then with N more referrals (issue 18).

    .venv/bin/python bench/casework_bench.py --database sqlite --referrals 100000
    .venv/bin/python bench/casework_bench.py --database both                   # 1,000,000 referrals
    .venv/bin/python bench/casework_bench.py --database both --reuse           # re-measure, no reload

For each database it builds a demo-size database (migrations, postcodes, `flask seed`) and a copy
of it, loads N referrals into the copy with bench/casework_data.py, and measures both through a
real server (gunicorn, 2 workers, a free loopback port) signed in as the demo team lead, a demo
navigator and a demo referrer. It prints a table: p95 at demo size and at N, their ratio, and
whether the target is met (p95 <= 100 ms and <= 2x demo; submit p95 <= 150 ms and <= 2x demo).
SQLite files live in --workdir; PostgreSQL uses the databases bench_casework (N referrals) and
bench_casework_demo on 127.0.0.1:5432 as user postgres, dropped and recreated on each run
unless --reuse. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import casework_data

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASES = {"demo": "bench_casework_demo", "loaded": "bench_casework"}
PASSWORD = os.environ.get("DEMO_PASSWORD") or "community-navigator-demo"
LEAD, NAVIGATOR, REFERRER = "lead@demo.example.org", "navigator.amara@demo.example.org", "referrer.asc@demo.example.org"
TARGET_MS, SUBMIT_TARGET_MS, MAX_RATIO = 100.0, 150.0, 2.0
# A page slower than this is not warmed up further; past --page-budget it stops at MIN_SAMPLES.
SLOW_MS, MIN_SAMPLES = 1000.0, 3


# -- a signed-in browser ------------------------------------------------------------------


class _Inputs(HTMLParser):
    """The named inputs of a page's forms, with their values (hidden fields included)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            named = dict(attrs)
            if named.get("name") and named.get("type") not in ("checkbox", "radio"):
                self.values.setdefault(str(named["name"]), named.get("value") or "")


def inputs(page: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(page)
    return parser.values


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    """One user's cookie jar against the server; redirects are not followed."""

    def __init__(self, base: str, timeout: float) -> None:
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: dict[str, object] | None = None) -> tuple[int, str, dict[str, str]]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=self.timeout) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def sign_in(self, email: str) -> None:
        _, page, _ = self.request("/sign-in")
        status, _, headers = self.request(
            "/sign-in", {"csrf_token": inputs(page).get("csrf_token", ""), "email": email, "password": PASSWORD}
        )
        if status != 302 or "sign-in" in headers.get("Location", "sign-in"):
            raise SystemExit(f"Could not sign in as {email} (HTTP {status}): is it a demo database?")


# -- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn with 2 workers on a free loopback port, against one database."""

    def __init__(self, url: str, workdir: Path, timeout: float) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (workdir / f"server-{self.port}.log").open("w")
        env = {
            **os.environ,
            **instance_env(workdir),
            "DATABASE_URL": url,
            "REQUIRE_TWO_FACTOR": "false",
            "SIGN_IN_RATE_LIMIT": "1000 per minute",
            "SECRET_KEY": "casework-bench-not-secret",
        }
        command = [
            str(VENV_BIN / "gunicorn"),
            "--workers=2",
            f"--bind=127.0.0.1:{self.port}",
            f"--timeout={int(timeout) + 10}",
            "navigator:create_app()",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"The server stopped: see {self.log.name}") from None
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"The server did not start: see {self.log.name}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# -- measuring ----------------------------------------------------------------------------


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)
    failures: int = 0
    note: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def p95(self) -> float:
        if not self.samples:
            return math.nan
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Page:
    label: str
    user: str
    # Given the request number, the path to get (or the request to make and its expected status).
    path: Callable[[int], str] | None = None
    submit: bool = False


def referral_ids(url: str) -> dict[str, list[str]]:
    """Referrals to open one at a time: newest of each kind, so no page is measured on one row."""
    engine = sa.create_engine(url)
    queries = {
        "triage": "SELECT r.id FROM referrals r WHERE r.state = 'submitted' ORDER BY r.submitted_at DESC",
        "allocate": "SELECT r.id FROM referrals r WHERE r.state = 'accepted' ORDER BY r.submitted_at DESC",
        "case": (
            "SELECT r.id FROM referrals r JOIN users u ON u.id = r.navigator_id "
            f"WHERE u.email = '{NAVIGATOR}' AND r.state IN ('allocated', 'contacting', 'engaged', 'in_support') "
            "ORDER BY r.submitted_at DESC"
        ),
        "status": (
            "SELECT r.id FROM referrals r JOIN team_members m ON m.team_id = r.team_id JOIN users u "
            f"ON u.id = m.user_id WHERE u.email = '{REFERRER}' ORDER BY r.submitted_at DESC"
        ),
    }
    found = {}
    with engine.connect() as connection:
        for name, sql in queries.items():
            rows = connection.execute(sa.text(sql + " LIMIT 40")).scalars().all()
            found[name] = [str(uuid.UUID(str(value))) for value in rows]
            if not found[name]:
                raise SystemExit(f"No referrals for the {name} page: is it a demo database?")
    engine.dispose()
    return found


def pages(ids: dict[str, list[str]]) -> list[Page]:
    def one(kind: str, template: str) -> Callable[[int], str]:
        return lambda n: template.format(ids[kind][n % len(ids[kind])])

    return [
        Page("triage queue (lead)", LEAD, lambda n: "/casework/triage"),
        Page("unallocated queue (navigator)", NAVIGATOR, lambda n: "/casework/unallocated"),
        Page("team referrals /referrals (referrer)", REFERRER, lambda n: "/referrals"),
        Page("triage one referral", LEAD, one("triage", "/casework/referrals/{}/triage")),
        Page("allocate one referral", LEAD, one("allocate", "/casework/referrals/{}/allocate")),
        Page("navigators' caseloads", LEAD, lambda n: "/casework/caseloads"),
        Page("follow-ups (navigator)", NAVIGATOR, lambda n: "/casework/follow-ups"),
        Page("follow-ups (lead)", LEAD, lambda n: "/casework/follow-ups"),
        Page("submit a referral", REFERRER, submit=True),
        Page("case page (navigator)", NAVIGATOR, one("case", "/casework/cases/{}")),
        Page("referral status (referrer)", REFERRER, one("status", "/referrals/{}")),
        Page("my caseload (navigator)", NAVIGATOR, lambda n: "/casework/caseload"),
        Page("staff home (lead)", LEAD, lambda n: "/staff/"),
    ]


def referral_form(browser: Browser, number: int) -> dict[str, object]:
    """A valid staff referral as the referrer's browser would post it (tests/referrals/helpers.py)."""
    status, page, _ = browser.request("/referrals/new")
    if status != 200:
        raise SystemExit(f"The referral form answered {status}")
    form = inputs(page)
    born, agreed = date(1950 + number % 40, 3, 14), date.today()
    return {
        "csrf_token": form.get("csrf_token", ""),
        "idempotency_key": uuid.uuid4().hex,  # a fresh key: a new referral each time
        "team": form.get("team", "") or _selected_team(page),
        "referrer_name": "Priya Raman",
        "referrer_role": "Social worker",
        "referrer_phone": "020 7946 0101",
        "referrer_email": REFERRER,
        "given_name": "Benchmark",
        "family_name": f"Person{number:05d}",
        "date_of_birth-day": str(born.day),
        "date_of_birth-month": str(born.month),
        "date_of_birth-year": str(born.year),
        "nhs_number": "",
        "address": "10 Test Road",
        "postcode": "E8 1DY",
        "phone": "020 7946 0999",
        "email": "",
        "preferred_contact_method": "phone",
        "preferred_contact_times": "Mornings",
        "languages": ["en"],
        "interpreter_needed": "no",
        "interpreter_language": "",
        "monitoring_lives_alone": "yes",
        "reason": "Lives alone and rarely goes out.",
        "what_matters": "Getting back to singing.",
        "needs": ["loneliness"],
        "barriers": ["mobility"],
        "support_needed": ["volunteer_buddy"],
        "safeguarding_reference": "",
        "risk_detail": "",
        "agreement": "yes",
        "agreed_by": "person",
        "agreement_date-day": str(agreed.day),
        "agreement_date-month": str(agreed.month),
        "agreement_date-year": str(agreed.year),
        "agreement_obtained_by": "Priya Raman",
        "information_sharing_agreed": "y",
        "gillick_competent": "",
        "screening_mode": "read out",
        "screen_ucla3__lack_companionship": "often",
        "screen_ucla3__left_out": "some_of_the_time",
        "screen_ucla3__isolated": "often",
        "screen_ons_direct__lonely": "often_always",
        "screening_not_completed_reason": "",
    }


def _selected_team(page: str) -> str:
    marker = 'name="team"'
    at = page.find(marker)
    start = page.find('value="', at) + len('value="')
    return page[start : page.find('"', start)] if at >= 0 else ""


def measure(base: str, ids: dict[str, list[str]], args: argparse.Namespace) -> dict[str, Timing]:
    browsers = {}
    for email in (LEAD, NAVIGATOR, REFERRER):
        browsers[email] = Browser(base, args.timeout)
        browsers[email].sign_in(email)
    results: dict[str, Timing] = {}
    for page in pages(ids):
        browser, timing = browsers[page.user], Timing()
        started = time.monotonic()
        warmup, number = args.warmup, 0
        while number < warmup + args.requests:
            if page.submit:
                data = referral_form(browser, number)
                began = time.perf_counter()
                status, _, headers = browser.request("/referrals/new", data)
                elapsed = (time.perf_counter() - began) * 1000
                ok = status == 302 and "/submitted" in headers.get("Location", "")
            else:
                path = page.path(number) if page.path else "/"
                began = time.perf_counter()
                try:
                    status, _, _ = browser.request(path)
                except TimeoutError:
                    status = 0
                elapsed = (time.perf_counter() - began) * 1000
                ok = status == 200
            if not ok:
                timing.failures += 1
                timing.note = f"HTTP {status} after {elapsed / 1000:.0f} s" if status else "timed out"
            elif number >= warmup:
                timing.samples.append(elapsed)
            elif elapsed > SLOW_MS:
                warmup = number + 1  # a page this slow is measured without more warming up
            number += 1
            # A very slow page gets fewer samples, so the run ends in reasonable time.
            spent = time.monotonic() - started
            if spent > args.page_budget and (len(timing.samples) >= MIN_SAMPLES or timing.failures >= 2):
                break
        results[page.label] = timing
        p95 = f"{timing.p95:8.1f}" if timing.samples else "       -"
        print(
            f"    {page.label:<38} n={len(timing.samples):>3}  p50 {timing.p50:8.1f}  p95 {p95} ms"
            + (f"  ({timing.failures} failed: {timing.note})" if timing.failures else ""),
            flush=True,
        )
    return results


# -- databases ----------------------------------------------------------------------------


def instance_env(workdir: Path) -> dict[str, str]:
    return {"INSTANCE_PATH": str(workdir / "instance"), "SEARCH_INDEX_DIR": str(workdir / "instance" / "index")}


def database_urls(kind: str, workdir: Path, databases: dict[str, str] = PG_DATABASES) -> dict[str, str]:
    """The demo-size and the loaded database: files in `workdir`, or PostgreSQL's `databases`."""
    if kind == "sqlite":
        return {name: f"sqlite:///{workdir / f'{name}.db'}" for name in ("demo", "loaded")}
    return {name: f"{PG_SERVER}/{database}" for name, database in databases.items()}


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True, capture_output=True)


def fresh_databases(kind: str, workdir: Path, databases: dict[str, str] = PG_DATABASES) -> None:
    """A demo-size database, and a copy of it for the load."""
    urls = database_urls(kind, workdir, databases)
    if kind == "sqlite":
        for name in ("demo", "loaded"):
            for suffix in ("", "-wal", "-shm"):
                Path(str(workdir / f"{name}.db") + suffix).unlink(missing_ok=True)
    else:
        for database in databases.values():
            psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        psql(f"CREATE DATABASE {databases['demo']}")
    casework_data.prepare(urls["demo"], instance_env(workdir))
    if kind == "sqlite":
        engine = sa.create_engine(urls["demo"])
        with engine.connect() as connection:
            connection.exec_driver_sql(f"VACUUM INTO '{workdir / 'loaded.db'}'")
        engine.dispose()
    else:
        psql(f"CREATE DATABASE {databases['loaded']} TEMPLATE {databases['demo']}")


def upgrade(url: str, workdir: Path) -> None:
    """A reused database gets the migrations added since it was loaded (new indexes, say),
    then fresh planner statistics, as `make setup-data` gives a deployment."""
    flask = [str(VENV_BIN / "flask"), "--app", "navigator"]
    env = {**os.environ, **instance_env(workdir), "DATABASE_URL": url}
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "analyze"], cwd=ROOT, env=env, check=True, capture_output=True)


def run_database(kind: str, args: argparse.Namespace) -> dict[str, object]:
    workdir = Path(args.workdir) / kind
    workdir.mkdir(parents=True, exist_ok=True)
    urls = database_urls(kind, workdir)
    print(f"\n== {kind}: {args.referrals:,} referrals" + (" (reused)" if args.reuse else ""), flush=True)
    load_seconds = None
    if args.reuse:
        for url in urls.values():
            upgrade(url, workdir)
    else:
        print("  building the demo database ...", flush=True)
        fresh_databases(kind, workdir)
    results: dict[str, dict[str, Timing]] = {}
    for name in ("demo", "loaded"):
        if name == "loaded" and not args.reuse:
            print(f"  loading {args.referrals:,} referrals ...", flush=True)
            began = time.perf_counter()
            casework_data.load(urls["loaded"], args.referrals, seed=args.seed)
            load_seconds = time.perf_counter() - began
        print(f"  measuring at {'demo size' if name == 'demo' else f'{args.referrals:,} referrals'} ...", flush=True)
        server = Server(urls[name], workdir, args.timeout)
        try:
            results[name] = measure(server.base, referral_ids(urls[name]), args)
        finally:
            server.stop()
    rows = table(kind, args.referrals, results["demo"], results["loaded"])
    outcome = {"database": kind, "referrals": args.referrals, "load_seconds": load_seconds, "rows": rows}
    (workdir / "results.json").write_text(json.dumps(outcome, indent=2))
    return outcome


def table(kind: str, referrals: int, demo: dict[str, Timing], loaded: dict[str, Timing]) -> list[dict[str, object]]:
    title = (
        f"{referrals // 1_000_000}M"
        if referrals % 1_000_000 == 0
        else f"{referrals // 1000:,}k"
        if referrals % 1000 == 0
        else f"{referrals:,}"
    )
    print(f"\n{kind}: full-HTTP p95 in ms, demo size and {title} referrals (ratio = {title} / demo, same run)\n")
    print(f"| page | demo p95 | {title} p95 | ratio | target met |")
    print("|---|---|---|---|---|")
    rows = []
    for label, small in demo.items():
        big = loaded[label]
        limit = SUBMIT_TARGET_MS if label.startswith("submit") else TARGET_MS
        ratio = big.p95 / small.p95 if big.samples and small.samples else math.nan
        met = bool(big.samples) and not big.failures and big.p95 <= limit and ratio <= MAX_RATIO
        shown = f"{big.p95:,.0f}" if big.samples else "–"
        if big.failures:
            shown += f" ({big.failures} × {big.note})"
        times = f"{ratio:,.1f}×" if not math.isnan(ratio) else "–"
        print(f"| {label} | {small.p95:,.0f} | {shown} | {times} | {'yes' if met else 'no'} |")
        rows.append(
            {
                "page": label,
                "demo_p50": small.p50,
                "demo_p95": small.p95,
                "p50": big.p50,
                "p95": big.p95,
                "samples": len(big.samples),
                "failures": big.failures,
                "note": big.note,
                "ratio": ratio,
                "met": met,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--referrals", type=int, default=1_000_000, help="referrals to load (default 1,000,000)")
    parser.add_argument("--reuse", action="store_true", help="measure the databases already loaded, no reload")
    parser.add_argument("--requests", type=int, default=30, help="measured requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=4, help="requests per page before measuring (default 4)")
    parser.add_argument("--page-budget", type=float, default=60, help="seconds per page before sampling stops")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a request counts as failed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "casework-bench"))
    args = parser.parse_args(argv)
    if not (VENV_BIN / "gunicorn").exists():
        raise SystemExit("Run `make install` first")
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if "postgresql" in kinds and shutil.which("psql") is None:
        raise SystemExit("PostgreSQL needs psql, and a server on 127.0.0.1:5432 (user postgres)")
    started = time.perf_counter()
    for kind in kinds:
        run_database(kind, args)
    print(f"\nTotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

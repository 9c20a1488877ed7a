"""The impact report at scale (issue 10): full-HTTP p50/p95 of /reports for the rolling 12
months, at demo size and with 100,000 referrals (about 300,000 screens) loaded.

    make bench-report                                                   # SQLite and PostgreSQL
    .venv/bin/python bench/report_bench.py --database sqlite --referrals 20000
    .venv/bin/python bench/report_bench.py --database both --reuse      # re-measure, no reload

For each database it builds a demo-size database (migrations, postcodes, `flask seed`) and a
copy of it, loads N referrals into the copy with bench/casework_data.py (all of them submitted
in the last --years, 1 by default, so the 12 months hold every one of them; equality monitoring
answers, and a loneliness screen at a share of reviews as well as at baseline, closure and
follow-up, so the paired sections have real pairs), and measures both through a real server
(gunicorn, 2 workers, a free loopback port, two-factor sign-in off) signed in as the demo
analyst: `/reports?period=rolling` for everyone, for one source team and for one ward, a few
warm-up requests and then --requests timed ones each. The target is p95 under 1 s at N
referrals on both databases; the ratio to the demo-size p95 of the same run is printed too.
`--sections` also times each section of the report in this process, with its slowest SQL.

SQLite files live in --workdir; PostgreSQL uses the databases bench_report (N referrals) and
bench_report_demo on 127.0.0.1:5432 as user postgres, dropped and recreated on each run unless
--reuse. Whatever sections the report has when it runs are measured. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import casework_bench
import casework_data
from casework_bench import Browser, Server, Timing

from navigator.reports.service import SERVICE_AREA_AUTHORITIES

PG_DATABASES = {"demo": "bench_report_demo", "loaded": "bench_report"}
ANALYST = "analyst@demo.example.org"
TARGET_MS = 1000.0
# Share of reviews at which the screen is taken again: about 3 screens a referral in all.
REVIEW_SCREENS = 0.25
REPORT = "/reports?period=rolling"
MARKER = "Referrals received by source team and month"


def filters(url: str) -> dict[str, str]:
    """The requests to time: everyone, the busiest source team, and the busiest ward of those the
    report can be narrowed to (the service area's)."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        team = connection.execute(
            sa.text(
                "SELECT team_id FROM referrals WHERE team_id IS NOT NULL "
                "GROUP BY team_id ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar()
        ward = connection.execute(
            sa.text(
                "SELECT p.ward_code FROM referrals r JOIN people p ON p.id = r.person_id "
                "JOIN wards w ON w.code = p.ward_code WHERE w.local_authority IN :area "
                "GROUP BY p.ward_code ORDER BY count(*) DESC LIMIT 1"
            ).bindparams(sa.bindparam("area", SERVICE_AREA_AUTHORITIES, expanding=True))
        ).scalar()
    engine.dispose()
    if team is None or ward is None:
        raise SystemExit("No referrals in the last 12 months: is it a demo database?")
    team_id = casework_data.Loader.dashed(casework_data._hex(team))
    return {
        "report, everyone": REPORT,
        "report, one source team": f"{REPORT}&team={team_id}",
        "report, one ward": f"{REPORT}&ward={ward}",
    }


def measure(base: str, requests: dict[str, str], args: argparse.Namespace) -> dict[str, Timing]:
    browser = Browser(base, args.timeout)
    browser.sign_in(ANALYST)
    results: dict[str, Timing] = {}
    for label, path in requests.items():
        timing = Timing()
        started = time.monotonic()
        for number in range(args.warmup + args.requests):
            began = time.perf_counter()
            try:
                status, page, _ = browser.request(path)
            except TimeoutError:
                status, page = 0, ""
            elapsed = (time.perf_counter() - began) * 1000
            if status != 200 or MARKER not in page or "govuk-error-summary" in page:
                timing.failures += 1
                timing.note = f"HTTP {status}" if status else "timed out"
            elif number >= args.warmup:
                timing.samples.append(elapsed)
            if time.monotonic() - started > args.page_budget and len(timing.samples) >= casework_bench.MIN_SAMPLES:
                break
        results[label] = timing
        print(
            f"    {label:<26} n={len(timing.samples):>3}  p50 {timing.p50:8.1f}  p95 {timing.p95:8.1f} ms"
            + (f"  ({timing.failures} failed: {timing.note})" if timing.failures else ""),
            flush=True,
        )
    return results


# -- where the time goes: each section, in this process --------------------------------------


@contextmanager
def statements_timed(engine: sa.Engine) -> Iterator[list[tuple[float, str]]]:
    """Every SQL statement run meanwhile, with its time in ms."""
    timed: list[tuple[float, str]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        conn.info.setdefault("started", []).append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        began = conn.info["started"].pop()
        timed.append(((time.perf_counter() - began) * 1000, statement))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield timed
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def time_sections(url: str, workdir: Path) -> list[dict[str, object]]:
    """Each section of the rolling-year report built in this process: total, SQL and the rest
    (suppression, statistics), and its slowest statement."""
    from navigator import clock, create_app
    from navigator.extensions import db
    from navigator.reports import queries, service
    from navigator.reports.periods import rolling_year
    from navigator.reports.sections import SECTIONS
    from navigator.reports.sql import Filters

    app = create_app(SQLALCHEMY_DATABASE_URI=url, SEARCH_INDEX_DIR=str(workdir / "instance" / "index"))
    rows: list[dict[str, object]] = []
    with app.app_context():
        period, shown = rolling_year(clock.today()), service.settings()
        steps = [("anything in the period", lambda: queries.anything_in(period, Filters()))]
        steps += [
            (section.title, lambda section=section: section.build(period, Filters(), shown)) for section in SECTIONS
        ]
        for _ in range(2):  # the first time warms the caches; the second is printed
            rows = []
            for title, build in steps:
                with statements_timed(db.engine) as timed:
                    began = time.perf_counter()
                    build()
                    total = (time.perf_counter() - began) * 1000
                sql = sum(ms for ms, _ in timed)
                slowest = max(timed, default=(0.0, ""))
                rows.append(
                    {
                        "section": title,
                        "total_ms": total,
                        "sql_ms": sql,
                        "statements": len(timed),
                        "slowest_ms": slowest[0],
                        "slowest": " ".join(slowest[1].split())[:160],
                    }
                )
        db.session.remove()
        db.engine.dispose()
    print(f"    {'section':<34} {'total':>8} {'SQL':>8} {'other':>8}  statements, slowest (ms)")
    for row in rows:
        total, sql = float(row["total_ms"]), float(row["sql_ms"])  # type: ignore[arg-type]
        print(
            f"    {row['section']!s:<34} {total:8.0f} {sql:8.0f} {total - sql:8.0f}  "
            f"{row['statements']:>3}, {float(row['slowest_ms']):.0f}: {row['slowest']}"  # type: ignore[arg-type]
        )
    return rows


# -- a run --------------------------------------------------------------------------------------


def run_database(kind: str, args: argparse.Namespace) -> dict[str, object]:
    workdir = Path(args.workdir) / kind
    workdir.mkdir(parents=True, exist_ok=True)
    urls = casework_bench.database_urls(kind, workdir, PG_DATABASES)
    print(f"\n== {kind}: {args.referrals:,} referrals" + (" (reused)" if args.reuse else ""), flush=True)
    load_seconds = None
    if args.reuse:
        for url in urls.values():
            casework_bench.upgrade(url, workdir)
    else:
        print("  building the demo database ...", flush=True)
        casework_bench.fresh_databases(kind, workdir, PG_DATABASES)
        print(f"  loading {args.referrals:,} referrals ...", flush=True)
        began = time.perf_counter()
        casework_data.load(
            urls["loaded"], args.referrals, seed=args.seed, years=args.years, review_screens=REVIEW_SCREENS
        )
        load_seconds = time.perf_counter() - began
    sizes = counts(urls["loaded"])
    print(f"  loaded database: {', '.join(f'{count:,} {table}' for table, count in sizes.items())}")
    results: dict[str, dict[str, Timing]] = {}
    sections: dict[str, list[dict[str, object]]] = {}
    for name in ("demo", "loaded"):
        size = "demo size" if name == "demo" else f"{args.referrals:,} referrals"
        print(f"  measuring at {size} ...", flush=True)
        server = Server(urls[name], workdir, args.timeout)
        try:
            results[name] = measure(server.base, filters(urls[name]), args)
        finally:
            server.stop()
        if args.sections:
            print(f"  sections at {size}, in this process ...", flush=True)
            sections[name] = time_sections(urls[name], workdir)
    rows = table(kind, args.referrals, results["demo"], results["loaded"])
    outcome = {
        "database": kind,
        "referrals": args.referrals,
        "rows": sizes,
        "load_seconds": load_seconds,
        "results": rows,
        "sections": sections,
    }
    (workdir / "results.json").write_text(json.dumps(outcome, indent=2))
    return outcome


def counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = {
            table: int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() or 0)
            for table in ("referrals", "screenings", "people", "equality_monitoring", "connections")
        }
    engine.dispose()
    return found


def table(kind: str, referrals: int, demo: dict[str, Timing], loaded: dict[str, Timing]) -> list[dict[str, object]]:
    size = f"{referrals // 1000:,}k" if referrals % 1000 == 0 else f"{referrals:,}"
    print(f"\n{kind}: full-HTTP times in ms, demo size and {size} referrals (ratio = {size} p95 / demo p95)\n")
    print(f"| request | demo p50 | demo p95 | {size} p50 | {size} p95 | ratio | p95 under 1 s |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    for label, small in demo.items():
        big = loaded[label]
        ratio = big.p95 / small.p95 if big.samples and small.samples else math.nan
        passed = bool(big.samples) and not big.failures and big.p95 < TARGET_MS
        print(
            f"| {label} | {small.p50:,.0f} | {small.p95:,.0f} | {big.p50:,.0f} | {big.p95:,.0f} | "
            f"{ratio:,.1f}× | {'PASS' if passed else 'FAIL'} |"
        )
        rows.append(
            {
                "request": label,
                "demo_p50": small.p50,
                "demo_p95": small.p95,
                "p50": big.p50,
                "p95": big.p95,
                "samples": len(big.samples),
                "failures": big.failures,
                "ratio": ratio,
                "passed": passed,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--referrals", type=int, default=100_000, help="referrals to load (default 100,000)")
    parser.add_argument("--years", type=float, default=1, help="years they were submitted over (default 1)")
    parser.add_argument("--reuse", action="store_true", help="measure the databases already loaded, no reload")
    parser.add_argument("--requests", type=int, default=20, help="timed requests of each kind (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="requests of each kind before timing (default 3)")
    parser.add_argument("--page-budget", type=float, default=300, help="seconds per kind before sampling stops")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a request counts as failed")
    parser.add_argument("--sections", action="store_true", help="also time each section in this process")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "report-bench"))
    args = parser.parse_args(argv)
    if not (casework_bench.VENV_BIN / "gunicorn").exists():
        raise SystemExit("Run `make install` first")
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if "postgresql" in kinds and shutil.which("psql") is None:
        raise SystemExit("PostgreSQL needs psql, and a server on 127.0.0.1:5432 (user postgres)")
    started = time.perf_counter()
    outcomes = [run_database(kind, args) for kind in kinds]
    failed = defaultdict(list)
    for outcome in outcomes:
        for row in outcome["results"]:  # type: ignore[attr-defined]
            if not row["passed"]:
                failed[outcome["database"]].append(row["request"])
    print(f"\nTotal {time.perf_counter() - started:.0f} s")
    if failed:
        print(
            "FAIL: p95 of 1 s or more: " + "; ".join(f"{kind}: {', '.join(labels)}" for kind, labels in failed.items())
        )
        raise SystemExit(1)
    print("PASS: every p95 under 1 s")


if __name__ == "__main__":
    main()

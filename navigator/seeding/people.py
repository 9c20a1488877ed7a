"""Fictional teams, staff accounts and listing work from seed/people/, then the demo referrals."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from navigator import clock
from navigator.extensions import db
from navigator.models import (
    Listing,
    ListingKind,
    Organisation,
    ProblemKind,
    ReferralSource,
    Role,
    Team,
    User,
)
from navigator.seeding.directory import add_timetable, common
from navigator.seeding.files import PEOPLE_DIR, DemoDirectoryMissing, SeedError, read
from navigator.seeding.referrals import DemoReferrals, ReferralSpec
from navigator.seeding.year import load_demo_year
from navigator.services.accounts import add_user, hash_password
from navigator.services.listings import (
    VenueData,
)
from navigator.services.referrals import NotFound, ReferralError

# -- demo staff accounts and referrals -----------------------------------------------------
#
# Fictional teams, staff and referred people from seed/people/*.yaml, loaded only into a
# database with no staff accounts. Every referral is built through the real services as the
# demo users would build it, with the clock moved back so that timestamps spread over the
# last eight weeks.

DEMO_PASSWORD_DEFAULT = "community-navigator-demo"


def demo_password() -> str:
    """The one password every demo account shares: DEMO_PASSWORD, or the documented default."""
    from navigator.services.accounts import AccountError, check_password_rules

    password = os.environ.get("DEMO_PASSWORD") or DEMO_PASSWORD_DEFAULT
    try:
        check_password_rules(password)
    except AccountError as error:
        raise SeedError(f"DEMO_PASSWORD: {error}") from error
    return password


def no_staff_accounts() -> bool:
    return not db.session.scalar(select(func.count(User.id)))


@dataclass
class DemoPeople:
    """How many of each the demo seed added."""

    teams: int
    users: int
    referrals: int
    registrations: int = 0


@contextmanager
def moved_clock() -> Iterator[Callable[[datetime], None]]:
    """Let the seed set navigator.clock.now; the real clock comes back afterwards."""
    original = clock.now
    moment = [original()]
    setattr(clock, "now", lambda: moment[0])  # noqa: B010  (a module function, swapped on purpose)

    def set_to(when: datetime) -> None:
        moment[0] = when

    try:
        yield set_to
    finally:
        setattr(clock, "now", original)  # noqa: B010


def load_demo_people(directory: Path = PEOPLE_DIR, *, password: str | None = None) -> DemoPeople:
    """Add the demo teams, staff accounts and referrals. Only into a database with no staff
    accounts: the demo password is public, so these accounts must never reach production."""
    if not no_staff_accounts():
        raise SeedError("There are staff accounts already: demo accounts are only loaded into an empty database")
    specs = [ReferralSpec.parse(item) for item in read(directory / "referrals.yaml")]
    _check_unique([spec.key for spec in specs], "referral key")
    listings = _find_listings({name for spec in specs for name in spec.listing_names()})
    teams = _load_teams(read(directory / "teams.yaml"))
    # One hash for the one shared password: argon2 is slow on purpose, and the demo password is public anyway.
    users = _load_staff(read(directory / "staff.yaml"), teams, hash_password(password or demo_password()))
    registrations = _load_registrations(directory / "registrations.yaml")
    _load_listing_work(directory / "listing_work.yaml", users)
    builder = DemoReferrals(users, listings)
    with moved_clock() as set_clock:
        start = clock.now()
        plans = [(spec, builder.plan(spec, start)) for spec in specs]
        # Submitted in date order, so reference numbers follow the calendar.
        for spec, steps in sorted(plans, key=lambda plan: plan[1][0].at):
            for step in steps:
                set_clock(step.at)
                try:
                    step.run(step.at)
                except (ReferralError, NotFound) as error:
                    raise SeedError(f"Referral {spec.key!r}, step {step.label!r}: {error!r}") from error
            builder.check(spec)
    # A year of generated referrals, so outcome and impact figures have something true to show.
    year = load_demo_year(users, count=current_app.config["DEMO_YEAR_REFERRALS"])
    return DemoPeople(teams=len(teams), users=len(users), referrals=len(specs) + year, registrations=registrations)


def _check_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise SeedError(f"Duplicate {what}: {value!r}")
        seen.add(value)


def _load_teams(items: list[dict[str, Any]]) -> dict[str, Team]:
    sources = set(db.session.scalars(select(ReferralSource.code)))
    teams: dict[str, Team] = {}
    _check_unique([item["key"] for item in items], "team key")
    for item in items:
        source = item.get("source")
        if source is not None and source not in sources:
            raise SeedError(f"Team {item['key']!r}: unknown referral source {source!r}")
        team = Team(name=item["name"], source_code=source, email=item.get("email", ""))
        db.session.add(team)
        teams[item["key"]] = team
    db.session.commit()
    return teams


def _load_staff(items: list[dict[str, Any]], teams: dict[str, Team], password_hash: str) -> dict[str, User]:
    roles = {role.code: role for role in db.session.scalars(select(Role))}
    # Organisation editors name their organisations as the demo directory does.
    organisations = {org.name: org for org in db.session.scalars(select(Organisation))}
    users: dict[str, User] = {}
    _check_unique([item["email"] for item in items], "staff email")
    for item in items:
        unknown = set(item["roles"]) - roles.keys()
        if unknown or set(item.get("teams", [])) - teams.keys():
            raise SeedError(f"Staff {item['email']!r}: unknown role or team")
        missing = set(item.get("organisations", [])) - organisations.keys()
        if missing:
            raise SeedError(f"Staff {item['email']!r}: no organisation called {', '.join(sorted(missing))}")
        user = add_user(
            email=item["email"],
            name=item["name"],
            roles=[roles[code] for code in item["roles"]],
            teams=[teams[key] for key in item.get("teams", [])],
            organisations=[organisations[name] for name in item.get("organisations", [])],
            by=None,
            reason="demo seed",
            job_title=item.get("job_title", ""),
            phone=item.get("phone", ""),
            password_hash=password_hash,
        )
        users[user.email] = user
    db.session.commit()
    return users


def _load_listing_work(path: Path, users: dict[str, User]) -> None:
    """Work waiting for the demo moderator: changes to live listings, new listings and
    problem reports, made through the editors' and residents' services."""
    from navigator.services import moderation
    from navigator.services.reports import report_problem
    from navigator.snapshots import data_from_snapshot, snapshot_of_listing

    if not path.exists():
        return
    work = read(path) or {}

    def listing_named(name: str) -> Listing:
        listing = db.session.scalar(select(Listing).where(Listing.name == name))
        if listing is None:
            raise SeedError(f"{path.name}: no listing called {name!r}")
        return listing

    def editor(email: str) -> User:
        if email not in users:
            raise SeedError(f"{path.name}: no demo account {email!r}")
        return users[email]

    with moved_clock() as set_clock:
        now = clock.now()
        for item in work.get("changes", []):
            set_clock(now - timedelta(days=float(item.get("days_ago", 1))))
            listing = listing_named(item["listing"])
            data = data_from_snapshot(snapshot_of_listing(listing))
            for field, value in item["set"].items():
                setattr(data, field, value)
            moderation.save_changes(listing.id, data, by=editor(item["by"]))
            moderation.submit_for_review(listing.id, by=editor(item["by"]))
        for item in work.get("new", []):
            set_clock(now - timedelta(days=float(item.get("days_ago", 1))))
            organisation = db.session.scalar(select(Organisation).where(Organisation.name == item["organisation"]))
            if organisation is None:
                raise SeedError(f"{path.name}: no organisation called {item['organisation']!r}")
            data = common(
                {**item, "organisation": "owner", "venue": None},
                ListingKind(item["kind"]),
                {"owner": organisation},
                {},
            )
            data.venue = VenueData(**item["venue"])
            add_timetable(data, item)
            listing = moderation.create_listing(data, by=editor(item["by"]))
            moderation.submit_for_review(listing.id, by=editor(item["by"]))
        for item in work.get("reports", []):
            set_clock(now - timedelta(days=float(item.get("days_ago", 1))))
            report_problem(listing_named(item["listing"]).id, ProblemKind(item["kind"]), item.get("details", ""))


def _load_registrations(path: Path) -> int:
    """Organisations waiting for a moderator, registered through the public form's service
    (so the moderators' mail is queued too), a few days before now."""
    from navigator.services.organisations import OrganisationError, Registration, register_organisation

    if not path.exists():
        return 0
    items = read(path) or []
    with moved_clock() as set_clock:
        now = clock.now()
        for item in items:
            set_clock(now - timedelta(days=float(item.get("days_ago", 1))))
            try:
                register_organisation(
                    Registration(
                        name=item["name"],
                        description=str(item.get("description", "")).strip(),
                        contact_name=item["contact_name"],
                        contact_email=item["contact_email"],
                        contact_phone=str(item.get("contact_phone", "")),
                        website=item.get("website", ""),
                        charity_number=str(item.get("charity_number", "")),
                        company_number=str(item.get("company_number", "")),
                    )
                )
            except OrganisationError as error:
                raise SeedError(f"Registration {item['name']!r}: {error}") from error
    return len(items)


def _find_listings(names: set[str]) -> dict[str, Listing]:
    found = {
        listing.name: listing
        for listing in db.session.scalars(select(Listing).where(Listing.name.in_(sorted(names))))
        if listing.is_public
    }
    missing = names - found.keys()
    if missing:
        raise DemoDirectoryMissing(
            "The demo referrals connect people to listings that are not in the directory "
            f"(load the demo directory first): {', '.join(sorted(missing))}"
        )
    return found

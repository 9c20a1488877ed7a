"""Command-line tasks: `flask seed`, `flask search reindex`, `flask postcodes import`,
`flask outbox send`, `flask users create-admin`, `flask analyze` (and `flask reports extract`,
in navigator/reports/cli.py)."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from navigator.config import is_production
from navigator.extensions import db
from navigator.reports.cli import reports_cli

search_cli = AppGroup("search", help="Search index tasks.")
postcodes_cli = AppGroup("postcodes", help="Postcode lookup tables.")
taxonomy_cli = AppGroup("taxonomy", help="Categories, target groups and other vocabularies.")
outbox_cli = AppGroup("outbox", help="Mail waiting to be sent.")
users_cli = AppGroup("users", help="Staff accounts.")
listings_cli = AppGroup("listings", help="Directory listings.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database."""
    from navigator.services.listings import count_public_listings, reindex_all

    total = count_public_listings()
    with click.progressbar(length=total, label="Indexing listings") as bar:
        count = reindex_all(progress=bar.update)
    click.echo(f"Indexed {count} listings.")


@postcodes_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--if-empty", is_flag=True, help="Do nothing if postcodes are already loaded.")
def import_postcodes_command(paths: tuple[Path, ...], if_empty: bool) -> None:
    """Load postcode, district or ward CSVs, or the ONS Postcode Directory CSV."""
    from navigator.geo.importer import ImportFormatError, count_rows, import_file
    from navigator.models import Postcode

    if if_empty and db.session.scalar(select(func.count()).select_from(Postcode)):
        click.echo("Postcodes already loaded; skipping.")
        return
    for path in paths:
        with click.progressbar(length=count_rows(path), label=f"Loading {path.name}") as bar:
            try:
                kind, count = import_file(path, progress=bar.update)
            except ImportFormatError as error:
                raise click.ClickException(f"{path.name}: {error}") from error
        click.echo(f"Loaded {count} {kind} rows from {path.name}.")


@taxonomy_cli.command("load")
def load_taxonomy_command() -> None:
    """Add or update terms from seed/taxonomy.yaml."""
    from navigator.seeding import load_taxonomy

    click.echo(f"Loaded {load_taxonomy()} taxonomy terms.")


@click.command("analyze")
def analyze_command() -> None:
    """Refresh the database's statistics (ANALYZE; on PostgreSQL VACUUM ANALYZE), from which
    it plans every query. Run it after loading many rows; PostgreSQL's autovacuum also does it
    as tables grow."""
    from navigator.database import analyze

    analyze()
    click.echo("Statistics refreshed.")


@click.command("seed")
def seed_command() -> None:
    """Load the taxonomy, the demo directory if the database has none, and the demo staff
    accounts and referrals if there are no accounts yet (never in production)."""
    from navigator.seeding import (
        DemoDirectoryMissing,
        SeedError,
        demo_password,
        directory_is_empty,
        load_demo_directory,
        load_demo_people,
        load_taxonomy,
        no_staff_accounts,
    )

    click.echo(f"Loaded {load_taxonomy()} taxonomy terms.")
    if directory_is_empty():
        click.echo(f"Loaded {load_demo_directory()} demo listings.")
    else:
        click.echo("The directory already has data; demo listings not loaded.")
    if is_production():
        click.echo("Production: demo accounts and referrals are never loaded. Use `flask users create-admin`.")
        return
    if not no_staff_accounts():
        click.echo("There are staff accounts already; demo accounts and referrals not loaded.")
        return
    try:
        password = demo_password()
        loaded = load_demo_people(password=password)
    except DemoDirectoryMissing as error:
        click.echo(f"Demo accounts and referrals not loaded. {error}")
        return
    except SeedError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Loaded {loaded.teams} teams, {loaded.users} demo accounts and {loaded.referrals} demo referrals.")
    click.echo(f"Demo accounts (see README.md) sign in with the password: {password}")


@outbox_cli.command("send")
@click.option("--limit", default=200, show_default=True, help="Most messages to send in this run.")
def send_outbox_command(limit: int) -> None:
    """Send the mail that is due, and retry failed messages whose time has come."""
    from navigator.models import OutboxMessage, OutboxStatus
    from navigator.services.mail import send_pending

    sent, failed = send_pending(limit=limit)
    pending = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    click.echo(f"Sent {sent}, failed {failed}, pending {pending}")


@users_cli.command("create-admin")
@click.argument("email")
@click.argument("name")
def create_admin_command(email: str, name: str) -> None:
    """Create a system admin (the first account of a new deployment) and print a one-time
    link to choose a password. Share the link only with that person."""
    from navigator.services.accounts import AccountError, create_admin

    try:
        user, link = create_admin(email=email, name=name)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    days = current_app.config["INVITATION_MAX_AGE"] // (24 * 60 * 60)
    click.echo(f"Created admin account for {user.name} <{user.email}>.")
    click.echo(f"Send them this link to choose a password. It works once, for {days} days:")
    click.echo(link)


@users_cli.command("demo-security-code")
@click.argument("email")
def demo_security_code_command(email: str) -> None:
    """Demo only: set up two-factor sign-in for a demo account if needed and print the code
    its authenticator app would show now. Refused in production and for non-demo accounts."""
    from navigator.services.accounts import current_security_code, find_user_by_email, new_totp_secret

    if is_production():
        raise click.ClickException("Not available in production.")
    user = find_user_by_email(email)
    if user is None or not user.email.endswith("@demo.example.org"):
        raise click.ClickException("No demo account with that email address.")
    if not user.totp_secret:
        user.totp_secret = new_totp_secret()
        db.session.commit()
    click.echo(current_security_code(user))


@listings_cli.command("review-stale")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Demo only: run the schedule as if it were noon on this date (YYYY-MM-DD). Refused in production.",
)
def review_stale_command(as_of: datetime | None) -> None:
    """Take the freshness steps that are due (ask owners to confirm, remind, rank lower, hide)
    and archive events that have ended. Safe to run again: nothing is sent twice. Run daily."""
    from navigator.clock import in_london
    from navigator.services.freshness import FreshnessError, review_stale

    now = None
    if as_of is not None:
        if is_production():
            raise click.ClickException("--as-of is for demonstrations only, and not available in production.")
        now = in_london(as_of.date(), time(12, 0))
        click.echo(f"Running as of {as_of.date().isoformat()} (demo).")
    try:
        summary = review_stale(now)
    except FreshnessError as error:
        raise click.ClickException(str(error)) from error
    click.echo(str(summary))


def register_cli(app: Flask) -> None:
    app.cli.add_command(search_cli)
    app.cli.add_command(postcodes_cli)
    app.cli.add_command(taxonomy_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(analyze_command)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(listings_cli)
    app.cli.add_command(reports_cli)

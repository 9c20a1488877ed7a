"""Command-line tasks: `flask seed`, `flask search reindex`, `flask postcodes import`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from navigator.extensions import db

search_cli = AppGroup("search", help="Search index tasks.")
postcodes_cli = AppGroup("postcodes", help="Postcode lookup tables.")
taxonomy_cli = AppGroup("taxonomy", help="Categories, target groups and other vocabularies.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database."""
    from navigator.services.listings import count_public_listings, reindex_all

    total = count_public_listings()
    with click.progressbar(length=total, label="Indexing listings") as bar:
        count = reindex_all(progress=bar.update)
    click.echo(f"Indexed {count} listings.")


@postcodes_cli.command("import")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
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


@click.command("seed")
def seed_command() -> None:
    """Load the taxonomy, and the demo directory if the database has none."""
    from navigator.seeding import directory_is_empty, load_demo_directory, load_taxonomy

    click.echo(f"Loaded {load_taxonomy()} taxonomy terms.")
    if not directory_is_empty():
        click.echo("The directory already has data; demo listings not loaded.")
        return
    click.echo(f"Loaded {load_demo_directory()} demo listings.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(search_cli)
    app.cli.add_command(postcodes_cli)
    app.cli.add_command(taxonomy_cli)
    app.cli.add_command(seed_command)

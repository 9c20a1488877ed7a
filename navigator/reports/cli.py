"""`flask reports extract`: the pseudonymised extract for analysts (navigator/reports/extract.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from navigator import clock

reports_cli = AppGroup("reports", help="The impact report.")


@reports_cli.command("extract")
@click.argument("directory", type=click.Path(file_okay=True, dir_okay=True, writable=True, path_type=Path))
@click.option("--period", help="A quarter (2026Q3) or rolling (the 12 months to today).")
@click.option("--from", "start", metavar="YYYY-MM", help="First month of a range of months (with --to).")
@click.option("--to", "end", metavar="YYYY-MM", help="Last month of a range of months (with --from).")
@click.option("--force", is_flag=True, help="Replace the extract's files if DIRECTORY already has them.")
def extract_command(directory: Path, period: str | None, start: str | None, end: str | None, force: bool) -> None:
    """Write the period's pseudonymised extract into DIRECTORY: referrals.csv, screens.csv and
    summary.csv (see README.md, "Pseudonymised extract"). Keyed hashes instead of people and
    references, age bands, wards, dates and codes; no names, addresses or free text. Audited."""
    from navigator.reports.extract import ExtractError, write_extract
    from navigator.reports.periods import PeriodError, parse_period

    if period and (start or end):
        raise click.UsageError("Give either --period or --from and --to, not both.")
    if not (period or start or end):
        raise click.UsageError("Give the period: --period 2026Q3, --period rolling, or --from 2026-01 --to 2026-06.")
    try:
        chosen = parse_period(period, start, end, clock.today())
    except PeriodError as error:
        raise click.BadParameter(str(error), param_hint="--from/--to" if start or end else "--period") from error
    try:
        written = write_extract(chosen, directory, overwrite=force)
    except ExtractError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Wrote the extract for {chosen.label} to {written.directory}: {written.referrals:,} referrals, "
        f"{written.screens:,} screens and the summary (small numbers suppressed)."
    )
    click.echo(f"Pseudonyms made with the key whose fingerprint is {written.key_fingerprint}.")

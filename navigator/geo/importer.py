"""Loading postcode lookup files into the database.

Accepts the files shipped in seed/data (Code-Point Open derived: postcodes,
districts, wards) and the ONS Postcode Directory (ONSPD) CSV, so a deployment can
load the whole country. The format is recognised from the header row.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from navigator.extensions import db
from navigator.geo.postcodes import PostcodeError, normalise_postcode
from navigator.models import Postcode, PostcodeDistrict, PostcodeImport, Ward

BATCH = 5000
POSTCODES: Table = Postcode.__table__  # type: ignore[assignment]
DISTRICTS: Table = PostcodeDistrict.__table__  # type: ignore[assignment]
WARDS: Table = Ward.__table__  # type: ignore[assignment]
# ONSPD marks postcodes with no grid reference with this latitude.
ONSPD_NO_LOCATION = 99.999999


class ImportFormatError(ValueError):
    pass


def detect_format(header: Sequence[str]) -> str:
    columns = {name.strip().lower() for name in header}
    if {"pcds", "lat", "long"} <= columns:
        return "onspd"
    if {"postcode", "latitude", "longitude"} <= columns:
        return "postcodes"
    if {"district", "latitude", "longitude"} <= columns:
        return "districts"
    if {"ward", "ward_name"} <= columns:
        return "wards"
    raise ImportFormatError(
        "Unrecognised file: expected a postcodes, districts or wards CSV from seed/data, "
        "or the ONS Postcode Directory CSV (with pcds, lat and long columns)"
    )


def _upsert(table: Table, rows: list[dict[str, Any]], key: str) -> None:
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(rows)
    updates = {column.name: statement.excluded[column.name] for column in table.columns if column.name != key}
    db.session.execute(statement.on_conflict_do_update(index_elements=[key], set_=updates))


def _batched(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def import_file(path: Path, progress: Callable[[int], None] | None = None) -> tuple[str, int]:
    """Load one file; returns (format, rows loaded). Re-importing updates rows in place."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        kind = detect_format(reader.fieldnames or [])
        rows_in = _tracked(reader, progress)
        if kind == "postcodes":
            count = _load(POSTCODES, "postcode", _codepoint_postcodes(rows_in))
        elif kind == "districts":
            count = _load(DISTRICTS, "district", _districts(rows_in))
        elif kind == "wards":
            count = _load(WARDS, "code", _wards(rows_in))
        else:
            centres: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
            count = _load(POSTCODES, "postcode", _onspd_postcodes(rows_in, centres))
            district_rows = [
                {"district": district, "latitude": lat / n, "longitude": lng / n}
                for district, (lat, lng, n) in centres.items()
            ]
            for batch in _batched(district_rows):
                _upsert(DISTRICTS, batch, "district")
    db.session.add(PostcodeImport(source=path.name, kind=kind, rows=count))
    db.session.commit()
    return kind, count


def _tracked(reader: csv.DictReader[str], progress: Callable[[int], None] | None) -> Iterator[dict[str, str]]:
    for row in reader:
        if progress:
            progress(1)
        yield row


def count_rows(path: Path) -> int:
    """Data rows in a CSV file (for the progress bar)."""
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def _load(table: Table, key: str, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    for batch in _batched(rows):
        _upsert(table, batch, key)
        count += len(batch)
    return count


def _codepoint_postcodes(rows: Iterable[dict[str, str]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        try:
            postcode = normalise_postcode(row["postcode"])
        except PostcodeError:
            continue
        lat, lng = _float(row.get("latitude")), _float(row.get("longitude"))
        if lat is None or lng is None or " " not in postcode:
            continue
        yield {
            "postcode": postcode,
            "latitude": lat,
            "longitude": lng,
            "local_authority": row.get("local_authority") or None,
            "ward_code": row.get("ward") or None,
        }


def _onspd_postcodes(rows: Iterable[dict[str, str]], centres: dict[str, list[float]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        if row.get("doterm"):  # terminated postcode
            continue
        lat, lng = _float(row.get("lat")), _float(row.get("long"))
        if lat is None or lng is None or abs(lat - ONSPD_NO_LOCATION) < 1e-6:
            continue
        try:
            postcode = normalise_postcode(row["pcds"])
        except PostcodeError:
            continue
        if " " not in postcode:
            continue
        centre = centres[postcode.split(" ")[0]]
        centre[0] += lat
        centre[1] += lng
        centre[2] += 1
        yield {
            "postcode": postcode,
            "latitude": lat,
            "longitude": lng,
            "local_authority": row.get("oslaua") or row.get("lad25cd") or None,
            "ward_code": row.get("osward") or None,
        }


def _districts(rows: Iterable[dict[str, str]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        lat, lng = _float(row.get("latitude")), _float(row.get("longitude"))
        district = (row.get("district") or "").strip().upper()
        if district and lat is not None and lng is not None:
            yield {"district": district, "latitude": lat, "longitude": lng}


def _wards(rows: Iterable[dict[str, str]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        if not row.get("ward"):
            continue
        yield {
            "code": row["ward"].strip(),
            "name": (row.get("ward_name") or row["ward"]).strip(),
            "local_authority": row.get("local_authority") or None,
            "local_authority_name": row.get("local_authority_name") or None,
            "latitude": _float(row.get("latitude")),
            "longitude": _float(row.get("longitude")),
        }

"""Postcode lookup and `flask postcodes import` (shipped files and the ONS Postcode Directory)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.geo.postcodes import PostcodeError, find_place, miles_between, normalise_postcode
from navigator.models import Postcode, PostcodeDistrict, PostcodeImport


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("e81dy", "E8 1DY"), (" E8  1DY ", "E8 1DY"), ("ec2v7hh", "EC2V 7HH"), ("n16", "N16"), ("E8", "E8")],
)
def test_postcodes_are_normalised(typed, expected):
    assert normalise_postcode(typed) == expected


@pytest.mark.parametrize("typed", ["", "12345", "not a postcode", "E8 1DYX", "8E 1DY", "E8 1D"])
def test_malformed_postcodes_are_refused(typed):
    with pytest.raises(PostcodeError):
        normalise_postcode(typed)


def test_find_place_uses_real_coordinates(app):
    town_hall = find_place("e8 1dy")
    assert (town_hall.latitude, town_hall.longitude) == pytest.approx((51.545320, -0.057953))
    assert town_hall.ward_code == "E05009372"
    district = find_place("N16")
    assert district.latitude == pytest.approx(51.562530)
    # Hackney Town Hall to the Guildhall: 3.31 km north-south, 2.33 km east-west, so 4.05 km.
    assert miles_between(town_hall.point, find_place("EC2V 7HH").point) == pytest.approx(2.52, abs=0.02)


def test_unknown_postcode_is_a_clear_error(app):
    with pytest.raises(PostcodeError, match="could not find the postcode ZZ9 9ZZ"):
        find_place("ZZ9 9ZZ")


ONSPD_HEADER = "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,lat,long"


def _onspd_row(postcode: str, terminated: str, lat: str, lng: str) -> str:
    padded = postcode.replace(" ", "  ")
    codes = '"E99999999","E99999999","E08000003","E05011368","E43000157","0","384456","398144"'
    return f'"{padded}","{padded}","{postcode}","198001","{terminated}",{codes},{lat},{lng}'


def test_import_accepts_the_ons_postcode_directory(app, tmp_path: Path):
    onspd = tmp_path / "ONSPD_NOV_2025_UK.csv"
    onspd.write_text(
        "\n".join(
            [
                ONSPD_HEADER,
                # A live postcode outside the shipped files (Manchester).
                _onspd_row("M1 1AE", "", "53.481078", "-2.235936"),
                _onspd_row("M1 1AF", "", "53.481670", "-2.235730"),
                # Terminated: skipped.
                _onspd_row("M1 1AG", "200012", "53.48", "-2.23"),
                # No grid reference: skipped.
                _onspd_row("M1 9ZZ", "", "99.999999", "0.000000"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["postcodes", "import", str(onspd)])
    assert result.exit_code == 0, result.output
    assert "Loaded 2 onspd rows" in result.output

    row = db.session.get(Postcode, "M1 1AE")
    assert (row.latitude, row.longitude, row.ward_code) == (53.481078, -2.235936, "E05011368")
    assert db.session.get(Postcode, "M1 1AG") is None
    assert db.session.get(Postcode, "M1 9ZZ") is None
    district = db.session.get(PostcodeDistrict, "M1")
    assert district.latitude == pytest.approx((53.481078 + 53.481670) / 2)
    assert db.session.scalar(select(PostcodeImport).where(PostcodeImport.source == onspd.name)).rows == 2
    # Clean up what this test added to the shared reference tables.
    db.session.delete(row)
    db.session.delete(db.session.get(Postcode, "M1 1AF"))
    db.session.delete(district)
    db.session.commit()


def test_import_refuses_an_unknown_file(app, tmp_path: Path):
    junk = tmp_path / "junk.csv"
    junk.write_text("name,colour\nfred,blue\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["postcodes", "import", str(junk)])
    assert result.exit_code != 0
    assert "Unrecognised file" in result.output


def test_import_if_empty_keeps_existing_data(app):
    before = db.session.scalar(select(PostcodeImport.id).order_by(PostcodeImport.id.desc()).limit(1))
    shipped = Path(__file__).resolve().parents[2] / "seed" / "data" / "postcodes_hackney_city.csv"
    result = app.test_cli_runner().invoke(args=["postcodes", "import", "--if-empty", str(shipped)])
    assert result.exit_code == 0
    assert "already loaded" in result.output
    assert db.session.scalar(select(PostcodeImport.id).order_by(PostcodeImport.id.desc()).limit(1)) == before

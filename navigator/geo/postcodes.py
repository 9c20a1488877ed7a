"""Postcode lookup and distances.

Postcodes come from the `postcodes` table (Code-Point Open for Hackney and the
City, or the full ONS Postcode Directory); outward codes such as "E8" fall back
to the `postcode_districts` table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import cos, radians

from geopy.distance import great_circle

from navigator.extensions import db
from navigator.models import Postcode, PostcodeDistrict

# Outward code: area letters, a district number and an optional letter (E8, EC2V, N1C, W1A).
_OUTWARD = r"[A-Z]{1,2}[0-9][0-9A-Z]?"
_INWARD = r"[0-9][A-Z]{2}"
FULL_POSTCODE = re.compile(rf"^({_OUTWARD})({_INWARD})$")
OUTWARD_CODE = re.compile(rf"^{_OUTWARD}$")

METRES_PER_MILE = 1609.344


class PostcodeError(ValueError):
    """A postcode the user typed that we cannot place."""


@dataclass(frozen=True)
class Place:
    """Where a search is centred: a postcode or an outward code and its position."""

    label: str
    latitude: float
    longitude: float
    ward_code: str | None = None

    @property
    def point(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)


def normalise_postcode(text: str) -> str:
    """Upper-case a postcode and put one space before the inward code: "e81dy" -> "E8 1DY".

    Returns the compacted outward code for partial postcodes ("e8" -> "E8").
    Raises PostcodeError for anything that is not shaped like a postcode.
    """
    compact = re.sub(r"\s+", "", text or "").upper()
    if not compact:
        raise PostcodeError("Enter a postcode")
    match = FULL_POSTCODE.match(compact)
    if match:
        return f"{match.group(1)} {match.group(2)}"
    if OUTWARD_CODE.match(compact):
        return compact
    raise PostcodeError("Enter a real postcode, like E8 1DY")


def find_place(text: str) -> Place:
    """Look up a full postcode or an outward code. Raises PostcodeError if unknown."""
    postcode = normalise_postcode(text)
    if " " in postcode:
        row = db.session.get(Postcode, postcode)
        if row is None:
            raise PostcodeError(f"We could not find the postcode {postcode}. Check it and try again")
        return Place(postcode, row.latitude, row.longitude, row.ward_code)
    district = db.session.get(PostcodeDistrict, postcode)
    if district is None:
        raise PostcodeError(f"We could not find the postcode area {postcode}. Check it and try again")
    return Place(postcode, district.latitude, district.longitude)


def lookup_postcode(text: str) -> Postcode | None:
    """The table row for a full postcode, or None."""
    try:
        postcode = normalise_postcode(text)
    except PostcodeError:
        return None
    return db.session.get(Postcode, postcode) if " " in postcode else None


def miles_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in miles: accurate to well under 1% across a city."""
    return float(great_circle(a, b).miles)


def bounding_box(centre: tuple[float, float], miles: float) -> tuple[float, float, float, float]:
    """A cheap lat/lng box that contains every point within `miles` of centre."""
    lat, lng = centre
    dlat = miles / 69.0
    dlng = miles / max(69.0 * cos(radians(lat)), 1e-6)
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng

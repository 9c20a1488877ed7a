"""All models, imported here so Alembic and the app see every table."""

from navigator.models.directory import (
    Activity,
    Cost,
    Event,
    Frequency,
    HowToJoin,
    Listing,
    ListingKind,
    ListingStatus,
    Organisation,
    Schedule,
    Space,
    TaxonomyTerm,
    Venue,
    Vocabulary,
    listing_terms,
)
from navigator.models.geo import Postcode, PostcodeDistrict, PostcodeImport, Ward

__all__ = [
    "Activity",
    "Cost",
    "Event",
    "Frequency",
    "HowToJoin",
    "Listing",
    "ListingKind",
    "ListingStatus",
    "Organisation",
    "Postcode",
    "PostcodeDistrict",
    "PostcodeImport",
    "Schedule",
    "Space",
    "TaxonomyTerm",
    "Venue",
    "Vocabulary",
    "Ward",
    "listing_terms",
]

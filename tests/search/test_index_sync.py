"""The index follows the database in the same service call, and can be rebuilt from it."""

from __future__ import annotations

from flask import Flask

from navigator.extensions import db
from navigator.models import Listing, ListingStatus
from navigator.services.listings import reindex_all, set_listing_status


def _indexed_ids(app: Flask) -> set[str]:
    return {match.document.id for match in app.extensions["search"].match("")}


def test_publishing_indexes_and_withdrawing_removes(app, make_listing):
    listing = make_listing("Dalston Chess Club")
    assert _indexed_ids(app) == {str(listing.id)}

    set_listing_status(listing.id, ListingStatus.ARCHIVED)
    assert _indexed_ids(app) == set()

    set_listing_status(listing.id, ListingStatus.PUBLISHED)
    assert _indexed_ids(app) == {str(listing.id)}


def test_reindex_rebuilds_from_the_database(app, make_listing):
    kept = make_listing("Hoxton Book Group")
    hidden = make_listing("Old group")
    # Change the database behind the index's back, as a restore from backup would.
    db.session.get(Listing, hidden.id).status = ListingStatus.HIDDEN
    db.session.commit()
    assert str(hidden.id) in _indexed_ids(app)

    assert reindex_all() == 1
    assert _indexed_ids(app) == {str(kept.id)}


def test_reindex_command_reports_progress(app, make_listing):
    make_listing("Homerton Walking Group")
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 listings." in result.output
    assert len(_indexed_ids(app)) == 1

"""Listings nobody has confirmed for 12 months come after fresh ones in search, keeping
their own order, with a "Last checked on" badge (domain.md 5.5)."""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil.relativedelta import relativedelta
from whoosh import index as whoosh_index
from whoosh.fields import STORED

from navigator.search.index import SearchDocument
from navigator.search.whoosh_backend import INDEX_NAME, WhooshBackend, _schema
from navigator.services.freshness import review_stale
from tests.directory.pages import Page

START = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
BADGE = "Last checked on 6 January 2025"


def search(client, **params: str) -> Page:
    page = Page(client.get("/search", query_string=params))
    assert page.status == 200, page.html[:500]
    return page


def test_a_stale_listing_ranks_after_a_fresh_match_with_a_badge(client, make_listing, frozen_now):
    frozen_now(START)
    old = make_listing("Aardvark Lunch Club")
    frozen_now(START + relativedelta(months=11))
    make_listing("Zebra Lunch Club")
    frozen_now(START + relativedelta(months=12))
    assert search(client, q="lunch").names == ["Aardvark Lunch Club", "Zebra Lunch Club"]

    review_stale()

    page = search(client, q="lunch")
    assert page.names == ["Zebra Lunch Club", "Aardvark Lunch Club"]
    stale, fresh = page.results[1], page.results[0]
    assert BADGE in stale.text
    assert "Last checked" not in fresh.text
    assert search(client).names == ["Zebra Lunch Club", "Aardvark Lunch Club"]
    detail = Page(client.get(f"/activities/{old.id}"))
    assert BADGE in detail.main_text


def test_stale_listings_keep_their_distance_order_after_fresh_ones(client, make_listing, frozen_now):
    frozen_now(START)
    make_listing("Near old group", postcode="E8 1DY")
    make_listing("Middle old group", postcode="E5 0LL")
    frozen_now(START + relativedelta(months=11))
    make_listing("Far new group", postcode="N16 7UX")
    frozen_now(START + relativedelta(months=12))
    assert search(client, postcode="E8 1DY").names == ["Near old group", "Middle old group", "Far new group"]

    review_stale()

    assert search(client, postcode="E8 1DY").names == ["Far new group", "Near old group", "Middle old group"]


def test_an_index_made_before_the_stale_flag_keeps_its_documents(tmp_path):
    old_schema = _schema()
    old_schema.remove("stale")
    index = whoosh_index.create_in(str(tmp_path), old_schema, indexname=INDEX_NAME)
    writer = index.writer()
    writer.add_document(id="a", kind="activity", name="Old")
    writer.commit()

    backend = WhooshBackend(tmp_path)

    assert isinstance(whoosh_index.open_dir(str(tmp_path), indexname=INDEX_NAME).schema["stale"], STORED)
    backend.upsert([SearchDocument(id="b", kind="activity", name="New", stale=True)])
    found = {match.document.id: match.document.stale for match in backend.match("")}
    assert found == {"a": False, "b": True}

"""Several processes (gunicorn workers, a CLI reindex) write to one index at once;
every document must be there afterwards."""

from __future__ import annotations

import multiprocessing
import uuid
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from navigator.search.index import SearchDocument
from navigator.search.whoosh_backend import WhooshBackend

PROCESSES = 4
DOCS_EACH = 15


def _write_documents(index_dir: str, worker: int) -> list[str]:
    backend = WhooshBackend(index_dir)
    ids = []
    for n in range(DOCS_EACH):
        doc_id = str(uuid.uuid4())
        # One commit per document, as a web request that changes one listing does.
        backend.upsert([SearchDocument(id=doc_id, kind="activity", name=f"Worker {worker} group {n}")])
        ids.append(doc_id)
    return ids


def _publish_listings(database_url: str, index_dir: str, organisation_id: str, worker: int) -> list[str]:
    from navigator import create_app
    from navigator.config import TestConfig
    from navigator.models import ListingKind
    from navigator.services.listings import ListingData, publish_listing

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, SEARCH_INDEX_DIR=index_dir)
    ids = []
    with app.app_context():
        for n in range(5):
            listing = publish_listing(
                ListingData(
                    kind=ListingKind.ACTIVITY,
                    name=f"Parallel knitting circle {worker}-{n}",
                    organisation_id=uuid.UUID(organisation_id),
                )
            )
            ids.append(str(listing.id))
    return ids


@pytest.mark.slow
def test_index_writes_from_several_processes_are_all_kept(tmp_path: Path):
    index_dir = str(tmp_path / "index")
    WhooshBackend(index_dir)  # created once, as `make run` does
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        written = pool.starmap(_write_documents, [(index_dir, worker) for worker in range(PROCESSES)])
    expected = {doc_id for ids in written for doc_id in ids}
    assert len(expected) == PROCESSES * DOCS_EACH

    backend = WhooshBackend(index_dir)
    assert backend.doc_count() == len(expected)
    assert {match.document.id for match in backend.match("")} == expected


@pytest.mark.slow
def test_listings_published_by_several_workers_are_all_searchable(app, client, make_org):
    org = make_org("Parallel Knitters")
    context = multiprocessing.get_context("spawn")
    arguments = [
        (app.config["SQLALCHEMY_DATABASE_URI"], app.config["SEARCH_INDEX_DIR"], str(org.id), worker)
        for worker in range(3)
    ]
    with context.Pool(3) as pool:
        written = pool.starmap(_publish_listings, arguments)
    expected = {listing_id for ids in written for listing_id in ids}

    found = {match.document.id for match in app.extensions["search"].match("knitting")}
    assert found == expected
    page = client.get("/search?q=knitting").get_data(as_text=True)
    assert "15 results" in page


def test_opening_the_index_survives_a_commit_that_removes_the_generation_it_found(tmp_path: Path, monkeypatch):
    """Another process's commit deletes the table of contents an opener has just listed;
    the opener reads the new generation instead of failing."""
    index_dir = str(tmp_path / "index")
    WhooshBackend(index_dir).upsert([SearchDocument(id=str(uuid.uuid4()), kind="activity", name="Lunch club")])
    read = whoosh_index.TOC.read
    vanished = []

    def read_after_a_commit(*args, **kwargs):
        if len(vanished) < 3:
            vanished.append(True)
            raise FileNotFoundError("_listings_1.toc")
        return read(*args, **kwargs)

    monkeypatch.setattr(whoosh_index.TOC, "read", read_after_a_commit)
    backend = WhooshBackend(index_dir)
    assert len(vanished) == 3
    assert [match.document.name for match in backend.match("lunch")] == ["Lunch club"]

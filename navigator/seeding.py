"""Loading the taxonomy and the demo directory from the readable files in seed/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from navigator import clock
from navigator.config import PROJECT_ROOT
from navigator.extensions import db
from navigator.models import (
    Cost,
    HowToJoin,
    ListingKind,
    Organisation,
    TaxonomyTerm,
    Vocabulary,
)
from navigator.services.listings import ListingData, WeeklySession, add_listings, create_venue

SEED_DIR = PROJECT_ROOT / "seed"


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_taxonomy(path: Path = SEED_DIR / "taxonomy.yaml") -> int:
    """Add or rename taxonomy terms from the file; existing codes keep their ids."""
    data = _read(path)
    existing = {(t.vocabulary, t.code): t for t in db.session.scalars(select(TaxonomyTerm))}
    count = 0

    def upsert(
        vocabulary: Vocabulary, item: dict[str, Any], position: int, parent: TaxonomyTerm | None
    ) -> None:
        nonlocal count
        term = existing.get((vocabulary, item["code"]))
        if term is None:
            term = TaxonomyTerm(vocabulary=vocabulary, code=item["code"])
            db.session.add(term)
            existing[(vocabulary, item["code"])] = term
        term.name = item["name"]
        term.description = item.get("description", "")
        term.position = position
        term.parent = parent
        count += 1
        for child_position, child in enumerate(item.get("children", [])):
            upsert(vocabulary, child, position * 100 + child_position + 1, term)

    for vocabulary in Vocabulary:
        for position, item in enumerate(data.get(vocabulary.value, [])):
            upsert(vocabulary, item, (position + 1) * 100, None)
    db.session.commit()
    return count


def directory_is_empty() -> bool:
    return not db.session.scalar(select(func.count(Organisation.id)))


def _time(text: str) -> time:
    return time.fromisoformat(str(text))


def _common(
    item: dict[str, Any], kind: ListingKind, orgs: dict[str, Organisation], venues: dict[str, Any]
) -> ListingData:
    contact = item.get("contact") or {}
    return ListingData(
        kind=kind,
        name=item["name"],
        organisation_id=orgs[item["organisation"]].id,
        venue_id=venues[item["venue"]].id if item.get("venue") else None,
        description=str(item.get("description", "")).strip(),
        terms={
            Vocabulary.CATEGORY: item.get("categories", []),
            Vocabulary.TARGET_GROUP: item.get("groups", []),
            Vocabulary.LANGUAGE: item.get("languages", []),
            Vocabulary.ACCESSIBILITY: item.get("accessibility", []),
            Vocabulary.FACILITY: item.get("facilities", []),
        },
        cost=Cost(item.get("cost") or item.get("hire_cost") or "free"),
        cost_detail=item.get("cost_detail") or item.get("hire_cost_detail") or "",
        how_to_join=HowToJoin(item.get("how_to_join", "drop_in")),
        min_age=item.get("min_age"),
        max_age=item.get("max_age"),
        contact_name=contact.get("name", ""),
        contact_email=contact.get("email", ""),
        contact_phone=contact.get("phone", ""),
        website=contact.get("website", ""),
    )


def _local(day_offset: int, at: str) -> datetime:
    day = clock.today() + timedelta(days=day_offset)
    return datetime.combine(day, _time(at), tzinfo=clock.LONDON)


def _listings(
    directory: Path, orgs: dict[str, Organisation], venues: dict[str, Any]
) -> Iterator[ListingData]:
    for item in _read(directory / "activities.yaml"):
        data = _common(item, ListingKind.ACTIVITY, orgs, venues)
        data.sessions = [
            WeeklySession(day=s["day"], start=_time(s["start"]), end=_time(s["end"]))
            for s in item.get("schedule", [])
        ]
        yield data
    for item in _read(directory / "events.yaml"):
        data = _common(item, ListingKind.EVENT, orgs, venues)
        # Events are dated relative to today so the demo never goes stale.
        data.starts_at = _local(int(item["starts_in_days"]), item["start"])
        data.ends_at = _local(int(item["starts_in_days"]), item["end"]) if item.get("end") else None
        yield data
    for item in _read(directory / "spaces.yaml"):
        data = _common(item, ListingKind.SPACE, orgs, venues)
        data.capacity = item.get("capacity")
        data.bookable = bool(item.get("bookable", False))
        data.booking_info = item.get("booking_info", "")
        data.how_to_join = HowToJoin(item.get("how_to_join", "contact_first"))
        yield data


def load_demo_directory(directory: Path = SEED_DIR / "directory") -> int:
    """Add the demo organisations, venues and listings; returns how many listings."""
    orgs: dict[str, Organisation] = {}
    for item in _read(directory / "organisations.yaml"):
        org = Organisation(
            name=item["name"],
            description=str(item.get("description", "")).strip(),
            website=item.get("website"),
            email=item.get("email"),
            phone=item.get("phone"),
            charity_number=str(item["charity_number"]) if item.get("charity_number") else None,
        )
        db.session.add(org)
        orgs[item["key"]] = org
    venues = {
        item["key"]: create_venue(
            name=item["name"],
            address_1=item["address_1"],
            address_2=item.get("address_2"),
            city=item.get("city", "London"),
            postcode=item["postcode"],
        )
        for item in _read(directory / "venues.yaml")
    }
    db.session.flush()
    return len(add_listings(_listings(directory, orgs, venues)))

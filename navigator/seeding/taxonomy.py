"""The taxonomy (categories, target groups, accessibility, languages) from seed/taxonomy.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from navigator.extensions import db
from navigator.models import (
    TaxonomyTerm,
    Vocabulary,
)
from navigator.seeding.files import SEED_DIR, read


def load_taxonomy(path: Path = SEED_DIR / "taxonomy.yaml") -> int:
    """Add or rename taxonomy terms from the file; existing codes keep their ids."""
    data = read(path)
    existing = {(t.vocabulary, t.code): t for t in db.session.scalars(select(TaxonomyTerm))}
    count = 0

    def upsert(vocabulary: Vocabulary, item: dict[str, Any], position: int, parent: TaxonomyTerm | None) -> None:
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

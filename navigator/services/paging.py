"""One page of a list: its rows, and a count of all of them for "Showing 1 to 25 of 1,234"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, inspect, literal, select

from navigator.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int  # the page shown: the last one when the one asked for is past the end
    size: int
    total: int  # all the rows (at least this many, when `more`)
    asked: int  # the page asked for
    more: bool = False  # the count stopped: there are more than `total`

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """Position of the first row shown, counting from 1 (0 when there are none)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    @property
    def past_the_end(self) -> bool:
        return self.asked > self.pages and not self.more


def paginate(
    query: Select[Any],
    number: int,
    size: int,
    *,
    ids: Callable[[int, int], Select[Any]] | None = None,
    count_ahead: int | None = None,
) -> Page[Any]:
    """Page `number` (from 1) of `query`, which selects one mapped class and must be ordered
    (ending with a unique column, so that rows do not move between pages).

    The count is the query's own filters under COUNT(*), so it reads only the index those
    filters use. The page is found ids first: the rows skipped to reach it are read as index
    entries (each list's index ends with the id), and only the page's own rows are then
    loaded with what hangs off them, so the last page costs about what the first does.
    `ids(limit, offset)`, if given, is a query of the page's ids in the same order that an
    index serves better than `query` can.

    `count_ahead`, for a list that can run to tens of thousands (every follow-up due in the
    service), counts no further than that many rows past the page asked for: the count then
    costs what reading those rows does, not what the whole list does, and the page says
    "more than" the number counted."""
    if count_ahead is None:
        count = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
        total, more = db.session.scalar(count) or 0, False
    else:
        enough = max(1, number) * size + count_ahead
        rows = query.with_only_columns(literal(1), maintain_column_froms=True).order_by(None).limit(enough + 1)
        counted = db.session.scalar(select(func.count()).select_from(rows.subquery())) or 0
        total, more = min(counted, enough), counted > enough
    pages = max(1, -(-total // size))
    shown = min(max(1, number), pages)
    entity = query.column_descriptions[0]["entity"]
    key = inspect(entity).primary_key[0]
    offset = (shown - 1) * size
    if ids is not None:
        window = ids(size, offset)
    else:
        window = query.with_only_columns(key, maintain_column_froms=True).limit(size).offset(offset)
    row_ids = list(db.session.scalars(window))
    items: list[Any] = []
    if row_ids:
        rows = select(entity).where(key.in_(row_ids)).options(*query._with_options)
        found = {getattr(row, key.key): row for row in db.session.scalars(rows).unique()}
        items = [found[row_id] for row_id in row_ids if row_id in found]
    return Page(items=items, number=shown, size=size, total=total, asked=max(1, number), more=more)
